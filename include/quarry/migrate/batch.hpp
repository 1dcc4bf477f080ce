// batch_operations: Alembic's batch_alter_table, which rebuilds a SQLite table to change what ALTER TABLE cannot.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/migrate/column.hpp"
#include "quarry/migrate/operations.hpp"

namespace quarry::migrate {

// The changes of one op.batch_alter_table(table, [](batch_operations& batch) {...}).
// On PostgreSQL each runs as the ALTER TABLE it is. On SQLite, which cannot
// alter a column or add a constraint in place, the table is rebuilt as
// SQLite's documentation prescribes: a new table with the changes, the rows
// copied, the old table dropped, the new one renamed, its indexes made again.
// Every constraint is kept, unnamed CHECK constraints too (Alembic loses those),
// and foreign keys are checked (PRAGMA foreign_key_check) before the revision commits.
class batch_operations {
 public:
  void add_column(const column& c);
  void drop_column(std::string name);
  void alter_column(std::string name, column_change change);
  void create_unique_constraint(std::string name, std::vector<std::string> columns);
  void create_check_constraint(std::string name, std::string condition);
  void create_foreign_key(std::string name, std::string referred_table, std::vector<std::string> columns,
                          std::vector<std::string> referred_columns, fk_action on_delete = fk_action::no_action,
                          fk_action on_update = fk_action::no_action);
  // A unique, check or foreign-key constraint by its name.
  void drop_constraint(std::string name);

  struct change {
    enum kind_t : unsigned char { add_column, drop_column, alter_column, add_unique, add_check, add_foreign_key, drop_constraint };
    kind_t kind;
    std::string name;  // the column's or the constraint's
    column new_column{"", Text};
    column_change alteration{};
    std::vector<std::string> columns{};
    std::string sql{};  // a check's condition; a foreign key's referred table
    std::vector<std::string> referred_columns{};
    fk_action on_delete = fk_action::no_action;
    fk_action on_update = fk_action::no_action;
  };
  const std::vector<change>& changes() const noexcept { return changes_; }

 private:
  std::vector<change> changes_;
};

namespace detail {
// The SQLite rebuild of `table` with `changes`, on the revision's connection.
QUARRY_DECL void rebuild_sqlite_table(operations& op, std::string_view table, const std::vector<batch_operations::change>& changes);
// The same changes as ALTER TABLE statements (PostgreSQL).
QUARRY_DECL void alter_in_place(operations& op, std::string_view table, const std::vector<batch_operations::change>& changes);
}  // namespace detail

}  // namespace quarry::migrate

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/impl/batch.ipp"
#endif
