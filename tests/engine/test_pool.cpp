// Quarry - SQLAlchemy for C++20. MIT License.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "backend.hpp"

using namespace std::chrono_literals;
using quarry::text;

using quarry_test::backend_id;
using quarry_test::terminate_backends;

namespace {
// Opens `n` connections at once and returns them to the pool: the PostgreSQL server processes now idle in it.
std::vector<int> fill_pool(quarry::Engine& engine, int n) {
  std::vector<int> pids;
  std::vector<quarry::Connection> held;
  for (int i = 0; i < n; ++i) {
    held.push_back(engine.connect());
    pids.push_back(backend_id(held.back()));
  }
  return pids;
}
}  // namespace

TEST_CASE("the pool counts, overflows and times out", "[pool][not_in_memory]") {
  auto engine = quarry_test::make_engine({.pool_size = 2, .max_overflow = 1, .pool_timeout = 200ms});
  {
    auto a = engine.connect(), b = engine.connect(), c = engine.connect();
    auto status = engine.pool_status();
    CHECK(status.checked_out == 3);
    CHECK(status.overflow == 1);
    auto started = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(engine.connect(), quarry::TimeoutError);
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= 190ms);
    CHECK(waited < 2s);
  }
  auto status = engine.pool_status();
  CHECK(status.checked_out == 0);
  CHECK(status.checked_in == 2);  // the overflow connection was closed on return
  CHECK(status.total == 2);
  engine.dispose();
  CHECK(engine.pool_status().total == 0);
  CHECK(engine.connect().execute(text("SELECT 1")).scalar<int>() == 1);
}

TEST_CASE("a connection is reset (rolled back) when it returns to the pool", "[pool]") {
  auto engine = quarry_test::make_engine({.pool_size = 1, .max_overflow = 0});
  {
    auto conn = engine.connect();
    quarry_test::drop_tables(conn, {"pool_reset"});
    conn.exec_driver_sql("CREATE TABLE pool_reset (id INTEGER)");
    conn.commit();
    conn.execute(text("INSERT INTO pool_reset VALUES (1)"));
    CHECK(conn.driver().in_transaction());
  }
  auto conn = engine.connect();
  CHECK_FALSE(conn.driver().in_transaction());
  CHECK(conn.execute(text("SELECT count(*) FROM pool_reset")).scalar<int>() == 0);
}

TEST_CASE("in-memory SQLite shares one connection between checkouts", "[pool][sqlite]") {
  if (!quarry_test::is_sqlite()) {
    SUCCEED("SQLite only");
    return;
  }
  for (auto url : {"sqlite://", "sqlite:///:memory:"}) {
    auto engine = quarry::create_engine(url);
    {
      auto conn = engine.connect();
      conn.exec_driver_sql("CREATE TABLE shared (x INTEGER)");
      conn.execute(text("INSERT INTO shared VALUES (42)"));
      conn.commit();
    }
    auto other = engine.connect();
    CHECK(other.execute(text("SELECT x FROM shared")).scalar<int>() == 42);
  }
}

TEST_CASE("pool_recycle replaces old connections", "[pool][not_in_memory]") {
  auto engine = quarry_test::make_engine({.pool_recycle = 0s});
  std::atomic<int> connects{0};
  engine.listen(quarry::events::connect, [&](const quarry::pool_event&) { ++connects; });
  for (int i = 0; i < 3; ++i) engine.connect().execute(text("SELECT 1")).scalar<int>();
  CHECK(connects == 3);
}

