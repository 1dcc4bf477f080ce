// Quarry - SQLAlchemy for C++20. MIT License.
#include <catch2/catch.hpp>

#include "backend.hpp"

namespace {
QUARRY_ENUM(TicketState, open, closed);

std::string spelled(std::string_view dialect, quarry::sql_type type) {
  return quarry::dialect_registry::instance().find(dialect)->type_name(type);
}
}  // namespace

TEST_CASE("each dialect spells the column types", "[dialect]") {
  using quarry::sql_type;
  using quarry::sql_type_kind;
  CHECK(spelled("sqlite", sql_type::of(sql_type_kind::big_integer)) == "BIGINT");
  CHECK(spelled("sqlite", {sql_type_kind::text, 30}) == "VARCHAR(30)");
  CHECK(spelled("sqlite", sql_type::of(sql_type_kind::timestamp)) == "DATETIME");
  CHECK(spelled("sqlite", sql_type::of(sql_type_kind::uuid)) == "BLOB");
  CHECK(spelled("sqlite", sql_type::of(sql_type_kind::json)) == "TEXT");
  CHECK(spelled("sqlite", quarry::type_traits<TicketState>::column_type()) == "VARCHAR(6)");
  CHECK(spelled("sqlite", sql_type::custom("MONEY")) == "MONEY");
#if defined(QUARRY_WITH_POSTGRESQL)
  CHECK(spelled("postgresql", sql_type::of(sql_type_kind::blob)) == "BYTEA");
  CHECK(spelled("postgresql", sql_type::of(sql_type_kind::timestamp)) == "TIMESTAMP WITH TIME ZONE");
  CHECK(spelled("postgresql", sql_type::of(sql_type_kind::json)) == "JSONB");
  CHECK(spelled("postgresql", sql_type::of(sql_type_kind::uuid)) == "UUID");
  CHECK(spelled("postgresql", quarry::type_traits<TicketState>::column_type()) == "ticketstate");
#endif
}
