// catalog: the interface each dialect's reflection queries implement, and the helpers they share.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/core/ddl.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/reflect/records.hpp"

namespace quarry::detail {

// A database's catalog, read through a dialect's own queries. Each call sends a
// fixed number of statements, whatever the number of tables: reflecting a
// schema is a handful of round trips, not a few per table.
class catalog {
 public:
  virtual ~catalog() = default;
  virtual std::string default_schema(Connection& conn) const = 0;
  virtual std::vector<std::string> schema_names(Connection& conn) const = 0;
  // Tables, views or materialized views of a schema (empty: the default one), sorted by name.
  virtual std::vector<std::string> relation_names(Connection& conn, const std::string& schema,
                                                  relation_kind kind) const = 0;
  virtual std::vector<std::string> sequence_names(Connection& conn, const std::string& schema) const = 0;
  // The enum types of a schema; every visible one when the schema is empty.
  virtual std::vector<reflected_enum> enums(Connection& conn, const std::string& schema) const = 0;
  // Everything about the tables `options` asks for, sorted by name.
  virtual std::vector<reflected_table> tables(Connection& conn, const reflect_options& options) const = 0;
};

// Runs catalog SQL with text parameters.
QUARRY_DECL Result catalog_query(Connection& conn, std::string_view sql, const std::vector<std::string>& args);

// What remains of `tables` once `options.only` has chosen; every name asked for must be there.
QUARRY_DECL std::vector<reflected_table> chosen_tables(std::vector<reflected_table> tables, const reflect_options& options,
                                                       std::string_view schema);

QUARRY_DECL fk_action fk_action_named(std::string_view sql);

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/detail/impl/catalog.ipp"
#endif
