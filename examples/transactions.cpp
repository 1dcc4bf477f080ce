// Quarry - SQLAlchemy for C++20. MIT License.
// Transactions: commit as you go, RAII begin(), engine.begin(fn), savepoints
// and isolation levels.
//   transactions [url]    (default: sqlite:///transactions.db)
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>

#include "support/example.hpp"

namespace {
const auto deposit = quarry::text("UPDATE account SET balance = balance + :amount WHERE id = :id");

// Read on a connection of its own, so the caller's transaction state is untouched.
std::int64_t balance(const quarry::Engine& engine, int id) {
  return engine.connect()
      .execute(quarry::text("SELECT balance FROM account WHERE id = :id"), {{"id", id}})
      .scalar<std::int64_t>();
}
}  // namespace

int main(int argc, char* argv[]) {
  using quarry::text;
  auto engine = quarry::create_engine(example::database_url(argc, argv, "sqlite:///transactions.db"));
  engine.begin([](quarry::Connection& conn) {
    conn.exec_driver_sql("DROP TABLE IF EXISTS account");
    conn.exec_driver_sql("CREATE TABLE account (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0))");
    conn.executemany(text("INSERT INTO account (id, balance) VALUES (:id, :balance)"),
                     std::vector<std::tuple<int, int>>{{1, 100}, {2, 0}});
  });

  auto conn = engine.connect();

  // Commit as you go: the first statement begins a transaction, commit() ends it.
  conn.execute(deposit, {{"amount", 10}, {"id", 1}});
  conn.commit();
  fmt::print("after commit-as-you-go: {}\n", balance(engine, 1));
  example::expect(balance(engine, 1) == 110, "the deposit was committed");

  // RAII: a transfer that fails half way is rolled back as a whole.
  try {
    auto tx = conn.begin();
    conn.execute(deposit, {{"amount", 500}, {"id", 2}});
    conn.execute(deposit, {{"amount", -500}, {"id", 1}});  // violates CHECK (balance >= 0)
    tx.commit();
  } catch (const quarry::IntegrityError& e) {
    fmt::print("transfer refused and rolled back: {}\n", e.driver_message());
  }
  example::expect(balance(engine, 1) == 110 && balance(engine, 2) == 0, "the failed transfer left nothing behind");

  // engine.begin(fn): commits when fn returns, rolls back when it throws.
  engine.begin([](quarry::Connection& c) {
    c.execute(deposit, {{"amount", -60}, {"id", 1}});
    c.execute(deposit, {{"amount", 60}, {"id", 2}});
  });
  try {
    engine.begin([](quarry::Connection& c) {
      c.execute(deposit, {{"amount", 1000}, {"id", 2}});
      throw std::runtime_error("fraud check failed");
    });
  } catch (const std::runtime_error& e) {
    fmt::print("engine.begin rolled back: {}\n", e.what());
  }
  example::expect(balance(engine, 1) == 50 && balance(engine, 2) == 60, "one transfer committed, one rolled back");

  // Savepoints: the inner work is undone, the outer transaction goes on.
  {
    auto tx = conn.begin();
    conn.execute(deposit, {{"amount", 1}, {"id", 1}});
    {
      auto savepoint = conn.begin_nested();
      conn.execute(deposit, {{"amount", 1000}, {"id", 1}});
      // savepoint goes out of scope uncommitted: ROLLBACK TO SAVEPOINT
    }
    auto nested = conn.begin_nested();
    conn.execute(deposit, {{"amount", 2}, {"id", 1}});
    nested.commit();
    tx.commit();
  }
  fmt::print("after savepoints: {}\n", balance(engine, 1));
  example::expect(balance(engine, 1) == 53, "only the released savepoint's work stays");

  // Isolation levels per connection; AUTOCOMMIT runs each statement on its own.
  conn.set_isolation_level(quarry::isolation_level::autocommit);
  conn.execute(deposit, {{"amount", 7}, {"id", 2}});
  example::expect(balance(engine, 2) == 67, "an AUTOCOMMIT statement is visible at once");
  fmt::print("autocommit deposit seen by another connection: {}\n", balance(engine, 2));
  return 0;
}
