// Quarry - SQLAlchemy for C++20. MIT License.
// A test database with the tables of some models, made afresh for each test,
// and the SQL each test sends (for statement counts).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "backend.hpp"

namespace orm_test {
template <class... Models>
struct database_fixture {
  quarry::Engine engine;
  quarry::MetaData metadata;
  std::vector<std::string> statements;
  std::mutex statements_mutex;

  explicit database_fixture(std::string_view name) : engine(quarry_test::make_engine({}, name)) {
    metadata.add<Models...>();
    metadata.drop_all(engine);
    metadata.create_all(engine);
    // Locked: a test may run sessions on several threads (and reads the list after joining them).
    engine.listen(quarry::events::before_execute, [this](const quarry::execute_event& e) {
      std::lock_guard lock(statements_mutex);
      statements.emplace_back(e.sql);
    });
  }
  database_fixture(const database_fixture&) = delete;
  database_fixture& operator=(const database_fixture&) = delete;
  ~database_fixture() {
    try {
      metadata.drop_all(engine);
    } catch (const quarry::Error&) {
      // The next fixture drops what is left.
    }
  }
  // Rows in a table, read on a connection of its own that is closed at once
  // (an open SQLite read transaction would keep a session from committing).
  template <class T>
  std::int64_t rows(const T& table) {
    return engine.connect().execute(quarry::select(quarry::func::count()).select_from(table)).scalar();
  }
  std::size_t count_sql(std::string_view start) const {
    std::size_t n = 0;
    for (auto& s : statements) n += s.starts_with(start);
    return n;
  }
};
}  // namespace orm_test
