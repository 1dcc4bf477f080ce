// Inspector: what a live database holds (SQLAlchemy's inspect(engine)), as reflected_* records.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/core/ddl.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/reflect/detail/catalog.hpp"
#include "quarry/reflect/records.hpp"

namespace quarry {

// Reads the catalog of a SQLite or PostgreSQL database (SQLAlchemy's Inspector).
// Made from an Engine, each call checks a connection out of the pool for its
// queries; made from a Connection, it uses that one (and sees its transaction).
// `schema` empty means the connection's default schema ("main", or PostgreSQL's
// current_schema()). tables() reads every table of a schema in a fixed number of
// statements; the per-table calls read one table the same way.
class Inspector {
 public:
  explicit Inspector(const Engine& engine);
  explicit Inspector(Connection& conn);

  std::string default_schema_name() const;
  std::vector<std::string> schema_names() const;
  std::vector<std::string> table_names(const std::string& schema = {}) const;
  std::vector<std::string> view_names(const std::string& schema = {}) const;
  std::vector<std::string> materialized_view_names(const std::string& schema = {}) const;  // PostgreSQL
  std::vector<std::string> sequence_names(const std::string& schema = {}) const;           // PostgreSQL
  // Enum types with their labels (PostgreSQL): a schema's, or every visible one.
  std::vector<reflected_enum> enums(const std::string& schema = {}) const;

  bool has_schema(const std::string& schema) const;
  bool has_table(const std::string& table, const std::string& schema = {}) const;  // tables and views
  bool has_index(const std::string& table, const std::string& index, const std::string& schema = {}) const;

  // One table (or view); NoSuchTableError when there is none.
  reflected_table table(const std::string& name, const std::string& schema = {}) const;
  std::vector<reflected_column> columns(const std::string& table, const std::string& schema = {}) const;
  reflected_primary_key primary_key(const std::string& table, const std::string& schema = {}) const;
  std::vector<reflected_foreign_key> foreign_keys(const std::string& table, const std::string& schema = {}) const;
  std::vector<reflected_index> indexes(const std::string& table, const std::string& schema = {}) const;
  std::vector<reflected_unique_constraint> unique_constraints(const std::string& table,
                                                              const std::string& schema = {}) const;
  std::vector<reflected_check_constraint> check_constraints(const std::string& table,
                                                            const std::string& schema = {}) const;
  std::optional<std::string> table_comment(const std::string& table, const std::string& schema = {}) const;
  std::string view_definition(const std::string& view, const std::string& schema = {}) const;

  // Every table of a schema (views too on request, or those `only` names), sorted by name.
  std::vector<reflected_table> tables(const reflect_options& options = {}) const;

  // A schema's tables in creation order, with the foreign keys that close cycles.
  table_order sorted_table_names(const std::string& schema = {}) const;

 private:
  void run(const std::function<void(Connection&)>& work) const;

  std::optional<Engine> engine_;
  Connection* connection_ = nullptr;
  const detail::catalog* catalog_;
};

inline Inspector inspect(const Engine& engine) { return Inspector(engine); }
inline Inspector inspect(Connection& conn) { return Inspector(conn); }

namespace detail {
// The catalog of a dialect (SQLite or PostgreSQL), or an ArgumentError.
QUARRY_DECL const catalog& catalog_of(const dialect& d);
}  // namespace detail

// Tables in creation order (each after the tables it references; self-references
// do not count) and the foreign keys left out to break cycles.
QUARRY_DECL table_order sort_tables(const std::vector<reflected_table>& tables);

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/impl/inspector.ipp"
#endif
