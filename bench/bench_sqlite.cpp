// Quarry - SQLAlchemy for C++20. MIT License.
// Quarry's text() API against the raw sqlite3 C API on the same work, in one binary.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <quarry/profiling.hpp>
#include <quarry/quarry.hpp>

#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace {
using quarry_bench::track;

const char* const database = "quarry_bench.db";
const char* const create_sql =
    "CREATE TABLE track (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, seconds INTEGER NOT NULL)";
const char* const insert_sql = "INSERT INTO track (id, name, price, seconds) VALUES (?, ?, ?, ?)";
const char* const select_sql = "SELECT id, name, price, seconds FROM track";
const char* const lookup_sql = "SELECT id, name, price, seconds FROM track WHERE id = ?";

// Opens the database as Quarry's driver does: no SQLite mutex, foreign keys on.
sqlite3* open_raw() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK)
    throw std::runtime_error("cannot open the benchmark database");
  sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  return db;
}

void must(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(db));
}

void fresh_table() {
  std::remove(database);
  sqlite3* db = open_raw();
  must(sqlite3_exec(db, create_sql, nullptr, nullptr, nullptr), db);
  sqlite3_close(db);
}

std::vector<track> tracks() {
  std::vector<track> out;
  for (std::int64_t i = 1, n = quarry_bench::rows(); i <= n; ++i) out.push_back(quarry_bench::make_track(i));
  return out;
}

// The raw insert: one prepared statement, bound and stepped per row, in one transaction.
void insert_raw(const std::vector<track>& data) {
  sqlite3* db = open_raw();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* stmt = nullptr;
  must(sqlite3_prepare_v2(db, insert_sql, -1, &stmt, nullptr), db);
  for (const auto& t : data) {
    sqlite3_bind_int64(stmt, 1, t.id);
    sqlite3_bind_text(stmt, 2, t.name.data(), static_cast<int>(t.name.size()), SQLITE_STATIC);
    sqlite3_bind_double(stmt, 3, t.price);
    sqlite3_bind_int64(stmt, 4, t.seconds);
    must(sqlite3_step(stmt), db);
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  must(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
  sqlite3_close(db);
}

void filled_table() {
  fresh_table();
  insert_raw(tracks());
}

// --- insert 100,000 rows in one transaction -------------------------------------------

void raw_insert(benchmark::State& state) {
  auto data = tracks();
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table();
    state.ResumeTiming();
    insert_raw(data);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

// One execute() per row, or one executemany() for all of them.
void quarry_insert(benchmark::State& state, bool many) {
  auto data = tracks();
  auto insert = quarry::text("INSERT INTO track (id, name, price, seconds) VALUES (:id, :name, :price, :seconds)");
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table();
    state.ResumeTiming();
    auto engine = quarry::create_engine(std::string("sqlite:///") + database);
    auto conn = engine.connect();
    if (many) {
      conn.executemany(insert, data);
    } else {
      for (const auto& t : data)
        conn.execute(insert, {{"id", t.id}, {"name", t.name}, {"price", t.price}, {"seconds", t.seconds}});
    }
    conn.commit();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

// --- select 100,000 rows into structs ------------------------------------------------

void raw_select(benchmark::State& state) {
  filled_table();
  sqlite3* db = open_raw();
  // Quarry reads inside a transaction (commit as you go): so does the raw loop.
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (auto _ : state) {
    std::vector<track> out;
    sqlite3_stmt* stmt = nullptr;
    must(sqlite3_prepare_v2(db, select_sql, -1, &stmt, nullptr), db);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.push_back({sqlite3_column_int64(stmt, 0),
                     std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)),
                                 static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1))),
                     sqlite3_column_double(stmt, 2), sqlite3_column_int64(stmt, 3)});
    }
    sqlite3_finalize(stmt);
    benchmark::DoNotOptimize(out.data());
    if (static_cast<std::int64_t>(out.size()) != quarry_bench::rows()) state.SkipWithError("wrong row count");
  }
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

