// The reflected_* records: what the Inspector reads from a database's catalog.
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

#include "quarry/core/schema.hpp"
#include "quarry/types/sql_type.hpp"

// What SQLAlchemy's Inspector returns as dictionaries, as typed records. Names
// are the database's own (case and quoting as stored); SQL text (defaults,
// checks, index expressions, view definitions) is the database's own rendering.
namespace quarry {

// A column's database type: the closest Quarry type and the database's own spelling.
struct reflected_type {
  sql_type type;                             // the closest built-in; custom when there is none
  std::shared_ptr<const void> storage;       // owns what `type` views (enum name and labels)
  std::string spelling;                      // as the database writes it: "character varying(50)", "NVARCHAR(160)"
  bool built_in = true;                      // false: Quarry has no type for it (type is custom, named by spelling)
  std::uint32_t precision = 0, scale = 0;    // NUMERIC(p, s), when given
};

struct reflected_column {
  std::string name;
  reflected_type type;
  bool nullable = true;
  std::optional<std::string> server_default;  // SQL
  bool autoincrement = false;                 // numbered by the database (rowid alias, SERIAL, identity)
  std::optional<std::string> identity;        // PostgreSQL identity: "ALWAYS" or "BY DEFAULT"
  std::optional<std::string> computed;        // a generated column's expression
  bool computed_stored = false;               // STORED rather than VIRTUAL
  std::optional<std::string> comment;
};

struct reflected_primary_key {
  std::string name;                  // empty when the database has no name for it
  std::vector<std::string> columns;  // in key order
};

struct reflected_foreign_key {
  std::string name;
  std::vector<std::string> columns;
  std::string referred_schema;  // empty: the same schema
  std::string referred_table;
  std::vector<std::string> referred_columns;
  fk_action on_delete = fk_action::no_action;
  fk_action on_update = fk_action::no_action;
  bool deferrable = false;
  bool initially_deferred = false;
};

// One key of an index: a column, or an expression (then `column` is empty).
struct reflected_index_key {
  std::string column;
  std::string expression;
  bool descending = false;
};

struct reflected_index {
  std::string name;
  bool unique = false;
  std::vector<reflected_index_key> keys;
  std::vector<std::string> include;  // PostgreSQL INCLUDE columns
  std::string where;                 // a partial index's predicate, SQL
  // The unique constraint this index implements (PostgreSQL), empty for a plain index.
  std::string constraint;

  // The key columns' names, or an empty vector when a key is an expression.
  std::vector<std::string> column_names() const;
};

struct reflected_unique_constraint {
  std::string name;
  std::vector<std::string> columns;
};

struct reflected_check_constraint {
  std::string name;
  std::string sql;  // the condition, without CHECK and its outer parentheses
};

enum class relation_kind : std::uint8_t { table, view, materialized_view };

// Everything about one table or view.
struct reflected_table {
  std::string schema;  // empty: the connection's default schema
  std::string name;
  relation_kind kind = relation_kind::table;
  std::vector<reflected_column> columns;
  reflected_primary_key primary_key;
  std::vector<reflected_foreign_key> foreign_keys;
  std::vector<reflected_index> indexes;
  std::vector<reflected_unique_constraint> unique_constraints;
  std::vector<reflected_check_constraint> check_constraints;
  std::optional<std::string> comment;
  std::string view_definition;  // a view's SELECT

  // A column by name, or nullptr.
  const reflected_column* column(std::string_view column_name) const noexcept;
};

// A PostgreSQL enum type.
struct reflected_enum {
  std::string schema;
  std::string name;
  std::vector<std::string> labels;  // in their sort order
  bool visible = true;              // on the search path: usable without its schema
};

// Tables in creation order (each after the tables it references), and the
// foreign keys left out to break cycles, as (table, foreign key name or
// referred table) pairs: SQLAlchemy's get_sorted_table_and_fkc_names.
struct table_order {
  std::vector<std::string> tables;
  std::vector<std::pair<std::string, std::string>> cycles;
};

namespace detail {
// A runtime type owning its name and labels (an enum's), for reflected columns.
QUARRY_DECL reflected_type make_reflected_type(sql_type_kind kind, std::string spelling, std::uint32_t length = 0,
                                               std::string name = {}, std::vector<std::string> labels = {});
}  // namespace detail

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/impl/records.ipp"
#endif
