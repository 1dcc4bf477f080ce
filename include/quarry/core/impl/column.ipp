// The non-template implementation of quarry/core/column.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/column.hpp"

namespace quarry {

QUARRY_DECL auto Table::operator[](std::string_view column) const -> dynamic_column {
  auto& table = quarry_table();
  return dynamic_column(quarry_from(), table.columns[table.column_index(column)].name);
}

QUARRY_DECL auto Table::finished(table_info info) -> std::shared_ptr<table_info> {
  std::vector<bool> given;
  for (auto& c : info.columns) given.push_back(c.autoincrement);
  detail::finish_table(info, std::move(given));
  return std::make_shared<table_info>(std::move(info));
}

}  // namespace quarry
