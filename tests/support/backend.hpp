// Quarry - SQLAlchemy for C++20. MIT License.
// Which database a test binary runs against, chosen by ctest through the
// environment: QUARRY_TEST_BACKEND=sqlite|postgresql, QUARRY_TEST_SQLITE_MEMORY=1
// for in-memory SQLite, and for PostgreSQL QUARRY_TEST_POSTGRESQL_URL (set by
// scripts/test.sh).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <quarry/quarry.hpp>

#include "backend_name.hpp"

namespace quarry_test {

// A fresh database for one test: a new SQLite file, or the PostgreSQL test
// database (tests create their own tables and drop them first). With
// QUARRY_TEST_SQLITE_MEMORY set, an in-memory SQLite database, the one
// connection every checkout shares; tests that need connections of their own
// are tagged [not_in_memory].
inline std::string database_url(std::string_view name = "test") {
  if (is_postgresql()) return postgresql_url();
  if (sqlite_in_memory()) return "sqlite://";
  std::string file = "quarry_" + std::string(name) + ".db";
  std::remove(file.c_str());
  std::remove((file + "-wal").c_str());
  std::remove((file + "-shm").c_str());
  return "sqlite:///" + file;
}

inline quarry::Engine make_engine(quarry::engine_options options = {}, std::string_view name = "test") {
  return quarry::create_engine(database_url(name), std::move(options));
}

// Drops tables so a test starts clean on the shared PostgreSQL database.
inline void drop_tables(quarry::Connection& conn, std::initializer_list<std::string_view> tables) {
  for (auto table : tables) conn.exec_driver_sql("DROP TABLE IF EXISTS " + std::string(table) + (is_postgresql() ? " CASCADE" : ""));
  conn.commit();
}

// The PostgreSQL server process of a connection (0 on SQLite).
inline int backend_id(quarry::Connection& conn) {
  return quarry_test::is_postgresql() ? conn.execute(quarry::text("SELECT pg_backend_pid()")).scalar<int>() : 0;
}

// Ends PostgreSQL server processes as a crash or an administrator would.
inline void terminate_backends(const std::vector<int>& pids) {
  auto admin = quarry::create_engine(quarry_test::postgresql_url(), {.pool_size = 1});
  auto conn = admin.connect();
  conn.set_isolation_level(quarry::isolation_level::autocommit);
  for (int pid : pids) CHECK(conn.execute(quarry::text("SELECT pg_terminate_backend(:pid)"), {{"pid", pid}}).scalar<bool>());
  // Wait until the server has really ended them.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::int64_t alive = 0;
    for (int pid : pids)
      alive += conn.execute(quarry::text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {{"pid", pid}}).scalar<std::int64_t>();
    if (alive == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("the terminated backends did not go away");
}

}  // namespace quarry_test
