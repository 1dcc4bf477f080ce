// MetaData's create_all and drop_all, which run their DDL on a Connection of the engine.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <string>
#include <string_view>

#include "quarry/core/ddl.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/engine/engine.hpp"

namespace quarry {

inline void MetaData::create_all(const Engine& engine, bool checkfirst) const {
  engine.begin([&](Connection& conn) { create_all(conn, checkfirst); });
}

inline void MetaData::create_all(Connection& conn, bool checkfirst) const {
  const dialect& d = conn.dialect();
  if (d.native_enums())
    for (auto& e : enum_types())
      if (!checkfirst || !has_enum(conn, e)) conn.exec_driver_sql(create_enum_ddl(e, d));
  for (auto& t : sorted_tables()) {
    if (t->is_view) continue;
    auto statements = detail::create_table_ddl(*t, d, naming);  // first: it refuses names the database would cut short
    if (checkfirst && has_table(conn, t->name)) continue;
    for (auto& sql : statements) conn.exec_driver_sql(sql);
  }
}

inline void MetaData::drop_all(const Engine& engine, bool checkfirst) const {
  engine.begin([&](Connection& conn) { drop_all(conn, checkfirst); });
}

inline void MetaData::drop_all(Connection& conn, bool checkfirst) const {
  const dialect& d = conn.dialect();
  auto sorted = sorted_tables();
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) {
    if ((*it)->is_view) continue;
    if (checkfirst && !has_table(conn, (*it)->name)) continue;
    conn.exec_driver_sql("DROP TABLE " + d.format_identifier((*it)->name));
  }
  if (d.native_enums())
    for (auto& e : enum_types())
      if (!checkfirst || has_enum(conn, e)) conn.exec_driver_sql("DROP TYPE " + d.type_name(e));
}

inline bool MetaData::has_table(Connection& conn, std::string_view name) {
  conn.dialect().format_identifier(name);  // a name the database would cut short could match another
  return conn.exec_driver_sql(conn.dialect().has_table_sql(), {name}).first().has_value();
}

inline bool MetaData::has_enum(Connection& conn, const sql_type& type) {
  auto sql = conn.dialect().has_enum_sql();
  if (sql.empty()) return true;
  return conn.exec_driver_sql(sql, {detail::lower_case(type.name)}).first().has_value();
}

}  // namespace quarry
