// Declarations of the types layer's names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstdint>

namespace quarry {
enum class value_kind : std::uint8_t;
class value_ref;
class value;
class param;
struct named_param;
struct sql_type;
enum class sql_type_kind : std::uint8_t;
class uuid;
template <class T>
struct type_traits;
}  // namespace quarry
