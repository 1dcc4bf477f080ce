// compiles_to: SQLAlchemy's assert_compile, a statement's SQL and parameters compared for one dialect.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <concepts>
#include <type_traits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/core/compile.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/testing/assertion_error.hpp"
#include "quarry/types/value.hpp"

namespace quarry::testing {

namespace detail {
// Whitespace runs read as one space and the ends are trimmed, so an expected
// statement may be written over several lines.
QUARRY_DECL std::string normalize_sql(std::string_view sql);
// The statement's first word, upper-cased (SELECT, BEGIN, ...).
QUARRY_DECL std::string first_word(std::string_view sql);
QUARRY_DECL std::string render_values(const std::vector<value>& values);
// Empty when `actual` is `sql` (and has `params`, when given); else both sides, printed.
QUARRY_DECL std::string compile_difference(const compiled_sql& actual, const std::string& sql,
                                           const std::optional<std::vector<value>>& params, std::string_view dialect);
}  // namespace detail

// The SQL a statement must compile to for one dialect, and optionally its
// bound values in placeholder order (a bindparam() given at execution is NULL here).
struct compile_expectation {
  compile_expectation(std::string expected_sql, std::shared_ptr<const quarry::dialect> sql_dialect,
                      std::optional<std::vector<value>> expected_params = std::nullopt)
      : sql(std::move(expected_sql)), on(std::move(sql_dialect)), params(std::move(expected_params)) {}

  // Empty when the statement compiles as expected; otherwise what differs, with both SQL texts and parameters.
  template <executable S>
  std::string difference(const S& statement) const {
    return detail::compile_difference(quarry::compile(statement, *on), sql, params, on->name());
  }

  std::string sql;
  std::shared_ptr<const quarry::dialect> on;
  std::optional<std::vector<value>> params;
};

// The expectation for a dialect object (sqlite::dialect{}, postgresql::dialect{}) or an engine's dialect.
template <class Dialect>
  requires std::derived_from<Dialect, quarry::dialect> && std::copy_constructible<Dialect> && (!std::is_abstract_v<Dialect>)
compile_expectation expect_sql(std::string sql, const Dialect& d, std::optional<std::vector<value>> params = std::nullopt) {
  return compile_expectation(std::move(sql), std::make_shared<const Dialect>(d), std::move(params));
}
// A dialect known only by its base (connection.dialect()): the registered dialect of the same name.
QUARRY_DECL compile_expectation expect_sql(std::string sql, const quarry::dialect& d, std::optional<std::vector<value>> params = std::nullopt);
inline compile_expectation expect_sql(std::string sql, const Engine& engine, std::optional<std::vector<value>> params = std::nullopt) {
  return compile_expectation(std::move(sql), engine.shared_state()->sql_dialect, std::move(params));
}

// assert_compile(): throws assertion_error, printing both sides, when the statement compiles otherwise.
template <executable S>
void assert_compiles(const S& statement, const compile_expectation& expected) {
  if (auto problem = expected.difference(statement); !problem.empty()) throw assertion_error(problem);
}
template <executable S, class Dialect>
void assert_compiles(const S& statement, std::string sql, const Dialect& d, std::optional<std::vector<value>> params = std::nullopt) {
  assert_compiles(statement, expect_sql(std::move(sql), d, std::move(params)));
}

}  // namespace quarry::testing

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/impl/compiles_to.ipp"
#endif
