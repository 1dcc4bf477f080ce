// Quarry - SQLAlchemy for C++20. MIT License.
// PostgreSQL through a TCP proxy that cuts the connection at chosen points:
// the error says whether the outcome is known, and nothing is committed twice.
#include <catch2/catch.hpp>

#include <string>

#include "backend.hpp"
#include "tcp_proxy.hpp"

using quarry::text;
using quarry::transaction_outcome;
using quarry_test::tcp_proxy;

namespace {
struct proxied {
  quarry::URL direct = quarry::make_url(quarry_test::postgresql_url());
  tcp_proxy proxy{direct.host.value_or("127.0.0.1"), direct.port.value_or(5432)};
  quarry::Engine engine = make();
  quarry::Engine plain = quarry::create_engine(direct);

  quarry::Engine make() {
    quarry::URL url = direct;
    url.host = "127.0.0.1";
    url.port = proxy.port();
    url.query.emplace_back("sslmode", "disable");  // markers stay readable on the wire
    return quarry::create_engine(url, {.pool_size = 1});
  }
  std::int64_t rows() { return plain.connect().execute(text("SELECT count(*) FROM proxy_row")).scalar<std::int64_t>(); }
};

const auto insert_row = text("INSERT INTO proxy_row (id) VALUES (:id)");
}  // namespace

TEST_CASE("a connection cut on its way through COMMIT: the outcome is unknown, and it is told", "[proxy][postgresql]") {
  if (!quarry_test::is_postgresql()) return;
  proxied p;
  {
    auto conn = p.plain.connect();
    quarry_test::drop_tables(conn, {"proxy_row"});
    conn.exec_driver_sql("CREATE TABLE proxy_row (id INTEGER PRIMARY KEY)");
    conn.commit();
  }
  SECTION("cut before COMMIT reaches the server: nothing is committed") {
    auto conn = p.engine.connect();
    conn.execute(insert_row, {{"id", 1}});
    p.proxy.arm(tcp_proxy::cut::before_marker, "COMMIT");
    try {
      conn.commit();
      FAIL("COMMIT on a cut connection succeeded");
    } catch (const quarry::OperationalError& e) {
      CHECK(e.connection_invalidated());
      CHECK(e.transaction_outcome() == transaction_outcome::unknown);
      CHECK_THAT(e.what(), Catch::Contains("whether the transaction committed is unknown"));
      CHECK_FALSE(quarry::is_transient(e));  // retry_transaction() does not run it again
    }
    CHECK(p.proxy.fired());
    CHECK(conn.invalidated());
    conn.rollback();
    CHECK(p.rows() == 0);
    CHECK(conn.execute(text("SELECT 1")).scalar<int>() == 1);  // a fresh connection through the proxy
  }
  SECTION("cut after COMMIT reached the server: committed once, and the error does not claim otherwise") {
    auto conn = p.engine.connect();
    conn.execute(insert_row, {{"id", 2}});
    p.proxy.arm(tcp_proxy::cut::after_marker, "COMMIT");
    try {
      conn.commit();
      FAIL("COMMIT whose reply was lost succeeded");
    } catch (const quarry::OperationalError& e) {
      CHECK(e.transaction_outcome() == transaction_outcome::unknown);
    }
    conn.rollback();
    CHECK(p.rows() == 1);
    conn.execute(insert_row, {{"id", 3}});
    conn.commit();
    CHECK(p.rows() == 2);
  }
  SECTION("cut in the middle of a result: an error, the connection replaced, no partial rows") {
    auto conn = p.engine.connect();
    p.proxy.arm(tcp_proxy::cut::reply_after_bytes, "generate_series", 20000);
    std::size_t got = 0;
    try {
      got = conn.execute(text("SELECT generate_series(1, 200000)")).scalars<std::int64_t>().size();
      FAIL("a cut result read " << got << " rows");
    } catch (const quarry::OperationalError& e) {
      CHECK(e.connection_invalidated());
      CHECK(e.transaction_outcome() == transaction_outcome::rolled_back);
    }
    conn.rollback();
    CHECK(conn.execute(text("SELECT count(*) FROM generate_series(1, 1000)")).scalar<std::int64_t>() == 1000);
  }
  SECTION("a Session whose COMMIT is cut needs rollback(), and commits nothing twice") {
    quarry::Session session(p.engine);
    session.execute(insert_row, {{"id", 4}});
    p.proxy.arm(tcp_proxy::cut::before_marker, "COMMIT");
    CHECK_THROWS_AS(session.commit(), quarry::OperationalError);
    CHECK_THROWS_AS(session.execute(insert_row, {{"id", 5}}), quarry::PendingRollbackError);
    session.rollback();
    session.execute(insert_row, {{"id", 6}});
    session.commit();
    CHECK(p.rows() == 1);
  }
  p.plain.connect().exec_driver_sql("DROP TABLE proxy_row").rowcount();
}
