// The non-template implementation of quarry/reflect/inspector.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/inspector.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "quarry/reflect/detail/postgresql_catalog.hpp"
#include "quarry/reflect/detail/sqlite_catalog.hpp"

namespace quarry::detail {

QUARRY_DECL const catalog& catalog_of(const dialect& d) {
  static const sqlite_catalog sqlite;
  static const postgresql_catalog postgresql;
  if (d.name() == "sqlite") return sqlite;
  if (d.name() == "postgresql") return postgresql;
  throw ArgumentError("quarry: reflection knows SQLite and PostgreSQL, not the dialect '" + std::string(d.name()) + "'");
}

}  // namespace quarry::detail

namespace quarry {

QUARRY_DECL Inspector::Inspector(const Engine& engine) : engine_(engine), catalog_(&detail::catalog_of(engine.dialect())) {}

QUARRY_DECL Inspector::Inspector(Connection& conn) : connection_(&conn), catalog_(&detail::catalog_of(conn.dialect())) {}

QUARRY_DECL void Inspector::run(const std::function<void(Connection&)>& work) const {
  if (connection_) return work(*connection_);
  Connection conn = engine_->connect();
  work(conn);
}

QUARRY_DECL auto Inspector::default_schema_name() const -> std::string {
  std::string out;
  run([&](Connection& c) { out = catalog_->default_schema(c); });
  return out;
}

QUARRY_DECL auto Inspector::schema_names() const -> std::vector<std::string> {
  std::vector<std::string> out;
  run([&](Connection& c) { out = catalog_->schema_names(c); });
  return out;
}

QUARRY_DECL auto Inspector::table_names(const std::string& schema) const -> std::vector<std::string> {
  std::vector<std::string> out;
  run([&](Connection& c) { out = catalog_->relation_names(c, schema, relation_kind::table); });
  return out;
}

QUARRY_DECL auto Inspector::view_names(const std::string& schema) const -> std::vector<std::string> {
  std::vector<std::string> out;
  run([&](Connection& c) { out = catalog_->relation_names(c, schema, relation_kind::view); });
  return out;
}

QUARRY_DECL auto Inspector::materialized_view_names(const std::string& schema) const -> std::vector<std::string> {
  std::vector<std::string> out;
  run([&](Connection& c) { out = catalog_->relation_names(c, schema, relation_kind::materialized_view); });
  return out;
}

QUARRY_DECL auto Inspector::sequence_names(const std::string& schema) const -> std::vector<std::string> {
  std::vector<std::string> out;
  run([&](Connection& c) { out = catalog_->sequence_names(c, schema); });
  return out;
}

QUARRY_DECL auto Inspector::enums(const std::string& schema) const -> std::vector<reflected_enum> {
  std::vector<reflected_enum> out;
  run([&](Connection& c) { out = catalog_->enums(c, schema); });
  return out;
}

QUARRY_DECL bool Inspector::has_schema(const std::string& schema) const {
  auto names = schema_names();
  return std::find(names.begin(), names.end(), schema) != names.end();
}

QUARRY_DECL bool Inspector::has_table(const std::string& table, const std::string& schema) const {
  bool found = false;
  run([&](Connection& c) {
    for (auto kind : {relation_kind::table, relation_kind::view, relation_kind::materialized_view}) {
      auto names = catalog_->relation_names(c, schema, kind);
      found = found || std::find(names.begin(), names.end(), table) != names.end();
    }
  });
  return found;
}

QUARRY_DECL bool Inspector::has_index(const std::string& table, const std::string& index, const std::string& schema) const {
  auto all = indexes(table, schema);
  return std::any_of(all.begin(), all.end(), [&](const reflected_index& i) { return i.name == index; });
}

QUARRY_DECL auto Inspector::tables(const reflect_options& options) const -> std::vector<reflected_table> {
  std::vector<reflected_table> out;
  run([&](Connection& c) { out = catalog_->tables(c, options); });
  return out;
}

QUARRY_DECL auto Inspector::table(const std::string& name, const std::string& schema) const -> reflected_table {
  reflect_options options;
  options.schema = schema;
  options.only = {name};
  options.views = true;
  return std::move(tables(options).front());
}

QUARRY_DECL auto Inspector::columns(const std::string& t, const std::string& schema) const -> std::vector<reflected_column> {
  return table(t, schema).columns;
}

QUARRY_DECL auto Inspector::primary_key(const std::string& t, const std::string& schema) const -> reflected_primary_key {
  return table(t, schema).primary_key;
}

QUARRY_DECL auto Inspector::foreign_keys(const std::string& t, const std::string& schema) const
    -> std::vector<reflected_foreign_key> {
  return table(t, schema).foreign_keys;
}

QUARRY_DECL auto Inspector::indexes(const std::string& t, const std::string& schema) const -> std::vector<reflected_index> {
  return table(t, schema).indexes;
}

QUARRY_DECL auto Inspector::unique_constraints(const std::string& t, const std::string& schema) const
    -> std::vector<reflected_unique_constraint> {
  return table(t, schema).unique_constraints;
}

QUARRY_DECL auto Inspector::check_constraints(const std::string& t, const std::string& schema) const
    -> std::vector<reflected_check_constraint> {
  return table(t, schema).check_constraints;
}

QUARRY_DECL auto Inspector::table_comment(const std::string& t, const std::string& schema) const
    -> std::optional<std::string> {
  return table(t, schema).comment;
}

QUARRY_DECL auto Inspector::view_definition(const std::string& view, const std::string& schema) const -> std::string {
  auto t = table(view, schema);
  if (t.kind == relation_kind::table) throw NoSuchTableError("quarry: '" + view + "' is a table, not a view");
  return t.view_definition;
}

QUARRY_DECL auto Inspector::sorted_table_names(const std::string& schema) const -> table_order {
  reflect_options options;
  options.schema = schema;
  return sort_tables(tables(options));
}

QUARRY_DECL table_order sort_tables(const std::vector<reflected_table>& tables) {
  // Edges child -> parent, self-references left out; parents outside the set do not count.
  std::map<std::string, std::set<std::string>> parents;
  for (auto& t : tables) parents[t.name];
  for (auto& t : tables)
    for (auto& fk : t.foreign_keys)
      if (fk.referred_table != t.name && fk.referred_schema.empty() && parents.count(fk.referred_table))
        parents[t.name].insert(fk.referred_table);
  table_order out;
  std::set<std::string> placed;
  while (placed.size() < parents.size()) {
    bool progress = false;
    for (auto& [name, needs] : parents) {  // by name, so the order is stable
      if (placed.count(name)) continue;
      if (std::all_of(needs.begin(), needs.end(), [&](const std::string& p) { return placed.count(p) > 0; })) {
        out.tables.push_back(name);
        placed.insert(name);
        progress = true;
      }
    }
    if (progress) continue;
    // What is left waits on a cycle: drop the edges that lie on one (u -> v
    // where v reaches u), report them as SQLAlchemy does, and go on.
    auto reaches = [&](const std::string& from, const std::string& to) {
      std::set<std::string> seen{from};
      std::vector<std::string> stack{from};
      while (!stack.empty()) {
        auto at = stack.back();
        stack.pop_back();
        if (at == to) return true;
        for (auto& next : parents[at])
          if (!placed.count(next) && seen.insert(next).second) stack.push_back(next);
      }
      return false;
    };
    std::vector<std::pair<std::string, std::string>> cut;
    for (auto& [name, needs] : parents)
      if (!placed.count(name))
        for (auto& parent : needs)
          if (!placed.count(parent) && reaches(parent, name)) cut.emplace_back(name, parent);
    for (auto& [child, parent] : cut) {
      parents[child].erase(parent);
      for (auto& t : tables)
        if (t.name == child)
          for (auto& fk : t.foreign_keys)
            if (fk.referred_table == parent && fk.referred_schema.empty())
              out.cycles.emplace_back(child, fk.name.empty() ? parent : fk.name);
    }
  }
  return out;
}

}  // namespace quarry
