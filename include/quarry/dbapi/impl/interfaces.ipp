// The non-template implementation of quarry/dbapi/interfaces.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dbapi/interfaces.hpp"

namespace quarry {

QUARRY_DECL auto row_sink::inserted(std::size_t set, std::int64_t lastrowid) -> void {
  (void)set;
  (void)lastrowid;
}

QUARRY_DECL auto dbapi_statement::column_integer(std::size_t index, std::int64_t& out) -> bool {
  value_ref v = column(index);
  if (v.kind() != value_kind::integer) return false;
  out = v.as_int64();
  return true;
}

QUARRY_DECL auto dbapi_statement::column_real(std::size_t index, double& out) -> bool {
  value_ref v = column(index);
  if (v.kind() != value_kind::real) return false;
  out = v.as_double();
  return true;
}

QUARRY_DECL auto dbapi_statement::column_text(std::size_t index, std::string_view& out) -> bool {
  value_ref v = column(index);
  if (v.kind() != value_kind::text) return false;
  out = v.as_text();
  return true;
}

QUARRY_DECL auto dialect::type_name(const sql_type& type) const -> std::string {
  switch (type.kind) {
    case sql_type_kind::boolean: return "BOOLEAN";
    case sql_type_kind::small_integer: return "SMALLINT";
    case sql_type_kind::integer: return "INTEGER";
    case sql_type_kind::big_integer: return "BIGINT";
    case sql_type_kind::real: return "REAL";
    case sql_type_kind::double_precision: return "DOUBLE PRECISION";
    case sql_type_kind::numeric: return "NUMERIC";
    case sql_type_kind::text:
      return type.length ? "VARCHAR(" + std::to_string(type.length) + ")" : std::string("TEXT");
    case sql_type_kind::blob: return "BLOB";
    case sql_type_kind::date: return "DATE";
    case sql_type_kind::timestamp: return "TIMESTAMP WITH TIME ZONE";
    case sql_type_kind::uuid: return "UUID";
    case sql_type_kind::json: return "JSON";
    case sql_type_kind::enumeration: {
      // Text wide enough for the longest label; the table adds a CHECK on the labels.
      std::size_t longest = 1;
      for (auto label : type.values) longest = label.size() > longest ? label.size() : longest;
      return "VARCHAR(" + std::to_string(longest) + ")";
    }
    case sql_type_kind::custom: return std::string(type.name);
  }
  return std::string(type.name);
}

QUARRY_DECL auto dialect::has_table_sql() const -> std::string {
  return "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = " +
         std::string(paramstyle() == quarry::paramstyle::qmark ? "?" : "$1");
}

QUARRY_DECL auto dialect::insert_rows_per_statement(std::size_t columns) const -> std::size_t {
  (void)columns;
  return 1;
}

QUARRY_DECL auto dialect::insert_by_copy(std::size_t rows) const -> bool {
  (void)rows;
  return false;
}

QUARRY_DECL auto dialect::generated_name(std::string name) const -> std::string {
  std::size_t limit = max_identifier_length();
  if (!limit || name.size() <= limit) return name;
  std::uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  static constexpr char hex[] = "0123456789abcdef";
  name.resize(limit - 8);
  name += '_';
  for (int shift = 12; shift >= 0; shift -= 4) name += hex[(h >> shift) & 15];
  return name;
}

QUARRY_DECL auto dialect::quote_identifier(std::string_view name) const -> std::string {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

QUARRY_DECL auto dialect::format_identifier(std::string_view name) const -> std::string {
  if (std::size_t limit = max_identifier_length(); limit && name.size() > limit)
    throw IdentifierError("quarry: the identifier '" + std::string(name) + "' is " + std::to_string(name.size()) +
                          " bytes long; " + std::string(this->name()) + " keeps only " + std::to_string(limit) +
                          ", so two such names could become one: use a shorter name");
  bool bare = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name[0] != '$';
  for (char c : name)
    bare = bare && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$');
  if (bare && !is_reserved_word(name)) return std::string(name);
  return quote_identifier(name);
}

}  // namespace quarry