void quarry_select(benchmark::State& state) {
  filled_table();
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  auto conn = engine.connect();
  auto select = quarry::text(select_sql);
  for (auto _ : state) {
    auto out = conn.execute(select).all<track>();
    benchmark::DoNotOptimize(out.data());
    if (static_cast<std::int64_t>(out.size()) != quarry_bench::rows()) state.SkipWithError("wrong row count");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// --- 10,000 point lookups ------------------------------------------------------------

void raw_lookup(benchmark::State& state) {
  // Read once: the loop measures lookups, not getenv().
  const std::int64_t rows = quarry_bench::rows(), lookups = quarry_bench::lookups();
  filled_table();
  sqlite3* db = open_raw();
  sqlite3_stmt* stmt = nullptr;
  must(sqlite3_prepare_v2(db, lookup_sql, -1, &stmt, nullptr), db);
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);  // as Quarry's commit-as-you-go
  for (auto _ : state) {
    for (std::int64_t i = 1; i <= lookups; ++i) {
      sqlite3_bind_int64(stmt, 1, i * 7 % rows + 1);
      if (sqlite3_step(stmt) != SQLITE_ROW) state.SkipWithError("row not found");
      track t{sqlite3_column_int64(stmt, 0),
              std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)),
                          static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1))),
              sqlite3_column_double(stmt, 2), sqlite3_column_int64(stmt, 3)};
      benchmark::DoNotOptimize(t);
      sqlite3_reset(stmt);
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations() * quarry_bench::lookups());
}

// first() reads the first row, as the raw loop does; one() also steps past it to
// prove there is no second one.
void quarry_lookup(benchmark::State& state, bool prove_unique) {
  // Read once: the loop measures lookups, not getenv().
  const std::int64_t rows = quarry_bench::rows(), lookups = quarry_bench::lookups();
  filled_table();
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  auto conn = engine.connect();
  auto lookup = quarry::text("SELECT id, name, price, seconds FROM track WHERE id = :id");
  for (auto _ : state) {
    for (std::int64_t i = 1; i <= lookups; ++i) {
      auto result = conn.execute(lookup, {{"id", i * 7 % rows + 1}});
      auto t = prove_unique ? result.one<track>() : *result.first<track>();
      benchmark::DoNotOptimize(t);
    }
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::lookups());
}

// The same lookups with a profiler attached: its cost per statement (each
// statement's timing, grouping and parameter fingerprint).
void profiled_lookup(benchmark::State& state) {
  const std::int64_t rows = quarry_bench::rows(), lookups = quarry_bench::lookups();
  filled_table();
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  quarry::profiler profiler(engine, {.slow_threshold = std::chrono::hours(1)});
  auto conn = engine.connect();
  auto lookup = quarry::text("SELECT id, name, price, seconds FROM track WHERE id = :id");
  for (auto _ : state) {
    for (std::int64_t i = 1; i <= lookups; ++i) {
      auto t = *conn.execute(lookup, {{"id", i * 7 % rows + 1}}).first<track>();
      benchmark::DoNotOptimize(t);
    }
  }
  if (profiler.report().statements == 0) state.SkipWithError("the profiler saw nothing");
  state.SetItemsProcessed(state.iterations() * quarry_bench::lookups());
}

// --- the same work through the Core's typed statements --------------------------------

const auto& tracks_table = quarry::table<track>;

