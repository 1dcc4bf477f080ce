// The non-template implementation of quarry/migrate/batch.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/batch.hpp"

#include <algorithm>

#include "quarry/reflect/detail/sqlite_ddl.hpp"
#include "quarry/reflect/inspector.hpp"

namespace quarry::migrate {

QUARRY_DECL void batch_operations::add_column(const column& c) {
  change ch{change::add_column, c.info().name};
  ch.new_column = c;
  changes_.push_back(std::move(ch));
}

QUARRY_DECL void batch_operations::drop_column(std::string name) { changes_.push_back({change::drop_column, std::move(name)}); }

QUARRY_DECL void batch_operations::alter_column(std::string name, column_change alteration) {
  change ch{change::alter_column, std::move(name)};
  ch.alteration = std::move(alteration);
  changes_.push_back(std::move(ch));
}

QUARRY_DECL void batch_operations::create_unique_constraint(std::string name, std::vector<std::string> columns) {
  change ch{change::add_unique, std::move(name)};
  ch.columns = std::move(columns);
  changes_.push_back(std::move(ch));
}

QUARRY_DECL void batch_operations::create_check_constraint(std::string name, std::string condition) {
  change ch{change::add_check, std::move(name)};
  ch.sql = std::move(condition);
  changes_.push_back(std::move(ch));
}

QUARRY_DECL void batch_operations::create_foreign_key(std::string name, std::string referred_table,
                                                      std::vector<std::string> columns,
                                                      std::vector<std::string> referred_columns, fk_action on_delete,
                                                      fk_action on_update) {
  change ch{change::add_foreign_key, std::move(name)};
  ch.sql = std::move(referred_table);
  ch.columns = std::move(columns);
  ch.referred_columns = std::move(referred_columns);
  ch.on_delete = on_delete;
  ch.on_update = on_update;
  changes_.push_back(std::move(ch));
}

QUARRY_DECL void batch_operations::drop_constraint(std::string name) {
  changes_.push_back({change::drop_constraint, std::move(name)});
}

QUARRY_DECL void operations::batch_alter_table(std::string_view table,
                                               const std::function<void(batch_operations&)>& changes) {
  batch_operations batch;
  changes(batch);
  if (dialect().name() == "sqlite" && offline()) {
    // The rebuild reads the table first. The message lists the changes, so a revision's checksum still sees them.
    std::string what;
    for (auto& c : batch.changes()) {
      static constexpr const char* kinds[] = {"add_column", "drop_column", "alter_column", "add_unique", "add_check",
                                              "add_foreign_key", "drop_constraint"};
      what += std::string(what.empty() ? "" : "; ") + kinds[c.kind] + " " + c.name;
      if (c.kind == batch_operations::change::add_column) what += " " + quarry::detail::column_ddl(c.new_column.info(), dialect());
      if (c.alteration.type) what += " type " + dialect().type_name(*c.alteration.type);
      if (c.alteration.nullable) what += *c.alteration.nullable ? " null" : " not null";
      if (c.alteration.server_default) what += " default " + *c.alteration.server_default;
      if (c.alteration.new_name) what += " to " + *c.alteration.new_name;
      for (auto& column : c.columns) what += " " + column;
      if (!c.sql.empty()) what += " " + c.sql;
      for (auto& column : c.referred_columns) what += " " + column;
    }
    throw InvalidRequestError("quarry: SQLite rebuilds '" + std::string(table) +
                              "' for batch_alter_table() online only, since it reads the table first (" + what + ")");
  }
  if (dialect().name() == "sqlite") detail::rebuild_sqlite_table(*this, table, batch.changes());
  else detail::alter_in_place(*this, table, batch.changes());
}

}  // namespace quarry::migrate

