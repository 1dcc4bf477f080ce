// Quarry - SQLAlchemy for C++20. MIT License.
// After an error, a Connection's idea of its transaction matches the
// database's: a transaction the database ended is over here too (so the next
// statement does not commit on its own), and the error says what became of it.
#include <catch2/catch.hpp>

#include <string>

#include "backend.hpp"

using quarry::text;
using quarry::transaction_outcome;

namespace {
void make_deferred_tables(quarry::Engine& engine) {
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"out_child", "out_parent"});
  conn.exec_driver_sql("CREATE TABLE out_parent (id INTEGER PRIMARY KEY)");
  conn.exec_driver_sql(
      "CREATE TABLE out_child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES out_parent (id) "
      "DEFERRABLE INITIALLY DEFERRED)");
  conn.commit();
}

std::int64_t count(quarry::Engine& engine, const std::string& table) {
  return engine.connect().execute(text("SELECT count(*) FROM " + table)).scalar<std::int64_t>();
}

const auto insert_child = text("INSERT INTO out_child (id, parent_id) VALUES (:id, :parent)");
const auto insert_parent = text("INSERT INTO out_parent (id) VALUES (:id)");
}  // namespace

TEST_CASE("a COMMIT refused by a deferred foreign key leaves the Connection where the database is", "[transaction][fault]") {
  auto engine = quarry_test::make_engine();
  make_deferred_tables(engine);
  auto conn = engine.connect();
  conn.execute(insert_parent, {{"id", 1}});
  conn.execute(insert_child, {{"id", 1}, {"parent", 99}});
  try {
    conn.commit();
    FAIL("the COMMIT should have failed");
  } catch (const quarry::IntegrityError& e) {
    if (quarry_test::is_postgresql()) {
      // PostgreSQL ends the transaction: it is rolled back, and the error says so.
      CHECK(e.transaction_outcome() == transaction_outcome::rolled_back);
      CHECK(std::string(e.what()).find("rolled back") != std::string::npos);
      CHECK_FALSE(conn.in_transaction());
    } else {
      // SQLite keeps the transaction open after a failed deferred-key COMMIT.
      CHECK(e.transaction_outcome() == transaction_outcome::none);
      CHECK(conn.in_transaction());
    }
  }
  // Either way, what follows is inside a new or the same transaction: rollback() undoes it.
  conn.execute(insert_parent, {{"id", 2}});
  CHECK(conn.in_transaction());
  conn.rollback();
  CHECK(count(engine, "out_parent") == 0);
  CHECK(count(engine, "out_child") == 0);
  // And the connection still works.
  conn.execute(insert_parent, {{"id", 3}});
  conn.commit();
  CHECK(count(engine, "out_parent") == 1);
}

TEST_CASE("a transaction the database rolled back by itself is over for the Connection too", "[transaction][fault]") {
  auto engine = quarry_test::make_engine();
  make_deferred_tables(engine);
  auto conn = engine.connect();
  conn.execute(insert_parent, {{"id", 1}});
  if (quarry_test::is_sqlite()) {
    // INSERT OR ROLLBACK rolls back the whole transaction on a conflict.
    try {
      conn.execute(text("INSERT OR ROLLBACK INTO out_parent (id) VALUES (1)"));
      FAIL("the INSERT should have failed");
    } catch (const quarry::IntegrityError& e) {
      CHECK(e.transaction_outcome() == transaction_outcome::rolled_back);
    }
    CHECK_FALSE(conn.in_transaction());
  } else {
    // A failed statement aborts the transaction; COMMIT then rolls back, and says so.
    CHECK_THROWS_AS(conn.execute(insert_parent, {{"id", 1}}), quarry::IntegrityError);
    CHECK(conn.in_transaction());
    try {
      conn.commit();
      FAIL("COMMIT of an aborted transaction should fail");
    } catch (const quarry::InternalError& e) {
      CHECK(e.sqlstate() == "25P02");
      CHECK(e.transaction_outcome() == transaction_outcome::rolled_back);
    }
    CHECK_FALSE(conn.in_transaction());
  }
  // The next statement begins a new transaction, which rollback() undoes.
  conn.execute(insert_parent, {{"id", 5}});
  CHECK(conn.in_transaction());
  CHECK_NOTHROW(conn.rollback());
  CHECK(count(engine, "out_parent") == 0);
}

