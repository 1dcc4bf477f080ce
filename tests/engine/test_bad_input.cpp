// Quarry - SQLAlchemy for C++20. MIT License.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "backend.hpp"

using quarry::text;

namespace {
quarry::Connection values_table(quarry::Engine& engine) {
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"bad_child", "bad_values"});
  bool pg = quarry_test::is_postgresql();
  conn.exec_driver_sql(std::string("CREATE TABLE bad_values (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, ") +
                       "big BIGINT, ratio " + (pg ? "DOUBLE PRECISION" : "REAL") + ", data " +
                       (pg ? "BYTEA" : "BLOB") + ", flag BOOLEAN)");
  conn.exec_driver_sql("CREATE TABLE bad_child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES bad_values (id))");
  conn.execute(text("INSERT INTO bad_values (id, name) VALUES (1, 'first')"));
  conn.commit();
  return conn;
}

std::int64_t count_rows(quarry::Connection& conn) {
  return conn.execute(text("SELECT count(*) FROM bad_values")).scalar<std::int64_t>();
}
}  // namespace

TEST_CASE("constraint violations are IntegrityErrors with the driver's code", "[errors]") {
  auto engine = quarry_test::make_engine();
  auto conn = values_table(engine);
  auto insert = text("INSERT INTO bad_values (id, name) VALUES (:id, :name)");
  bool pg = quarry_test::is_postgresql();

  try {
    conn.execute(insert, {{"id", 2}, {"name", "first"}});
    FAIL("a duplicate was accepted");
  } catch (const quarry::IntegrityError& e) {
    CHECK(e.sql().find("INSERT INTO bad_values") != std::string::npos);
    CHECK(e.params() == "(2, 'first')");
    if (pg) CHECK(e.sqlstate() == "23505");
    else CHECK(e.code() == 2067);  // SQLITE_CONSTRAINT_UNIQUE
  }
  conn.rollback();

  try {
    conn.execute(insert, {{"id", 3}, {"name", nullptr}});
    FAIL("NULL was accepted into a NOT NULL column");
  } catch (const quarry::IntegrityError& e) {
    if (pg) CHECK(e.sqlstate() == "23502");
    else CHECK(e.code() == 1299);  // SQLITE_CONSTRAINT_NOTNULL
  }
  conn.rollback();

  try {
    conn.execute(text("INSERT INTO bad_child (id, parent_id) VALUES (1, 42)"));
    FAIL("a dangling foreign key was accepted");
  } catch (const quarry::IntegrityError& e) {
    if (pg) CHECK(e.sqlstate() == "23503");
    else CHECK(e.code() == 787);  // SQLITE_CONSTRAINT_FOREIGNKEY
  }
  conn.rollback();
  CHECK(count_rows(conn) == 1);
}

TEST_CASE("syntax errors and unknown tables are DBAPIErrors that name the SQL", "[errors]") {
  auto engine = quarry_test::make_engine();
  auto conn = engine.connect();
  CHECK_THROWS_AS(conn.execute(text("SELEC 1")), quarry::DatabaseError);
  conn.rollback();
  CHECK_THROWS_WITH(conn.execute(text("SELECT * FROM no_such_table")), Catch::Contains("no_such_table"));
  conn.rollback();
  // Two statements in one execute: refused rather than half run.
  CHECK_THROWS_AS(conn.exec_driver_sql("SELECT 1; SELECT 2"), quarry::DBAPIError);
}

TEST_CASE("text with a NUL byte round-trips or is refused, never truncated", "[values]") {
  auto engine = quarry_test::make_engine();
  auto conn = values_table(engine);
  std::string with_nul("before\0after", 12);
  auto insert = text("INSERT INTO bad_values (id, name) VALUES (:id, :name)");
  if (quarry_test::is_postgresql()) {
    CHECK_THROWS_WITH(conn.execute(insert, {{"id", 2}, {"name", with_nul}}), Catch::Contains("NUL"));
    conn.rollback();
    CHECK(count_rows(conn) == 1);
  } else {
    conn.execute(insert, {{"id", 2}, {"name", with_nul}});
    CHECK(conn.execute(text("SELECT name FROM bad_values WHERE id = 2")).scalar<std::string>() == with_nul);
  }
}

TEST_CASE("invalid UTF-8", "[values]") {
  auto engine = quarry_test::make_engine();
  auto conn = values_table(engine);
  std::string invalid = "caf\xC3";  // a truncated two-byte sequence
  auto insert = text("INSERT INTO bad_values (id, name) VALUES (:id, :name)");
  if (quarry_test::is_postgresql()) {
    try {
      conn.execute(insert, {{"id", 2}, {"name", invalid}});
      FAIL("invalid UTF-8 was accepted");
    } catch (const quarry::DataError& e) {
      CHECK(e.sqlstate() == "22021");
    }
    conn.rollback();
  } else {
    // SQLite stores text as given: the bytes come back unchanged.
    conn.execute(insert, {{"id", 2}, {"name", invalid}});
    CHECK(conn.execute(text("SELECT name FROM bad_values WHERE id = 2")).scalar<std::string>() == invalid);
  }
}

