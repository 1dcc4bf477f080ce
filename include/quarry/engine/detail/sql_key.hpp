// SQL text with its hash, computed once where the text is built.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace quarry::detail {

// SQL text with its hash, computed once where the text is built (text() does it
// when parsing), so finding a cached statement does not hash the SQL again.
struct sql_key {
  std::string_view sql;
  std::size_t hash;

  static sql_key of(std::string_view sql) { return {sql, std::hash<std::string_view>{}(sql)}; }
  bool operator==(const sql_key& other) const noexcept { return hash == other.hash && sql == other.sql; }
};

struct sql_key_hash {
  std::size_t operator()(const sql_key& key) const noexcept { return key.hash; }
};

}  // namespace quarry::detail