TEST_CASE("16 threads x 5000 checkouts on a pool of 4 + 4: no errors, no leaks", "[pool][threads][not_in_memory]") {
  auto engine = quarry_test::make_engine({.pool_size = 4, .max_overflow = 4, .pool_timeout = 30s});
  std::atomic<int> errors{0}, done{0};
  std::atomic<std::size_t> peak{0};
  auto select = text("SELECT 1");
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        try {
          auto conn = engine.connect();
          auto open = engine.pool_status().total;
          for (auto seen = peak.load(); open > seen && !peak.compare_exchange_weak(seen, open);) {
          }
          if (conn.execute(select).scalar<int>() != 1) ++errors;
          ++done;
        } catch (...) {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(errors == 0);
  CHECK(done == 80000);
  CHECK(peak <= 8);
  auto status = engine.pool_status();
  CHECK(status.checked_out == 0);
  CHECK(status.total <= 4);
}

TEST_CASE("pre-ping replaces every terminated backend without an error", "[pool][postgresql]") {
  if (!quarry_test::is_postgresql()) {
    SUCCEED("PostgreSQL only");
    return;
  }
  auto engine = quarry_test::make_engine({.pool_size = 4, .max_overflow = 0, .pool_pre_ping = true});
  auto pids = fill_pool(engine, 4);
  CHECK(engine.pool_status().checked_in == 4);
  terminate_backends(pids);
  int errors = 0;
  std::set<int> new_pids;
  for (int i = 0; i < 100; ++i) {
    try {
      auto conn = engine.connect();
      new_pids.insert(backend_id(conn));
    } catch (const quarry::Error&) {
      ++errors;
    }
  }
  CHECK(errors == 0);
  for (int pid : pids) CHECK(new_pids.count(pid) == 0);
}

TEST_CASE("a backend terminated inside a transaction raises until rolled back, and commits nothing", "[pool][postgresql]") {
  if (!quarry_test::is_postgresql()) {
    SUCCEED("PostgreSQL only");
    return;
  }
  auto engine = quarry_test::make_engine({.pool_size = 2});
  auto conn = engine.connect();
  quarry_test::drop_tables(conn, {"pool_dead"});
  conn.exec_driver_sql("CREATE TABLE pool_dead (id INTEGER)");
  conn.commit();
  conn.execute(text("INSERT INTO pool_dead VALUES (1)"));
  terminate_backends({backend_id(conn)});
  try {
    conn.execute(text("INSERT INTO pool_dead VALUES (2)"));
    FAIL("a statement on a dead connection succeeded");
  } catch (const quarry::OperationalError& e) {
    CHECK(e.connection_invalidated());
  }
  CHECK(conn.invalidated());
  CHECK_THROWS_AS(conn.execute(text("SELECT 1")), quarry::PendingRollbackError);
  CHECK_THROWS_AS(conn.commit(), quarry::PendingRollbackError);
  conn.rollback();
  CHECK(conn.execute(text("SELECT count(*) FROM pool_dead")).scalar<int>() == 0);
}

TEST_CASE("after a server restart only the first operation fails: the pool retires every stale connection", "[pool][postgresql][fault]") {
  if (!quarry_test::is_postgresql()) {
    SUCCEED("PostgreSQL only");
    return;
  }
  auto engine = quarry_test::make_engine({.pool_size = 4, .max_overflow = 0});
  auto pids = fill_pool(engine, 4);
  CHECK(engine.pool_status().checked_in == 4);
  terminate_backends(pids);  // what a restart does to the pool's connections
  int errors = 0;
  for (int i = 0; i < 8; ++i) {
    try {
      auto conn = engine.connect();
      int one = conn.execute(text("SELECT 1")).scalar<int>();
      CHECK(one == 1);
    } catch (const quarry::OperationalError& e) {
      CHECK(e.connection_invalidated());
      ++errors;
    }
  }
  CHECK(errors == 1);
  CHECK(engine.pool_status().total <= 4);
}

TEST_CASE("a backend terminated between transactions is replaced on the next statement", "[pool][postgresql]") {
  if (!quarry_test::is_postgresql()) {
    SUCCEED("PostgreSQL only");
    return;
  }
  auto engine = quarry_test::make_engine();
  auto conn = engine.connect();
  conn.set_isolation_level(quarry::isolation_level::autocommit);
  int pid = backend_id(conn);
  terminate_backends({pid});
  CHECK_THROWS_AS(conn.execute(text("SELECT 1")), quarry::OperationalError);
  CHECK(backend_id(conn) != pid);
}

TEST_CASE("threads take turns on the shared in-memory SQLite connection", "[pool][sqlite][threads]") {
  if (!quarry_test::is_sqlite()) {
    SUCCEED("SQLite only");
    return;
  }
  auto engine = quarry::create_engine("sqlite://", {.pool_timeout = 30s});
  {
    auto conn = engine.connect();
    conn.exec_driver_sql("CREATE TABLE shared_counts (thread INTEGER, n INTEGER)");
    conn.commit();
  }
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        try {
          // A transaction per checkout: another thread's statements never land inside it.
          engine.begin([&](quarry::Connection& c) {
            c.execute(text("INSERT INTO shared_counts VALUES (:t, :n)"), {{"t", t}, {"n", i}});
            if (c.execute(text("SELECT count(*) FROM shared_counts WHERE thread = :t"), {{"t", t}}).scalar<int>() != i + 1)
              ++errors;
          });
        } catch (...) {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(errors == 0);
  CHECK(engine.connect().execute(text("SELECT count(*) FROM shared_counts")).scalar<int>() == 2000);
  CHECK(engine.pool_status().checked_out == 0);
}

TEST_CASE("a Result read on another thread while its owner uses the shared in-memory connection again",
          "[pool][sqlite][threads]") {
  if (!quarry_test::is_sqlite()) {
    SUCCEED("SQLite only");
    return;
  }
  // The owner may check the shared connection out again while a Result it made
  // is read elsewhere: the driver serializes both threads' calls into SQLite.
  auto engine = quarry::create_engine("sqlite://");
  auto conn = engine.connect();
  conn.exec_driver_sql("CREATE TABLE shared_reads (n INTEGER, label TEXT)");
  conn.exec_driver_sql("CREATE TABLE shared_writes (n INTEGER, label TEXT)");
  conn.exec_driver_sql(
      "INSERT INTO shared_reads WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < 19999) "
      "SELECT n, 'row ' || n FROM s");
  conn.commit();
  auto rows = conn.execute(text("SELECT n, label FROM shared_reads ORDER BY n"));
  std::int64_t sum = 0;
  int wrong_labels = 0;
  // Relaxed, so that it orders nothing: what the threads share must be ordered by Quarry.
  std::atomic<bool> read_all{false};
  std::thread reader([&] {
    for (auto [n, label] : rows.as<std::tuple<std::int64_t, std::string>>()) {
      sum += n;
      if (label != "row " + std::to_string(n)) ++wrong_labels;
    }
    read_all.store(true, std::memory_order_relaxed);
  });
  int wrong_firsts = 0;
  bool last_cached = false;
  engine.listen(quarry::events::after_execute, [&](const quarry::execute_event& e) { last_cached = e.cached; });
  {
    auto again = engine.connect();
    // The reader's SQL run here as well: its cached statement is in use on the
    // other thread until that Result closes, then free for this one.
    auto same_sql_first = [&] {
      auto first = again.execute(text("SELECT n, label FROM shared_reads ORDER BY n")).first<std::tuple<std::int64_t, std::string>>();
      if (!first || *first != std::tuple<std::int64_t, std::string>{0, "row 0"}) ++wrong_firsts;
    };
    for (int i = 0; i < 2000; ++i) {
      again.execute(text("INSERT INTO shared_writes VALUES (:n, :label)"), {{"n", i}, {"label", std::string(100, 'w')}});
      if (i % 100 == 0) same_sql_first();
    }
    while (!read_all.load(std::memory_order_relaxed)) std::this_thread::yield();
    same_sql_first();
    CHECK(last_cached);  // the reader's closed Result gave its statement back
    again.commit();
  }
  reader.join();
  CHECK(sum == std::int64_t{19999} * 20000 / 2);
  CHECK(wrong_labels == 0);
  CHECK(wrong_firsts == 0);
  CHECK(engine.connect().execute(text("SELECT count(*) FROM shared_writes")).scalar<int>() == 2000);
}

TEST_CASE("two Connections on the shared in-memory connection used by two threads at once", "[pool][sqlite][threads]") {
  if (!quarry_test::is_sqlite()) {
    SUCCEED("SQLite only");
    return;
  }
  // The owner checks the connection out twice and hands one Connection to
  // another thread: each Connection is used by one thread, as the README asks,
  // but both prepare statements on the one connection's cache at once. A small
  // cache makes them evict each other's statements too.
  auto engine = quarry::create_engine("sqlite://", {.statement_cache_size = 4});
  auto lent = engine.connect();
  auto kept = engine.connect();
  auto queries = [](quarry::Connection& conn, std::int64_t seed) {
    int wrong = 0;
    for (std::int64_t i = 0; i < 3000; ++i) {
      // Ten statements in turn: the same ones on both threads, more than the cache holds.
      auto sql = "SELECT :n + " + std::to_string(i % 10);
      try {
        if (conn.execute(text(sql), {{"n", seed + i}}).scalar<std::int64_t>() != seed + i + i % 10) ++wrong;
      } catch (const std::exception&) {
        ++wrong;  // counted, checked after the join: Catch is not thread-safe
      }
    }
    return wrong;
  };
  int wrong_lent = 0;
  std::thread borrower([&] { wrong_lent = queries(lent, 1'000'000); });
  int wrong_kept = queries(kept, 0);
  borrower.join();
  CHECK(wrong_lent == 0);
  CHECK(wrong_kept == 0);
  CHECK(kept.cached_statements() <= 4);
}

TEST_CASE("another thread waits for the shared connection only up to pool_timeout", "[pool][sqlite]") {
  if (!quarry_test::is_sqlite()) {
    SUCCEED("SQLite only");
    return;
  }
  auto engine = quarry::create_engine("sqlite://", {.pool_timeout = 100ms});
  auto held = engine.connect();
  held.execute(text("SELECT 1")).scalar<int>();
  bool timed_out = false;
  std::thread other([&] {
    try {
      engine.connect();
    } catch (const quarry::TimeoutError&) {
      timed_out = true;
    }
  });
  other.join();
  CHECK(timed_out);
  {
    // The holding thread itself checks it out again without waiting.
    auto again = engine.connect();
    CHECK(engine.pool_status().checked_out == 2);
  }
  held.close();
  std::thread after([&] { CHECK(engine.connect().execute(text("SELECT 2")).scalar<int>() == 2); });
  after.join();
}
