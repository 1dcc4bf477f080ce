// table_info: the runtime description of tables, columns, keys, indexes and constraints.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/errors.hpp"
#include "quarry/types/sql_type.hpp"
#include "quarry/types/value.hpp"

// The runtime description of tables (SQLAlchemy's Table, Column and
// constraints). Models declared with QUARRY_MODEL are turned into these once;
// quarry::Table builds one by hand; DDL and the SQL compiler read only these.
namespace quarry {

// What a foreign key does when the row it points at is deleted or updated.
enum class fk_action : std::uint8_t { no_action, restrict, cascade, set_null, set_default };

constexpr std::string_view to_sql(fk_action action) noexcept {
  switch (action) {
    case fk_action::no_action: return "NO ACTION";
    case fk_action::restrict: return "RESTRICT";
    case fk_action::cascade: return "CASCADE";
    case fk_action::set_null: return "SET NULL";
    case fk_action::set_default: return "SET DEFAULT";
  }
  return "NO ACTION";
}

struct column_info {
  std::string name;
  sql_type type;
  // Owns what `type` views when the type was built at run time (enum labels, names).
  std::shared_ptr<const void> type_storage;
  bool nullable = false;
  bool primary_key = false;
  bool autoincrement = false;
  bool version_id = false;  // counted up by the ORM at each UPDATE (model_options.hpp)
  bool deferred = false;    // left out of the ORM's SELECTs unless undeferred (model_options.hpp)
  bool unique = false;
  bool index = false;
  std::optional<value> default_value;  // sent by INSERTs that leave the column out
  std::string server_default;          // SQL, part of the DDL
  std::string check;                   // SQL, part of the DDL

  // A column of a runtime Table; nullable unless it is (or becomes) part of the primary key.
  static column_info named(std::string column_name, sql_type column_type, bool is_nullable = true);
};

struct foreign_key_info {
  std::vector<std::string> columns;
  std::string target_table;
  std::vector<std::string> target_columns;
  fk_action on_delete = fk_action::no_action;
  fk_action on_update = fk_action::no_action;
};

struct index_info {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
  std::string where;  // SQL predicate of a partial index
};

struct table_info {
  std::string name;
  std::vector<column_info> columns;
  std::vector<std::string> primary_key;  // column names, in key order
  std::vector<foreign_key_info> foreign_keys;
  std::vector<std::vector<std::string>> unique_constraints;
  std::vector<index_info> indexes;
  std::vector<std::string> checks;  // table-level CHECK constraints, SQL
  // A view (QUARRY_TABLE_ARGS(quarry::view), or reflected): read like a table,
  // never created or dropped by MetaData.
  bool is_view = false;

  // The position of a column, or an ArgumentError that names the known ones.
  std::size_t column_index(std::string_view column) const;

  // The single integer primary-key column that the database numbers itself, if any.
  const column_info* autoincrement_column() const noexcept;
};

namespace detail {

inline bool is_integer_kind(sql_type_kind kind) noexcept {
  return kind == sql_type_kind::small_integer || kind == sql_type_kind::integer || kind == sql_type_kind::big_integer;
}

// Settles what the column options leave open, as SQLAlchemy does: a primary
// key gathered from the columns, autoincrement on a lone integer primary key
// without a foreign key, and a check that the options agree.
QUARRY_DECL void finish_table(table_info& table, std::vector<bool> autoincrement_given);

}  // namespace detail
}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/schema.ipp"
#endif
