// The non-template implementation of quarry/core/ddl.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/ddl.hpp"
#include "quarry/core/naming.hpp"

namespace quarry::detail {

QUARRY_DECL std::string sql_string_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

QUARRY_DECL std::string column_list(const std::vector<std::string>& names, const dialect& d) {
  std::string out;
  for (auto& n : names) out += (out.empty() ? "" : ", ") + d.format_identifier(n);
  return out;
}

QUARRY_DECL std::string lower_case(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

QUARRY_DECL std::string column_ddl(const column_info& c, const dialect& d, std::string_view check_name) {
  std::string part = d.format_identifier(c.name) + " ";
  part += c.autoincrement ? d.autoincrement_type(c.type) : d.type_name(c.type);
  if (!c.nullable) part += " NOT NULL";
  if (!c.server_default.empty()) part += " DEFAULT " + c.server_default;
  if (!c.check.empty())
    part += (check_name.empty() ? std::string() : " CONSTRAINT " + d.format_identifier(check_name)) + " CHECK (" + c.check + ")";
  if (c.type.kind == sql_type_kind::enumeration && !d.native_enums()) {
    std::string labels;
    for (auto label : c.type.values) labels += (labels.empty() ? "" : ", ") + sql_string_literal(label);
    part += " CHECK (" + d.format_identifier(c.name) + " IN (" + labels + "))";
  }
  return part;
}

QUARRY_DECL std::string foreign_key_ddl(const foreign_key_info& fk, const dialect& d) {
  std::string part = "FOREIGN KEY(" + column_list(fk.columns, d) + ") REFERENCES " + d.format_identifier(fk.target_table) +
                     " (" + column_list(fk.target_columns, d) + ")";
  if (fk.on_delete != fk_action::no_action) part += " ON DELETE " + std::string(to_sql(fk.on_delete));
  if (fk.on_update != fk_action::no_action) part += " ON UPDATE " + std::string(to_sql(fk.on_update));
  return part;
}

QUARRY_DECL std::string create_index_ddl(const index_info& index, std::string_view table, const dialect& d) {
  std::string sql = std::string(index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
                    d.format_identifier(index.name) + " ON " + d.format_identifier(table) + " (" +
                    column_list(index.columns, d) + ")";
  if (!index.where.empty()) sql += " WHERE " + index.where;
  return sql;
}

QUARRY_DECL std::string constraint_prefix(const std::string& pattern, const naming_subject& subject, const dialect& d) {
  if (pattern.empty()) return {};
  return "CONSTRAINT " + d.format_identifier(d.generated_name(convention_name(pattern, subject))) + " ";
}

QUARRY_DECL std::vector<std::string> create_table_ddl(const table_info& table, const dialect& d,
                                                      const naming_convention& naming) {
  std::string sql = "CREATE TABLE " + d.format_identifier(table.name) + " (";
  std::vector<std::string> parts;
  for (auto& c : table.columns) {
    std::string check_name;
    if (!c.check.empty() && !naming.ck.empty())
      check_name = d.generated_name(convention_name(naming.ck, {table.name, {c.name}, {}, c.name}));
    parts.push_back(column_ddl(c, d, check_name));
  }
  if (!table.primary_key.empty())
    parts.push_back(constraint_prefix(naming.pk, {table.name, table.primary_key}, d) + "PRIMARY KEY (" +
                    column_list(table.primary_key, d) + ")");
  for (auto& c : table.columns)
    if (c.unique && !c.index)
      parts.push_back(constraint_prefix(naming.uq, {table.name, {c.name}}, d) + "UNIQUE (" + d.format_identifier(c.name) + ")");
  for (auto& u : table.unique_constraints)
    parts.push_back(constraint_prefix(naming.uq, {table.name, u}, d) + "UNIQUE (" + column_list(u, d) + ")");
  for (auto& fk : table.foreign_keys)
    parts.push_back(constraint_prefix(naming.fk, {table.name, fk.columns, fk.target_table}, d) + foreign_key_ddl(fk, d));
  for (auto& check : table.checks) parts.push_back("CHECK (" + check + ")");
  for (std::size_t i = 0; i < parts.size(); ++i) sql += (i ? ", " : "") + parts[i];
  sql += ")";
  std::vector<std::string> out{std::move(sql)};
  // Indexed columns get SQLAlchemy's index names (ix_<table>_<column>) unless the convention says otherwise.
  const std::string& ix = naming.ix.empty() ? naming_convention{}.ix : naming.ix;
  for (auto& c : table.columns)
    if (c.index)
      out.push_back(std::string(c.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
                    d.format_identifier(d.generated_name(convention_name(ix, {table.name, {c.name}}))) + " ON " +
                    d.format_identifier(table.name) + " (" + d.format_identifier(c.name) + ")");
  for (auto& index : table.indexes) out.push_back(create_index_ddl(index, table.name, d));
  return out;
}

}  // namespace quarry::detail

namespace quarry {

QUARRY_DECL auto MetaData::add(std::shared_ptr<const table_info> table) -> MetaData& {
  for (auto& t : tables_)
    if (t->name == table->name) {
      if (t != table) throw ArgumentError("quarry: the MetaData already has a different table named '" + t->name + "'");
      return *this;
    }
  tables_.push_back(std::move(table));
  return *this;
}

QUARRY_DECL auto MetaData::table(std::string_view name) const -> Table {
  for (auto& t : tables_)
    if (t->name == name) return Table(t);
  std::string known;
  for (auto& t : tables_) known += (known.empty() ? "" : ", ") + t->name;
  throw NoSuchTableError("quarry: the MetaData has no table '" + std::string(name) + "' (tables: " + known + ")");
}

QUARRY_DECL bool MetaData::contains(std::string_view name) const noexcept {
  return std::any_of(tables_.begin(), tables_.end(), [&](auto& t) { return t->name == name; });
}

QUARRY_DECL auto MetaData::create_ddl(const dialect& d) const -> std::vector<std::string> {
  std::vector<std::string> out;
  if (d.native_enums())
    for (auto& e : enum_types()) out.push_back(create_enum_ddl(e, d));
  for (auto& t : sorted_tables()) {
    if (t->is_view) continue;
    auto statements = detail::create_table_ddl(*t, d, naming);
    out.insert(out.end(), statements.begin(), statements.end());
  }
  return out;
}

QUARRY_DECL auto MetaData::enum_types() const -> std::vector<sql_type> {
  std::vector<sql_type> out;
  for (auto& t : tables_)
    for (auto& c : t->columns)
      if (c.type.kind == sql_type_kind::enumeration &&
          std::none_of(out.begin(), out.end(), [&](const sql_type& e) { return e.name == c.type.name; }))
        out.push_back(c.type);
  return out;
}

QUARRY_DECL auto MetaData::create_enum_ddl(const sql_type& type, const dialect& d) -> std::string {
  std::string labels;
  for (auto label : type.values) labels += (labels.empty() ? "" : ", ") + detail::sql_string_literal(label);
  return "CREATE TYPE " + d.type_name(type) + " AS ENUM (" + labels + ")";
}


}  // namespace quarry

namespace quarry::detail {

QUARRY_DECL auto registered_models::get() const -> MetaData {
  MetaData m;
  std::lock_guard lock(model_registry_mutex());
  for (auto from : model_registry()) m.add(from()->table);
  return m;
}

}  // namespace quarry::detail
