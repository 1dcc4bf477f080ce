// The non-template implementation of quarry/reflect/metadata_reflect.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/metadata_reflect.hpp"

namespace quarry {

QUARRY_DECL std::shared_ptr<const table_info> to_table_info(const reflected_table& table) {
  table_info info;
  info.name = table.name;
  info.is_view = table.kind != relation_kind::table;
  for (auto& rc : table.columns) {
    column_info c = column_info::named(rc.name, rc.type.type, rc.nullable);
    c.type_storage = rc.type.storage;
    c.autoincrement = rc.autoincrement;
    // A SERIAL's nextval() default is what autoincrement means; DDL writes it back as SERIAL.
    if (rc.server_default && !(rc.autoincrement && rc.server_default->rfind("nextval(", 0) == 0))
      c.server_default = *rc.server_default;
    info.columns.push_back(std::move(c));
  }
  info.primary_key = table.primary_key.columns;
  for (auto& fk : table.foreign_keys)
    info.foreign_keys.push_back({fk.columns, fk.referred_table, fk.referred_columns, fk.on_delete, fk.on_update});
  for (auto& u : table.unique_constraints) info.unique_constraints.push_back(u.columns);
  for (auto& index : table.indexes) {
    auto columns = index.column_names();
    if (columns.empty() || !index.constraint.empty()) continue;
    info.indexes.push_back({index.name, std::move(columns), index.unique, index.where});
  }
  for (auto& check : table.check_constraints) info.checks.push_back(check.sql);
  // The database said which column it numbers: nothing is inferred.
  detail::finish_table(info, std::vector<bool>(info.columns.size(), true));
  return std::make_shared<const table_info>(std::move(info));
}

QUARRY_DECL void MetaData::reflect(Connection& conn, const reflect_options& options) {
  for (auto& t : Inspector(conn).tables(options))
    if (!contains(t.name)) add(to_table_info(t));
}

QUARRY_DECL void MetaData::reflect(const Engine& engine, const reflect_options& options) {
  Connection conn = engine.connect();
  reflect(conn, options);
}

}  // namespace quarry