TEST_CASE("64-bit limits, NaN and infinities", "[values]") {
  auto engine = quarry_test::make_engine();
  auto conn = values_table(engine);
  auto insert = text("INSERT INTO bad_values (id, name, big, ratio) VALUES (:id, :name, :big, :ratio)");
  auto lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  double inf = std::numeric_limits<double>::infinity();
  conn.execute(insert, {{"id", 2}, {"name", "min"}, {"big", lo}, {"ratio", inf}});
  conn.execute(insert, {{"id", 3}, {"name", "max"}, {"big", hi}, {"ratio", -inf}});
  auto big = text("SELECT big, ratio FROM bad_values WHERE id = :id");
  auto [min_value, plus_inf] = conn.execute(big, {{"id", 2}}).one<std::tuple<std::int64_t, double>>();
  auto [max_value, minus_inf] = conn.execute(big, {{"id", 3}}).one<std::tuple<std::int64_t, double>>();
  CHECK(min_value == lo);
  CHECK(max_value == hi);
  CHECK(plus_inf == inf);
  CHECK(minus_inf == -inf);

  double nan = std::numeric_limits<double>::quiet_NaN();
  if (quarry_test::is_postgresql()) {
    conn.execute(insert, {{"id", 4}, {"name", "nan"}, {"big", 0}, {"ratio", nan}});
    CHECK(std::isnan(conn.execute(big, {{"id", 4}}).one().get<double>("ratio")));
  } else {
    // SQLite would store NaN as NULL: refused before anything is written.
    CHECK_THROWS_WITH(conn.execute(insert, {{"id", 4}, {"name", "nan"}, {"big", 0}, {"ratio", nan}}),
                      Catch::Contains("NaN"));
    CHECK(count_rows(conn) == 3);
  }
}

TEST_CASE("a 16 MiB blob and booleans round-trip", "[values]") {
  auto engine = quarry_test::make_engine();
  auto conn = values_table(engine);
  quarry::blob data(16 * 1024 * 1024);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>((i * 7 + i / 251) & 0xff);
  conn.execute(text("INSERT INTO bad_values (id, name, data, flag) VALUES (2, 'blob', :data, :flag)"),
               {{"data", data}, {"flag", true}});
  conn.execute(text("INSERT INTO bad_values (id, name, data, flag) VALUES (3, 'empty', :data, :flag)"),
               {{"data", quarry::blob{}}, {"flag", false}});
  auto row = conn.execute(text("SELECT data, flag FROM bad_values WHERE id = 2")).one();
  CHECK(row.get<quarry::blob>(0) == data);
  CHECK(row.get<bool>(1));
  auto empty = conn.execute(text("SELECT data, flag FROM bad_values WHERE id = 3")).one();
  CHECK(empty.get<std::optional<quarry::blob>>(0) == quarry::blob{});  // empty, not NULL
  CHECK_FALSE(empty.get<bool>(1));
}

TEST_CASE("SQL-looking strings stay data", "[values]") {
  auto engine = quarry_test::make_engine();
  auto conn = values_table(engine);
  std::string evil = "x'); DROP TABLE bad_values; -- :name $1 ?";
  conn.execute(text("INSERT INTO bad_values (id, name) VALUES (:id, :name)"), {{"id", 2}, {"name", evil}});
  conn.commit();
  CHECK(conn.execute(text("SELECT name FROM bad_values WHERE name = :n"), {{"n", evil}}).scalar<std::string>() == evil);
  CHECK(count_rows(conn) == 2);
}

TEST_CASE("thousands of parameters, up to the driver's limit read at run time", "[values]") {
  auto engine = quarry_test::make_engine();
  auto conn = engine.connect();
  std::size_t limit = conn.driver().max_parameters();
  CHECK(limit >= 999);
  auto in_list = [](std::size_t n) {
    std::string sql = "SELECT count(*) FROM (SELECT 1 AS x) AS t WHERE x IN (";
    for (std::size_t i = 0; i < n; ++i) sql += (i ? ", :p" : ":p") + std::to_string(i);
    return text(sql + ")");
  };
  std::size_t n = std::min<std::size_t>(limit, 5000);
  std::vector<quarry::named_param> values;
  std::vector<std::string> names;
  names.reserve(limit + 1);
  for (std::size_t i = 0; i <= limit; ++i) names.push_back("p" + std::to_string(i));
  for (std::size_t i = 0; i < n; ++i) values.push_back({names[i], static_cast<int>(i + 1)});
  CHECK(conn.execute(in_list(n), values).scalar<int>() == 1);
  std::vector<quarry::param> too_many(limit + 1, quarry::param(1));
  CHECK_THROWS_AS(conn.execute(in_list(limit + 1), too_many), quarry::DBAPIError);
}
