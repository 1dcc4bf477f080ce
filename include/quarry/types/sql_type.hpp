// sql_type: the dialect-neutral database type of a column.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

// The database type of a column, dialect-neutral (SQLAlchemy's generic types);
// each dialect spells it (dialect::type_name). A type_traits<T> specialization
// says which one its T is through `static constexpr sql_type column_type()`.
namespace quarry {

enum class sql_type_kind : std::uint8_t {
  boolean,
  small_integer,     // 16 bits
  integer,           // 32 bits
  big_integer,       // 64 bits
  real,              // 32-bit float
  double_precision,  // 64-bit float
  numeric,           // exact decimal
  text,              // VARCHAR(length) when length is set
  blob,
  date,
  timestamp,         // with time zone (UTC)
  uuid,
  json,
  enumeration,       // `name` is the type's name, `values` its labels
  custom,            // `name` is the SQL spelling, used as is on every dialect
};

struct sql_type {
  sql_type_kind kind = sql_type_kind::text;
  std::uint32_t length = 0;
  std::string_view name{};
  std::span<const std::string_view> values{};

  static constexpr sql_type of(sql_type_kind kind) noexcept { return {kind}; }
  static constexpr sql_type custom(std::string_view spelling) noexcept { return {sql_type_kind::custom, 0, spelling}; }
};

}  // namespace quarry
