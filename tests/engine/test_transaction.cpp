// Quarry - SQLAlchemy for C++20. MIT License.
#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>

#include "backend.hpp"

using quarry::text;

namespace {
void make_accounts(quarry::Engine& engine) {
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"tx_accounts"});
  conn.exec_driver_sql("CREATE TABLE tx_accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)");
  conn.commit();
}

std::int64_t accounts(quarry::Engine& engine) {
  return engine.connect().execute(text("SELECT count(*) FROM tx_accounts")).scalar<std::int64_t>();
}

const auto insert = text("INSERT INTO tx_accounts (id, balance) VALUES (:id, :balance)");
}  // namespace

TEST_CASE("commit as you go; what is not committed is rolled back on close", "[transaction]") {
  auto engine = quarry_test::make_engine();
  make_accounts(engine);
  {
    auto conn = engine.connect();
    conn.execute(insert, {{"id", 1}, {"balance", 100}});
    CHECK(conn.in_transaction());
    conn.commit();
    CHECK_FALSE(conn.in_transaction());
    conn.execute(insert, {{"id", 2}, {"balance", 50}});
  }
  CHECK(accounts(engine) == 1);
}

TEST_CASE("begin() is RAII: rolled back unless committed", "[transaction]") {
  auto engine = quarry_test::make_engine();
  make_accounts(engine);
  auto conn = engine.connect();
  {
    auto tx = conn.begin();
    conn.execute(insert, {{"id", 1}, {"balance", 100}});
    CHECK_THROWS_AS(conn.begin(), quarry::InvalidRequestError);
  }
  CHECK_FALSE(conn.in_transaction());
  CHECK(accounts(engine) == 0);
  {
    auto tx = conn.begin();
    conn.execute(insert, {{"id", 1}, {"balance", 100}});
    tx.commit();
    CHECK_FALSE(tx.is_active());
    CHECK_THROWS_AS(tx.commit(), quarry::InvalidRequestError);
  }
  CHECK(accounts(engine) == 1);
}

TEST_CASE("a transaction follows its Connection when the Connection is moved", "[transaction]") {
  auto engine = quarry_test::make_engine();
  make_accounts(engine);
  auto first = engine.connect();
  std::optional<quarry::Connection> moved;
  {
    auto tx = first.begin();
    first.execute(insert, {{"id", 1}, {"balance", 10}});
    moved.emplace(std::move(first));
    CHECK(tx.is_active());
    CHECK(moved->in_transaction());
  }  // the transaction rolls back on the Connection it moved to
  CHECK_FALSE(moved->in_transaction());
  CHECK(accounts(engine) == 0);
  {
    auto tx = moved->begin();
    moved->execute(insert, {{"id", 2}, {"balance", 20}});
    quarry::Connection last = std::move(*moved);
    tx.commit();
  }
  CHECK(accounts(engine) == 1);
  // A transaction that outlives its Connection is inactive, not dangling.
  std::optional<quarry::Transaction> orphan;
  {
    auto conn = engine.connect();
    orphan.emplace(conn.begin());
  }
  CHECK_FALSE(orphan->is_active());
}

TEST_CASE("engine.begin(fn) commits on return and rolls back on throw", "[transaction]") {
  auto engine = quarry_test::make_engine();
  make_accounts(engine);
  int id = engine.begin([](quarry::Connection& c) {
    c.execute(insert, {{"id", 7}, {"balance", 1}});
    return 7;
  });
  CHECK(id == 7);
  CHECK_THROWS_AS(engine.begin([](quarry::Connection& c) {
                    c.execute(insert, {{"id", 8}, {"balance", 1}});
                    throw std::runtime_error("business rule failed");
                  }),
                  std::runtime_error);
  CHECK(accounts(engine) == 1);
}

TEST_CASE("savepoints nest with the same RAII rules", "[transaction]") {
  auto engine = quarry_test::make_engine();
  make_accounts(engine);
  auto conn = engine.connect();
  auto tx = conn.begin();
  conn.execute(insert, {{"id", 1}, {"balance", 10}});
  {
    auto sp = conn.begin_nested();
    CHECK(conn.in_nested_transaction());
    conn.execute(insert, {{"id", 2}, {"balance", 20}});
    {
      auto inner = conn.begin_nested();
      conn.execute(insert, {{"id", 3}, {"balance", 30}});
      inner.commit();
    }
    // sp goes out of scope uncommitted: rows 2 and 3 are rolled back, row 1 stays.
  }
  {
    auto sp = conn.begin_nested();
    conn.execute(insert, {{"id", 4}, {"balance", 40}});
    sp.commit();
  }
  {
    // A savepoint that fails leaves the outer transaction usable (on PostgreSQL too).
    auto sp = conn.begin_nested();
    CHECK_THROWS_AS(conn.execute(insert, {{"id", 1}, {"balance", 0}}), quarry::IntegrityError);
    sp.rollback();
  }
  tx.commit();
  CHECK(engine.connect().execute(text("SELECT id FROM tx_accounts ORDER BY id")).scalars<int>() == std::vector<int>{1, 4});
}

