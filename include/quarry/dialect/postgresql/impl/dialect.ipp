// The non-template implementation of quarry/dialect/postgresql/dialect.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dialect/postgresql/dialect.hpp"

namespace quarry::postgresql {

QUARRY_DECL auto dialect::type_name(const sql_type& type) const -> std::string {
  switch (type.kind) {
    case sql_type_kind::blob: return "BYTEA";
    case sql_type_kind::json: return "JSONB";
    case sql_type_kind::enumeration: return enum_type_name(type);
    default: return quarry::dialect::type_name(type);
  }
}

QUARRY_DECL auto dialect::enum_type_name(const sql_type& type) const -> std::string {
  std::string name(type.name);
  for (char& c : name)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return format_identifier(name);
}

QUARRY_DECL auto dialect::insert_rows_per_statement(std::size_t columns) const -> std::size_t {
  std::size_t rows = columns ? 65535 / columns : 1;
  return rows < 1000 ? (rows ? rows : 1) : 1000;
}

QUARRY_DECL auto dialect::has_enum_sql() const -> std::string {
  return "SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
         "WHERE t.typname = $1 AND n.nspname = current_schema()";
}

QUARRY_DECL auto dialect::begin_statement(std::optional<isolation_level> level, const engine_options&) const -> std::string {
  if (!level) return "BEGIN";
  if (*level == isolation_level::autocommit)
    throw ArgumentError("quarry: AUTOCOMMIT opens no transaction");
  return "BEGIN ISOLATION LEVEL " + std::string(to_string(*level));
}

}  // namespace quarry::postgresql
