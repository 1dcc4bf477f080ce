// The non-template implementation of quarry/migrate/operations.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/operations.hpp"

#include <cstdio>
#include <variant>

namespace quarry::migrate {

QUARRY_DECL Connection& operations::connection() const {
  if (!connection_)
    throw InvalidRequestError("quarry: an offline migration has no connection; a revision that reads data cannot be "
                              "written out as SQL");
  return *connection_;
}

QUARRY_DECL void operations::run(const std::string& sql) {
  if (connection_) connection_->exec_driver_sql(sql);
  else script_.push_back(sql);
}

QUARRY_DECL void operations::create_table(const std::string& name, const std::vector<column>& columns,
                                          const std::vector<table_constraint>& constraints) {
  table_info table;
  table.name = name;
  std::vector<bool> autoincrement_given;
  for (auto& c : columns) {
    table.columns.push_back(c.info());
    autoincrement_given.push_back(c.autoincrement_given());
    if (c.foreign_key()) table.foreign_keys.push_back(*c.foreign_key());
  }
  for (auto& constraint : constraints) switch (constraint.kind) {
      case table_constraint::primary_key:
        for (auto& key : constraint.columns) {
          auto& c = table.columns[table.column_index(key)];
          c.primary_key = true;
          c.nullable = false;
        }
        table.primary_key = constraint.columns;  // in the constraint's order, not the columns'
        break;
      case table_constraint::unique: table.unique_constraints.push_back(constraint.columns); break;
      case table_constraint::check: table.checks.push_back(constraint.sql); break;
      case table_constraint::foreign_key:
        table.foreign_keys.push_back({constraint.columns, constraint.referred_table, constraint.referred_columns,
                                      constraint.on_delete, constraint.on_update});
        break;
    }
  quarry::detail::finish_table(table, std::move(autoincrement_given));
  create_table(table);
}

QUARRY_DECL void operations::create_table(const table_info& table) {
  for (auto& sql : quarry::detail::create_table_ddl(table, *dialect_, naming_)) run(sql);
}

QUARRY_DECL void operations::drop_table(std::string_view name) { run("DROP TABLE " + dialect_->format_identifier(name)); }

QUARRY_DECL void operations::rename_table(std::string_view from, std::string_view to) {
  run("ALTER TABLE " + dialect_->format_identifier(from) + " RENAME TO " + dialect_->format_identifier(to));
}

QUARRY_DECL void operations::add_column(std::string_view table, const column& c) {
  auto info = c.info();
  if (info.primary_key)
    throw ArgumentError("quarry: add_column() cannot add a primary-key column ('" + info.name +
                        "'); create the table with it, or rebuild it in batch mode");
  info.autoincrement = false;
  std::string check_name;
  if (!info.check.empty() && !naming_.ck.empty())
    check_name = dialect_->generated_name(convention_name(naming_.ck, {table, {info.name}, {}, info.name}));
  std::string sql = "ALTER TABLE " + dialect_->format_identifier(table) + " ADD COLUMN " +
                    quarry::detail::column_ddl(info, *dialect_, check_name);
  if (auto& fk = c.foreign_key()) {
    if (!naming_.fk.empty())  // named as create_all() names it, so that a revision can drop it
      sql += " CONSTRAINT " +
             dialect_->format_identifier(dialect_->generated_name(convention_name(naming_.fk, {table, fk->columns, fk->target_table})));
    sql += " REFERENCES " + dialect_->format_identifier(fk->target_table) + " (" +
           quarry::detail::column_list(fk->target_columns, *dialect_) + ")";
    if (fk->on_delete != fk_action::no_action) sql += " ON DELETE " + std::string(to_sql(fk->on_delete));
    if (fk->on_update != fk_action::no_action) sql += " ON UPDATE " + std::string(to_sql(fk->on_update));
  }
  run(sql);
  if (info.unique || info.index) {  // a unique index stands for the constraint, which SQLite cannot add
    naming_subject subject{table, {info.name}};
    auto index_name = info.index ? named({}, naming_.ix.empty() ? naming_convention{}.ix : naming_.ix, subject, "index")
                                 : named({}, naming_.uq.empty() ? "uq_%(table_name)s_%(column_0_name)s" : naming_.uq,
                                         subject, "unique constraint");
    run(quarry::detail::create_index_ddl({index_name, {info.name}, info.unique, {}}, table, *dialect_));
  }
}

QUARRY_DECL void operations::drop_column(std::string_view table, std::string_view column_name) {
  run("ALTER TABLE " + dialect_->format_identifier(table) + " DROP COLUMN " + dialect_->format_identifier(column_name));
}

QUARRY_DECL void operations::rename_column(std::string_view table, std::string_view from, std::string_view to) {
  run("ALTER TABLE " + dialect_->format_identifier(table) + " RENAME COLUMN " + dialect_->format_identifier(from) +
      " TO " + dialect_->format_identifier(to));
}

QUARRY_DECL void operations::needs_alter_table(std::string_view what) const {
  if (dialect_->name() == "sqlite")
    throw NotSupportedError("quarry: SQLite cannot " + std::string(what) +
                                " on an existing table; rebuild the table in batch mode",
                            {});
}

QUARRY_DECL void operations::alter_column(std::string_view table, std::string_view column_name,
                                          const column_change& change) {
  std::string prefix = "ALTER TABLE " + dialect_->format_identifier(table) + " ";
  std::string target = dialect_->format_identifier(column_name);
  if (change.type || change.nullable || change.server_default) needs_alter_table("change a column's type, nullability or default");
  if (change.type)
    run(prefix + "ALTER COLUMN " + target + " TYPE " + dialect_->type_name(*change.type) +
        (change.using_sql.empty() ? "" : " USING " + change.using_sql));
  if (change.nullable) run(prefix + "ALTER COLUMN " + target + (*change.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
  if (change.server_default)
    run(prefix + "ALTER COLUMN " + target +
        (change.server_default->empty() ? " DROP DEFAULT" : " SET DEFAULT " + *change.server_default));
  if (change.new_name) rename_column(table, column_name, *change.new_name);
}

QUARRY_DECL void operations::add_constraint(std::string_view table, std::string_view name, const std::string& body) {
  needs_alter_table("add a constraint");
  run("ALTER TABLE " + dialect_->format_identifier(table) + " ADD CONSTRAINT " + dialect_->format_identifier(name) + " " + body);
}

QUARRY_DECL std::string operations::named(std::string_view given, const std::string& pattern,
                                          const naming_subject& subject, std::string_view what) const {
  if (!given.empty()) return std::string(given);
  if (pattern.empty())
    throw ArgumentError("quarry: the " + std::string(what) + " on '" + std::string(subject.table) +
                        "' needs a name: give one, or a naming convention (migrate_options::naming)");
  return dialect_->generated_name(convention_name(pattern, subject));
}

QUARRY_DECL void operations::create_unique_constraint(std::string_view name, std::string_view table,
                                                      const std::vector<std::string>& columns) {
  add_constraint(table, named(name, naming_.uq, {table, columns}, "unique constraint"),
                 "UNIQUE (" + quarry::detail::column_list(columns, *dialect_) + ")");
}

QUARRY_DECL void operations::create_check_constraint(std::string_view name, std::string_view table,
                                                     std::string_view condition, bool not_valid) {
  add_constraint(table, named(name, naming_.ck, {table, {}}, "check constraint"),
                 "CHECK (" + std::string(condition) + ")" + (not_valid ? " NOT VALID" : ""));
}

QUARRY_DECL void operations::validate_constraint(std::string_view name, std::string_view table) {
  needs_alter_table("validate a constraint");
  run("ALTER TABLE " + dialect_->format_identifier(table) + " VALIDATE CONSTRAINT " + dialect_->format_identifier(name));
}

QUARRY_DECL void operations::create_foreign_key(std::string_view name, std::string_view table,
                                                std::string_view referred_table, const std::vector<std::string>& columns,
                                                const std::vector<std::string>& referred_columns, fk_action on_delete,
                                                fk_action on_update, bool not_valid) {
  add_constraint(table, named(name, naming_.fk, {table, columns, referred_table}, "foreign key"),
                 quarry::detail::foreign_key_ddl({columns, std::string(referred_table), referred_columns, on_delete, on_update},
                                                 *dialect_) +
                     (not_valid ? " NOT VALID" : ""));
}

QUARRY_DECL void operations::create_primary_key(std::string_view name, std::string_view table,
                                                const std::vector<std::string>& columns) {
  add_constraint(table, named(name, naming_.pk, {table, columns}, "primary key"),
                 "PRIMARY KEY (" + quarry::detail::column_list(columns, *dialect_) + ")");
}

QUARRY_DECL void operations::drop_constraint(std::string_view name, std::string_view table) {
  needs_alter_table("drop a constraint");
  run("ALTER TABLE " + dialect_->format_identifier(table) + " DROP CONSTRAINT " + dialect_->format_identifier(name));
}

QUARRY_DECL void operations::create_enum(std::string_view name, const std::vector<std::string>& labels) {
  if (!dialect_->native_enums()) return;
  std::string list;
  for (auto& label : labels) list += (list.empty() ? "" : ", ") + quarry::detail::sql_string_literal(label);
  run("CREATE TYPE " + dialect_->format_identifier(name) + " AS ENUM (" + list + ")");
}

QUARRY_DECL void operations::add_enum_value(std::string_view name, std::string_view label) {
  if (!dialect_->native_enums()) return;
  run("ALTER TYPE " + dialect_->format_identifier(name) + " ADD VALUE " + quarry::detail::sql_string_literal(label));
}

QUARRY_DECL void operations::drop_enum(std::string_view name) {
  if (!dialect_->native_enums()) return;
  run("DROP TYPE " + dialect_->format_identifier(name));
}

QUARRY_DECL void operations::create_index(const std::string& name, std::string_view table, std::vector<std::string> columns,
                                          bool unique, std::string where) {
  auto index_name = named(name, naming_.ix.empty() ? naming_convention{}.ix : naming_.ix, {table, columns}, "index");
  run(quarry::detail::create_index_ddl({index_name, std::move(columns), unique, std::move(where)}, table, *dialect_));
}

QUARRY_DECL void operations::drop_index(std::string_view name) { run("DROP INDEX " + dialect_->format_identifier(name)); }

QUARRY_DECL void operations::create_index_concurrently(const std::string& name, std::string_view table,
                                                       std::vector<std::string> columns, bool unique, std::string where) {
  auto index_name = named(name, naming_.ix.empty() ? naming_convention{}.ix : naming_.ix, {table, columns}, "index");
  auto sql = quarry::detail::create_index_ddl({index_name, std::move(columns), unique, std::move(where)}, table, *dialect_);
  if (dialect_->name() != "postgresql") return run(sql);
  auto at = sql.find("INDEX ");
  run_outside_transaction(sql.insert(at + 6, "CONCURRENTLY "));
}

QUARRY_DECL void operations::drop_index_concurrently(std::string_view name) {
  if (dialect_->name() != "postgresql") return drop_index(name);
  run_outside_transaction("DROP INDEX CONCURRENTLY " + dialect_->format_identifier(name));
}

QUARRY_DECL void operations::run_outside_transaction(const std::string& sql) {
  if (!connection_) {  // offline: the script's transaction ends around it
    script_.push_back("COMMIT");
    script_.push_back(sql);
    script_.push_back("BEGIN");
    return;
  }
  if (outside_transaction_) return outside_transaction_(sql);
  connection_->commit();
  connection_->driver().execute_simple(sql);
}

QUARRY_DECL void operations::execute(std::string_view sql) { run(std::string(sql)); }

QUARRY_DECL Table table(std::string name, const std::vector<column>& columns) {
  table_info info;
  info.name = std::move(name);
  for (auto& c : columns) info.columns.push_back(c.info());
  return Table(std::move(info));
}

QUARRY_DECL void operations::execute_compiled(const compiled_sql& statement) {
  if (!statement.bind_names.empty())
    throw ArgumentError("quarry: a migration's statement has bindparam() values no one gives (" + statement.bind_names.front() +
                        "); use literal values");
  if (connection_) {
    std::vector<param> bound;
    for (auto& v : statement.params) bound.emplace_back(v);
    connection_->exec_driver_sql(statement.sql, std::span<const param>(bound));
    return;
  }
  // Offline: each placeholder outside quotes becomes its value as a literal.
  const auto& sql = statement.sql;
  bool qmark = dialect_->paramstyle() == paramstyle::qmark;
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      auto end = sql.find(c, i + 1);
      while (end != std::string::npos && end + 1 < sql.size() && sql[end + 1] == c) end = sql.find(c, end + 2);
      end = end == std::string::npos ? sql.size() - 1 : end;
      out.append(sql, i, end - i + 1);
      i = end;
    } else if (qmark && c == '?') {
      out += detail::sql_literal(statement.params.at(next++), *dialect_);
    } else if (!qmark && c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      std::size_t n = 0, j = i + 1;
      for (; j < sql.size() && sql[j] >= '0' && sql[j] <= '9'; ++j) n = n * 10 + static_cast<std::size_t>(sql[j] - '0');
      out += detail::sql_literal(statement.params.at(n - 1), *dialect_);
      i = j - 1;
    } else {
      out += c;
    }
  }
  script_.push_back(out);
}

QUARRY_DECL void operations::bulk_insert(std::string_view table, const std::vector<std::string>& columns,
                                         const std::vector<std::vector<value>>& rows) {
  std::string head = "INSERT INTO " + dialect_->format_identifier(table) + " (" +
                     quarry::detail::column_list(columns, *dialect_) + ") VALUES ";
  for (auto& row : rows)
    if (row.size() != columns.size())
      throw ArgumentError("quarry: bulk_insert() into '" + std::string(table) + "' has a row of " +
                          std::to_string(row.size()) + " values for " + std::to_string(columns.size()) + " columns");
  if (connection_) {
    std::string placeholders;
    for (std::size_t i = 0; i < columns.size(); ++i)
      placeholders += (i ? ", " : "") + (dialect_->paramstyle() == paramstyle::qmark ? std::string("?")
                                                                                       : "$" + std::to_string(i + 1));
    std::string sql = head + "(" + placeholders + ")";
    for (auto& row : rows) {
      std::vector<param> bound;
      for (auto& v : row) bound.emplace_back(v);
      connection_->exec_driver_sql(sql, std::span<const param>(bound));
    }
    return;
  }
  for (auto& row : rows) {
    std::string values;
    for (auto& v : row) values += (values.empty() ? "" : ", ") + detail::sql_literal(v, *dialect_);
    script_.push_back(head + "(" + values + ")");
  }
}

}  // namespace quarry::migrate

