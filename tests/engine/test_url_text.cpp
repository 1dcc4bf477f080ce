// Quarry - SQLAlchemy for C++20. MIT License.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <quarry/fmt.hpp>
#include <quarry/quarry.hpp>

TEST_CASE("URLs parse as SQLAlchemy writes them", "[url]") {
  auto url = quarry::make_url(
      "postgresql+libpq://scott:p%40ss%3Aw%2Frd@db.example.org:5433/app%20db?connect_timeout=5&application_name=x");
  CHECK(url.drivername == "postgresql+libpq");
  CHECK(url.backend_name() == "postgresql");
  CHECK(url.username == "scott");
  CHECK(url.password == "p@ss:w/rd");
  CHECK(url.host == "db.example.org");
  CHECK(url.port == 5433);
  CHECK(url.database == "app db");
  CHECK(url.query_value("connect_timeout") == "5");
  CHECK(url.query_value("application_name") == "x");
  CHECK(quarry::make_url(url.render(false)) == url);
}

TEST_CASE("SQLite URLs name memory, relative and absolute files", "[url]") {
  CHECK_FALSE(quarry::make_url("sqlite://").database.has_value());
  CHECK(quarry::make_url("sqlite:///:memory:").database == ":memory:");
  CHECK(quarry::make_url("sqlite:///relative.db").database == "relative.db");
  CHECK(quarry::make_url("sqlite:////absolute/path.db").database == "/absolute/path.db");
  CHECK(quarry::sqlite::database_path(quarry::make_url("sqlite://")) == ":memory:");
}

TEST_CASE("unix sockets and IPv6 hosts", "[url]") {
  auto socket = quarry::make_url("postgresql://app@/appdb?host=%2Fvar%2Frun%2Fpostgresql");
  CHECK_FALSE(socket.host.has_value());
  CHECK(socket.query_value("host") == "/var/run/postgresql");
  auto v6 = quarry::make_url("postgresql://u@[::1]:5432/d");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 5432);
  CHECK(v6.render() == "postgresql://u@[::1]:5432/d");
}

TEST_CASE("malformed URLs and unknown dialects are ArgumentErrors", "[url]") {
  CHECK_THROWS_AS(quarry::make_url("not a url"), quarry::ArgumentError);
  CHECK_THROWS_AS(quarry::make_url("postgresql://u@h:99999/d"), quarry::ArgumentError);
  CHECK_THROWS_AS(quarry::make_url("postgresql://u@h:port/d"), quarry::ArgumentError);
  CHECK_THROWS_AS(quarry::make_url("postgresql://u:%zz@h/d"), quarry::ArgumentError);
  CHECK_THROWS_AS(quarry::make_url("post gres://h/d"), quarry::ArgumentError);
  CHECK_THROWS_WITH(quarry::create_engine("oracle://scott:tiger@h/d"), Catch::Contains("no dialect is registered for 'oracle'"));
  // A URL that cannot be parsed does not echo its password either.
  CHECK_THROWS_WITH(quarry::make_url("postgresql://u:secret@h:x/d"), !Catch::Contains("secret"));
}

TEST_CASE("the password is masked wherever a URL or engine is printed", "[url]") {
  auto url = quarry::make_url("postgresql://scott:tiger@localhost/test");
  CHECK(url.render() == "postgresql://scott:***@localhost/test");
  CHECK(fmt::format("{}", url) == "postgresql://scott:***@localhost/test");
  auto engine = quarry::create_engine("sqlite://");
  CHECK(fmt::format("{}", engine) == "Engine(sqlite://)");
}

TEST_CASE("text() finds named parameters and renders them per dialect", "[text]") {
  auto t = quarry::text("UPDATE t SET x = :x WHERE id = :id AND y = :x");
  CHECK(t.parameter_names() == std::vector<std::string>{"x", "id"});
  CHECK(t.sql(quarry::paramstyle::numeric_dollar) == "UPDATE t SET x = $1 WHERE id = $2 AND y = $1");
  CHECK(t.sql(quarry::paramstyle::qmark) == "UPDATE t SET x = ?1 WHERE id = ?2 AND y = ?1");
  CHECK(quarry::text("SELECT :a, :b").sql(quarry::paramstyle::qmark) == "SELECT ?, ?");
}

TEST_CASE("text() leaves literals, casts, comments and escapes alone", "[text]") {
  auto t = quarry::text(
      "SELECT ':not', \":nor\", x::int, $$ :dollar $$, $tag$ :tagged $tag$ -- :comment\n"
      ", /* :block */ \\:escaped, 'it''s :quoted', :real");
  CHECK(t.parameter_names() == std::vector<std::string>{"real"});
  CHECK(t.sql(quarry::paramstyle::numeric_dollar) ==
        "SELECT ':not', \":nor\", x::int, $$ :dollar $$, $tag$ :tagged $tag$ -- :comment\n"
        ", /* :block */ :escaped, 'it''s :quoted', $1");
  CHECK(quarry::text("SELECT a:b").parameter_names().empty());
  CHECK(quarry::text("SELECT '12:30:00'::time").parameter_names().empty());
}
