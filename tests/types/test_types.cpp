// Quarry - SQLAlchemy for C++20. MIT License.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include <quarry/types/param.hpp>
#include <quarry/types/type_traits.hpp>
#include <quarry/types/value.hpp>

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
