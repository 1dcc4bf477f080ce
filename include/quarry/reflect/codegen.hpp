// generate_models: a header of structs and QUARRY_MODEL declarations from reflected tables (quarry-codegen's engine).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <map>
#include <string>
#include <vector>

#include "quarry/reflect/inspector.hpp"
#include "quarry/reflect/records.hpp"

// What sqlacodegen does for SQLAlchemy: an existing schema in, model source
// out, ready to compile. Tables with a primary key become structs with
// QUARRY_MODEL; views become read-only models; tables without a primary key
// become functions returning a runtime quarry::Table. Relationships are
// inferred from the foreign keys (many-to-one and its one-to-many side,
// one-to-one, many-to-many through association tables, self-referential).
namespace quarry {

struct codegen_options {
  std::string namespace_name = "models";  // empty: the global namespace
  std::vector<std::string> include_tables{};  // empty: every table
  std::vector<std::string> exclude_tables{};
  // A member's C++ type, by "table.column" or by the database's type spelling in
  // lower case ("numeric(10,2)", "numeric", "interval"); the column keeps the
  // database's type in DDL through quarry::db_type.
  std::map<std::string, std::string> type_overrides{};
  bool snake_case = false;      // AlbumId -> album_id, with quarry::name("AlbumId")
  bool views = true;            // views as read-only models
  bool relationships = true;    // inferred from the foreign keys
  std::string source{};         // named in the header's first comment (a URL without its password)
};

struct generated_models {
  std::string header;               // the C++ source
  std::vector<std::string> notes;   // what the header could not express, one line each
};

QUARRY_DECL generated_models generate_models(const std::vector<reflected_table>& tables,
                                             const std::vector<reflected_enum>& enums, const codegen_options& options);

// Reflects a schema (tables, views, enum types) and generates its models.
QUARRY_DECL generated_models generate_models(const Inspector& inspector, const codegen_options& options,
                                             const std::string& schema = {});

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/impl/codegen.ipp"
#endif
