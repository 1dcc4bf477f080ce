// The implementation of quarry/testing/detail/joined_connection.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/detail/joined_connection.hpp"

#include "quarry/testing/compiles_to.hpp"

namespace quarry::testing {

namespace detail {

QUARRY_DECL dbapi_connection& joined_connection::real() const {
  if (joined_->ended)
    throw InvalidRequestError("quarry: the test's transaction has ended (its transaction_fixture was rolled back); "
                              "close connections and sessions of fixture.engine() before the fixture ends");
  return joined_->outer.driver();
}

QUARRY_DECL bool joined_connection::in_transaction() const noexcept {
  if (savepoints_.empty() || joined_->ended) return false;
  // The database ended the outer transaction itself (SQLite's INSERT OR ROLLBACK, a lost connection): no savepoint is left.
  return joined_->outer.driver().in_transaction();
}

QUARRY_DECL void joined_connection::execute_simple(std::string_view sql) {
  auto& driver = real();
  auto word = first_word(sql);
  bool to_savepoint = sql.find(" TO ") != std::string_view::npos;
  if (word == "BEGIN" || word == "START") {
    std::string name = "quarry_test_" + std::to_string(++joined_->next_savepoint);
    driver.execute_simple("SAVEPOINT " + name);
    savepoints_.push_back(std::move(name));
  } else if (word == "COMMIT" || word == "END") {
    if (savepoints_.empty()) return;
    std::string name = savepoints_.back();
    driver.execute_simple("RELEASE SAVEPOINT " + name);
    savepoints_.pop_back();
  } else if (word == "ROLLBACK" && !to_savepoint) {
    if (savepoints_.empty()) return;
    std::string name = savepoints_.back();
    savepoints_.pop_back();  // gone whatever happens: a failed ROLLBACK TO leaves the pool to discard the connection
    driver.execute_simple("ROLLBACK TO SAVEPOINT " + name);
    driver.execute_simple("RELEASE SAVEPOINT " + name);
  } else {
    driver.execute_simple(sql);
  }
}

}  // namespace detail

}  // namespace quarry::testing
