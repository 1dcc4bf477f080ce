// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/connection.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/engine/events.hpp"
#include "quarry/engine/interfaces.hpp"
#include "quarry/engine/options.hpp"
#include "quarry/engine/params.hpp"
#include "quarry/engine/pool.hpp"
#include "quarry/engine/registry.hpp"
#include "quarry/engine/result.hpp"
#include "quarry/engine/row.hpp"
#include "quarry/engine/text.hpp"
#include "quarry/engine/url.hpp"
#include "quarry/errors.hpp"
#include "quarry/types/param.hpp"
#include "quarry/types/type_traits.hpp"
#include "quarry/types/value.hpp"