namespace quarry::migrate::detail {

QUARRY_DECL void alter_in_place(operations& op, std::string_view table, const std::vector<batch_operations::change>& changes) {
  using change = batch_operations::change;
  for (auto& c : changes) {
    switch (c.kind) {
      case change::add_column: op.add_column(table, c.new_column); break;
      case change::drop_column: op.drop_column(table, c.name); break;
      case change::alter_column: op.alter_column(table, c.name, c.alteration); break;
      case change::add_unique: op.create_unique_constraint(c.name, table, c.columns); break;
      case change::add_check: op.create_check_constraint(c.name, table, c.sql); break;
      case change::add_foreign_key:
        op.create_foreign_key(c.name, table, c.sql, c.columns, c.referred_columns, c.on_delete, c.on_update);
        break;
      case change::drop_constraint: op.drop_constraint(c.name, table); break;
    }
  }
}

namespace batch {

QUARRY_DECL void rename_in(std::vector<std::string>& names, const std::string& from, const std::string& to) {
  for (auto& n : names)
    if (n == from) n = to;
}

QUARRY_DECL bool mentions(const std::vector<std::string>& names, const std::string& column) {
  return std::find(names.begin(), names.end(), column) != names.end();
}

// SQL text with a column renamed: every identifier token that names it, quoted or not.
QUARRY_DECL std::string renamed_in_sql(const std::string& sql, const std::string& from, const std::string& to,
                                       const dialect& d) {
  std::string out;
  std::size_t at = 0;
  for (auto& token : quarry::detail::tokenize_sql(sql)) {
    bool names_it = (token.kind == quarry::detail::sql_token::quoted && token.text == from) ||
                    (token.kind == quarry::detail::sql_token::word && quarry::detail::lower_case(token.text) ==
                                                                          quarry::detail::lower_case(from));
    if (!names_it) continue;
    out += sql.substr(at, token.begin - at) + d.format_identifier(to);
    at = token.end;
  }
  return out + sql.substr(at);
}

QUARRY_DECL std::string create_sql(const reflected_table& t, std::string_view name, const dialect& d) {
  auto named = [&](const std::string& constraint) {
    return constraint.empty() ? std::string() : "CONSTRAINT " + d.format_identifier(constraint) + " ";
  };
  std::vector<std::string> parts;
  for (auto& c : t.columns) {
    std::string part = d.format_identifier(c.name);
    if (!c.type.spelling.empty()) part += " " + c.type.spelling;
    if (!c.nullable) part += " NOT NULL";
    if (c.server_default) part += " DEFAULT " + *c.server_default;
    if (c.computed) part += " GENERATED ALWAYS AS (" + *c.computed + ")" + (c.computed_stored ? " STORED" : " VIRTUAL");
    parts.push_back(std::move(part));
  }
  if (!t.primary_key.columns.empty())
    parts.push_back(named(t.primary_key.name) + "PRIMARY KEY (" + quarry::detail::column_list(t.primary_key.columns, d) + ")");
  for (auto& u : t.unique_constraints)
    parts.push_back(named(u.name) + "UNIQUE (" + quarry::detail::column_list(u.columns, d) + ")");
  for (auto& check : t.check_constraints) parts.push_back(named(check.name) + "CHECK (" + check.sql + ")");
  for (auto& fk : t.foreign_keys) {
    std::string part = named(fk.name) + quarry::detail::foreign_key_ddl(
                                            {fk.columns, fk.referred_table, fk.referred_columns, fk.on_delete, fk.on_update}, d);
    if (fk.deferrable) part += fk.initially_deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
    parts.push_back(std::move(part));
  }
  std::string sql = "CREATE TABLE " + d.format_identifier(name) + " (";
  for (std::size_t i = 0; i < parts.size(); ++i) sql += (i ? ", " : "") + parts[i];
  return sql + ")";
}

QUARRY_DECL std::string index_sql(const reflected_index& index, std::string_view table, const dialect& d) {
  std::string keys;
  for (auto& k : index.keys)
    keys += (keys.empty() ? "" : ", ") + (k.column.empty() ? k.expression : d.format_identifier(k.column)) +
            (k.descending ? " DESC" : "");
  std::string sql = std::string(index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + d.format_identifier(index.name) +
                    " ON " + d.format_identifier(table) + " (" + keys + ")";
  if (!index.where.empty()) sql += " WHERE " + index.where;
  return sql;
}

}  // namespace batch

QUARRY_DECL void rebuild_sqlite_table(operations& op, std::string_view table_name,
                                      const std::vector<batch_operations::change>& changes) {
  using change = batch_operations::change;
  auto& conn = op.connection();
  const auto& d = op.dialect();
  auto old = Inspector(conn).table(std::string(table_name));
  auto next = old;
  // Which old column each new column is copied from (added columns are not).
  std::vector<std::pair<std::string, std::string>> copied;
  for (auto& c : old.columns) copied.emplace_back(c.name, c.name);
  auto find_column = [&](const std::string& name) -> reflected_column& {
    for (auto& c : next.columns)
      if (c.name == name) return c;
    throw ArgumentError("quarry: batch_alter_table('" + std::string(table_name) + "') has no column '" + name + "'");
  };
  for (auto& ch : changes) {
    switch (ch.kind) {
      case change::add_column: {
        reflected_column c;
        c.name = ch.new_column.info().name;
        c.type.type = ch.new_column.info().type;
        c.type.spelling = d.type_name(ch.new_column.info().type);
        c.nullable = ch.new_column.info().nullable;
        if (!ch.new_column.info().server_default.empty()) c.server_default = ch.new_column.info().server_default;
        next.columns.push_back(std::move(c));
        if (auto& fk = ch.new_column.foreign_key()) next.foreign_keys.push_back({"", fk->columns, "", fk->target_table, fk->target_columns, fk->on_delete, fk->on_update});
        if (ch.new_column.info().unique) next.unique_constraints.push_back({"", {ch.name}});
        break;
      }
      case change::drop_column: {
        find_column(ch.name);
        next.columns.erase(std::remove_if(next.columns.begin(), next.columns.end(), [&](auto& c) { return c.name == ch.name; }),
                           next.columns.end());
        copied.erase(std::remove_if(copied.begin(), copied.end(), [&](auto& p) { return p.first == ch.name; }), copied.end());
        auto uses = [&](const std::vector<std::string>& cols) { return batch::mentions(cols, ch.name); };
        std::erase_if(next.unique_constraints, [&](auto& u) { return uses(u.columns); });
        std::erase_if(next.foreign_keys, [&](auto& fk) { return uses(fk.columns); });
        std::erase_if(next.indexes, [&](auto& i) {
          return std::any_of(i.keys.begin(), i.keys.end(), [&](auto& k) { return k.column == ch.name; });
        });
        if (batch::mentions(next.primary_key.columns, ch.name))
          throw ArgumentError("quarry: batch_alter_table() cannot drop '" + ch.name + "', a primary-key column");
        break;
      }
      case change::alter_column: {
        auto& c = find_column(ch.name);
        if (ch.alteration.type) {
          c.type.type = *ch.alteration.type;
          c.type.spelling = d.type_name(*ch.alteration.type);
        }
        if (ch.alteration.nullable) c.nullable = *ch.alteration.nullable;
        if (ch.alteration.server_default) {
          if (ch.alteration.server_default->empty()) c.server_default.reset();
          else c.server_default = *ch.alteration.server_default;
        }
        if (ch.alteration.new_name) {
          const std::string& to = *ch.alteration.new_name;
          c.name = to;
          for (auto& p : copied)
            if (p.first == ch.name) p.first = to;
          batch::rename_in(next.primary_key.columns, ch.name, to);
          for (auto& u : next.unique_constraints) batch::rename_in(u.columns, ch.name, to);
          for (auto& fk : next.foreign_keys) batch::rename_in(fk.columns, ch.name, to);
          for (auto& i : next.indexes) {
            for (auto& k : i.keys) {
              if (k.column == ch.name) k.column = to;
              if (!k.expression.empty()) k.expression = batch::renamed_in_sql(k.expression, ch.name, to, d);
            }
            if (!i.where.empty()) i.where = batch::renamed_in_sql(i.where, ch.name, to, d);
          }
          for (auto& check : next.check_constraints) check.sql = batch::renamed_in_sql(check.sql, ch.name, to, d);
        }
        break;
      }
      case change::add_unique: next.unique_constraints.push_back({ch.name, ch.columns}); break;
      case change::add_check: next.check_constraints.push_back({ch.name, ch.sql}); break;
      case change::add_foreign_key:
        next.foreign_keys.push_back({ch.name, ch.columns, "", ch.sql, ch.referred_columns, ch.on_delete, ch.on_update});
        break;
      case change::drop_constraint: {
        auto before = next.unique_constraints.size() + next.check_constraints.size() + next.foreign_keys.size();
        std::erase_if(next.unique_constraints, [&](auto& u) { return u.name == ch.name; });
        std::erase_if(next.check_constraints, [&](auto& c) { return c.name == ch.name; });
        std::erase_if(next.foreign_keys, [&](auto& fk) { return fk.name == ch.name; });
        if (before == next.unique_constraints.size() + next.check_constraints.size() + next.foreign_keys.size())
          throw ArgumentError("quarry: table '" + std::string(table_name) + "' has no constraint named '" + ch.name + "'");
        break;
      }
    }
  }
  // With foreign keys on, DROP TABLE deletes the rows first, and ON DELETE CASCADE with them.
  if (conn.exec_driver_sql("PRAGMA foreign_keys").scalar<std::int64_t>() != 0)
    throw InvalidRequestError("quarry: batch_alter_table('" + std::string(table_name) +
                              "') needs SQLite's foreign keys off, which cannot change inside a transaction: run the "
                              "revision through the migrator, which turns them off around it and checks them after");
  std::string temporary = "_quarry_batch_" + std::string(table_name);
  conn.exec_driver_sql(batch::create_sql(next, temporary, d));
  std::string into, from;
  for (auto& [to, source] : copied) {
    into += (into.empty() ? "" : ", ") + d.format_identifier(to);
    from += (from.empty() ? "" : ", ") + d.format_identifier(source);
  }
  if (!into.empty())
    conn.exec_driver_sql("INSERT INTO " + d.format_identifier(temporary) + " (" + into + ") SELECT " + from + " FROM " +
                         d.format_identifier(table_name));
  conn.exec_driver_sql("DROP TABLE " + d.format_identifier(table_name));
  conn.exec_driver_sql("ALTER TABLE " + d.format_identifier(temporary) + " RENAME TO " + d.format_identifier(table_name));
  for (auto& index : next.indexes) conn.exec_driver_sql(batch::index_sql(index, table_name, d));
}

}  // namespace quarry::migrate::detail
