// Quarry - SQLAlchemy for C++20. MIT License.
// What the benchmarks share: the row count, the row shape and the databases.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <quarry/quarry.hpp>

namespace quarry_bench {

// QUARRY_BENCH_ROWS scales every benchmark (default 100,000); the test suite
// runs them with a few rows so that they cannot rot.
inline std::int64_t rows() {
  const char* n = std::getenv("QUARRY_BENCH_ROWS");
  return n ? std::atoll(n) : 100000;
}
inline std::int64_t lookups() { return rows() / 10; }

// The PostgreSQL server to measure against; empty skips the PostgreSQL benchmarks.
inline std::string postgresql_url() {
  const char* url = std::getenv("QUARRY_BENCH_POSTGRESQL_URL");
  if (!url) url = std::getenv("QUARRY_TEST_POSTGRESQL_URL");
  return url ? url : "";
}

// The same server as libpq's connection string, for the raw libpq code.
inline std::string libpq_conninfo() {
  auto url = quarry::make_url(postgresql_url());
  return "host=" + url.host.value_or("127.0.0.1") + " port=" + std::to_string(url.port.value_or(5432)) + " user='" +
         url.username.value_or("") + "' password='" + url.password.value_or("") + "' dbname='" +
         url.database.value_or("") + "'";
}

struct track {
  std::int64_t id;
  std::string name;
  double price;
  std::int64_t seconds;
};

// The same row as a model, for the Core benchmarks.
QUARRY_MODEL(track, "track",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name),
             QUARRY_COLUMN(price),
             QUARRY_COLUMN(seconds));

inline track make_track(std::int64_t i) {
  return {i, "track number " + std::to_string(i), static_cast<double>(i % 100) / 4, i % 600};
}

}  // namespace quarry_bench
