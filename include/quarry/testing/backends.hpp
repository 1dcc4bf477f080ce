// test_backends and throwaway_database: one test body on SQLite and PostgreSQL, each process with a database of its own.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <string>
#include <vector>

#include "quarry/engine/engine.hpp"

namespace quarry::testing {

// A database family a test runs against. For PostgreSQL, `url` is a database
// the tests may create databases from (the user needs CREATEDB).
struct test_backend {
  std::string name;  // "sqlite" or "postgresql"
  std::string url;   // empty for SQLite: each throwaway database is a new file
  bool is_sqlite() const noexcept { return name == "sqlite"; }
  bool is_postgresql() const noexcept { return name == "postgresql"; }
};

// The backends of this run, from the environment as the project's own tests read it:
//   QUARRY_TEST_BACKEND=sqlite|postgresql   one backend (ctest runs the binary once per backend);
//                                           unset: SQLite, and PostgreSQL when its URL is set;
//   QUARRY_TEST_POSTGRESQL_URL               the PostgreSQL server's URL.
// PostgreSQL asked for without a URL is an ArgumentError (never a silently skipped backend).
QUARRY_DECL std::vector<test_backend> test_backends();

// A database of its own for one test process (or one test), so that test
// binaries run in parallel (ctest -j) without seeing each other's tables: a
// new SQLite file in the temporary directory, or a new PostgreSQL database
// (CREATE DATABASE quarry_test_<pid>_<n>). The destructor removes it (DROP
// DATABASE ... WITH (FORCE) ends connections still open to it).
class throwaway_database {
 public:
  QUARRY_DECL explicit throwaway_database(const test_backend& backend);
  throwaway_database(const throwaway_database&) = delete;
  throwaway_database& operator=(const throwaway_database&) = delete;
  QUARRY_DECL ~throwaway_database();

  const std::string& url() const noexcept { return url_; }
  const std::string& name() const noexcept { return name_; }
  Engine engine(engine_options options = {}) const { return create_engine(url_, std::move(options)); }

 private:
  test_backend backend_;
  std::string name_;  // the file (SQLite) or database (PostgreSQL)
  std::string url_;
};

// This process's throwaway database on a backend, made on first use and
// dropped when the process exits normally: what parallel test binaries share
// within themselves. The drop runs before the database drivers' own exit-time
// teardown (a throwaway_database in a static would be dropped after it).
QUARRY_DECL const throwaway_database& process_database(const test_backend& backend);

}  // namespace quarry::testing

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/impl/backends.ipp"
#endif
