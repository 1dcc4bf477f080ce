// The SQL compiler's INSERT, UPDATE and DELETE (RETURNING, SET lists, ON CONFLICT, multi-row VALUES).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/detail/compiler.hpp"

namespace quarry::detail {

QUARRY_DECL auto compiler::returning(const statement_data& s) -> void {
  if (s.returning.empty()) return;
  write(" RETURNING ");
  qualify_ = false;
  for (std::size_t i = 0; i < s.returning.size(); ++i) {
    if (i) write(", ");
    result_column(*s.returning[i]);
  }
  qualify_ = true;
}

QUARRY_DECL auto compiler::assignments(const std::vector<assignment_node>& set) -> void {
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (i) write(", ");
    identifier(set[i].column);
    write(" = ");
    assigned_value(set[i]);
  }
}

QUARRY_DECL auto compiler::assigned_value(const assignment_node& a) -> void {
  if (a.value) expression(*a.value, precedence::lowest);
  else placeholder({&a.literal, {}});
}

QUARRY_DECL auto compiler::left_to_defaults(const statement_data& s) -> std::vector<const column_info*> {
  std::vector<const column_info*> defaults;
  for (auto& c : s.target->table->columns) {
    if (!c.default_value) continue;
    bool given = false;
    for (auto& a : s.assignments) given = given || a.column == c.name;
    if (!given) defaults.push_back(&c);
  }
  return defaults;
}

QUARRY_DECL auto compiler::insert(const statement_data& s) -> void {
  write("INSERT INTO ");
  identifier(s.target->table->name);
  if (s.source) {
    write(" (");
    for (std::size_t i = 0; i < s.insert_columns.size(); ++i) {
      if (i) write(", ");
      identifier(s.insert_columns[i]);
    }
    write(") ");
    statement(*s.source, false);
  } else {
    auto defaults = left_to_defaults(s);
    if (s.assignments.empty() && defaults.empty()) {
      write(" DEFAULT VALUES");
    } else {
      write(" (");
      for (std::size_t i = 0; i < s.assignments.size(); ++i) {
        if (i) write(", ");
        identifier(s.assignments[i].column);
      }
      for (std::size_t i = 0; i < defaults.size(); ++i) {
        if (i || !s.assignments.empty()) write(", ");
        identifier(defaults[i]->name);
      }
      write(") VALUES (");
      qualify_ = false;
      for (std::size_t i = 0; i < s.assignments.size(); ++i) {
        if (i) write(", ");
        assigned_value(s.assignments[i]);
      }
      for (std::size_t i = 0; i < defaults.size(); ++i) {
        if (i || !s.assignments.empty()) write(", ");
        placeholder({&*defaults[i]->default_value, {}});
      }
      write(")");
      for (auto& row : s.more_rows) {
        if (row.size() != s.assignments.size())
          throw ArgumentError("quarry: every row of a multi-row INSERT needs a value for each column");
        write(", (");
        for (std::size_t i = 0; i < row.size(); ++i) {
          if (i) write(", ");
          expression(*row[i], precedence::lowest);
        }
        for (std::size_t i = 0; i < defaults.size(); ++i) {
          if (i || !row.empty()) write(", ");
          placeholder({&*defaults[i]->default_value, {}});
        }
        write(")");
      }
      qualify_ = true;
    }
  }
  if (s.on_conflict) {
    write(" ON CONFLICT");
    if (!s.conflict_columns.empty()) {
      write(" (");
      for (std::size_t i = 0; i < s.conflict_columns.size(); ++i) {
        if (i) write(", ");
        identifier(s.conflict_columns[i]);
      }
      write(")");
    }
    if (s.conflict_set.empty()) {
      write(" DO NOTHING");
    } else {
      if (s.conflict_columns.empty())
        throw ArgumentError("quarry: on_conflict_do_update() needs the conflicting columns (the unique key)");
      write(" DO UPDATE SET ");
      assignments(s.conflict_set);
      if (s.conflict_where) {
        write(" WHERE ");
        expression(*s.conflict_where, precedence::lowest);
      }
    }
  }
  returning(s);
}

QUARRY_DECL auto compiler::update(const statement_data& s) -> void {
  if (s.assignments.empty()) throw ArgumentError("quarry: an UPDATE needs values(): there is nothing to set");
  write("UPDATE ");
  identifier(s.target->table->name);
  write(" SET ");
  assignments(s.assignments);
  where_of_target(s);
  returning(s);
}

QUARRY_DECL auto compiler::delete_(const statement_data& s) -> void {
  write("DELETE FROM ");
  identifier(s.target->table->name);
  where_of_target(s);
  returning(s);
}

QUARRY_DECL auto compiler::where_of_target(const statement_data& s) -> void {
  if (!s.where) return;
  std::vector<const from_item*> scope{s.target.get()};
  scopes_.push_back(&scope);
  write(" WHERE ");
  expression(*s.where, precedence::lowest);
  scopes_.pop_back();
}

}  // namespace quarry::detail