// The everyday API: a statement built per row from the object, or one executemany().
void core_insert(benchmark::State& state, bool many) {
  auto data = tracks();
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table();
    state.ResumeTiming();
    auto engine = quarry::create_engine(std::string("sqlite:///") + database);
    auto conn = engine.connect();
    if (many) {
      conn.execute(quarry::insert(tracks_table), data);
    } else {
      for (const auto& t : data) conn.execute(quarry::insert(tracks_table).values(t));
    }
    conn.commit();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

// select(columns...) into tuples, or select<track>() into the model.
void core_select(benchmark::State& state, bool models) {
  filled_table();
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  auto conn = engine.connect();
  const auto& t = tracks_table;
  for (auto _ : state) {
    std::size_t count = 0;
    if (models) {
      auto out = conn.execute(quarry::select<track>()).all();
      benchmark::DoNotOptimize(out.data());
      count = out.size();
    } else {
      auto out = conn.execute(quarry::select(t.id, t.name, t.price, t.seconds)).all();
      benchmark::DoNotOptimize(out.data());
      count = out.size();
    }
    if (static_cast<std::int64_t>(count) != quarry_bench::rows()) state.SkipWithError("wrong row count");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// A lookup statement built for each lookup (the everyday API), or built once with bindparam().
void core_lookup(benchmark::State& state, bool built_once) {
  // Read once: the loop measures lookups, not getenv().
  const std::int64_t rows = quarry_bench::rows(), lookups = quarry_bench::lookups();
  filled_table();
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  auto conn = engine.connect();
  const auto& t = tracks_table;
  auto by_id = quarry::select<track>().where(t.id == quarry::bindparam<std::int64_t>("id"));
  for (auto _ : state) {
    for (std::int64_t i = 1; i <= lookups; ++i) {
      std::int64_t id = i * 7 % rows + 1;
      auto found = built_once ? conn.execute(by_id, {{"id", id}}).first()
                              : conn.execute(quarry::select<track>().where(t.id == id)).first();
      benchmark::DoNotOptimize(found);
    }
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::lookups());
}

// SQL compilation alone: a join with a filter, grouping and ordering, built and
// compiled fresh each time (cold), or compiled once and looked up (cached).
void core_compile(benchmark::State& state, bool cached) {
  const quarry::sqlite::dialect dialect;
  const auto& t = tracks_table;
  auto other = quarry::aliased<track>("other");
  auto build = [&] {
    return quarry::select(t.name, quarry::func::count(other.id))
        .join(other, other.seconds == t.seconds)
        .where(t.price > 1.5 && t.name.like("track%"))
        .group_by(t.name)
        .order_by(t.name)
        .limit(10);
  };
  auto statement = build();
  for (auto _ : state) {
    if (cached) benchmark::DoNotOptimize(statement.compiled(dialect));
    else benchmark::DoNotOptimize(build().compiled(dialect));
  }
  state.SetItemsProcessed(state.iterations());
}

// --- the ORM: the Session's unit of work against hand-written sqlite3 code ------------

// Raw: INSERT without ids, reading each generated id back into the struct.
void raw_insert_generated(std::vector<track>& data) {
  sqlite3* db = open_raw();
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* stmt = nullptr;
  must(sqlite3_prepare_v2(db, "INSERT INTO track (name, price, seconds) VALUES (?, ?, ?)", -1, &stmt, nullptr), db);
  for (auto& t : data) {
    sqlite3_bind_text(stmt, 1, t.name.data(), static_cast<int>(t.name.size()), SQLITE_STATIC);
    sqlite3_bind_double(stmt, 2, t.price);
    sqlite3_bind_int64(stmt, 3, t.seconds);
    must(sqlite3_step(stmt), db);
    t.id = sqlite3_last_insert_rowid(db);
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  must(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
  sqlite3_close(db);
}

std::vector<track> new_tracks() {
  auto out = tracks();
  for (auto& t : out) t.id = 0;
  return out;
}

void raw_add_commit(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table();
    auto data = new_tracks();
    state.ResumeTiming();
    raw_insert_generated(data);
    if (data.back().id != quarry_bench::rows()) state.SkipWithError("ids not read back");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// session.add() of new objects (the database numbers them), then commit().
void orm_add_commit(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table();
    auto data = new_tracks();
    state.ResumeTiming();
    auto engine = quarry::create_engine(std::string("sqlite:///") + database);
    quarry::Session session(engine);
    std::shared_ptr<track> last;
    for (auto& t : data) last = session.add(std::move(t));
    session.commit();
    if (last->id != quarry_bench::rows()) state.SkipWithError("ids not read back");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// Every row into objects of a fresh session (the identity map fills up).
void orm_load(benchmark::State& state, bool profiled) {
  filled_table();
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  std::optional<quarry::profiler> profiler;
  if (profiled) profiler.emplace(engine);
  for (auto _ : state) {
    quarry::Session session(engine);
    auto out = session.scalars(quarry::select<track>());
    benchmark::DoNotOptimize(out.all().data());
    if (static_cast<std::int64_t>(out.size()) != quarry_bench::rows()) state.SkipWithError("wrong row count");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// 10,000 get() calls: of loaded objects (the identity map, no SQL), or of keys
// a fresh session has not seen (one SELECT each). Compare with raw_lookup.
void orm_get(benchmark::State& state, bool hits) {
  const std::int64_t rows = quarry_bench::rows(), lookups = quarry_bench::lookups();
  filled_table();
  auto engine = quarry::create_engine(std::string("sqlite:///") + database);
  quarry::Session loaded(engine);
  if (hits) loaded.scalars(quarry::select<track>());
  for (auto _ : state) {
    quarry::Session fresh(engine);
    quarry::Session& session = hits ? loaded : fresh;
    for (std::int64_t i = 1; i <= lookups; ++i) {
      auto found = session.get<track>(i * 7 % rows + 1);
      if (!found) state.SkipWithError("row not found");
      benchmark::DoNotOptimize(found);
    }
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::lookups());
}

// Raw: read every row, change one column of each, UPDATE each by id, commit.
void raw_update_all(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    filled_table();
    state.ResumeTiming();
    sqlite3* db = open_raw();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    std::vector<track> loaded;
    sqlite3_stmt* select = nullptr;
    must(sqlite3_prepare_v2(db, select_sql, -1, &select, nullptr), db);
    while (sqlite3_step(select) == SQLITE_ROW)
      loaded.push_back({sqlite3_column_int64(select, 0),
                        std::string(reinterpret_cast<const char*>(sqlite3_column_text(select, 1)),
                                    static_cast<std::size_t>(sqlite3_column_bytes(select, 1))),
                        sqlite3_column_double(select, 2), sqlite3_column_int64(select, 3)});
    sqlite3_finalize(select);
    sqlite3_stmt* update = nullptr;
    must(sqlite3_prepare_v2(db, "UPDATE track SET price = ? WHERE id = ?", -1, &update, nullptr), db);
    for (auto& t : loaded) {
      t.price += 1;
      sqlite3_bind_double(update, 1, t.price);
      sqlite3_bind_int64(update, 2, t.id);
      must(sqlite3_step(update), db);
      sqlite3_reset(update);
    }
    sqlite3_finalize(update);
    must(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
    sqlite3_close(db);
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// The same through a Session: load, change, commit (the flush finds the changes).
void orm_update_all(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    filled_table();
    state.ResumeTiming();
    auto engine = quarry::create_engine(std::string("sqlite:///") + database);
    quarry::Session session(engine);
    for (auto& t : session.scalars(quarry::select<track>())) t->price += 1;
    session.commit();
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

}  // namespace

BENCHMARK(raw_add_commit)->Unit(benchmark::kMillisecond);
BENCHMARK(orm_add_commit)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(orm_load, plain, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(orm_load, profiled, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(orm_get, hits, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(orm_get, misses, false)->Unit(benchmark::kMillisecond);
BENCHMARK(raw_update_all)->Unit(benchmark::kMillisecond);
BENCHMARK(orm_update_all)->Unit(benchmark::kMillisecond);
BENCHMARK(raw_insert)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(quarry_insert, each, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(quarry_insert, many, true)->Unit(benchmark::kMillisecond);
BENCHMARK(raw_select)->Unit(benchmark::kMillisecond);
BENCHMARK(quarry_select)->Unit(benchmark::kMillisecond);
BENCHMARK(raw_lookup)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(quarry_lookup, first, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(quarry_lookup, one, true)->Unit(benchmark::kMillisecond);
BENCHMARK(profiled_lookup)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(core_insert, each, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(core_insert, many, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(core_select, tuples, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(core_select, models, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(core_lookup, built_each_time, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(core_lookup, bindparam, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(core_compile, cold, false);
BENCHMARK_CAPTURE(core_compile, cached, true);
