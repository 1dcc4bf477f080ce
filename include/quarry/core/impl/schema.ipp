// The non-template implementation of quarry/core/schema.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/schema.hpp"

namespace quarry {

QUARRY_DECL auto column_info::named(std::string column_name, sql_type column_type, bool is_nullable) -> column_info {
  column_info c;
  c.name = std::move(column_name);
  c.type = column_type;
  c.nullable = is_nullable;
  return c;
}

QUARRY_DECL auto table_info::column_index(std::string_view column) const -> std::size_t {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == column) return i;
  std::string known;
  for (auto& c : columns) known += (known.empty() ? "" : ", ") + c.name;
  throw ArgumentError("quarry: table '" + name + "' has no column '" + std::string(column) + "' (columns: " + known +
                      ")");
}

QUARRY_DECL auto table_info::autoincrement_column() const noexcept -> const column_info* {
  for (auto& c : columns)
    if (c.autoincrement) return &c;
  return nullptr;
}


}  // namespace quarry

namespace quarry::detail {

QUARRY_DECL void finish_table(table_info& table, std::vector<bool> autoincrement_given) {
  if (table.primary_key.empty())
    for (auto& c : table.columns)
      if (c.primary_key) table.primary_key.push_back(c.name);
  for (auto& key_column : table.primary_key) {
    auto& c = table.columns[table.column_index(key_column)];
    c.primary_key = true;
    c.nullable = false;
  }
  autoincrement_given.resize(table.columns.size(), false);
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    auto& c = table.columns[i];
    if (c.autoincrement && (!c.primary_key || table.primary_key.size() != 1 || !is_integer_kind(c.type.kind)))
      throw ArgumentError("quarry: column '" + table.name + "." + c.name +
                          "' is autoincrement, which needs it to be the table's only primary-key column and an "
                          "integer");
    if (autoincrement_given[i]) continue;
    bool referencing = false;
    for (auto& fk : table.foreign_keys)
      for (auto& name : fk.columns) referencing = referencing || name == c.name;
    c.autoincrement = c.primary_key && table.primary_key.size() == 1 && is_integer_kind(c.type.kind) &&
                      !referencing && !c.default_value && c.server_default.empty();
  }
}

}  // namespace quarry::detail
