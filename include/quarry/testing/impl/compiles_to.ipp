// The non-template implementation of quarry/testing/compiles_to.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/compiles_to.hpp"

#include <cctype>

#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/dbapi/registry.hpp"

namespace quarry::testing::detail {

QUARRY_DECL std::string normalize_sql(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  bool space = false;
  for (char c : sql) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

QUARRY_DECL std::string first_word(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  return word;
}

QUARRY_DECL std::string render_values(const std::vector<value>& values) {
  std::vector<value_ref> refs;
  refs.reserve(values.size());
  for (auto& v : values) refs.push_back(v.ref());
  return quarry::detail::render_params(refs, values.size());
}

QUARRY_DECL std::string compile_difference(const compiled_sql& actual, const std::string& sql,
                                           const std::optional<std::vector<value>>& params, std::string_view dialect) {
  bool same_sql = normalize_sql(actual.sql) == normalize_sql(sql);
  bool same_params = !params || *params == actual.params;
  if (same_sql && same_params) return {};
  std::string out = "the statement compiles otherwise for " + std::string(dialect) + ":\n";
  out += "  expected: " + normalize_sql(sql) + "\n";
  if (params) out += "            " + render_values(*params) + "\n";
  out += "  actual:   " + normalize_sql(actual.sql) + "\n";
  out += "            " + render_values(actual.params);
  if (!same_sql && same_params) out += "\n  (the parameters match)";
  if (same_sql) out += "\n  (the SQL matches; the parameters differ)";
  return out;
}

}  // namespace quarry::testing::detail

namespace quarry::testing {

QUARRY_DECL compile_expectation expect_sql(std::string sql, const quarry::dialect& d, std::optional<std::vector<value>> params) {
  return compile_expectation(std::move(sql), dialect_registry::instance().find(d.name()), std::move(params));
}

}  // namespace quarry::testing
