// Quarry - SQLAlchemy for C++20. MIT License.
// Concurrent transactions: serialization failures retried to an exact result.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "backend.hpp"

using quarry::text;

namespace {
quarry::OperationalError failure(const char* sqlstate, int code = 0) {
  return quarry::OperationalError("could not serialize access", {"UPDATE t", {}, code, sqlstate, false});
}
}  // namespace

TEST_CASE("retry_transaction() runs again after serialization failures and deadlocks, and only then", "[concurrency]") {
  int calls = 0;
  auto flaky = [&] {
    if (++calls < 3) throw failure(calls == 1 ? "40001" : "40P01");
    return calls;
  };
  CHECK(quarry::retry_transaction(flaky, {.first_backoff = std::chrono::microseconds(10)}) == 3);
  CHECK(quarry::is_transient(failure("", 5)));        // SQLITE_BUSY
  CHECK(quarry::is_transient(failure("", 517)));      // SQLITE_BUSY_SNAPSHOT
  CHECK_FALSE(quarry::is_transient(failure("23505")));  // a unique violation is no reason to retry
  calls = 0;
  CHECK_THROWS_AS(quarry::retry_transaction([&] {
                    ++calls;
                    throw quarry::IntegrityError("duplicate key", {"INSERT", {}, 0, "23505", false});
                  }),
                  quarry::IntegrityError);
  CHECK(calls == 1);
  calls = 0;
  CHECK_THROWS_AS(quarry::retry_transaction([&] {
                    ++calls;
                    throw failure("40001");
                  }, {.max_attempts = 4, .first_backoff = std::chrono::microseconds(10)}),
                  quarry::OperationalError);
  CHECK(calls == 4);
}

TEST_CASE("8 threads x 200 read-modify-write increments under REPEATABLE READ with retries end exact", "[concurrency][threads]") {
  quarry::engine_options options{.pool_size = 8, .pool_timeout = std::chrono::seconds(60)};
  if (quarry_test::is_postgresql()) {
    options.isolation_level = quarry::isolation_level::repeatable_read;
  } else {
    // SQLite's writers queue at BEGIN IMMEDIATE: the read is inside the write lock.
    options.sqlite_begin = quarry::sqlite_begin_mode::immediate;
    options.sqlite_busy_timeout = std::chrono::seconds(60);
  }
  auto engine = quarry_test::make_engine(options, "lost_update");
  {
    auto conn = engine.connect();
    quarry_test::drop_tables(conn, {"lu_counter"});
    conn.exec_driver_sql("CREATE TABLE lu_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
    conn.exec_driver_sql("INSERT INTO lu_counter VALUES (1, 0)");
    conn.commit();
  }
  constexpr int threads = 8, increments = 200;
  std::atomic<int> attempts{0}, errors{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < increments; ++i) {
        try {
          quarry::retry_transaction(
              [&] {
                ++attempts;
                engine.begin([&](quarry::Connection& c) {
                  auto n = c.execute(text("SELECT n FROM lu_counter WHERE id = 1")).scalar<std::int64_t>();
                  c.execute(text("UPDATE lu_counter SET n = :n WHERE id = 1"), {{"n", n + 1}});
                });
              },
              {.max_attempts = 1000});
        } catch (...) {
          ++errors;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  CHECK(errors == 0);
  auto total = engine.connect().execute(text("SELECT n FROM lu_counter WHERE id = 1")).scalar<std::int64_t>();
  CHECK(total == threads * increments);
  CHECK(attempts >= threads * increments);
  WARN("attempts for " << threads * increments << " increments: " << attempts.load());
}
