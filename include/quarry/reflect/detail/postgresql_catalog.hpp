// postgresql_catalog: reflection through pg_catalog, one query per kind of object for a whole schema.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/reflect/detail/catalog.hpp"

namespace quarry::detail {

// PostgreSQL: relations, columns, key constraints, checks, indexes and enum
// types each take one pg_catalog query for the whole schema (SQLAlchemy 2.0's
// get_multi_* way), filtered by name when `only` is given.
class postgresql_catalog final : public catalog {
 public:
  std::string default_schema(Connection& conn) const override;
  std::vector<std::string> schema_names(Connection& conn) const override;
  std::vector<std::string> relation_names(Connection& conn, const std::string& schema, relation_kind kind) const override;
  std::vector<std::string> sequence_names(Connection& conn, const std::string& schema) const override;
  std::vector<reflected_enum> enums(Connection& conn, const std::string& schema) const override;
  std::vector<reflected_table> tables(Connection& conn, const reflect_options& options) const override;

  // The closest Quarry type of a column's type (pg_type.typname, format_type(), atttypmod).
  static reflected_type type_of(std::string_view type_name, std::string spelling, std::int64_t modifier);

 private:
  // The schema to read (the current one when none is given), checked to exist and be usable.
  std::string schema_of(Connection& conn, const std::string& schema) const;
};

// A text[] literal of names, for `= ANY($n::text[])`.
QUARRY_DECL std::string postgresql_text_array(const std::vector<std::string>& names);

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/detail/impl/postgresql_catalog.ipp"
#endif
