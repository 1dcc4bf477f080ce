// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

// The ORM: the Session (unit of work, identity map) over models declared with QUARRY_MODEL.
#include "quarry/orm/relationship_criteria.hpp"
#include "quarry/orm/session.hpp"
