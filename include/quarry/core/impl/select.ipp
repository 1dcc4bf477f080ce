// The non-template implementation of quarry/core/select.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/select.hpp"

namespace quarry::detail {

QUARRY_DECL node_ptr infer_on(const std::vector<from_ptr>& left, const from_ptr& right) {
  auto table_of_item = [](const from_ptr& f) -> const table_info* {
    return f->kind == from_item::kind_t::table ? f->table.get() : nullptr;
  };
  const table_info* target = table_of_item(right);
  if (!target) throw ArgumentError("quarry: a join to a subquery needs an explicit ON condition");
  std::vector<node_ptr> found;
  for (auto& l : left) {
    const table_info* source = table_of_item(l);
    if (!source) continue;
    auto add = [&](const from_ptr& referencing, const table_info& referencing_table, const from_ptr& referenced,
                   const table_info& referenced_table) {
      for (auto& fk : referencing_table.foreign_keys) {
        if (fk.target_table != referenced_table.name) continue;
        node_ptr on;
        for (std::size_t i = 0; i < fk.columns.size(); ++i)
          on = and_node(on, make_node(node_kind::binary, precedence::comparison, " = ",
                                      column_node(referencing, fk.columns[i]),
                                      column_node(referenced, fk.target_columns[i])));
        found.push_back(on);
      }
    };
    add(right, *target, l, *source);
    if (source != target) add(l, *source, right, *target);
  }
  if (found.size() == 1) return found.front();
  std::string names;
  for (auto& l : left) names += (names.empty() ? "'" : ", '") + l->name() + "'";
  throw ArgumentError(std::string("quarry: cannot infer the ON clause of a join to '") + right->name() + "': " +
                      (found.empty() ? "there is no foreign key between it and " : "there are several foreign keys between it and ") +
                      names + "; give the ON condition");
}

QUARRY_DECL from_entry& join_base(statement_data& d) {
  if (d.froms.empty()) {
    std::vector<from_ptr> found;
    for (auto& c : d.columns) collect_froms(*c, found);
    if (found.empty()) throw ArgumentError("quarry: join() needs a table to join from; call select_from() first");
    d.froms.push_back({found.front(), {}});
  }
  return d.froms.back();
}

}  // namespace quarry::detail
