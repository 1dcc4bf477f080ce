// Quarry - SQLAlchemy for C++20. MIT License.
// A schema of its own for each reflection test: a PostgreSQL schema created
// and dropped around the test, or SQLite's main schema of a fresh file.
#pragma once

#include <string>

#include <quarry/quarry.hpp>

#include "backend.hpp"

namespace reflect_test {

inline std::string quoted_name(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A table name in a test schema: schema-qualified on PostgreSQL; on SQLite the
// schema is main, which SQLite's REFERENCES clauses may not name.
inline std::string qualified(const std::string& schema, const std::string& name) {
  return quarry_test::is_postgresql() ? quoted_name(schema) + "." + quoted_name(name) : quoted_name(name);
}

struct scratch_schema {
  scratch_schema(quarry::Connection& connection, std::string schema_name)
      : conn(connection), name(quarry_test::is_postgresql() ? std::move(schema_name) : "main") {
    if (!quarry_test::is_postgresql()) return;
    conn.exec_driver_sql("DROP SCHEMA IF EXISTS " + quoted_name(name) + " CASCADE");
    conn.exec_driver_sql("CREATE SCHEMA " + quoted_name(name));
    conn.commit();
  }
  ~scratch_schema() {
    if (!quarry_test::is_postgresql() || kept) return;
    try {
      conn.rollback();
      conn.exec_driver_sql("DROP SCHEMA IF EXISTS " + quoted_name(name) + " CASCADE");
      conn.commit();
    } catch (...) {  // the test's own failure is what matters
    }
  }
  scratch_schema(const scratch_schema&) = delete;
  scratch_schema& operator=(const scratch_schema&) = delete;

  // Leaves the schema in place for later tests (the next run drops it first).
  void keep() { kept = true; }

  quarry::Connection& conn;
  std::string name;
  bool kept = false;
};

}  // namespace reflect_test
