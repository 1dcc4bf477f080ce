// The non-template implementation of quarry/reflect/detail/sqlite_catalog.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/detail/sqlite_catalog.hpp"

#include <map>

#include "quarry/reflect/detail/sqlite_ddl.hpp"

namespace quarry::detail {

namespace sqlite_reflection {

QUARRY_DECL std::string upper_case(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

QUARRY_DECL bool same_name(std::string_view a, std::string_view b) { return upper_case(a) == upper_case(b); }

QUARRY_DECL bool same_names(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_name(a[i], b[i])) return false;
  return true;
}

// sqlite_master of a schema, for the FROM clause.
QUARRY_DECL std::string master_of(Connection& conn, const std::string& schema) {
  return conn.dialect().format_identifier(schema) + ".sqlite_master";
}

// Tables and views that are not SQLite's own (sqlite_sequence, sqlite_stat1, ...).
constexpr std::string_view not_internal = " AND m.name NOT LIKE 'sqlite~_%' ESCAPE '~'";

}  // namespace sqlite_reflection

QUARRY_DECL auto sqlite_catalog::default_schema(Connection&) const -> std::string { return "main"; }

QUARRY_DECL auto sqlite_catalog::schema_names(Connection& conn) const -> std::vector<std::string> {
  std::vector<std::string> out;
  for (auto row : conn.exec_driver_sql("SELECT name FROM pragma_database_list ORDER BY seq"))
    out.push_back(row.get<std::string>(0));
  return out;
}

QUARRY_DECL auto sqlite_catalog::schema_of(Connection& conn, const std::string& schema) const -> std::string {
  if (schema.empty()) return "main";
  auto known = schema_names(conn);
  if (std::find(known.begin(), known.end(), schema) != known.end() || schema == "temp") return schema;
  std::string names;
  for (auto& n : known) names += (names.empty() ? "" : ", ") + n;
  throw InvalidRequestError("quarry: the SQLite database has no schema '" + schema + "' (schemas: " + names + ")");
}

QUARRY_DECL auto sqlite_catalog::relation_names(Connection& conn, const std::string& schema, relation_kind kind) const
    -> std::vector<std::string> {
  std::vector<std::string> out;
  if (kind == relation_kind::materialized_view) return out;
  std::string sql = "SELECT m.name FROM " + sqlite_reflection::master_of(conn, schema_of(conn, schema)) +
                    " m WHERE m.type = ?" + std::string(sqlite_reflection::not_internal) + " ORDER BY m.name";
  for (auto row : catalog_query(conn, sql, {kind == relation_kind::view ? "view" : "table"}))
    out.push_back(row.get<std::string>(0));
  return out;
}

QUARRY_DECL auto sqlite_catalog::sequence_names(Connection& conn, const std::string& schema) const
    -> std::vector<std::string> {
  schema_of(conn, schema);
  return {};
}

QUARRY_DECL auto sqlite_catalog::enums(Connection&, const std::string&) const -> std::vector<reflected_enum> { return {}; }

QUARRY_DECL auto sqlite_catalog::type_of(std::string_view declared) -> reflected_type {
  std::string spelling(declared);
  std::string upper = sqlite_reflection::upper_case(declared);
  std::string base = upper.substr(0, upper.find('('));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  std::vector<std::uint32_t> args;
  if (auto open = upper.find('('); open != std::string::npos) {
    std::uint32_t n = 0;
    bool in_number = false;
    for (std::size_t i = open + 1; i < upper.size() && upper[i] != ')'; ++i) {
      if (upper[i] >= '0' && upper[i] <= '9') {
        n = n * 10 + static_cast<std::uint32_t>(upper[i] - '0');
        in_number = true;
      } else if (upper[i] == ',') {
        args.push_back(n);
        n = 0;
        in_number = false;
      }
    }
    if (in_number) args.push_back(n);
  }
  struct known_name {
    std::string_view name;
    sql_type_kind kind;
  };
  static constexpr known_name names[] = {
      {"BOOLEAN", sql_type_kind::boolean},   {"BOOL", sql_type_kind::boolean},
      {"SMALLINT", sql_type_kind::small_integer}, {"TINYINT", sql_type_kind::small_integer},
      {"INT2", sql_type_kind::small_integer}, {"INTEGER", sql_type_kind::integer},
      {"INT", sql_type_kind::integer},       {"MEDIUMINT", sql_type_kind::integer},
      {"BIGINT", sql_type_kind::big_integer}, {"INT8", sql_type_kind::big_integer},
      {"REAL", sql_type_kind::real},         {"FLOAT4", sql_type_kind::real},
      {"FLOAT", sql_type_kind::double_precision}, {"DOUBLE", sql_type_kind::double_precision},
      {"DOUBLE PRECISION", sql_type_kind::double_precision}, {"FLOAT8", sql_type_kind::double_precision},
      {"NUMERIC", sql_type_kind::numeric},   {"DECIMAL", sql_type_kind::numeric},
      {"VARCHAR", sql_type_kind::text},      {"CHAR", sql_type_kind::text},
      {"NVARCHAR", sql_type_kind::text},     {"NCHAR", sql_type_kind::text},
      {"CHARACTER", sql_type_kind::text},    {"VARYING CHARACTER", sql_type_kind::text},
      {"CHARACTER VARYING", sql_type_kind::text}, {"NATIVE CHARACTER", sql_type_kind::text},
      {"TEXT", sql_type_kind::text},         {"CLOB", sql_type_kind::text},
      {"BLOB", sql_type_kind::blob},         {"DATE", sql_type_kind::date},
      {"DATETIME", sql_type_kind::timestamp}, {"TIMESTAMP", sql_type_kind::timestamp},
      {"UUID", sql_type_kind::uuid},         {"JSON", sql_type_kind::json},
  };
  for (auto& n : names)
    if (base == n.name) {
      auto out = make_reflected_type(n.kind, spelling, n.kind == sql_type_kind::text && !args.empty() ? args[0] : 0);
      if (n.kind == sql_type_kind::numeric && !args.empty()) {
        out.precision = args[0];
        out.scale = args.size() > 1 ? args[1] : 0;
      }
      return out;
    }
  // SQLite's affinity rules (section 3.1 of its datatype page), as SQLAlchemy applies them.
  reflected_type out;
  if (upper.find("INT") != std::string::npos) out = make_reflected_type(sql_type_kind::integer, spelling);
  else if (upper.find("CHAR") != std::string::npos || upper.find("CLOB") != std::string::npos ||
           upper.find("TEXT") != std::string::npos)
    out = make_reflected_type(sql_type_kind::text, spelling);
  else if (upper.find("BLOB") != std::string::npos) out = make_reflected_type(sql_type_kind::blob, spelling);
  else if (upper.empty()) out = make_reflected_type(sql_type_kind::custom, spelling);
  else if (upper.find("REAL") != std::string::npos || upper.find("FLOA") != std::string::npos ||
           upper.find("DOUB") != std::string::npos)
    out = make_reflected_type(sql_type_kind::double_precision, spelling);
  else out = make_reflected_type(sql_type_kind::numeric, spelling);
  out.built_in = false;
  return out;
}

QUARRY_DECL auto sqlite_catalog::tables(Connection& conn, const reflect_options& options) const
    -> std::vector<reflected_table> {
  using namespace sqlite_reflection;
  std::string schema = schema_of(conn, options.schema);
  std::string master = master_of(conn, schema);
  std::string reported_schema = options.schema;

  std::map<std::string, reflected_table> found;
  std::map<std::string, parsed_create_table> parsed;
  std::map<std::string, std::string> index_sql;
  for (auto row : conn.exec_driver_sql("SELECT m.type, m.name, m.sql FROM " + master +
                                       " m WHERE m.type IN ('table', 'view', 'index')" + std::string(not_internal))) {
    auto type = row.get<std::string>(0);
    auto name = row.get<std::string>(1);
    auto sql = row.get<std::optional<std::string>>(2).value_or("");
    if (type == "index") {
      index_sql[name] = sql;
      continue;
    }
    if (type == "view" && !options.views) continue;
    reflected_table t;
    t.schema = reported_schema;
    t.name = name;
    t.kind = type == "view" ? relation_kind::view : relation_kind::table;
    if (type == "view") t.view_definition = sql;
    else parsed[name] = parse_create_table(sql);
    found.emplace(name, std::move(t));
  }

  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> key_columns;  // pk position, column
  for (auto row : catalog_query(conn,
                                "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden FROM " + master +
                                    " m JOIN pragma_table_xinfo(m.name, ?) p WHERE m.type IN ('table', 'view')" +
                                    std::string(not_internal) + " ORDER BY m.name, p.cid",
                                {schema})) {
    auto table = found.find(row.get<std::string>(0));
    if (table == found.end()) continue;
    reflected_column c;
    c.name = row.get<std::string>(1);
    c.type = type_of(row.get<std::optional<std::string>>(2).value_or(""));
    c.nullable = row.get<std::int64_t>(3) == 0;
    c.server_default = row.get<std::optional<std::string>>(4);
    if (auto position = row.get<std::int64_t>(5); position > 0) key_columns[table->first].emplace_back(position, c.name);
    auto hidden = row.get<std::int64_t>(6);
    if (hidden == 2 || hidden == 3) {
      c.computed_stored = hidden == 3;
      for (auto& g : parsed[table->first].generated)
        if (same_name(g.column, c.name)) c.computed = g.sql;
      if (!c.computed) c.computed = "";
    }
    table->second.columns.push_back(std::move(c));
  }
  for (auto& [name, keys] : key_columns) {
    auto& t = found.at(name);
    std::sort(keys.begin(), keys.end());
    for (auto& [position, column] : keys) t.primary_key.columns.push_back(column);
    t.primary_key.name = parsed[name].primary_key_name;
    // A lone INTEGER PRIMARY KEY is the rowid: the database numbers it.
    if (keys.size() == 1 && !parsed[name].without_rowid)
      for (auto& c : t.columns)
        if (c.name == keys[0].second && upper_case(c.type.spelling) == "INTEGER") {
          c.autoincrement = true;
          c.nullable = false;  // SQLite keeps no NOT NULL for it, but a rowid is never NULL
        }
  }

  std::map<std::pair<std::string, std::int64_t>, reflected_foreign_key> keys_by_id;
  for (auto row : catalog_query(conn,
                                "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete FROM " +
                                    master + " m JOIN pragma_foreign_key_list(m.name, ?) f WHERE m.type = 'table'" +
                                    std::string(not_internal) + " ORDER BY m.name, f.id, f.seq",
                                {schema})) {
    auto table = row.get<std::string>(0);
    if (!found.count(table)) continue;
    auto& fk = keys_by_id[{table, row.get<std::int64_t>(1)}];
    fk.referred_table = row.get<std::string>(2);
    fk.columns.push_back(row.get<std::string>(3));
    if (auto to = row.get<std::optional<std::string>>(4)) fk.referred_columns.push_back(*to);
    fk.on_update = fk_action_named(row.get<std::string>(5));
    fk.on_delete = fk_action_named(row.get<std::string>(6));
  }
  // SQLite numbers a table's foreign keys from the last one declared; keep the declared order.
  for (auto it = keys_by_id.rbegin(); it != keys_by_id.rend(); ++it) {
    auto& t = found.at(it->first.first);
    auto fk = it->second;
    if (fk.referred_columns.empty()) {  // REFERENCES parent: the parent's primary key
      auto keys = key_columns.find(fk.referred_table);
      if (keys != key_columns.end())
        for (auto& [position, column] : keys->second) fk.referred_columns.push_back(column);
    }
    for (auto& p : parsed[t.name].foreign_keys)
      if (same_names(p.columns, fk.columns) && same_name(p.referred_table, fk.referred_table)) {
        fk.name = p.name;
        fk.deferrable = p.deferrable;
        fk.initially_deferred = p.initially_deferred;
      }
    t.foreign_keys.push_back(std::move(fk));
  }

  for (auto row : catalog_query(conn,
                                "SELECT m.name, il.name, il.\"unique\", il.partial, ix.cid, ix.name, ix.\"desc\" FROM " +
                                    master +
                                    " m JOIN pragma_index_list(m.name, ?) il JOIN pragma_index_xinfo(il.name, ?) ix"
                                    " WHERE m.type = 'table' AND il.origin = 'c' AND ix.key = 1" +
                                    std::string(not_internal) + " ORDER BY m.name, il.name, ix.seqno",
                                {schema, schema})) {
    auto table = found.find(row.get<std::string>(0));
    if (table == found.end()) continue;
    auto index_name = row.get<std::string>(1);
    auto& indexes = table->second.indexes;
    if (indexes.empty() || indexes.back().name != index_name) {
      reflected_index index;
      index.name = index_name;
      index.unique = row.get<std::int64_t>(2) != 0;
      if (row.get<std::int64_t>(3) != 0) index.where = parse_create_index(index_sql[index_name]).where;
      indexes.push_back(std::move(index));
    }
    auto& index = indexes.back();
    reflected_index_key key;
    if (row.get<std::int64_t>(4) >= 0) {
      key.column = row.get<std::string>(5);
    } else {
      auto keys = parse_create_index(index_sql[index_name]).keys;
      if (index.keys.size() < keys.size()) key.expression = keys[index.keys.size()];
    }
    key.descending = row.get<std::int64_t>(6) != 0;
    index.keys.push_back(std::move(key));
  }

  std::vector<reflected_table> out;
  for (auto& [name, t] : found) {
    if (auto p = parsed.find(name); p != parsed.end()) {
      for (auto& u : p->second.uniques) {
        // A column-level UNIQUE names the column as written; use the column's stored spelling.
        std::vector<std::string> columns;
        for (auto& column : u.columns) {
          std::string stored = column;
          for (auto& c : t.columns)
            if (same_name(c.name, column)) stored = c.name;
          columns.push_back(stored);
        }
        t.unique_constraints.push_back({u.name, std::move(columns)});
      }
      for (auto& check : p->second.checks) t.check_constraints.push_back({check.name, check.sql});
    }
    out.push_back(std::move(t));
  }
  return chosen_tables(std::move(out), options, schema);
}

}  // namespace quarry::detail
