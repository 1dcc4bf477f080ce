// operations (Alembic's `op`): what a revision does to the schema, run on a connection or written out as SQL.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/core/column.hpp"
#include "quarry/core/compile.hpp"
#include "quarry/core/ddl.hpp"
#include "quarry/core/naming.hpp"
#include "quarry/core/schema.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/migrate/column.hpp"
#include "quarry/migrate/fwd.hpp"
#include "quarry/types/value.hpp"

namespace quarry::migrate {

// What alter_column() changes; what is left empty stays as it is.
struct column_change {
  std::optional<sql_type> type{};
  std::string using_sql{};                    // PostgreSQL: USING expression of a type change
  std::optional<bool> nullable{};
  std::optional<std::string> server_default{};  // SQL; an empty string drops the default
  std::optional<std::string> new_name{};
};

// The operations of a revision. Online, each one runs at once on the
// migration's connection, inside the revision's transaction; offline, each
// is written out as SQL for the dialect (a DBA's script), values as literals.
class operations {
 public:
  // Constraints without a name are named by `naming` (migrate_options::naming).
  explicit operations(Connection& conn, naming_convention naming = {})
      : dialect_(&conn.dialect()), connection_(&conn), naming_(std::move(naming)) {}
  explicit operations(const dialect& d, naming_convention naming = {}) : dialect_(&d), naming_(std::move(naming)) {}

  const quarry::dialect& dialect() const noexcept { return *dialect_; }
  bool offline() const noexcept { return connection_ == nullptr; }
  // The revision's connection, for data migrations that read; an InvalidRequestError offline.
  Connection& connection() const;
  // The SQL written so far (offline), one statement each.
  const std::vector<std::string>& script() const noexcept { return script_; }

  // CREATE TABLE with its keys, constraints and indexes (from columns, or a whole table_info).
  void create_table(const std::string& name, const std::vector<column>& columns,
                    const std::vector<table_constraint>& constraints = {});
  void create_table(const table_info& table);
  void drop_table(std::string_view name);
  void rename_table(std::string_view from, std::string_view to);

  void add_column(std::string_view table, const column& c);
  void drop_column(std::string_view table, std::string_view column_name);
  void rename_column(std::string_view table, std::string_view from, std::string_view to);

  // Type (with USING on PostgreSQL), nullability, server default and name. SQLite
  // can only rename a column in place; the rest needs its table rebuilt (batch mode).
  void alter_column(std::string_view table, std::string_view column_name, const column_change& change);

  // Named constraints (PostgreSQL; SQLite cannot add or drop them on an existing table).
  // An empty name: the naming convention's (an ArgumentError when it has none).
  void create_unique_constraint(std::string_view name, std::string_view table, const std::vector<std::string>& columns);
  // not_valid (PostgreSQL): existing rows are not checked now, so the table is
  // not scanned under a lock; validate_constraint() checks them later with a
  // lock that lets reads and writes go on.
  void create_check_constraint(std::string_view name, std::string_view table, std::string_view condition,
                               bool not_valid = false);
  void create_foreign_key(std::string_view name, std::string_view table, std::string_view referred_table,
                          const std::vector<std::string>& columns, const std::vector<std::string>& referred_columns,
                          fk_action on_delete = fk_action::no_action, fk_action on_update = fk_action::no_action,
                          bool not_valid = false);
  void validate_constraint(std::string_view name, std::string_view table);
  void create_primary_key(std::string_view name, std::string_view table, const std::vector<std::string>& columns);
  void drop_constraint(std::string_view name, std::string_view table);

  // PostgreSQL enum types; nothing on SQLite, where an enum column is text with a CHECK.
  void create_enum(std::string_view name, const std::vector<std::string>& labels);
  void add_enum_value(std::string_view name, std::string_view label);
  void drop_enum(std::string_view name);

  // An empty name: the convention's ix (ix_<table>_<column> by default).
  void create_index(const std::string& name, std::string_view table, std::vector<std::string> columns,
                    bool unique = false, std::string where = {});
  void drop_index(std::string_view name);
  // PostgreSQL: CREATE / DROP INDEX CONCURRENTLY, which cannot run in a
  // transaction: the revision's transaction commits before it, the statement
  // runs on its own, and a new transaction begins for the rest of the revision
  // (Alembic's autocommit_block). A failure there leaves the revision's earlier
  // steps committed and it unapplied. SQLite: the plain statements.
  void create_index_concurrently(const std::string& name, std::string_view table, std::vector<std::string> columns,
                                 bool unique = false, std::string where = {});
  void drop_index_concurrently(std::string_view name);
  // How a statement runs outside the revision's transaction (the migrator sets it).
  void on_outside_transaction(std::function<void(const std::string&)> run) { outside_transaction_ = std::move(run); }

  // Changes SQLite cannot make with ALTER TABLE, made by rebuilding the table
  // (quarry/migrate/batch.hpp, which defines it); on PostgreSQL, ALTER TABLE.
  void batch_alter_table(std::string_view table, const std::function<void(batch_operations&)>& changes);

  // SQL as written: the dialect's own commands, data fixes.
  void execute(std::string_view sql);
  // A Core statement (a data migration: update(t).where(...).values(...));
  // offline, its bound values are written as literals.
  template <executable Statement>
  void execute(const Statement& statement) {
    execute_compiled(quarry::compile(statement, *dialect_));
  }
  void execute_compiled(const compiled_sql& statement);
  // Rows into a table (a data migration); offline, as INSERTs with literal values.
  void bulk_insert(std::string_view table, const std::vector<std::string>& columns,
                   const std::vector<std::vector<value>>& rows);

 private:
  void run(const std::string& sql);
  void run_outside_transaction(const std::string& sql);
  // Refuses what SQLite cannot do to an existing table, naming the operation.
  void needs_alter_table(std::string_view what) const;
  void add_constraint(std::string_view table, std::string_view name, const std::string& body);
  // `given`, else the name the convention's `pattern` makes for `subject`.
  std::string named(std::string_view given, const std::string& pattern, const naming_subject& subject,
                    std::string_view what) const;

  const quarry::dialect* dialect_;
  Connection* connection_ = nullptr;
  std::vector<std::string> script_;
  std::function<void(const std::string&)> outside_transaction_;
  naming_convention naming_;
};

// A table as a revision sees it, for its data migrations' Core statements
// (Alembic's sa.table()): only the columns it names, whatever the models say now.
//   auto author = mg::table("author", {mg::column("name", mg::Text), mg::column("sort_name", mg::Text)});
//   op.execute(quarry::update(author).values(author["sort_name"] = author["name"]));
QUARRY_DECL Table table(std::string name, const std::vector<column>& columns);

namespace detail {
// A value as a SQL literal of the dialect, for offline scripts.
QUARRY_DECL std::string sql_literal(const value& v, const dialect& d);
}  // namespace detail

}  // namespace quarry::migrate

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/impl/operations.ipp"
#endif
