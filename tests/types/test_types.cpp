// Quarry - SQLAlchemy for C++20. MIT License.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include <quarry/types.hpp>
#include <quarry/types/json.hpp>

using quarry::value_kind;
using quarry::value_ref;

namespace {
// A user type stored as integer cents: its to_db builds a value, so param owns it.
struct money {
  std::int64_t cents;
};
}  // namespace

template <>
struct quarry::type_traits<money> {
  static quarry::value to_db(const money& m) { return quarry::value(m.cents); }
  static money from_db(quarry::value_ref v) { return money{quarry::read_value<std::int64_t>(v)}; }
};

TEST_CASE("every integer width binds as a 64-bit integer", "[types]") {
  CHECK(quarry::param(std::int8_t{-8}).ref().as_int64() == -8);
  CHECK(quarry::param(std::uint16_t{65535}).ref().as_int64() == 65535);
  CHECK(quarry::param(std::numeric_limits<std::int64_t>::min()).ref().as_int64() ==
        std::numeric_limits<std::int64_t>::min());
  CHECK(quarry::param(std::uint64_t{INT64_MAX}).ref().as_int64() == INT64_MAX);
  CHECK(quarry::param(true).ref().kind() == value_kind::boolean);
}

TEST_CASE("an unsigned value above INT64_MAX is refused, not wrapped", "[types]") {
  std::uint64_t too_big = std::uint64_t{INT64_MAX} + 1;
  CHECK_THROWS_AS(quarry::param(too_big), quarry::DataError);
  CHECK_THROWS_WITH(quarry::value(too_big), Catch::Contains("exceeds the largest storable integer"));
}

TEST_CASE("reads check that the value fits the target type", "[types]") {
  CHECK(quarry::read_value<int>(value_ref::integer(42)) == 42);
  CHECK(quarry::read_value<int>(value_ref::real(3.0)) == 3);
  CHECK_THROWS_WITH(quarry::read_value<int>(value_ref::real(3.5)), Catch::Contains("cannot read a real value (3.5) as int32"));
  CHECK_THROWS_AS(quarry::read_value<std::int8_t>(value_ref::integer(200)), quarry::DataError);
  CHECK_THROWS_AS(quarry::read_value<std::uint32_t>(value_ref::integer(-1)), quarry::DataError);
  CHECK_THROWS_AS(quarry::read_value<std::string>(value_ref::integer(1)), quarry::DataError);
  CHECK(quarry::read_value<double>(value_ref::decimal("12.5")) == 12.5);
  CHECK(quarry::read_value<std::int64_t>(value_ref::decimal("9007199254740993")) == 9007199254740993LL);
  CHECK(quarry::read_value<bool>(value_ref::integer(1)));
  CHECK_THROWS_AS(quarry::read_value<bool>(value_ref::integer(2)), quarry::DataError);
}

TEST_CASE("NULL reads only into optional types", "[types]") {
  CHECK_FALSE(quarry::read_value<std::optional<int>>(value_ref{}).has_value());
  CHECK(quarry::read_value<std::optional<int>>(value_ref::integer(5)) == 5);
  CHECK_THROWS_WITH(quarry::read_value<int>(value_ref{}), Catch::Contains("std::optional"));
}

TEST_CASE("text and blobs are borrowed, user conversions are owned", "[types]") {
  std::string name = "spongebob";
  quarry::param borrowed(name);
  CHECK(borrowed.ref().as_text().data() == name.data());

  quarry::param owned(money{1999});
  quarry::param copy = owned;  // the copy must point at its own storage
  CHECK(copy.ref().as_int64() == 1999);
  CHECK(quarry::read_value<money>(value_ref::integer(250)).cents == 250);

  quarry::blob bytes{std::byte{0}, std::byte{255}};
  CHECK(quarry::param(bytes).ref().as_blob().size() == 2);
  CHECK(quarry::param(std::optional<std::string>{}).ref().is_null());
  CHECK(quarry::param(nullptr).ref().is_null());
}

TEST_CASE("owning values round-trip through references", "[types]") {
  quarry::value text(std::string("a\0b", 3));
  CHECK(text.ref().as_text().size() == 3);
  CHECK(quarry::value(text.ref()) == text);
  CHECK(quarry::value(7).kind() == value_kind::integer);
  CHECK(quarry::value(2.5).kind() == value_kind::real);
  CHECK(quarry::value().is_null());
}

