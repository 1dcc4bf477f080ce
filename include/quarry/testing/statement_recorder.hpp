// statement_recorder: the statements an engine or a session emits in a scope, counted and matched (assertNumQueries, assert_sql_execution).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "quarry/engine/engine.hpp"
#include "quarry/orm/session.hpp"
#include "quarry/testing/assertion_error.hpp"
#include "quarry/testing/sql_rules.hpp"

namespace quarry::testing {

// Keeps the statements an engine emits from construction until stop() or
// destruction, from every thread; on a Session, only the statements of that
// session's connection. SAVEPOINT and RELEASE count as statements, BEGIN,
// COMMIT and ROLLBACK do not (SQLAlchemy's events see them the same way).
// A statement that fails is kept, marked as not completed.
class statement_recorder {
 public:
  QUARRY_DECL explicit statement_recorder(const Engine& engine);
  QUARRY_DECL explicit statement_recorder(const Session& session);
  statement_recorder(const statement_recorder&) = delete;
  statement_recorder& operator=(const statement_recorder&) = delete;
  ~statement_recorder() { stop(); }

  // Stops recording; what was recorded stays.
  QUARRY_DECL void stop() noexcept;
  QUARRY_DECL void clear();

  QUARRY_DECL std::vector<recorded_statement> statements() const;
  QUARRY_DECL std::size_t count() const;
  // The SQL of each statement, in order.
  QUARRY_DECL std::vector<std::string> sql() const;
  std::string listing() const { return statement_listing(statements()); }

  // Empty when the expectation holds; else what failed and the statements emitted.
  QUARRY_DECL std::string check_count(std::size_t expected) const;
  QUARRY_DECL std::string check_at_most(std::size_t limit) const;
  std::string check_sql(std::span<const sql_rule> rules) const { return check_statements(statements(), rules); }

  // Django's assertNumQueries and SQLAlchemy's assert_sql_execution: throw assertion_error with the statement list.
  void assert_count(std::size_t expected) const { raise(check_count(expected)); }
  void assert_at_most(std::size_t limit) const { raise(check_at_most(limit)); }
  void assert_sql(std::initializer_list<sql_rule> rules) const {
    raise(check_sql(std::span<const sql_rule>(rules.begin(), rules.size())));
  }
  void assert_sql(const std::vector<sql_rule>& rules) const { raise(check_sql(rules)); }

 private:
  static void raise(const std::string& problem) {
    if (!problem.empty()) throw assertion_error(problem);
  }
  QUARRY_DECL void listen();

  // What the listeners write to: shared with them, so that one still running
  // on another thread when the recorder stops does not outlive it.
  struct shared_state {
    const Session* session = nullptr;
    std::thread::id session_thread;
    std::mutex mutex;
    std::vector<recorded_statement> statements;
    std::unordered_map<std::thread::id, std::size_t> running;  // each thread's statement waiting for after_execute
    QUARRY_DECL bool wanted(const execute_event& event) const;
  };

  Engine engine_;
  std::shared_ptr<shared_state> state_ = std::make_shared<shared_state>();
  listener_id before_ = 0;
  listener_id after_ = 0;
};

}  // namespace quarry::testing

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/testing/impl/statement_recorder.ipp"
#endif
