// Umbrella header of the types layer: the C++ types Quarry stores and the customization point.
// Quarry - SQLAlchemy for C++20. MIT License.
// The C++ types Quarry stores, and the customization point for your own
// (quarry::type_traits). JSON is in quarry/types/json.hpp (needs nlohmann/json).
#pragma once

#include "quarry/types/chrono.hpp"
#include "quarry/types/enum.hpp"
#include "quarry/types/fwd.hpp"
#include "quarry/types/param.hpp"
#include "quarry/types/sql_type.hpp"
#include "quarry/types/type_traits.hpp"
#include "quarry/types/uuid.hpp"
#include "quarry/types/value.hpp"
