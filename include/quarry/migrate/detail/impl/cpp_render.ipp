// The non-template implementation of quarry/migrate/detail/cpp_render.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/detail/cpp_render.hpp"

#include <algorithm>
#include <cstdio>

namespace quarry::migrate::detail {

QUARRY_DECL std::string cpp_literal(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      char octal[5];  // octal takes at most three digits, so a digit after it cannot join it (hex would)
      std::snprintf(octal, sizeof octal, "\\%03o", c);
      out += octal;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

QUARRY_DECL std::string cpp_list(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + cpp_literal(items[i]);
  return out + "}";
}

QUARRY_DECL std::string cpp_action(fk_action action) {
  switch (action) {
    case fk_action::no_action: return "quarry::fk_action::no_action";
    case fk_action::restrict: return "quarry::fk_action::restrict";
    case fk_action::cascade: return "quarry::fk_action::cascade";
    case fk_action::set_null: return "quarry::fk_action::set_null";
    case fk_action::set_default: return "quarry::fk_action::set_default";
  }
  return "quarry::fk_action::no_action";
}

namespace {
std::string canonical_spelling(std::string_view spelling) {
  std::string out;
  for (char c : spelling)
    if (c != ' ' && c != '"') out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  static constexpr std::pair<std::string_view, std::string_view> aliases[] = {
      {"charactervarying", "varchar"}, {"timestampwithtimezone", "timestamptz"}, {"character(", "char("},
      {"int4", "integer"}, {"int8", "bigint"}, {"int2", "smallint"}, {"float8", "doubleprecision"}, {"float4", "real"},
      {"bool", "boolean"}};
  for (auto [from, to] : aliases)
    if (out.compare(0, from.size(), from) == 0 && out.compare(0, to.size(), to) != 0)
      out = std::string(to) + out.substr(from.size());
  return out;
}
}  // namespace

QUARRY_DECL bool same_type_spelling(std::string_view a, std::string_view b) {
  return canonical_spelling(a) == canonical_spelling(b);
}

QUARRY_DECL std::string cpp_type(const reflected_type& type, const dialect& d) {
  std::string constant;
  switch (type.type.kind) {
    case sql_type_kind::boolean: constant = "mg::Boolean"; break;
    case sql_type_kind::small_integer: constant = "mg::SmallInteger"; break;
    case sql_type_kind::integer: constant = "mg::Integer"; break;
    case sql_type_kind::big_integer: constant = "mg::BigInteger"; break;
    case sql_type_kind::real: constant = "mg::Float"; break;
    case sql_type_kind::double_precision: constant = "mg::Double"; break;
    case sql_type_kind::numeric: constant = "mg::Numeric"; break;
    case sql_type_kind::text:
      constant = type.type.length ? "mg::String(" + std::to_string(type.type.length) + ")" : "mg::Text";
      break;
    case sql_type_kind::blob: constant = "mg::LargeBinary"; break;
    case sql_type_kind::date: constant = "mg::Date"; break;
    case sql_type_kind::timestamp: constant = "mg::DateTime"; break;
    case sql_type_kind::uuid: constant = "mg::Uuid"; break;
    case sql_type_kind::json: constant = "mg::Json"; break;
    case sql_type_kind::enumeration:
    case sql_type_kind::custom: break;
  }
  // The constant only where the dialect spells it as the database did (not for
  // "timestamp without time zone", which mg::DateTime is not).
  if (!constant.empty() && type.built_in && type.precision == 0 &&
      same_type_spelling(d.type_name(sql_type{type.type.kind, type.type.length}), type.spelling))
    return constant;
  return cpp_literal(type.spelling);
}

QUARRY_DECL bool is_column_foreign_key(const reflected_table& table, const reflected_foreign_key& fk) {
  if (fk.columns.size() != 1 || fk.referred_columns.size() != 1 || !fk.referred_schema.empty() || fk.deferrable)
    return false;
  for (auto& other : table.foreign_keys)  // the first on its column; any other goes with the table's constraints
    if (other.columns == fk.columns) return &other == &fk;
  return false;
}

namespace {
bool integer_kind(sql_type_kind kind) {
  return kind == sql_type_kind::small_integer || kind == sql_type_kind::integer || kind == sql_type_kind::big_integer;
}
}  // namespace

QUARRY_DECL std::string cpp_column(const reflected_table& table, const reflected_column& column, const dialect& d,
                                   bool in_create_table) {
  std::string out = "mg::column(" + cpp_literal(column.name) + ", " + cpp_type(column.type, d) + ")";
  const auto& key = table.primary_key.columns;
  bool lone_key = in_create_table && key.size() == 1 && key.front() == column.name;
  const reflected_foreign_key* column_fk = nullptr;
  if (in_create_table)
    for (auto& fk : table.foreign_keys)
      if (fk.columns.front() == column.name && is_column_foreign_key(table, fk)) column_fk = &fk;
  if (lone_key) {
    out += ".primary_key()";
    // A lone integer key without a foreign key is numbered by the database unless told otherwise (as SQLAlchemy's).
    bool numbered_by_default = integer_kind(column.type.type.kind) && column.type.built_in && !column_fk;
    if (numbered_by_default && !column.autoincrement) out += ".autoincrement(false)";
    if (!numbered_by_default && column.autoincrement) out += ".autoincrement()";
  } else if (!column.nullable) {
    out += ".not_null()";
  }
  bool numbering_default = column.autoincrement && column.server_default &&
                           column.server_default->compare(0, 8, "nextval(") == 0;
  if (column.server_default && !numbering_default) out += ".server_default(" + cpp_literal(*column.server_default) + ")";
  if (in_create_table)
    for (auto& unique : table.unique_constraints)
      if (unique.columns.size() == 1 && unique.columns.front() == column.name) {
        out += ".unique()";
        break;
      }
  if (column_fk) {
    out += ".references(" + cpp_literal(column_fk->referred_table) + ", " + cpp_literal(column_fk->referred_columns.front());
    if (column_fk->on_delete != fk_action::no_action || column_fk->on_update != fk_action::no_action)
      out += ", " + cpp_action(column_fk->on_delete);
    if (column_fk->on_update != fk_action::no_action) out += ", " + cpp_action(column_fk->on_update);
    out += ")";
  }
  return out;
}

QUARRY_DECL std::string cpp_create_index(const reflected_table& table, const reflected_index& index, const dialect& d) {
  auto names = index.column_names();
  bool plain = !names.empty() && index.include.empty() &&
               std::none_of(index.keys.begin(), index.keys.end(), [](const reflected_index_key& k) { return k.descending; });
  if (plain) {
    std::string out = "op.create_index(" + cpp_literal(index.name) + ", " + cpp_literal(table.name) + ", " + cpp_list(names);
    if (index.unique || !index.where.empty()) out += index.unique ? ", true" : ", false";
    if (!index.where.empty()) out += ", " + cpp_literal(index.where);
    return out + ");";
  }
  std::string sql = std::string(index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + d.format_identifier(index.name) +
                    " ON " + d.format_identifier(table.name) + " (";
  for (std::size_t i = 0; i < index.keys.size(); ++i) {
    auto& k = index.keys[i];
    sql += (i ? ", " : "") + (k.column.empty() ? k.expression : d.format_identifier(k.column)) + (k.descending ? " DESC" : "");
  }
  sql += ")";
  if (!index.include.empty()) {
    sql += " INCLUDE (";
    for (std::size_t i = 0; i < index.include.size(); ++i) sql += (i ? ", " : "") + d.format_identifier(index.include[i]);
    sql += ")";
  }
  if (!index.where.empty()) sql += " WHERE " + index.where;
  return "op.execute(" + cpp_literal(sql) + ");";
}

QUARRY_DECL std::string cpp_create_table(const reflected_table& table, const dialect& d) {
  std::string out = "op.create_table(" + cpp_literal(table.name) + ",\n                {";
  for (std::size_t i = 0; i < table.columns.size(); ++i)
    out += (i ? ",\n                 " : "") + cpp_column(table, table.columns[i], d, true);
  out += "}";
  std::vector<std::string> constraints;
  if (table.primary_key.columns.size() > 1)
    constraints.push_back("mg::primary_key_constraint(" + cpp_list(table.primary_key.columns) + ")");
  for (auto& unique : table.unique_constraints)
    if (unique.columns.size() > 1) constraints.push_back("mg::unique_constraint(" + cpp_list(unique.columns) + ")");
  for (auto& fk : table.foreign_keys)
    if (!is_column_foreign_key(table, fk)) {
      std::string c = "mg::foreign_key_constraint(" + cpp_list(fk.columns) + ", " + cpp_literal(fk.referred_table) + ", " +
                      cpp_list(fk.referred_columns);
      if (fk.on_delete != fk_action::no_action || fk.on_update != fk_action::no_action) c += ", " + cpp_action(fk.on_delete);
      if (fk.on_update != fk_action::no_action) c += ", " + cpp_action(fk.on_update);
      constraints.push_back(c + ")");
    }
  for (auto& check : table.check_constraints) constraints.push_back("mg::check_constraint(" + cpp_literal(check.sql) + ")");
  if (!constraints.empty()) {
    out += ",\n                {";
    for (std::size_t i = 0; i < constraints.size(); ++i) out += (i ? ",\n                 " : "") + constraints[i];
    out += "}";
  }
  out += ");";
  for (auto& index : table.indexes)
    if (index.constraint.empty()) out += "\n" + cpp_create_index(table, index, d);
  return out;
}

}  // namespace quarry::migrate::detail
