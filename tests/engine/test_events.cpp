// Quarry - SQLAlchemy for C++20. MIT License.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "backend.hpp"

using quarry::text;

TEST_CASE("before_execute and after_execute see statement, parameters, time and rowcount", "[events]") {
  auto engine = quarry_test::make_engine();
  std::vector<std::string> before;
  std::vector<std::int64_t> rowcounts;
  std::string first_param;
  auto b = engine.listen(quarry::events::before_execute, [&](const quarry::execute_event& e) {
    before.emplace_back(e.sql);
    if (!e.parameters.empty() && e.parameters[0].kind() == quarry::value_kind::text)
      first_param = std::string(e.parameters[0].as_text());
  });
  engine.listen(quarry::events::after_execute, [&](const quarry::execute_event& e) {
    CHECK(e.elapsed.count() > 0);
    rowcounts.push_back(e.rowcount);
  });
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"ev_items"});
  conn.exec_driver_sql("CREATE TABLE ev_items (name TEXT)");
  before.clear();
  rowcounts.clear();
  conn.execute(text("INSERT INTO ev_items VALUES (:name)"), {{"name", "widget"}});
  REQUIRE(before.size() == 1);
  CHECK(before[0].find("INSERT INTO ev_items") == 0);
  CHECK(first_param == "widget");
  CHECK(rowcounts == std::vector<std::int64_t>{1});
  CHECK(engine.remove_listener(b));
  CHECK_FALSE(engine.remove_listener(b));
  conn.execute(text("SELECT 1")).scalar<int>();
  CHECK(before.size() == 1);
  CHECK(rowcounts.size() == 2);
}

TEST_CASE("a throwing before_execute listener stops the statement", "[events]") {
  auto engine = quarry_test::make_engine();
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"ev_guarded"});
  conn.exec_driver_sql("CREATE TABLE ev_guarded (x INTEGER)");
  engine.listen(quarry::events::before_execute, [](const quarry::execute_event& e) {
    if (std::string_view(e.sql).find("DELETE") == 0) throw std::logic_error("no deletes here");
  });
  conn.execute(text("INSERT INTO ev_guarded VALUES (1)"));
  CHECK_THROWS_AS(conn.execute(text("DELETE FROM ev_guarded")), std::logic_error);
  CHECK(conn.execute(text("SELECT count(*) FROM ev_guarded")).scalar<int>() == 1);
}

TEST_CASE("connect, checkout and checkin events", "[events]") {
  auto engine = quarry_test::make_engine({.pool_size = 1});
  int connects = 0, checkouts = 0, checkins = 0;
  engine.listen(quarry::events::connect, [&](const quarry::pool_event& e) {
    CHECK(e.connection.native_handle() != nullptr);
    ++connects;
  });
  engine.listen(quarry::events::checkout, [&](const quarry::pool_event&) { ++checkouts; });
  engine.listen(quarry::events::checkin, [&](const quarry::pool_event&) { ++checkins; });
  for (int i = 0; i < 3; ++i) engine.connect();
  CHECK(connects == 1);
  CHECK(checkouts == 3);
  CHECK(checkins == 3);
}

TEST_CASE("echo logs statements with parameters and timing, never the password", "[events]") {
  std::vector<std::string> lines;
  auto engine = quarry::create_engine(quarry_test::database_url(), {.echo = true, .logger = [&](std::string_view line) {
                                                                      lines.emplace_back(line);
                                                                    }});
  auto conn = engine.connect();
  conn.execute(text("SELECT :greeting"), {{"greeting", "hello"}}).scalar<std::string>();
  conn.commit();
  std::string all;
  for (auto& l : lines) all += l + "\n";
  CHECK(all.find("BEGIN (implicit)") != std::string::npos);
  CHECK(all.find("SELECT") != std::string::npos);
  CHECK(all.find("('hello')") != std::string::npos);
  CHECK(all.find(" ms]") != std::string::npos);
  CHECK(all.find("COMMIT") != std::string::npos);
  auto url = engine.url();
  if (url.password) CHECK(all.find(*url.password) == std::string::npos);
}
