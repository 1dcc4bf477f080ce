// Quarry - SQLAlchemy for C++20. MIT License.
// Reflecting a schema of 250 tables (each with a foreign key, a unique
// constraint, an index and a check), on SQLite and PostgreSQL: the whole schema
// in a fixed number of catalog queries, against the same tables read one by one.
#include <benchmark/benchmark.h>

#include <quarry/quarry.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace {

// 250 tables, or fewer for the test suite's smoke run.
int table_count() { return static_cast<int>(std::clamp<std::int64_t>(quarry_bench::rows() / 400, 3, 250)); }

std::string name_of(int i) { return "rt_" + std::to_string(i); }

// The schema, made once per process and backend.
quarry::Engine schema_engine(bool postgresql) {
  std::string url;
  if (postgresql) {
    url = quarry_bench::postgresql_url();
    if (url.empty()) return quarry::create_engine("sqlite://");
    url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("options=-csearch_path%3Dbench_reflect");
  } else {
    std::remove("bench_reflect.db");
    url = "sqlite:///bench_reflect.db";
  }
  auto engine = quarry::create_engine(url);
  auto conn = engine.connect();
  if (postgresql) {
    conn.exec_driver_sql("DROP SCHEMA IF EXISTS bench_reflect CASCADE");
    conn.exec_driver_sql("CREATE SCHEMA bench_reflect");
  }
  for (int i = 0; i < table_count(); ++i) {
    auto t = name_of(i);
    conn.exec_driver_sql("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES " + name_of(i / 2) +
                         " (id) ON DELETE CASCADE, code VARCHAR(20) UNIQUE, name VARCHAR(40) NOT NULL, "
                         "amount NUMERIC(10, 2) DEFAULT 0, CHECK (amount >= 0))");
    conn.exec_driver_sql("CREATE INDEX ix_" + t + "_name ON " + t + " (name)");
  }
  conn.commit();
  return engine;
}

quarry::Engine& engine_for(bool postgresql) {
  static quarry::Engine sqlite = schema_engine(false);
  if (!postgresql) return sqlite;
  static quarry::Engine pg = schema_engine(true);
  return pg;
}

void reflect(benchmark::State& state, bool postgresql, bool one_by_one) {
  if (postgresql && quarry_bench::postgresql_url().empty()) {
    state.SkipWithError("set QUARRY_BENCH_POSTGRESQL_URL to measure PostgreSQL");
    return;
  }
  auto& engine = engine_for(postgresql);
  std::int64_t statements = 0;
  auto id = engine.listen(quarry::events::before_execute, [&](const quarry::execute_event&) { ++statements; });
  auto conn = engine.connect();
  auto inspector = quarry::inspect(conn);
  std::size_t reflected = 0;
  for (auto _ : state) {
    if (one_by_one) {
      // What reflecting table by table costs: every table's own catalog queries.
      for (int i = 0; i < table_count(); ++i) reflected += inspector.table(name_of(i)).columns.size() > 0;
    } else {
      reflected += inspector.tables().size();
    }
  }
  engine.remove_listener(id);
  if (reflected != static_cast<std::size_t>(table_count()) * state.iterations())
    state.SkipWithError("not every table was reflected");
  state.counters["tables"] = table_count();
  state.counters["statements"] = static_cast<double>(statements) / static_cast<double>(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(reflect, sqlite_whole_schema, false, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(reflect, sqlite_table_by_table, false, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(reflect, postgresql_whole_schema, true, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(reflect, postgresql_table_by_table, true, true)->Unit(benchmark::kMillisecond);
