// Umbrella header of the ORM: the Session, relationships and loader options, with the Core.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core.hpp"
#include "quarry/orm/fwd.hpp"
#include "quarry/orm/relationship_criteria.hpp"
#include "quarry/orm/session.hpp"
#include "quarry/orm/sessionmaker.hpp"
