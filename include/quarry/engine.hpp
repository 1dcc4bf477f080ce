// Umbrella header of the engine layer: Engine, Connection, results, events, and the driver contract.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dbapi/fwd.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/dbapi/options.hpp"
#include "quarry/dbapi/registry.hpp"
#include "quarry/dbapi/row.hpp"
#include "quarry/dbapi/url.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/engine/events.hpp"
#include "quarry/engine/fwd.hpp"
#include "quarry/engine/metadata_ddl.hpp"
#include "quarry/engine/params.hpp"
#include "quarry/engine/pool.hpp"
#include "quarry/engine/result.hpp"
#include "quarry/engine/retry.hpp"
#include "quarry/engine/text.hpp"
#include "quarry/errors.hpp"
#include "quarry/types/param.hpp"
#include "quarry/types/type_traits.hpp"
#include "quarry/types/value.hpp"