TEST_CASE("uuids parse, print and refuse what is not one", "[types][uuid]") {
  auto u = quarry::uuid::parse("A0EEBC99-9c0b-4ef8-bb6d-6bb9bd380a11");
  CHECK(u.to_string() == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  CHECK(quarry::uuid{}.is_nil());
  CHECK_THROWS_AS(quarry::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1"), quarry::ArgumentError);
  CHECK_THROWS_AS(quarry::uuid::parse("a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11"), quarry::ArgumentError);
  auto r = quarry::uuid::random();
  CHECK(r != quarry::uuid::random());
  CHECK(r.to_string()[14] == '4');  // version 4
  CHECK(quarry::param(u).ref().kind() == value_kind::uuid);
  CHECK(quarry::read_value<quarry::uuid>(value_ref::text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")) == u);
  CHECK(quarry::read_value<quarry::uuid>(value_ref::bytes(u.bytes())) == u);
  CHECK_THROWS_AS(quarry::read_value<quarry::uuid>(value_ref::text("nope")), quarry::DataError);
}

TEST_CASE("timestamps are ISO-8601 UTC text at microsecond precision", "[types][chrono]") {
  using namespace std::chrono;
  sys_time<microseconds> t = sys_days{2024y / 2 / 29} + 23h + 59min + 58s + 123456us;
  auto stored = quarry::type_traits<sys_time<microseconds>>::to_db(t);
  CHECK(std::get<std::string>(stored.data()) == "2024-02-29 23:59:58.123456Z");
  auto read = [](std::string_view text) { return quarry::read_value<sys_time<microseconds>>(value_ref::text(text)); };
  CHECK(read("2024-02-29 23:59:58.123456Z") == t);
  CHECK(read("2024-02-29T23:59:58.123456") == t);           // no offset: UTC
  CHECK(read("2024-03-01 01:59:58.123456+02") == t);        // PostgreSQL's form in another TimeZone
  CHECK(read("2024-02-29 18:29:58.123456-05:30") == t);
  CHECK(read("2024-02-29 23:59:58.1234567") == t);          // digits beyond microseconds are cut
  CHECK(quarry::read_value<sys_seconds>(value_ref::text("1969-12-31 23:59:59Z")) == sys_seconds{-1s});
  CHECK_THROWS_AS(read("2024-02-30 00:00:00"), quarry::DataError);
  CHECK_THROWS_AS(read("2024-02-29 24:00:00"), quarry::DataError);
  CHECK_THROWS_WITH(read("yesterday"), Catch::Contains("'yesterday'") && Catch::Contains("timestamp"));
}

TEST_CASE("dates are YYYY-MM-DD", "[types][chrono]") {
  using namespace std::chrono;
  auto stored = quarry::type_traits<year_month_day>::to_db(2026y / 11 / 26);
  CHECK(std::get<std::string>(stored.data()) == "2026-11-26");
  CHECK(quarry::read_value<year_month_day>(value_ref::text("0099-01-02")) == year{99} / 1 / 2);
  CHECK_THROWS_AS(quarry::type_traits<year_month_day>::to_db(2026y / 2 / 30), quarry::DataError);
  CHECK_THROWS_AS(quarry::read_value<year_month_day>(value_ref::text("2026-13-01")), quarry::DataError);
}

namespace {
QUARRY_ENUM(mood, sad, ok, happy);
}

TEST_CASE("enums declared with QUARRY_ENUM are stored by name", "[types][enum]") {
  CHECK(quarry::enum_names<mood>().size() == 3);
  CHECK(quarry::enum_names<mood>()[2] == "happy");
  CHECK(quarry::param(mood::ok).ref().as_text() == "ok");
  CHECK(quarry::read_value<mood>(value_ref::text("happy")) == mood::happy);
  CHECK_THROWS_WITH(quarry::read_value<mood>(value_ref::text("angry")), Catch::Contains("sad, ok, happy"));
  CHECK_THROWS_AS(quarry::param(static_cast<mood>(7)), quarry::DataError);
}

TEST_CASE("JSON documents are text on the way in and parsed on the way out", "[types][json]") {
  nlohmann::json document{{"name", "spongebob"}, {"tags", {1, 2}}};
  auto stored = quarry::type_traits<nlohmann::json>::to_db(document);
  CHECK(quarry::read_value<nlohmann::json>(stored.ref()) == document);
  CHECK_THROWS_AS(quarry::read_value<nlohmann::json>(value_ref::text("{not json")), quarry::DataError);
}

TEST_CASE("each C++ type names its column type", "[types][sql_type]") {
  using quarry::sql_type_kind;
  auto kind = [](quarry::sql_type t) { return t.kind; };
  CHECK(kind(quarry::type_traits<bool>::column_type()) == sql_type_kind::boolean);
  CHECK(kind(quarry::type_traits<std::int16_t>::column_type()) == sql_type_kind::small_integer);
  CHECK(kind(quarry::type_traits<std::uint16_t>::column_type()) == sql_type_kind::integer);  // every value fits
  CHECK(kind(quarry::type_traits<std::uint32_t>::column_type()) == sql_type_kind::big_integer);
  CHECK(kind(quarry::type_traits<float>::column_type()) == sql_type_kind::real);
  CHECK(kind(quarry::type_traits<std::optional<double>>::column_type()) == sql_type_kind::double_precision);
  CHECK(kind(quarry::type_traits<std::chrono::sys_seconds>::column_type()) == sql_type_kind::timestamp);
  CHECK(kind(quarry::type_traits<quarry::uuid>::column_type()) == sql_type_kind::uuid);
  auto mood_type = quarry::type_traits<mood>::column_type();
  CHECK(mood_type.kind == sql_type_kind::enumeration);
  CHECK(mood_type.name == "mood");
  CHECK(mood_type.values.size() == 3);
  STATIC_REQUIRE(quarry::has_column_type<money> == false);
  STATIC_REQUIRE(quarry::has_column_type<std::string>);
}
