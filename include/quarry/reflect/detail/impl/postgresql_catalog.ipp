// The non-template implementation of quarry/reflect/detail/postgresql_catalog.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/detail/postgresql_catalog.hpp"

#include <map>

namespace quarry::detail {

QUARRY_DECL std::string postgresql_text_array(const std::vector<std::string>& names) {
  std::string out = "{";
  for (auto& name : names) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : name) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

namespace postgresql_reflection {

// The relkinds a reflection reads: tables (plain, partitioned, foreign), and views when asked.
QUARRY_DECL std::string relkinds(bool views) { return views ? "{r,p,f,v,m}" : "{r,p,f}"; }

// `AND c.relname = ANY($3::text[])` when some tables alone are asked for; the
// array is the last parameter, so the SQL (and its prepared statement) has two shapes.
QUARRY_DECL std::string only_clause(const reflect_options& options, int parameter) {
  return options.only.empty() ? std::string() : " AND c.relname = ANY($" + std::to_string(parameter) + "::text[])";
}

QUARRY_DECL std::vector<std::string> arguments(const std::string& schema, const reflect_options& options) {
  std::vector<std::string> out{schema, relkinds(options.views)};
  if (!options.only.empty()) out.push_back(postgresql_text_array(options.only));
  return out;
}

// The condition of a CHECK constraint as pg_get_constraintdef writes it: "CHECK (cond)" [NOT VALID].
QUARRY_DECL std::string check_condition(std::string definition) {
  if (definition.size() > 10 && definition.compare(definition.size() - 10, 10, " NOT VALID") == 0)
    definition.resize(definition.size() - 10);
  if (definition.rfind("CHECK (", 0) == 0 && definition.back() == ')')
    return definition.substr(7, definition.size() - 8);
  return definition;
}

}  // namespace postgresql_reflection

QUARRY_DECL auto postgresql_catalog::default_schema(Connection& conn) const -> std::string {
  return conn.exec_driver_sql("SELECT current_schema()::text").scalar<std::string>();
}

QUARRY_DECL auto postgresql_catalog::schema_names(Connection& conn) const -> std::vector<std::string> {
  std::vector<std::string> out;
  for (auto row : conn.exec_driver_sql("SELECT nspname::text FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                                       "AND nspname <> 'information_schema' ORDER BY nspname"))
    out.push_back(row.get<std::string>(0));
  return out;
}

QUARRY_DECL auto postgresql_catalog::schema_of(Connection& conn, const std::string& schema) const -> std::string {
  auto row = catalog_query(conn,
                           "SELECT n.nspname::text, has_schema_privilege(n.oid, 'USAGE') FROM pg_catalog.pg_namespace n "
                           "WHERE n.nspname = COALESCE(NULLIF($1, ''), current_schema())",
                           {schema})
                 .first();
  if (!row) {
    if (schema.empty()) throw InvalidRequestError("quarry: the connection has no current schema (search_path is empty)");
    throw InvalidRequestError("quarry: the PostgreSQL database has no schema '" + schema + "'");
  }
  auto name = row->get<std::string>(0);
  if (!row->get<bool>(1)) {
    error_context context;
    context.sqlstate = "42501";
    throw ProgrammingError("permission denied for schema " + name, context);
  }
  return name;
}

QUARRY_DECL auto postgresql_catalog::relation_names(Connection& conn, const std::string& schema, relation_kind kind) const
    -> std::vector<std::string> {
  std::string relkinds = kind == relation_kind::table ? "{r,p,f}" : kind == relation_kind::view ? "{v}" : "{m}";
  std::vector<std::string> out;
  for (auto row : catalog_query(conn,
                                "SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                                "c.relnamespace WHERE n.nspname = $1 AND c.relkind::text = ANY($2::text[]) ORDER BY c.relname",
                                {schema_of(conn, schema), relkinds}))
    out.push_back(row.get<std::string>(0));
  return out;
}

QUARRY_DECL auto postgresql_catalog::sequence_names(Connection& conn, const std::string& schema) const
    -> std::vector<std::string> {
  std::vector<std::string> out;
  for (auto row : catalog_query(conn,
                                "SELECT c.relname::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                                "c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'S' ORDER BY c.relname",
                                {schema_of(conn, schema)}))
    out.push_back(row.get<std::string>(0));
  return out;
}

QUARRY_DECL auto postgresql_catalog::enums(Connection& conn, const std::string& schema) const -> std::vector<reflected_enum> {
  std::vector<reflected_enum> out;
  std::string sql =
      "SELECT n.nspname::text, t.typname::text, e.enumlabel::text, pg_catalog.pg_type_is_visible(t.oid) "
      "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
      "JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid ";
  std::vector<std::string> args;
  if (schema.empty()) {
    sql += "WHERE pg_catalog.pg_type_is_visible(t.oid) ";
  } else {
    sql += "WHERE n.nspname = $1 ";
    args.push_back(schema_of(conn, schema));
  }
  sql += "ORDER BY n.nspname, t.typname, e.enumsortorder";
  for (auto row : catalog_query(conn, sql, args)) {
    auto type_schema = row.get<std::string>(0);
    auto name = row.get<std::string>(1);
    if (out.empty() || out.back().name != name || out.back().schema != type_schema)
      out.push_back({type_schema, name, {}, row.get<bool>(3)});
    out.back().labels.push_back(row.get<std::string>(2));
  }
  return out;
}

QUARRY_DECL auto postgresql_catalog::type_of(std::string_view type_name, std::string spelling, std::int64_t modifier)
    -> reflected_type {
  struct known_name {
    std::string_view name;
    sql_type_kind kind;
  };
  static constexpr known_name names[] = {
      {"bool", sql_type_kind::boolean},      {"int2", sql_type_kind::small_integer},
      {"int4", sql_type_kind::integer},      {"int8", sql_type_kind::big_integer},
      {"float4", sql_type_kind::real},       {"float8", sql_type_kind::double_precision},
      {"numeric", sql_type_kind::numeric},   {"varchar", sql_type_kind::text},
      {"bpchar", sql_type_kind::text},       {"text", sql_type_kind::text},
      {"bytea", sql_type_kind::blob},        {"date", sql_type_kind::date},
      {"timestamptz", sql_type_kind::timestamp}, {"timestamp", sql_type_kind::timestamp},
      {"uuid", sql_type_kind::uuid},         {"json", sql_type_kind::json},
      {"jsonb", sql_type_kind::json},
  };
  for (auto& n : names)
    if (type_name == n.name) {
      std::uint32_t length = 0;
      if ((n.kind == sql_type_kind::text) && modifier > 4) length = static_cast<std::uint32_t>(modifier - 4);
      auto out = make_reflected_type(n.kind, std::move(spelling), length);
      if (n.kind == sql_type_kind::numeric && modifier > 4) {
        out.precision = static_cast<std::uint32_t>(((modifier - 4) >> 16) & 0xffff);
        out.scale = static_cast<std::uint32_t>((modifier - 4) & 0xffff);
      }
      return out;
    }
  return make_reflected_type(sql_type_kind::custom, std::move(spelling));
}

QUARRY_DECL auto postgresql_catalog::tables(Connection& conn, const reflect_options& options) const
    -> std::vector<reflected_table> {
  using namespace postgresql_reflection;
  std::string schema = schema_of(conn, options.schema);
  auto args = arguments(schema, options);
  const std::string relations =
      " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
      " WHERE n.nspname = $1 AND c.relkind::text = ANY($2::text[])" + only_clause(options, 3);

  std::map<std::string, reflected_table> found;
  for (auto row : catalog_query(conn,
                                "SELECT c.relname::text, c.relkind::text, pg_catalog.obj_description(c.oid, 'pg_class'), "
                                "CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid, true) END" +
                                    relations,
                                args)) {
    reflected_table t;
    t.schema = options.schema;
    t.name = row.get<std::string>(0);
    auto kind = row.get<std::string>(1);
    t.kind = kind == "v" ? relation_kind::view : kind == "m" ? relation_kind::materialized_view : relation_kind::table;
    t.comment = row.get<std::optional<std::string>>(2);
    t.view_definition = row.get<std::optional<std::string>>(3).value_or("");
    found.emplace(t.name, std::move(t));
  }
  if (found.empty()) return chosen_tables({}, options, schema);

  // Enum labels of every enum type a column may use, in any schema.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> enum_labels;
  for (auto row : conn.exec_driver_sql(
           "SELECT n.nspname::text, t.typname::text, e.enumlabel::text FROM pg_catalog.pg_type t "
           "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid "
           "ORDER BY n.nspname, t.typname, e.enumsortorder"))
    enum_labels[{row.get<std::string>(0), row.get<std::string>(1)}].push_back(row.get<std::string>(2));

  for (auto row : catalog_query(
           conn,
           "SELECT c.relname::text, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), t.typname::text, "
           "t.typtype::text, tn.nspname::text, a.atttypmod, a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), "
           "a.attidentity::text, a.attgenerated::text, pg_catalog.col_description(c.oid, a.attnum) "
           "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
           "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
           "JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace "
           "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
           "WHERE n.nspname = $1 AND c.relkind::text = ANY($2::text[]) AND a.attnum > 0 AND NOT a.attisdropped" +
               only_clause(options, 3) + " ORDER BY c.relname, a.attnum",
           args)) {
    auto table = found.find(row.get<std::string>(0));
    if (table == found.end()) continue;
    reflected_column c;
    c.name = row.get<std::string>(1);
    auto spelling = row.get<std::string>(2);
    auto type_name = row.get<std::string>(3);
    if (row.get<std::string>(4) == "e") {
      auto labels = enum_labels[{row.get<std::string>(5), type_name}];
      c.type = make_reflected_type(sql_type_kind::enumeration, spelling, 0, type_name, std::move(labels));
    } else {
      c.type = type_of(type_name, spelling, row.get<std::int64_t>(6));
    }
    c.nullable = !row.get<bool>(7);
    auto default_sql = row.get<std::optional<std::string>>(8);
    auto identity = row.get<std::string>(9);
    auto generated = row.get<std::string>(10);
    if (generated == "s") {
      c.computed = default_sql.value_or("");
      c.computed_stored = true;
    } else {
      c.server_default = default_sql;
    }
    if (identity == "a") c.identity = "ALWAYS";
    if (identity == "d") c.identity = "BY DEFAULT";
    c.autoincrement = c.identity || (default_sql && default_sql->rfind("nextval(", 0) == 0 && generated.empty());
    c.comment = row.get<std::optional<std::string>>(11);
    table->second.columns.push_back(std::move(c));
  }

  // Primary keys, unique constraints and foreign keys: one row per (constraint, column).
  for (auto row : catalog_query(
           conn,
           "SELECT c.relname::text, con.conname::text, con.contype::text, a.attname::text, fa.attname::text, "
           "fc.relname::text, fn.nspname::text, con.confupdtype::text, con.confdeltype::text, con.condeferrable, "
           "con.condeferred, fn.nspname = n.nspname "
           "FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
           "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
           "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
           "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
           "LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid "
           "LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace "
           "LEFT JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = con.confkey[k.ord] "
           "WHERE n.nspname = $1 AND c.relkind::text = ANY($2::text[]) AND con.contype IN ('p', 'u', 'f')" +
               only_clause(options, 3) + " ORDER BY c.relname, con.contype, con.conname, k.ord",
           args)) {
    auto table = found.find(row.get<std::string>(0));
    if (table == found.end()) continue;
    auto& t = table->second;
    auto name = row.get<std::string>(1);
    auto type = row.get<std::string>(2);
    auto column = row.get<std::string>(3);
    if (type == "p") {
      t.primary_key.name = name;
      t.primary_key.columns.push_back(column);
    } else if (type == "u") {
      if (t.unique_constraints.empty() || t.unique_constraints.back().name != name) t.unique_constraints.push_back({name, {}});
      t.unique_constraints.back().columns.push_back(column);
    } else {
      if (t.foreign_keys.empty() || t.foreign_keys.back().name != name) {
        reflected_foreign_key fk;
        fk.name = name;
        fk.referred_table = row.get<std::string>(5);
        if (!row.get<bool>(11)) fk.referred_schema = row.get<std::string>(6);
        fk.on_update = fk_action_named(row.get<std::string>(7));
        fk.on_delete = fk_action_named(row.get<std::string>(8));
        fk.deferrable = row.get<bool>(9);
        fk.initially_deferred = row.get<bool>(10);
        t.foreign_keys.push_back(std::move(fk));
      }
      t.foreign_keys.back().columns.push_back(column);
      t.foreign_keys.back().referred_columns.push_back(row.get<std::string>(4));
    }
  }

  for (auto row : catalog_query(conn,
                                "SELECT c.relname::text, con.conname::text, pg_catalog.pg_get_constraintdef(con.oid, true) "
                                "FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
                                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE n.nspname = $1 AND c.relkind::text = ANY($2::text[]) AND con.contype = 'c'" +
                                    only_clause(options, 3) + " ORDER BY c.relname, con.conname",
                                args)) {
    auto table = found.find(row.get<std::string>(0));
    if (table == found.end()) continue;
    table->second.check_constraints.push_back({row.get<std::string>(1), check_condition(row.get<std::string>(2))});
  }

  // Indexes (not the primary key's), one row per key or INCLUDE column.
  for (auto row : catalog_query(
           conn,
           "SELECT c.relname::text, ic.relname::text, i.indisunique, i.indnkeyatts::int, k.n, a.attname::text, "
           "pg_catalog.pg_get_indexdef(i.indexrelid, k.n, true), i.indoption[k.n - 1]::int, "
           "pg_catalog.pg_get_expr(i.indpred, i.indrelid, true), con.conname::text "
           "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
           "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
           "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
           "CROSS JOIN LATERAL generate_series(1, i.indnatts::int) AS k(n) "
           "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1] "
           "LEFT JOIN pg_catalog.pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('u', 'x') "
           "WHERE n.nspname = $1 AND c.relkind::text = ANY($2::text[]) AND NOT i.indisprimary" +
               only_clause(options, 3) + " ORDER BY c.relname, ic.relname, k.n",
           args)) {
    auto table = found.find(row.get<std::string>(0));
    if (table == found.end()) continue;
    auto& indexes = table->second.indexes;
    auto name = row.get<std::string>(1);
    if (indexes.empty() || indexes.back().name != name) {
      reflected_index index;
      index.name = name;
      index.unique = row.get<bool>(2);
      index.where = row.get<std::optional<std::string>>(8).value_or("");
      index.constraint = row.get<std::optional<std::string>>(9).value_or("");
      indexes.push_back(std::move(index));
    }
    auto& index = indexes.back();
    auto column = row.get<std::optional<std::string>>(5);
    if (row.get<std::int64_t>(4) > row.get<std::int64_t>(3)) {
      index.include.push_back(column.value_or(row.get<std::string>(6)));
      continue;
    }
    reflected_index_key key;
    if (column) key.column = *column;
    else key.expression = row.get<std::string>(6);
    key.descending = (row.get<std::int64_t>(7) & 1) != 0;
    index.keys.push_back(std::move(key));
  }

  std::vector<reflected_table> out;
  for (auto& [name, t] : found) out.push_back(std::move(t));
  return chosen_tables(std::move(out), options, schema);
}

}  // namespace quarry::detail
