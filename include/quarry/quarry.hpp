// Umbrella header of everything: types, Core, engine, ORM, reflection, and the dialects built.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core.hpp"
#include "quarry/dialect/fwd.hpp"
#include "quarry/dialect/sqlite.hpp"
#include "quarry/engine.hpp"
#include "quarry/orm.hpp"
#include "quarry/reflect.hpp"
#include "quarry/types.hpp"
#include "quarry/version.hpp"

// JSON columns: include "quarry/types/json.hpp" where you use them. It is left
// out here because nlohmann/json's header alone costs more to compile than Quarry.

// The PostgreSQL driver is part of the quarry::postgresql target, which defines
// QUARRY_WITH_POSTGRESQL; without it nothing here includes libpq.
#if defined(QUARRY_WITH_POSTGRESQL)
#include "quarry/dialect/postgresql.hpp"
#endif