TEST_CASE("a Session whose COMMIT fails refuses work until rollback(), which loses nothing else", "[transaction][fault][session]") {
  auto engine = quarry_test::make_engine();
  make_deferred_tables(engine);
  quarry::Session session(engine);
  session.execute(insert_child, {{"id", 1}, {"parent", 42}});
  CHECK_THROWS_AS(session.commit(), quarry::IntegrityError);
  CHECK_THROWS_AS(session.execute(insert_parent, {{"id", 7}}), quarry::PendingRollbackError);
  session.rollback();
  session.execute(insert_parent, {{"id", 8}});
  session.rollback();
  CHECK(count(engine, "out_parent") == 0);
  CHECK(count(engine, "out_child") == 0);
  session.execute(insert_parent, {{"id", 9}});
  session.commit();
  CHECK(count(engine, "out_parent") == 1);
}

TEST_CASE("SQLite begins a transaction at its first write, so readers do not block writers", "[transaction][sqlite][not_in_memory]") {
  if (!quarry_test::is_sqlite()) return;
  SECTION("a file in rollback-journal mode: a Connection that only read does not block another's COMMIT") {
    auto engine = quarry_test::make_engine({.sqlite_busy_timeout = std::chrono::milliseconds(200)});
    make_deferred_tables(engine);
    auto reader = engine.connect();
    CHECK(reader.execute(text("SELECT count(*) FROM out_parent")).scalar<std::int64_t>() == 0);
    CHECK(reader.in_transaction());
    {
      auto writer = engine.connect();
      writer.execute(insert_parent, {{"id", 1}});
      CHECK_NOTHROW(writer.commit());
    }
    // The reader, not holding a snapshot, sees the committed row and can write in turn.
    CHECK(reader.execute(text("SELECT count(*) FROM out_parent")).scalar<std::int64_t>() == 1);
    reader.execute(insert_parent, {{"id", 2}});
    reader.commit();
    CHECK(count(engine, "out_parent") == 2);
  }
  SECTION("a file in WAL mode, where readers block no writer: BEGIN at the first statement, reads see one snapshot") {
    auto engine = quarry_test::make_engine({.sqlite_wal = true}, "wal_snapshot");
    make_deferred_tables(engine);
    auto reader = engine.connect();
    CHECK(reader.execute(text("SELECT count(*) FROM out_parent")).scalar<std::int64_t>() == 0);
    {
      auto writer = engine.connect();
      writer.execute(insert_parent, {{"id", 1}});
      CHECK_NOTHROW(writer.commit());
    }
    CHECK(reader.execute(text("SELECT count(*) FROM out_parent")).scalar<std::int64_t>() == 0);
    reader.rollback();
    CHECK(reader.execute(text("SELECT count(*) FROM out_parent")).scalar<std::int64_t>() == 1);
  }
  SECTION("an in-memory database: two sessions, one reading and one writing, work as under SQLAlchemy") {
    auto engine = quarry::create_engine("sqlite://");
    make_deferred_tables(engine);
    quarry::Session reading(engine);
    quarry::Session writing(engine);
    CHECK(reading.execute(text("SELECT count(*) FROM out_parent")).scalar<std::int64_t>() == 0);
    writing.execute(insert_parent, {{"id", 1}});
    writing.commit();
    CHECK(reading.execute(text("SELECT count(*) FROM out_parent")).scalar<std::int64_t>() == 1);
    reading.execute(insert_parent, {{"id", 2}});
    // Two writers on the one shared connection would share a transaction: refused, clearly.
    CHECK_THROWS_WITH(writing.execute(insert_parent, {{"id", 3}}), Catch::Contains("did not begin"));
    reading.commit();
    writing.rollback();
    writing.execute(insert_parent, {{"id", 3}});
    writing.commit();
    CHECK(engine.connect().execute(text("SELECT count(*) FROM out_parent")).scalar<std::int64_t>() == 3);
  }
}
