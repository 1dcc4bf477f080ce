// Quarry - SQLAlchemy for C++20. MIT License.
// The built-in types round-trip through both databases, in their native column
// types on PostgreSQL and in Quarry's text/blob forms on SQLite.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <quarry/types/json.hpp>

#include "backend.hpp"

using quarry::text;
using namespace std::chrono;

namespace {
QUARRY_ENUM(ticket_state, open, closed, wontfix);

// The table is declared with each C++ type's column type as the dialect spells it.
template <class T>
std::string column(const quarry::Connection& conn, std::string_view name, std::string_view constraints = "") {
  return std::string(name) + " " + conn.dialect().type_name(quarry::type_traits<T>::column_type()) +
         (constraints.empty() ? "" : " ") + std::string(constraints);
}

quarry::Connection tickets(quarry::Engine& engine) {
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"typed_ticket"});
  std::string state_check;
  if (quarry_test::is_postgresql()) {
    conn.exec_driver_sql("DROP TYPE IF EXISTS ticket_state");
    conn.exec_driver_sql("CREATE TYPE ticket_state AS ENUM ('open', 'closed', 'wontfix')");
  } else {
    state_check = "CHECK (state IN ('open', 'closed', 'wontfix'))";
  }
  conn.exec_driver_sql("CREATE TABLE typed_ticket (" + column<quarry::uuid>(conn, "id", "PRIMARY KEY") + ", " +
                       column<sys_time<microseconds>>(conn, "opened", "NOT NULL") + ", " +
                       column<year_month_day>(conn, "due") + ", " +
                       column<ticket_state>(conn, "state", "NOT NULL " + state_check) + ", " +
                       column<nlohmann::json>(conn, "details") + ")");
  conn.commit();
  return conn;
}

struct ticket {
  quarry::uuid id;
  sys_time<microseconds> opened;
  std::optional<year_month_day> due;
  ticket_state state;
  std::optional<nlohmann::json> details;
};
}  // namespace

TEST_CASE("uuid, timestamp, date, enum and JSON round-trip", "[types]") {
  auto engine = quarry_test::make_engine();
  auto conn = tickets(engine);
  auto insert = text("INSERT INTO typed_ticket (id, opened, due, state, details) "
                     "VALUES (:id, :opened, :due, :state, :details)");
  sys_time<microseconds> base = sys_days{2026y / 11 / 26} + 9h + 30min + 15s + 250us;
  std::vector<ticket> rows{
      {quarry::uuid::random(), base, 2026y / 12 / 1, ticket_state::open, nlohmann::json{{"priority", 1}}},
      {quarry::uuid::random(), base + 36h, std::nullopt, ticket_state::wontfix, std::nullopt},
      {quarry::uuid::parse("00000000-0000-4000-8000-000000000001"), base - 1h, 2025y / 1 / 31, ticket_state::closed,
       nlohmann::json::array({"a", "b"})},
  };
  conn.executemany(insert, rows);
  conn.commit();

  auto back = conn.execute(text("SELECT id, opened, due, state, details FROM typed_ticket ORDER BY opened")).all<ticket>();
  REQUIRE(back.size() == 3);
  CHECK(back[0].id == rows[2].id);
  CHECK(back[0].opened == rows[2].opened);
  CHECK(back[0].due == rows[2].due);
  CHECK(back[0].state == ticket_state::closed);
  CHECK(back[0].details == rows[2].details);
  CHECK(back[1].opened == base);
  CHECK(back[1].details->at("priority") == 1);
  CHECK_FALSE(back[2].due.has_value());
  CHECK_FALSE(back[2].details.has_value());

  // Values compare in the database as they do in C++: by key, in time order, by name.
  auto by_id = text("SELECT state FROM typed_ticket WHERE id = :id");
  CHECK(conn.execute(by_id, {{"id", rows[1].id}}).scalar<ticket_state>() == ticket_state::wontfix);
  auto later = text("SELECT count(*) FROM typed_ticket WHERE opened > :t");
  CHECK(conn.execute(later, {{"t", base}}).scalar<int>() == 1);
  CHECK(conn.execute(text("SELECT count(*) FROM typed_ticket WHERE state = :s"), {{"s", ticket_state::open}})
            .scalar<int>() == 1);
}

TEST_CASE("the database refuses what does not fit a typed column", "[types]") {
  auto engine = quarry_test::make_engine();
  auto conn = tickets(engine);
  auto insert = text("INSERT INTO typed_ticket (id, opened, state) VALUES (:id, :opened, :state)");
  CHECK_THROWS_AS(conn.execute(insert, {{"id", quarry::uuid::random()}, {"opened", system_clock::now()}, {"state", "maybe"}}),
                  quarry::DatabaseError);
  conn.rollback();
  if (quarry_test::is_postgresql()) {
    CHECK_THROWS_AS(conn.execute(insert, {{"id", quarry::uuid::random()}, {"opened", "not a time"}, {"state", "open"}}),
                    quarry::DataError);
  } else {
    // SQLite stores what it is given; reading it back as a timestamp is then the error.
    conn.execute(insert, {{"id", quarry::uuid::random()}, {"opened", "not a time"}, {"state", "open"}});
    CHECK_THROWS_AS(conn.execute(text("SELECT opened FROM typed_ticket")).scalar<sys_seconds>(), quarry::DataError);
  }
}

