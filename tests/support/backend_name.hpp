// Quarry - SQLAlchemy for C++20. MIT License.
// The backend a test binary runs against, from the environment ctest sets:
// QUARRY_TEST_BACKEND=sqlite|postgresql, QUARRY_TEST_SQLITE_MEMORY and
// QUARRY_TEST_POSTGRESQL_URL. Apart from backend.hpp so that the runner
// (main.cpp) includes only the engine.
#pragma once

#include <cstdlib>
#include <string>

namespace quarry_test {

inline std::string backend() {
  const char* name = std::getenv("QUARRY_TEST_BACKEND");
  return name ? name : "sqlite";
}

inline bool is_postgresql() { return backend() == "postgresql"; }
inline bool is_sqlite() { return backend() == "sqlite"; }

// QUARRY_TEST_SQLITE_MEMORY=1: SQLite tests run on in-memory databases.
inline bool sqlite_in_memory() {
  const char* memory = std::getenv("QUARRY_TEST_SQLITE_MEMORY");
  return memory && std::string(memory) == "1";
}

inline std::string postgresql_url() {
  const char* url = std::getenv("QUARRY_TEST_POSTGRESQL_URL");
  return url ? url : "";
}

}  // namespace quarry_test
