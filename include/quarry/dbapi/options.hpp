// engine_options and isolation levels: what create_engine() takes besides the URL.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "quarry/errors.hpp"

namespace quarry {

class dbapi_connection;
class dialect;
class URL;

enum class isolation_level : unsigned char {
  read_uncommitted,
  read_committed,
  repeatable_read,
  serializable,
  autocommit,  // no transaction: every statement commits on its own
};

constexpr std::string_view to_string(isolation_level level) noexcept {
  switch (level) {
    case isolation_level::read_uncommitted: return "READ UNCOMMITTED";
    case isolation_level::read_committed: return "READ COMMITTED";
    case isolation_level::repeatable_read: return "REPEATABLE READ";
    case isolation_level::serializable: return "SERIALIZABLE";
    case isolation_level::autocommit: return "AUTOCOMMIT";
  }
  return "?";
}

// Accepts SQLAlchemy's spellings ("REPEATABLE READ", "AUTOCOMMIT").
QUARRY_DECL isolation_level parse_isolation_level(std::string_view text);

// How SQLite starts a transaction: DEFERRED takes locks on first use, IMMEDIATE
// takes the write lock at BEGIN (avoids SQLITE_BUSY on lock upgrade).
enum class sqlite_begin_mode : unsigned char { deferred, immediate, exclusive };

// Options of create_engine(), named as SQLAlchemy names its keyword arguments.
struct engine_options {
  bool echo = false;  // log every statement with its parameters and timing
  // Where echo writes; standard error when empty.
  std::function<void(std::string_view)> logger{};

  std::size_t pool_size = 5;
  std::size_t max_overflow = 10;
  std::chrono::duration<double> pool_timeout = std::chrono::seconds(30);
  // Connections older than this are replaced at checkout; negative: never.
  std::chrono::duration<double> pool_recycle = std::chrono::seconds(-1);
  bool pool_pre_ping = false;  // test each connection with a round trip at checkout
  // The clock pool_recycle is measured by; steady_clock when empty (a test moves time with it).
  std::function<std::chrono::steady_clock::time_point()> pool_clock{};
  // Makes each new driver connection in place of the dialect (SQLAlchemy's
  // `creator`): wrap dialect.connect(url, options) to add settings, or to inject faults.
  std::function<std::unique_ptr<dbapi_connection>(const dialect&, const URL&, const engine_options&)> creator{};

  std::optional<quarry::isolation_level> isolation_level{};  // the driver's default when empty
  std::size_t statement_cache_size = 128;  // prepared statements kept per connection (LRU)

  // SQLite only.
  bool sqlite_foreign_keys = true;
  std::chrono::milliseconds sqlite_busy_timeout = std::chrono::seconds(5);
  bool sqlite_wal = false;                     // PRAGMA journal_mode=WAL
  std::optional<std::string> sqlite_synchronous{};  // PRAGMA synchronous: OFF, NORMAL, FULL, EXTRA
  sqlite_begin_mode sqlite_begin = sqlite_begin_mode::deferred;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dbapi/impl/options.ipp"
#endif