TEST_CASE("every built-in type makes a column that keeps its values", "[types]") {
  auto engine = quarry_test::make_engine();
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"typed_values"});
  conn.exec_driver_sql("CREATE TABLE typed_values (" + column<bool>(conn, "b") + ", " + column<std::int8_t>(conn, "i8") +
                       ", " + column<std::uint16_t>(conn, "u16") + ", " + column<std::int32_t>(conn, "i32") + ", " +
                       column<std::uint64_t>(conn, "u64") + ", " + column<float>(conn, "f") + ", " +
                       column<double>(conn, "d") + ", " + column<std::string>(conn, "s") + ", " +
                       column<quarry::blob>(conn, "bytes") + ", " + column<nlohmann::json>(conn, "j") + ")");
  using row = std::tuple<bool, std::int8_t, std::uint16_t, std::int32_t, std::uint64_t, float, double, std::string,
                         quarry::blob, nlohmann::json>;
  row in{true, -128, 65535, -2147483647 - 1, std::uint64_t{INT64_MAX}, 0.5f, 1e300, "text", quarry::blob{std::byte{0}, std::byte{255}},
         nlohmann::json(123)};
  conn.executemany(text("INSERT INTO typed_values VALUES (:b, :i8, :u16, :i32, :u64, :f, :d, :s, :bytes, :j)"),
                   std::vector<row>{in});
  CHECK(conn.execute(text("SELECT * FROM typed_values")).one<row>() == in);
}

TEST_CASE("timestamps and dates round-trip over the databases' whole range in any time zone", "[types][timezone]") {
  auto engine = quarry_test::make_engine({}, "timezones");
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"tz_moment"});
  conn.exec_driver_sql("CREATE TABLE tz_moment (id INTEGER PRIMARY KEY, " + column<sys_time<microseconds>>(conn, "at") +
                       ", " + column<year_month_day>(conn, "day") + ")");
  conn.commit();
  using moment = sys_time<microseconds>;
  // 4713 BC is PostgreSQL's first year; dates go past std::chrono::year's 32767 there, which reads as an error.
  const std::vector<moment> moments{
      sys_days{year{-4712} / 1 / 1},                           // 4713 BC
      sys_days{year{0} / 12 / 31} + 23h + 59min,               // 1 BC
      sys_days{1y / 1 / 1},                                    // 1 AD
      sys_days{1969y / 12 / 31} + 23h + 59min + 59s + 999999us,
      sys_days{2024y / 2 / 29} + 12h,
      sys_days{9999y / 12 / 31} + 23h + 59min + 59s + 999999us,
      sys_days{year{10000} / 1 / 1} + 13h,
      sys_days{year{32767} / 12 / 31},
      moment{days{quarry::detail::days_from_civil(294246, 12, 31)}},  // near microseconds' last year
  };
  const std::vector<year_month_day> dates{year{-4712} / 1 / 1, year{0} / 2 / 29, 1y / 1 / 1, 9999y / 12 / 31,
                                          year{10000} / 1 / 1, year{32767} / 12 / 31};
  auto insert = text("INSERT INTO tz_moment (id, at, day) VALUES (:id, :at, :day)");
  for (std::size_t i = 0; i < moments.size(); ++i) {
    std::optional<year_month_day> day;
    if (i < dates.size()) day = dates[i];
    conn.execute(insert, {{"id", static_cast<int>(i)}, {"at", moments[i]}, {"day", day}});
  }
  conn.commit();
  // The session's time zone decides how PostgreSQL writes them: east and west of UTC, odd offsets.
  for (const char* zone : {"UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "America/St_Johns"}) {
    INFO("time zone " << zone);
    if (quarry_test::is_postgresql()) conn.exec_driver_sql(std::string("SET TIME ZONE '") + zone + "'");
    setenv("TZ", zone, 1);
    tzset();
    auto back = conn.execute(text("SELECT at FROM tz_moment ORDER BY id")).scalars<moment>();
    CHECK(back == moments);
    auto back_days = conn.execute(text("SELECT day FROM tz_moment WHERE day IS NOT NULL ORDER BY id")).scalars<year_month_day>();
    CHECK(back_days == dates);
    // Ordered by the database, they stay in time order.
    if (quarry_test::is_postgresql())
      CHECK(conn.execute(text("SELECT at FROM tz_moment ORDER BY at")).scalars<moment>() == moments);
    conn.rollback();
  }
  unsetenv("TZ");
  tzset();
  // Finer clocks span fewer years: out of their range is an error, not a wrapped value.
  CHECK_THROWS_AS(conn.execute(text("SELECT at FROM tz_moment WHERE id = 5")).scalar<sys_time<std::chrono::nanoseconds>>(),
                  quarry::DataError);
}
