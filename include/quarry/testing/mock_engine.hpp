// mock_engine: an Engine with no database that records the SQL it gets and answers with scripted rows (create_mock_engine, and more).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/engine/engine.hpp"
#include "quarry/errors.hpp"
#include "quarry/testing/assertion_error.hpp"
#include "quarry/testing/sql_rules.hpp"
#include "quarry/types/value.hpp"

namespace quarry::testing {

namespace detail {
struct mock_state;
struct script_entry;
}  // namespace detail

// What a scripted statement answers: rows, a row count, a last row id, or an
// error. A script answers every statement its rule matches, or the first n with times(n).
class scripted_result {
 public:
  // Rows with these column names; values convert to the statement's row type
  // exactly as a driver's values do (through the same code).
  QUARRY_DECL scripted_result& returns(std::vector<std::string> columns, std::vector<std::vector<value>> rows);
  // Rows with columns named by position (c0, c1, ...), for typed rows that read columns by position.
  QUARRY_DECL scripted_result& returns(std::vector<std::vector<value>> rows);
  // Rows affected by an INSERT, UPDATE or DELETE (the default: the number of rows returned, else 0).
  QUARRY_DECL scripted_result& affects(std::int64_t rowcount);
  // The id of the inserted row (SQLite's lastrowid); parameter set i of an executemany() gets id + i.
  QUARRY_DECL scripted_result& lastrowid(std::int64_t id);
  // The statement fails with this error (IntegrityError, OperationalError, ...), as a driver reports it.
  template <class Error>
    requires std::derived_from<Error, DBAPIError>
  scripted_result& raises(std::string message, std::string sqlstate = {}) {
    return set_error([message = std::move(message), sqlstate = std::move(sqlstate)](const std::string& sql, const std::string& params) {
      throw Error(message, error_context{sql, params, 0, sqlstate, false});
    });
  }
  // Answers this many statements, then is used up (later matches go to the next script).
  QUARRY_DECL scripted_result& times(std::size_t n);

 private:
  friend class mock_engine;
  explicit scripted_result(std::shared_ptr<detail::script_entry> entry) : entry_(std::move(entry)) {}
  QUARRY_DECL scripted_result& set_error(std::function<void(const std::string&, const std::string&)> thrower);
  std::shared_ptr<detail::script_entry> entry_;
};

struct mock_options {
  // A statement no script matches fails with an assertion_error that names it;
  // false: it returns no rows and affects none.
  bool strict = true;
  // CREATE, DROP, ALTER and COMMENT are answered (no rows) without a script,
  // so that create_all() can print the DDL as SQLAlchemy's mock engine does.
  bool accept_ddl = true;
};

// SQLAlchemy's create_mock_engine(), with answers: an Engine of a real dialect
// (its SQL, placeholders and types) whose connection is a recorder. A real
// Session, a repository, or Core code runs against it unchanged; each
// statement is answered by the first script whose rule it matches. BEGIN,
// COMMIT, ROLLBACK, SAVEPOINT and RELEASE are answered by the mock itself.
class mock_engine {
 public:
  // The dialect by URL scheme: "sqlite" or "postgresql", or a URL ("postgresql://"); include its header first.
  QUARRY_DECL explicit mock_engine(std::string_view dialect_name = "sqlite", mock_options options = {});

  const Engine& engine() const noexcept { return engine_; }
  operator const Engine&() const noexcept { return engine_; }  // NOLINT: a mock engine is used where an Engine is

  // A script for one SQL text (compared with whitespace runs as one space) or any rule (regex_sql(), sql(text, params)).
  QUARRY_DECL scripted_result on(std::string sql);
  QUARRY_DECL scripted_result on(sql_rule rule);

  // The statements the mock received, in order, without BEGIN / COMMIT / ROLLBACK.
  QUARRY_DECL std::vector<recorded_statement> statements() const;
  QUARRY_DECL std::vector<std::string> sql() const;
  // Everything the mock received, BEGIN / COMMIT / ROLLBACK too.
  QUARRY_DECL std::vector<std::string> transcript() const;
  // Forgets what was received (the scripts stay).
  QUARRY_DECL void clear();

  // Empty when every script with times(n) answered n statements; else which did not.
  QUARRY_DECL std::string check_scripts_used() const;
  void assert_scripts_used() const {
    if (auto problem = check_scripts_used(); !problem.empty()) throw assertion_error(problem);
  }

 private:
  std::shared_ptr<detail::mock_state> state_;
  Engine engine_;
};

}  // namespace quarry::testing

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/impl/mock_engine.ipp"
#endif