namespace quarry::migrate::detail {

QUARRY_DECL std::string sql_literal(const value& v, const dialect& d) {
  bool pg = d.name() == "postgresql";
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "NULL";
        } else if constexpr (std::is_same_v<T, bool>) {
          return pg ? (x ? "TRUE" : "FALSE") : (x ? "1" : "0");
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          char buffer[32];
          std::snprintf(buffer, sizeof buffer, "%.17g", x);
          return buffer;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return quarry::detail::sql_string_literal(x);
        } else if constexpr (std::is_same_v<T, value::decimal_text>) {
          return x.digits;
        } else {
          // Bytes (a blob or a UUID's 16): X'..' on SQLite, '\x..'::bytea (or ::uuid) on PostgreSQL.
          static constexpr char hex[] = "0123456789abcdef";
          std::string digits;
          auto add = [&](std::byte b) {
            digits += hex[static_cast<unsigned>(b) >> 4];
            digits += hex[static_cast<unsigned>(b) & 15];
          };
          if constexpr (std::is_same_v<T, value::uuid_bytes>) {
            for (auto b : x.bytes) add(b);
            return pg ? "'" + digits + "'::uuid" : "X'" + digits + "'";
          } else {
            for (auto b : x) add(b);
            return pg ? "'\\x" + digits + "'::bytea" : "X'" + digits + "'";
          }
        }
      },
      v.data());
}

}  // namespace quarry::migrate::detail
