// database_config: what the web integration's databases are, from code or from the environment.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/dbapi/options.hpp"
#include "quarry/dbapi/url.hpp"
#include "quarry/orm/session_options.hpp"

namespace quarry::ext {

// Flask-SQLAlchemy's SQLALCHEMY_* settings. The default database is `url`;
// `binds` are more, each under a key that models are assigned to.
struct database_config {
  std::string url{};                                          // QUARRY_DATABASE_URL
  std::vector<std::pair<std::string, std::string>> binds{};   // QUARRY_DATABASE_BINDS="key=url other=url" (added by key)
  engine_options engine{};       // QUARRY_ECHO, QUARRY_POOL_SIZE, QUARRY_MAX_OVERFLOW, QUARRY_POOL_TIMEOUT,
                                 // QUARRY_POOL_RECYCLE, QUARRY_POOL_PRE_PING
  session_options session{};     // QUARRY_AUTOFLUSH, QUARRY_EXPIRE_ON_COMMIT
  // Where relative SQLite paths go (Flask's instance folder); ./instance when empty. QUARRY_INSTANCE_PATH
  std::filesystem::path instance_path{};
  // Keep each request's statements for recorded_queries() (Flask-SQLAlchemy's
  // SQLALCHEMY_RECORD_QUERIES). QUARRY_RECORD_QUERIES
  bool record_queries = false;

  // `defaults` with what the environment sets on top; a value that does not
  // parse is an ArgumentError naming the variable.
  static database_config from_env(database_config defaults);
  static database_config from_env() { return from_env(database_config{}); }
};

namespace detail {
// The URL an engine is made with, with Flask-SQLAlchemy's driver defaults: a
// relative SQLite path moves under the instance folder (made if missing). An
// in-memory SQLite database is already one connection shared by every thread.
QUARRY_DECL URL web_engine_url(std::string_view url, const std::filesystem::path& instance_path);
}  // namespace detail

}  // namespace quarry::ext

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/ext/impl/config.ipp"
#endif
