// The non-template implementation of quarry/testing/backends.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/backends.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>

#include <unistd.h>

#include "quarry/engine/connection.hpp"
#include "quarry/engine/text.hpp"
#include "quarry/errors.hpp"

namespace quarry::testing {

namespace detail {
// pid, a per-process count and a random part: unique across parallel processes and reruns.
QUARRY_DECL std::string throwaway_name() {
  static std::atomic<unsigned> count{0};
  static const unsigned salt = std::random_device{}() % 1000000;
  return "quarry_test_" + std::to_string(::getpid()) + "_" + std::to_string(salt) + "_" + std::to_string(++count);
}

QUARRY_DECL Connection admin_connection(const std::string& url) {
  auto conn = create_engine(url, {.pool_size = 1}).connect();
  conn.set_isolation_level(isolation_level::autocommit);  // CREATE / DROP DATABASE refuse a transaction
  return conn;
}
}  // namespace detail

QUARRY_DECL std::vector<test_backend> test_backends() {
  const char* chosen = std::getenv("QUARRY_TEST_BACKEND");
  const char* pg = std::getenv("QUARRY_TEST_POSTGRESQL_URL");
  std::string pg_url = pg ? pg : "";
  std::string name = chosen ? chosen : "";
  if (name == "sqlite") return {{"sqlite", ""}};
  if (name == "postgresql") {
    if (pg_url.empty())
      throw ArgumentError("quarry: QUARRY_TEST_BACKEND=postgresql needs QUARRY_TEST_POSTGRESQL_URL (scripts/test.sh sets both)");
    return {{"postgresql", pg_url}};
  }
  if (!name.empty()) throw ArgumentError("quarry: QUARRY_TEST_BACKEND is '" + name + "'; it takes sqlite or postgresql");
  std::vector<test_backend> out{{"sqlite", ""}};
  if (!pg_url.empty()) out.push_back({"postgresql", pg_url});
  return out;
}

QUARRY_DECL throwaway_database::throwaway_database(const test_backend& backend) : backend_(backend), name_(detail::throwaway_name()) {
  if (backend.is_sqlite()) {
    name_ = (std::filesystem::temp_directory_path() / (name_ + ".db")).string();
    url_ = "sqlite:///" + name_;
    return;
  }
  if (!backend.is_postgresql()) throw ArgumentError("quarry: throwaway_database of an unknown backend '" + backend.name + "'");
  auto conn = detail::admin_connection(backend.url);
  conn.exec_driver_sql("CREATE DATABASE " + conn.dialect().format_identifier(name_));
  URL url = make_url(backend.url);
  url.database = name_;
  url_ = url.render(false);
}

QUARRY_DECL throwaway_database::~throwaway_database() {
  try {
    if (backend_.is_sqlite()) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((name_ + suffix).c_str());
      return;
    }
    auto conn = detail::admin_connection(backend_.url);
    conn.exec_driver_sql("DROP DATABASE IF EXISTS " + conn.dialect().format_identifier(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quarry: the throwaway database %s was not removed: %s\n", name_.c_str(), e.what());
  }
}

namespace detail {
// Never destroyed as a static: the databases go in drop_process_databases(),
// registered with atexit() after each one is made, when its driver (libpq's
// OpenSSL among them) has registered its own exit handlers, which therefore run
// after it. Running it twice drops nothing twice.
struct process_databases {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<throwaway_database>> by_backend;
};
QUARRY_DECL process_databases& the_process_databases() {
  static auto* all = new process_databases;
  return *all;
}
QUARRY_DECL void drop_process_databases() {
  auto& all = the_process_databases();
  std::lock_guard lock(all.mutex);
  all.by_backend.clear();
}
}  // namespace detail

QUARRY_DECL const throwaway_database& process_database(const test_backend& backend) {
  auto& all = detail::the_process_databases();
  std::lock_guard lock(all.mutex);
  auto& slot = all.by_backend[backend.name + " " + backend.url];
  if (!slot) {
    slot = std::make_unique<throwaway_database>(backend);
    // Registered again after each new database: exit handlers run last-registered first, so the
    // drop runs before the teardown of what this database's driver set up (libpq's OpenSSL).
    std::atexit(detail::drop_process_databases);
  }
  return *slot;
}

}  // namespace quarry::testing
