// The non-template implementation of quarry/core/detail/insert_rows.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <string>

#include "quarry/core/detail/compiler.hpp"
#include "quarry/core/detail/insert_rows.hpp"

namespace quarry::detail {

QUARRY_DECL void set_insert_rows(statement_data& data, const table_info& table, const std::vector<bool>& included,
                                 std::size_t rows) {
  data.kind = statement_kind::insert;
  data.assignments.clear();
  data.more_rows.clear();
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<node_ptr> row;
    for (std::size_t i = 0; i < included.size(); ++i)
      if (included[i]) {
        auto value = make_node(node_kind::bind, precedence::atom, std::to_string(r) + ":" + std::to_string(i));
        if (r == 0) data.assignments.push_back({table.columns[i].name, std::move(value)});
        else row.push_back(std::move(value));
      }
    if (r > 0) data.more_rows.push_back(std::move(row));
  }
}

QUARRY_DECL std::size_t rows_per_insert(const dialect& d, std::size_t columns, std::size_t total) {
  return std::max<std::size_t>(1, std::min(d.insert_rows_per_statement(columns), total));
}

QUARRY_DECL std::optional<compiled_statement> copy_for_insert(const dialect& d, const statement_data& one_row,
                                                              std::size_t total) {
  if (!d.insert_by_copy(total)) return std::nullopt;
  return compiler(d).copy_from(one_row);
}

}  // namespace quarry::detail
