// sql_rule: what an emitted statement must look like (exact SQL, a regex, any order), SQLAlchemy's assert_sql_execution rules.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "quarry/types/value.hpp"

namespace quarry::testing {

// One statement as a recorder or a mock engine saw it.
struct recorded_statement {
  std::string sql;
  std::vector<value> params;  // the first parameter set of an executemany()
  std::size_t batch_size = 1;  // parameter sets sent by an executemany()
  double milliseconds = 0;     // time in the database, when it completed
  std::int64_t rowcount = -1;
  bool completed = false;      // false when the statement failed (or is still running)
};

// What one statement (or, for unordered(), a group of them) must look like.
// SQL compares with whitespace runs read as one space; parameters, when given,
// compare exactly with the first parameter set.
class sql_rule {
 public:
  enum class kind : unsigned char { exact, regex, unordered };

  // The statements this rule stands for.
  std::size_t width() const noexcept { return kind_ == kind::unordered ? group_.size() : 1; }
  // Whether this rule stands for a group of statements (unordered()).
  bool is_group() const noexcept { return kind_ == kind::unordered; }
  // Whether one statement satisfies this rule (exact or regex).
  QUARRY_DECL bool matches(const recorded_statement& statement) const;
  QUARRY_DECL std::string describe() const;

 private:
  friend sql_rule sql(std::string, std::optional<std::vector<value>>);
  friend sql_rule regex_sql(std::string, std::optional<std::vector<value>>);
  friend sql_rule unordered(std::vector<sql_rule>);
  friend std::string check_statements(std::span<const recorded_statement>, std::span<const sql_rule>);

  kind kind_ = kind::exact;
  std::string text_;
  std::optional<std::vector<value>> params_;
  std::vector<sql_rule> group_;
};

// The statement's SQL exactly (SQLAlchemy's CompiledSQL), with these parameters when given.
QUARRY_DECL sql_rule sql(std::string text, std::optional<std::vector<value>> params = std::nullopt);
// SQL (whitespace runs read as one space) that an ECMAScript regular expression matches in whole (SQLAlchemy's RegexSQL).
QUARRY_DECL sql_rule regex_sql(std::string pattern, std::optional<std::vector<value>> params = std::nullopt);
// These statements next, in any order (SQLAlchemy's AllOf); unordered() may not nest.
QUARRY_DECL sql_rule unordered(std::vector<sql_rule> rules);

// Empty when the statements are exactly what the rules describe, in order and
// with none left over; else what failed, with the statement list.
QUARRY_DECL std::string check_statements(std::span<const recorded_statement> statements, std::span<const sql_rule> rules);

// The statements, numbered, with their parameters: what a failure prints.
QUARRY_DECL std::string statement_listing(std::span<const recorded_statement> statements);

}  // namespace quarry::testing

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/impl/sql_rules.ipp"
#endif
