// The implementation of quarry/testing/detail/joined_connection.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/detail/joined_connection.hpp"

#include "quarry/testing/compiles_to.hpp"

namespace quarry::testing::detail {

QUARRY_DECL dbapi_connection& joined_connection::real() const {
  if (joined_->ended)
    throw InvalidRequestError("quarry: the test's transaction has ended (its transaction_fixture was rolled back); "
                              "close connections and sessions of fixture.engine() before the fixture ends");
  return joined_->outer.driver();
}

QUARRY_DECL joined_connection::~joined_connection() {
  std::lock_guard lock(joined_->mutex);
  if (joined_->ended) return;
  bool any = false;
  for (auto& s : joined_->stack)
    if (s.owner == id_ && s.state == joined_transaction::savepoint_state::open) {
      s.state = joined_transaction::savepoint_state::abandoned;  // dropped without COMMIT: rolled back
      any = true;
    }
  if (!any) return;
  try {
    settle(joined_->outer.driver());
  } catch (...) {
    // The fixture's final ROLLBACK undoes it anyway.
  }
}

QUARRY_DECL std::unique_ptr<dbapi_statement> joined_connection::prepare(std::string_view sql) {
  std::lock_guard lock(joined_->mutex);
  return std::make_unique<joined_statement>(joined_, real().prepare(sql));
}

QUARRY_DECL bool joined_connection::ping() noexcept {
  std::lock_guard lock(joined_->mutex);
  return !joined_->ended && joined_->outer.driver().ping();
}

QUARRY_DECL bool joined_connection::is_usable() const noexcept {
  std::lock_guard lock(joined_->mutex);
  return !joined_->ended && joined_->outer.driver().is_usable();
}

QUARRY_DECL bool joined_connection::in_transaction() const noexcept {
  std::lock_guard lock(joined_->mutex);
  if (joined_->ended || !joined_->outer.driver().in_transaction()) return false;
  for (auto& s : joined_->stack)
    if (s.owner == id_ && s.state == joined_transaction::savepoint_state::open) return true;
  return false;
}

QUARRY_DECL void joined_connection::settle(dbapi_connection& driver) {
  auto& stack = joined_->stack;
  while (!stack.empty() && stack.back().state != joined_transaction::savepoint_state::open) {
    auto top = stack.back();
    stack.pop_back();
    if (top.state == joined_transaction::savepoint_state::abandoned) driver.execute_simple("ROLLBACK TO SAVEPOINT " + top.name);
    driver.execute_simple("RELEASE SAVEPOINT " + top.name);
  }
}

QUARRY_DECL void joined_connection::execute_simple(std::string_view sql) {
  std::lock_guard lock(joined_->mutex);
  auto& driver = real();
  auto& stack = joined_->stack;
  auto word = first_word(sql);
  bool to_savepoint = sql.find(" TO ") != std::string_view::npos;
  auto mine = [&]() -> std::ptrdiff_t {
    for (auto i = static_cast<std::ptrdiff_t>(stack.size()) - 1; i >= 0; --i)
      if (stack[static_cast<std::size_t>(i)].owner == id_ && stack[static_cast<std::size_t>(i)].state == joined_transaction::savepoint_state::open)
        return i;
    return -1;
  };
  if (word == "BEGIN" || word == "START") {
    // Without the outer transaction a SAVEPOINT would begin one of its own, and its RELEASE would commit.
    if (!driver.in_transaction())
      throw InvalidRequestError("quarry: the test's outer transaction is gone (the database ended it: a failed COMMIT, "
                                "SQLite's ON CONFLICT ROLLBACK, a lost connection); what the test wrote was rolled back");
    std::string name = "quarry_test_" + std::to_string(++joined_->next_savepoint);
    driver.execute_simple("SAVEPOINT " + name);
    stack.push_back({id_, std::move(name)});
  } else if (word == "COMMIT" || word == "END") {
    auto at = mine();
    if (at < 0) return;
    stack[static_cast<std::size_t>(at)].state = joined_transaction::savepoint_state::committed;
    settle(driver);
  } else if (word == "ROLLBACK" && !to_savepoint) {
    auto at = mine();
    if (at < 0) return;
    if (static_cast<std::size_t>(at) + 1 != stack.size())
      throw InvalidRequestError("quarry: a rollback inside another connection's transaction on the fixture's engine: the "
                                "database would undo that one's work too; end the inner transaction first");
    std::string name = stack.back().name;
    stack.pop_back();  // gone whatever happens: a failed ROLLBACK TO leaves the pool to discard the connection
    driver.execute_simple("ROLLBACK TO SAVEPOINT " + name);
    driver.execute_simple("RELEASE SAVEPOINT " + name);
    settle(driver);
  } else {
    driver.execute_simple(sql);
  }
}

}  // namespace quarry::testing::detail
