// The non-template implementation of quarry/dialect/sqlite/dialect.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dialect/sqlite/dialect.hpp"

namespace quarry::sqlite {

QUARRY_DECL std::string database_path(const URL& url) {
  if (url.host || url.port || url.username)
    throw ArgumentError("quarry: a SQLite URL has no host, port or user: write sqlite:///relative.db or "
                        "sqlite:////absolute/path.db");
  return url.database.value_or(":memory:");
}

QUARRY_DECL auto dialect::connect(const URL& url, const engine_options& options) const -> std::unique_ptr<dbapi_connection> {
  auto vfs = url.query_value("vfs");  // a registered VFS by name (sqlite3_vfs_find)
  return std::make_unique<connection>(database_path(url), options, single_connection(url), vfs ? std::string(*vfs) : std::string());
}

QUARRY_DECL auto dialect::type_name(const sql_type& type) const -> std::string {
  switch (type.kind) {
    case sql_type_kind::timestamp: return "DATETIME";
    case sql_type_kind::uuid: return "BLOB";
    case sql_type_kind::json: return "TEXT";
    default: return quarry::dialect::type_name(type);
  }
}

QUARRY_DECL auto dialect::begin_statement(std::optional<isolation_level> level, const engine_options& options) const -> std::string {
  if (level && *level != isolation_level::serializable)
    throw ArgumentError("quarry: SQLite supports the isolation levels SERIALIZABLE and AUTOCOMMIT, not " +
                        std::string(to_string(*level)));
  switch (options.sqlite_begin) {
    case sqlite_begin_mode::immediate: return "BEGIN IMMEDIATE";
    case sqlite_begin_mode::exclusive: return "BEGIN EXCLUSIVE";
    case sqlite_begin_mode::deferred: break;
  }
  return "BEGIN";
}

}  // namespace quarry::sqlite
