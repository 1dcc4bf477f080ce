// sqlite_catalog: reflection through sqlite_master and the table-valued PRAGMA functions.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "quarry/reflect/detail/catalog.hpp"

namespace quarry::detail {

// SQLite: four statements reflect every table of a schema (sqlite_master, and
// pragma_table_xinfo / pragma_foreign_key_list / pragma_index_list joined to
// it); names, checks and expressions come from the stored CREATE text.
class sqlite_catalog final : public catalog {
 public:
  std::string default_schema(Connection& conn) const override;
  std::vector<std::string> schema_names(Connection& conn) const override;
  std::vector<std::string> relation_names(Connection& conn, const std::string& schema, relation_kind kind) const override;
  std::vector<std::string> sequence_names(Connection& conn, const std::string& schema) const override;
  std::vector<reflected_enum> enums(Connection& conn, const std::string& schema) const override;
  std::vector<reflected_table> tables(Connection& conn, const reflect_options& options) const override;

  // The closest Quarry type of a declared type, by name and then by SQLite's affinity rules.
  static reflected_type type_of(std::string_view declared);

 private:
  // The schema to read ("main" when none is given), checked to exist.
  std::string schema_of(Connection& conn, const std::string& schema) const;
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/detail/impl/sqlite_catalog.ipp"
#endif