TEST_CASE("committing an outer savepoint ends the inner ones", "[transaction]") {
  auto engine = quarry_test::make_engine();
  make_accounts(engine);
  auto conn = engine.connect();
  auto outer = conn.begin_nested();  // begins the transaction too
  auto inner = conn.begin_nested();
  conn.execute(insert, {{"id", 1}, {"balance", 10}});
  outer.commit();
  CHECK_FALSE(inner.is_active());
  conn.commit();
  CHECK(accounts(engine) == 1);
}

TEST_CASE("isolation levels per engine and per connection", "[transaction]") {
  if (quarry_test::is_postgresql()) {
    auto engine = quarry_test::make_engine({.isolation_level = quarry::isolation_level::repeatable_read});
    auto conn = engine.connect();
    CHECK(conn.execute(text("SELECT current_setting('transaction_isolation')")).scalar<std::string>() == "repeatable read");
    conn.rollback();
    conn.set_isolation_level(quarry::isolation_level::serializable);
    CHECK(conn.execute(text("SELECT current_setting('transaction_isolation')")).scalar<std::string>() == "serializable");
    CHECK_THROWS_AS(conn.set_isolation_level(quarry::isolation_level::read_committed), quarry::InvalidRequestError);
    conn.rollback();
    conn.execution_options({.isolation_level = quarry::isolation_level::read_committed});
    CHECK(conn.execute(text("SELECT current_setting('transaction_isolation')")).scalar<std::string>() == "read committed");
  } else {
    CHECK_THROWS_AS(quarry_test::make_engine({.isolation_level = quarry::isolation_level::read_committed}),
                    quarry::ArgumentError);
    auto engine = quarry_test::make_engine({.isolation_level = quarry::isolation_level::serializable});
    CHECK(engine.connect().execute(text("SELECT 1")).scalar<int>() == 1);
  }
}

TEST_CASE("AUTOCOMMIT runs each statement on its own", "[transaction]") {
  auto engine = quarry_test::make_engine();
  make_accounts(engine);
  auto conn = engine.connect();
  conn.set_isolation_level(quarry::isolation_level::autocommit);
  conn.execute(insert, {{"id", 1}, {"balance", 10}});
  CHECK_FALSE(conn.driver().in_transaction());
  CHECK(accounts(engine) == 1);
  conn.rollback();  // nothing to roll back
  CHECK(accounts(engine) == 1);
}

TEST_CASE("SQLite connections get foreign keys, a busy timeout, and optional WAL and synchronous", "[transaction][sqlite][not_in_memory]") {
  if (!quarry_test::is_sqlite()) {
    SUCCEED("SQLite only");
    return;
  }
  auto engine = quarry_test::make_engine({.sqlite_wal = true, .sqlite_synchronous = "NORMAL"});
  auto conn = engine.connect();
  CHECK(conn.exec_driver_sql("PRAGMA foreign_keys").scalar<int>() == 1);
  CHECK(conn.exec_driver_sql("PRAGMA busy_timeout").scalar<int>() == 5000);
  CHECK(conn.exec_driver_sql("PRAGMA journal_mode").scalar<std::string>() == "wal");
  CHECK(conn.exec_driver_sql("PRAGMA synchronous").scalar<int>() == 1);
  CHECK_THROWS_AS(quarry_test::make_engine({.sqlite_synchronous = "SOMETIMES"}).connect(), quarry::ArgumentError);
}

TEST_CASE("SQLite BEGIN IMMEDIATE takes the write lock at once", "[transaction][sqlite][not_in_memory]") {
  if (!quarry_test::is_sqlite()) {
    SUCCEED("SQLite only");
    return;
  }
  for (auto mode : {quarry::sqlite_begin_mode::deferred, quarry::sqlite_begin_mode::immediate}) {
    auto engine = quarry_test::make_engine(
        {.sqlite_busy_timeout = std::chrono::milliseconds(50), .sqlite_wal = true, .sqlite_begin = mode}, "begin_mode");
    make_accounts(engine);
    auto reader = engine.connect();
    CHECK(reader.execute(text("SELECT count(*) FROM tx_accounts")).scalar<int>() == 0);  // opens a transaction
    auto writer = engine.connect();
    if (mode == quarry::sqlite_begin_mode::immediate) {
      CHECK_THROWS_WITH(writer.execute(insert, {{"id", 1}, {"balance", 1}}), Catch::Contains("locked"));
    } else {
      writer.execute(insert, {{"id", 1}, {"balance", 1}});
      writer.commit();
    }
  }
}
