// Quarry - SQLAlchemy for C++20. MIT License.
// A user-defined column type (SQLAlchemy's TypeDecorator): money kept as integer
// cents, so sums are exact, with its own parsing and printing.
//   custom_type [url]     (default: sqlite:///custom_type.db)
#include <quarry/quarry.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "support/example.hpp"

namespace shop {

struct money {
  std::int64_t cents = 0;

  static money parse(std::string_view text) {  // "12.34"
    auto dot = text.find('.');
    if (dot == std::string_view::npos || text.size() - dot != 3) throw std::invalid_argument("expected d.cc");
    return {std::stoll(std::string(text.substr(0, dot))) * 100 + std::stoll(std::string(text.substr(dot + 1)))};
  }
  std::string str() const { return fmt::format("{}.{:02}", cents / 100, cents % 100); }
  friend money operator+(money a, money b) { return {a.cents + b.cents}; }
  bool operator==(const money&) const = default;
};

}  // namespace shop

// How money crosses the database boundary: its column type, and its value both ways.
template <>
struct quarry::type_traits<shop::money> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::big_integer); }
  static value_ref to_db(const shop::money& m) noexcept { return value_ref::integer(m.cents); }
  static shop::money from_db(value_ref v) { return {read_value<std::int64_t>(v)}; }
};

int main(int argc, char* argv[]) {
  using quarry::text;
  using shop::money;
  auto engine = quarry::create_engine(example::database_url(argc, argv, "sqlite:///custom_type.db"));
  auto conn = engine.connect();
  const auto& dialect = conn.dialect();

  // The column type comes from the C++ type, spelled by the dialect.
  std::string price_type = dialect.type_name(quarry::type_traits<money>::column_type());
  conn.exec_driver_sql("DROP TABLE IF EXISTS invoice_line");
  conn.exec_driver_sql("CREATE TABLE invoice_line (item TEXT NOT NULL, price " + price_type + " NOT NULL)");
  fmt::print("price column: {}\n", price_type);

  std::vector<std::tuple<std::string, money>> lines{
      {"coffee", money::parse("3.10")}, {"bagel", money::parse("2.45")}, {"juice", money::parse("4.45")}};
  conn.executemany(text("INSERT INTO invoice_line (item, price) VALUES (:item, :price)"), lines);
  conn.commit();

  // Values come back as money, and the database adds cents exactly.
  auto total = conn.execute(text("SELECT sum(price) FROM invoice_line")).scalar<money>();
  fmt::print("total: {}\n", total.str());
  example::expect(total == money::parse("10.00"), "the sum is exact");

  auto dear = conn.execute(text("SELECT item, price FROM invoice_line WHERE price > :limit ORDER BY price"),
                           {{"limit", money::parse("3.00")}})
                  .all<std::tuple<std::string, money>>();
  for (const auto& [item, price] : dear) fmt::print("  {} costs {}\n", item, price.str());
  example::expect(dear.size() == 2 && std::get<1>(dear.back()) == money::parse("4.45"), "money compares in SQL");
  return 0;
}
