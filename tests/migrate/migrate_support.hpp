// Quarry - SQLAlchemy for C++20. MIT License.
// What the migration tests share: a database of their own on either backend.
#pragma once

#include <string>

#include <quarry/engine.hpp>

#include "backend.hpp"

namespace quarry_test {

// A database of its own: a fresh SQLite file, or a PostgreSQL schema on the search path.
struct scratch_database {
  explicit scratch_database(const std::string& name) : engine(make(name)) {}
  ~scratch_database() {
    if (!quarry_test::is_postgresql()) return;
    try {
      auto conn = admin().connect();
      conn.exec_driver_sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      conn.commit();
    } catch (...) {  // the test's own outcome is what matters
    }
  }
  static quarry::Engine admin() { return quarry::create_engine(quarry_test::postgresql_url()); }
  quarry::Engine make(const std::string& name) {
    if (!quarry_test::is_postgresql()) {
      url = quarry_test::database_url(name);
      return quarry::create_engine(url);
    }
    schema = name;
    auto conn = admin().connect();
    conn.exec_driver_sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    conn.exec_driver_sql("CREATE SCHEMA " + schema);
    conn.commit();
    auto server = quarry_test::postgresql_url();
    url = server + (server.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
    return quarry::create_engine(url);
  }
  bool has_table(const std::string& table) {
    auto conn = engine.connect();
    return quarry::MetaData::has_table(conn, table);
  }
  std::string schema;
  std::string url;  // set before engine is made
  quarry::Engine engine;
};

}  // namespace quarry_test
