// cpp_render: reflected tables, columns and constraints written as the C++ of a revision (op.create_table(...), mg::column(...)).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "quarry/dbapi/interfaces.hpp"
#include "quarry/reflect/records.hpp"

namespace quarry::migrate::detail {

// A C++ string literal of `text` (quotes, backslashes and control bytes escaped).
QUARRY_DECL std::string cpp_literal(std::string_view text);
// {"a", "b"}
QUARRY_DECL std::string cpp_list(const std::vector<std::string>& items);
// quarry::fk_action::cascade
QUARRY_DECL std::string cpp_action(fk_action action);
// mg::Integer, mg::String(50), or the database's spelling as a string literal.
QUARRY_DECL std::string cpp_type(const reflected_type& type, const dialect& d);
// Whether two database spellings of a type name the same type ("character varying(5)" and "VARCHAR(5)").
QUARRY_DECL bool same_type_spelling(std::string_view a, std::string_view b);

// mg::column("name", type) with what the column itself says: not null, server
// default; in a CREATE TABLE also its single-column key, unique and foreign key.
QUARRY_DECL std::string cpp_column(const reflected_table& table, const reflected_column& column, const dialect& d,
                                   bool in_create_table);
// op.create_table(...) with the table-level constraints, then op.create_index(...) for each index.
QUARRY_DECL std::string cpp_create_table(const reflected_table& table, const dialect& d);
// op.create_index(...), or op.execute("CREATE INDEX ...") for expression or descending keys.
QUARRY_DECL std::string cpp_create_index(const reflected_table& table, const reflected_index& index, const dialect& d);

// A foreign key that cpp_column() writes on its column rather than on the table.
QUARRY_DECL bool is_column_foreign_key(const reflected_table& table, const reflected_foreign_key& fk);

}  // namespace quarry::migrate::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/detail/impl/cpp_render.ipp"
#endif
