// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dialect/sqlite.hpp"
#include "quarry/engine.hpp"
#include "quarry/version.hpp"

// The PostgreSQL driver is part of the quarry::postgresql target, which defines
// QUARRY_WITH_POSTGRESQL; without it nothing here includes libpq.
#if defined(QUARRY_WITH_POSTGRESQL)
#include "quarry/dialect/postgresql.hpp"
#endif
