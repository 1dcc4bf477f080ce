// Catch2 (2.13) matchers and generators of the testing helpers: compiles_to, emitted_count / emitted_at_most / emits, backends().
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "quarry/testing/backends.hpp"
#include "quarry/testing/compiles_to.hpp"
#include "quarry/testing/sql_rules.hpp"

namespace quarry::testing {

namespace detail {
// A Catch2 matcher whose text is the failure found by match(): Catch calls
// match() on the matcher, copies it, then asks the copy to describe itself.
class problem_matcher : public Catch::Matchers::Impl::MatcherUntypedBase {
 public:
  explicit problem_matcher(std::string expectation) : expectation_(std::move(expectation)) {}
  std::string describe() const override { return problem_.empty() ? expectation_ : expectation_ + "\n" + problem_; }

 protected:
  bool record(std::string problem) const {
    problem_ = std::move(problem);
    return problem_.empty();
  }

 private:
  std::string expectation_;
  mutable std::string problem_;
};
}  // namespace detail

// REQUIRE_THAT(stmt, compiles_to("SELECT ...", sqlite::dialect{}, {{5}})): SQLAlchemy's
// assert_compile; a failure prints both SQL texts and both parameter lists.
class compiles_to_matcher : public detail::problem_matcher {
 public:
  explicit compiles_to_matcher(compile_expectation expected)
      : problem_matcher("compiles to " + expected.sql), expected_(std::move(expected)) {}
  template <executable S>
  bool match(const S& statement) const {
    return record(expected_.difference(statement));
  }

 private:
  compile_expectation expected_;
};

template <class Dialect>
compiles_to_matcher compiles_to(std::string sql, const Dialect& d, std::optional<std::vector<value>> params = std::nullopt) {
  return compiles_to_matcher(expect_sql(std::move(sql), d, std::move(params)));
}

// REQUIRE_THAT(recorder, emitted_count(2)) and emitted_at_most(2) (Django's
// assertNumQueries); REQUIRE_THAT(recorder, emits({sql("..."), regex_sql("..."),
// unordered({...})})) (SQLAlchemy's assert_sql_execution). The argument is a
// statement_recorder or a mock_engine; a failure prints the statements emitted.
class statement_count_matcher : public detail::problem_matcher {
 public:
  statement_count_matcher(std::size_t n, bool at_most)
      : problem_matcher((at_most ? "emitted at most " : "emitted exactly ") + std::to_string(n) + " statement(s)"),
        n_(n), at_most_(at_most) {}
  template <class Source>
  bool match(const Source& source) const {
    auto all = source.statements();
    bool ok = at_most_ ? all.size() <= n_ : all.size() == n_;
    return record(ok ? std::string() : std::to_string(all.size()) + " were emitted:\n" + statement_listing(all));
  }

 private:
  std::size_t n_;
  bool at_most_;
};

inline statement_count_matcher emitted_count(std::size_t n) { return statement_count_matcher(n, false); }
inline statement_count_matcher emitted_at_most(std::size_t n) { return statement_count_matcher(n, true); }

class statement_rules_matcher : public detail::problem_matcher {
 public:
  explicit statement_rules_matcher(std::vector<sql_rule> rules)
      : problem_matcher("emitted the expected statements"), rules_(std::move(rules)) {}
  template <class Source>
  bool match(const Source& source) const {
    return record(check_statements(source.statements(), rules_));
  }

 private:
  std::vector<sql_rule> rules_;
};

inline statement_rules_matcher emits(std::vector<sql_rule> rules) { return statement_rules_matcher(std::move(rules)); }

// auto backend = GENERATE(quarry::testing::backends()): the test case runs once per backend of test_backends().
inline Catch::Generators::GeneratorWrapper<test_backend> backends() { return Catch::Generators::from_range(test_backends()); }

}  // namespace quarry::testing
