// Quarry - SQLAlchemy for C++20. MIT License.
// The shop's tests, one per testing helper of quarry/testing.hpp:
//   compiles_to          the SQL of a repository query, reviewed once, kept;
//   mock_engine          a repository unit-tested with scripted rows, no database;
//   transaction_fixture  a service that commits, rolled back after each test;
//   statement_recorder   no N+1: two statements for any number of customers;
//   factory              customers and orders made in one line;
//   backends()           each test body on SQLite and PostgreSQL, in a database of its own.
// ctest runs it once per backend (QUARRY_TEST_BACKEND); by hand it runs on
// SQLite, and on PostgreSQL too when QUARRY_TEST_POSTGRESQL_URL is set.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <quarry/testing.hpp>
#include <quarry/testing/catch2.hpp>

#include <map>
#include <string>

#include "shop.hpp"

namespace qt = quarry::testing;
using quarry::select;

namespace {

// This process's own database on a backend, with the shop's tables (made once).
const quarry::Engine& shop_database(const qt::test_backend& backend) {
  const auto& db = qt::process_database(backend);
  static std::map<std::string, quarry::Engine> engines;
  auto it = engines.find(db.url());
  if (it == engines.end()) {
    it = engines.emplace(db.url(), db.engine()).first;
    shop::metadata().create_all(it->second);
  }
  return it->second;
}

auto customers() {
  return qt::factory<shop::Customer>()
      .sequence(&shop::Customer::name, [](std::size_t n) { return "customer " + std::to_string(n); })
      .sequence(&shop::Customer::email, [](std::size_t n) { return "c" + std::to_string(n) + "@shop.test"; });
}

auto orders() {
  return qt::factory<shop::Order>().sequence(&shop::Order::total_cents, [](std::size_t n) { return 1000 + static_cast<std::int64_t>(n); });
}

}  // namespace

TEST_CASE("large_orders compiles to the SQL we reviewed", "[compiles_to]") {
  auto query = shop::order_repository::large_orders(5000);
  REQUIRE_THAT(query, qt::compiles_to("SELECT shop_order.id, shop_order.total_cents FROM shop_order "
                                      "WHERE shop_order.total_cents >= ? ORDER BY shop_order.total_cents DESC",
                                      quarry::sqlite::dialect{}, std::vector<quarry::value>{5000}));
#if defined(QUARRY_WITH_POSTGRESQL)
  REQUIRE_THAT(query, qt::compiles_to("SELECT shop_order.id, shop_order.total_cents FROM shop_order "
                                      "WHERE shop_order.total_cents >= $1 ORDER BY shop_order.total_cents DESC",
                                      quarry::postgresql::dialect{}, std::vector<quarry::value>{5000}));
#endif
}

TEST_CASE("the repository against a mock engine: scripted rows, no database", "[mock]") {
  qt::mock_engine mock("sqlite");
  mock.on(qt::regex_sql("SELECT .* FROM shop_customer WHERE shop_customer.email = \\?", std::vector<quarry::value>{"ann@shop.test"}))
      .returns({"id", "name", "email"}, {{7, "Ann", "ann@shop.test"}});
  mock.on(qt::regex_sql("SELECT .* FROM shop_customer WHERE shop_customer.email = \\?")).returns({});

  quarry::Session session(mock);
  shop::order_repository repository(session);
  auto ann = repository.customer_by_email("ann@shop.test");
  REQUIRE(ann);
  CHECK(ann->id == 7);
  CHECK(repository.customer_by_email("nobody@shop.test") == nullptr);
  REQUIRE_THAT(mock, qt::emitted_count(2));
  // What the repository did not say it would do fails, naming the statement.
  CHECK_THROWS_WITH(repository.revenue_cents(), Catch::Contains("SELECT sum(shop_order.total_cents)"));
}

TEST_CASE("checkout commits; the fixture rolls it back after the test", "[fixture]") {
  auto backend = GENERATE(qt::backends());
  const auto& engine = shop_database(backend);
  {
    qt::transaction_fixture fx(engine);
    fx.bind(shop::sessions());  // checkout() makes its own sessions: they join the test's transaction
    quarry::Session session = fx.session();
    auto ann = customers().with(&shop::Customer::email, std::string("ann@shop.test")).create(session, qt::persist::commit);

    auto id = shop::checkout("ann@shop.test", 2599);
    CHECK(id > 0);
    CHECK_THROWS_AS(shop::checkout("nobody@shop.test", 1), shop::unknown_customer);
    shop::order_repository repository(session);
    CHECK(repository.revenue_cents() == 2599);
    session.close();
  }
  // Nothing the test wrote is left: the next test starts from an empty shop.
  quarry::Session after(engine);
  CHECK(after.scalar(select(quarry::func::count()).select_from(quarry::table<shop::Customer>)) == 0);
  CHECK(after.scalar(select(quarry::func::count()).select_from(quarry::table<shop::Order>)) == 0);
}

TEST_CASE("customers_with_orders loads in two statements, however many customers", "[recorder]") {
  auto backend = GENERATE(qt::backends());
  qt::transaction_fixture fx(shop_database(backend));
  quarry::Session session = fx.session();
  auto count = GENERATE(1, 5);
  customers().related(&shop::Customer::orders, orders(), 3).create_batch(session, static_cast<std::size_t>(count), qt::persist::commit);

  qt::statement_recorder recorder(session);
  shop::order_repository repository(session);
  std::size_t seen = 0;
  for (auto& customer : repository.customers_with_orders()) seen += customer->orders.size();
  CHECK(seen == static_cast<std::size_t>(count) * 3);
  REQUIRE_THAT(recorder, qt::emitted_count(2));
  REQUIRE_THAT(recorder, qt::emits({qt::regex_sql("SELECT .* FROM shop_customer ORDER BY shop_customer.id"),
                                    qt::regex_sql("SELECT .* FROM shop_order WHERE shop_order.customer_id (IN \\(.*\\)|= \\S+) ORDER BY shop_order.id")}));
  session.close();
}
