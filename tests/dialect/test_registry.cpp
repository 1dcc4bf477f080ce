// Quarry - SQLAlchemy for C++20. MIT License.
// A third dialect registered from outside the library: the dialect contract's
// checked example. It reuses the SQLite driver under its own scheme and name,
// and counts what it opens, to show the engine really went through it.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>

#include "backend.hpp"

namespace {
std::atomic<int> opened{0};

class audited_sqlite final : public quarry::dialect {
 public:
  std::string_view name() const override { return "audited"; }
  quarry::paramstyle paramstyle() const override { return quarry::paramstyle::qmark; }
  std::unique_ptr<quarry::dbapi_connection> connect(const quarry::URL& url,
                                                    const quarry::engine_options& options) const override {
    ++opened;
    return std::make_unique<quarry::sqlite::connection>(quarry::sqlite::database_path(url), options, false);
  }
  std::string begin_statement(std::optional<quarry::isolation_level>, const quarry::engine_options&) const override {
    return "BEGIN";
  }
  bool is_reserved_word(std::string_view word) const override { return word == "select"; }
};

const bool registered = quarry::register_dialect<audited_sqlite>({"audited", "audited+sqlite3"});
}  // namespace

TEST_CASE("a dialect registered from outside is found by URL scheme", "[registry]") {
  REQUIRE(registered);
  std::remove("audited.db");
  auto engine = quarry::create_engine("audited+sqlite3:///audited.db");
  CHECK(engine.dialect().name() == "audited");
  auto conn = engine.connect();
  conn.exec_driver_sql("CREATE TABLE t (x INTEGER)");
  conn.execute(quarry::text("INSERT INTO t VALUES (:x)"), {{"x", 5}});
  conn.commit();
  CHECK(conn.execute(quarry::text("SELECT x FROM t")).scalar<int>() == 5);
  CHECK(opened == 1);
}

TEST_CASE("the built-in dialects are registered under SQLAlchemy's schemes", "[registry]") {
  CHECK(quarry::dialect_registry::instance().find("sqlite")->name() == "sqlite");
#if defined(QUARRY_WITH_POSTGRESQL)
  CHECK(quarry::dialect_registry::instance().find("postgresql")->name() == "postgresql");
  CHECK(quarry::dialect_registry::instance().find("postgresql+libpq")->paramstyle() == quarry::paramstyle::numeric_dollar);
#endif
  CHECK_THROWS_AS(quarry::dialect_registry::instance().find("mssql"), quarry::ArgumentError);
}

TEST_CASE("identifiers are quoted where SQL needs it, as SQLAlchemy decides", "[registry]") {
  auto& sqlite = *quarry::dialect_registry::instance().find("sqlite");
  CHECK(sqlite.format_identifier("user_account") == "user_account");
  CHECK(sqlite.format_identifier("order") == "\"order\"");       // reserved
  CHECK(sqlite.format_identifier("user") == "user");              // not reserved in SQLite
  CHECK(sqlite.format_identifier("UserName") == "\"UserName\"");  // PostgreSQL would fold it to lower case
  CHECK(sqlite.format_identifier("2fa") == "\"2fa\"");
  CHECK(sqlite.format_identifier("first name") == "\"first name\"");
  CHECK(sqlite.format_identifier("we\"ird") == "\"we\"\"ird\"");
  CHECK(sqlite.format_identifier("") == "\"\"");
#if defined(QUARRY_WITH_POSTGRESQL)
  auto& pg = *quarry::dialect_registry::instance().find("postgresql");
  CHECK(pg.format_identifier("user") == "\"user\"");
  CHECK(pg.format_identifier("tablesample") == "\"tablesample\"");
  CHECK(pg.format_identifier("vacuum") == "vacuum");
#endif
}

TEST_CASE("quoted identifiers name real tables on the database", "[registry]") {
  auto engine = quarry_test::make_engine();
  auto conn = engine.connect();
  auto table = conn.dialect().format_identifier("Order \"Lines\"");
  auto column = conn.dialect().format_identifier("user");
  conn.exec_driver_sql("DROP TABLE IF EXISTS " + table);
  conn.exec_driver_sql("CREATE TABLE " + table + " (" + column + " TEXT)");
  conn.execute(quarry::text("INSERT INTO " + table + " (" + column + ") VALUES (:u)"), {{"u", "sandy"}});
  CHECK(conn.execute(quarry::text("SELECT " + column + " FROM " + table)).scalar<std::string>() == "sandy");
  conn.exec_driver_sql("DROP TABLE " + table);
  conn.commit();
}
