// Quarry - SQLAlchemy for C++20. MIT License.
// Quarry's text() API against raw libpq on the same work, in one binary; COPY is
// the bulk-load yardstick. Needs QUARRY_BENCH_POSTGRESQL_URL (or the test URL).
#include <benchmark/benchmark.h>
#include <libpq-fe.h>

#include <quarry/quarry.hpp>

#include <charconv>
#include <stdexcept>
#include <span>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace {
using quarry_bench::track;

struct raw_connection {
  raw_connection() {
    conn = PQconnectdb(quarry_bench::libpq_conninfo().c_str());
    if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn));
  }
  ~raw_connection() { PQfinish(conn); }
  void exec(const char* sql) const {
    PGresult* r = PQexec(conn, sql);
    auto status = PQresultStatus(r);
    PQclear(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error(PQerrorMessage(conn));
  }
  void prepare(const char* name, const char* sql) const {
    PGresult* r = PQprepare(conn, name, sql, 0, nullptr);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(PQerrorMessage(conn));
  }
  PGconn* conn;
};

// The text-format parameters of one row, in reused buffers.
struct row_params {
  char id[24], seconds[24], price[32];
  const char* values[4];
  int lengths[4];
  void fill(const track& t) {
    lengths[0] = static_cast<int>(std::to_chars(id, id + sizeof id - 1, t.id).ptr - id);
    id[lengths[0]] = '\0';
    values[0] = id;
    values[1] = t.name.c_str();
    lengths[1] = static_cast<int>(t.name.size());
    lengths[2] = static_cast<int>(std::to_chars(price, price + sizeof price - 1, t.price).ptr - price);
    price[lengths[2]] = '\0';
    values[2] = price;
    lengths[3] = static_cast<int>(std::to_chars(seconds, seconds + sizeof seconds - 1, t.seconds).ptr - seconds);
    seconds[lengths[3]] = '\0';
    values[3] = seconds;
  }
};

const char* const insert_sql = "INSERT INTO track (id, name, price, seconds) VALUES ($1, $2, $3, $4)";
const char* const select_sql = "SELECT id, name, price, seconds FROM track";

void fresh_table(const raw_connection& raw) {
  raw.exec("DROP TABLE IF EXISTS track");
  raw.exec("CREATE TABLE track (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price DOUBLE PRECISION NOT NULL, "
           "seconds BIGINT NOT NULL)");
}

std::vector<track> tracks() {
  std::vector<track> out;
  for (std::int64_t i = 1; i <= quarry_bench::rows(); ++i) out.push_back(quarry_bench::make_track(i));
  return out;
}

void filled_table() {
  raw_connection raw;
  fresh_table(raw);
  std::string fill = "INSERT INTO track SELECT g, 'track number ' || g, (g % 100) / 4.0, g % 600 "
                     "FROM generate_series(1, " + std::to_string(quarry_bench::rows()) + ") AS g";
  raw.exec(fill.c_str());
  raw.exec("ANALYZE track");
}

track parse_row(const PGresult* r, int row) {
  track t{};
  const char* v = PQgetvalue(r, row, 0);
  std::from_chars(v, v + PQgetlength(r, row, 0), t.id);
  t.name.assign(PQgetvalue(r, row, 1), static_cast<std::size_t>(PQgetlength(r, row, 1)));
  v = PQgetvalue(r, row, 2);
  std::from_chars(v, v + PQgetlength(r, row, 2), t.price);
  v = PQgetvalue(r, row, 3);
  std::from_chars(v, v + PQgetlength(r, row, 3), t.seconds);
  return t;
}

bool skip_without_server(benchmark::State& state) {
  if (!quarry_bench::postgresql_url().empty()) return false;
  state.SkipWithError("set QUARRY_BENCH_POSTGRESQL_URL to measure PostgreSQL");
  return true;
}

// --- insert 100,000 rows in one transaction -------------------------------------------

void pg_raw_insert_each(benchmark::State& state) {
  if (skip_without_server(state)) return;
  auto data = tracks();
  raw_connection raw;
  row_params p;
  fresh_table(raw);
  raw.prepare("insert", insert_sql);  // survives the table being created anew: the server re-plans it
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table(raw);
    state.ResumeTiming();
    raw.exec("BEGIN");
    for (const auto& t : data) {
      p.fill(t);
      PGresult* r = PQexecPrepared(raw.conn, "insert", 4, p.values, p.lengths, nullptr, 0);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) state.SkipWithError(PQerrorMessage(raw.conn));
      PQclear(r);
    }
    raw.exec("COMMIT");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

// The raw bulk yardsticks: pipeline mode as a libpq expert writes it, and COPY.
void pg_raw_insert_pipeline(benchmark::State& state) {
  if (skip_without_server(state)) return;
  auto data = tracks();
  raw_connection raw;
  row_params p;
  fresh_table(raw);
  raw.prepare("insert", insert_sql);  // survives the table being created anew: the server re-plans it
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table(raw);
    state.ResumeTiming();
    raw.exec("BEGIN");
    PQenterPipelineMode(raw.conn);
    std::size_t sent = 0;
    auto drain = [&] {
      PQpipelineSync(raw.conn);
      for (; sent > 0; --sent) {
        PGresult* r = PQgetResult(raw.conn);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) state.SkipWithError(PQerrorMessage(raw.conn));
        PQclear(r);
        PQclear(PQgetResult(raw.conn));
      }
      PQclear(PQgetResult(raw.conn));
    };
    for (const auto& t : data) {
      p.fill(t);
      PQsendQueryPrepared(raw.conn, "insert", 4, p.values, p.lengths, nullptr, 0);
      if (++sent == 512) drain();
    }
    drain();
    PQexitPipelineMode(raw.conn);
    raw.exec("COMMIT");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

void pg_raw_copy(benchmark::State& state) {
  if (skip_without_server(state)) return;
  auto data = tracks();
  raw_connection raw;
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table(raw);
    state.ResumeTiming();
    raw.exec("BEGIN");
    PGresult* r = PQexec(raw.conn, "COPY track (id, name, price, seconds) FROM STDIN");
    PQclear(r);
    std::string buffer;
    char number[32];
    for (const auto& t : data) {
      buffer.append(number, std::to_chars(number, number + sizeof number, t.id).ptr);
      buffer += '\t';
      buffer += t.name;
      buffer += '\t';
      buffer.append(number, std::to_chars(number, number + sizeof number, t.price).ptr);
      buffer += '\t';
      buffer.append(number, std::to_chars(number, number + sizeof number, t.seconds).ptr);
      buffer += '\n';
      if (buffer.size() > 1 << 16) {
        PQputCopyData(raw.conn, buffer.data(), static_cast<int>(buffer.size()));
        buffer.clear();
      }
    }
    PQputCopyData(raw.conn, buffer.data(), static_cast<int>(buffer.size()));
    PQputCopyEnd(raw.conn, nullptr);
    r = PQgetResult(raw.conn);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) state.SkipWithError(PQerrorMessage(raw.conn));
    PQclear(r);
    raw.exec("COMMIT");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

// One execute() per row (a round trip each), or one executemany() (pipeline mode).
void pg_quarry_insert(benchmark::State& state, bool many) {
  if (skip_without_server(state)) return;
  auto data = tracks();
  raw_connection raw;
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
  auto insert = quarry::text("INSERT INTO track (id, name, price, seconds) VALUES (:id, :name, :price, :seconds)");
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table(raw);
    state.ResumeTiming();
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

void pg_raw_select(benchmark::State& state) {
  if (skip_without_server(state)) return;
  filled_table();
  raw_connection raw;
  raw.prepare("select_all", select_sql);
  for (auto _ : state) {
    PGresult* r = PQexecPrepared(raw.conn, "select_all", 0, nullptr, nullptr, nullptr, 0);
    std::vector<track> out;
    for (int i = 0, n = PQntuples(r); i < n; ++i) out.push_back(parse_row(r, i));
    PQclear(r);
    benchmark::DoNotOptimize(out.data());
    if (static_cast<std::int64_t>(out.size()) != quarry_bench::rows()) state.SkipWithError("wrong row count");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

void pg_quarry_select(benchmark::State& state) {
  if (skip_without_server(state)) return;
  filled_table();
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
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

void pg_raw_lookup(benchmark::State& state) {
  // Read once: the loop measures lookups, not getenv().
  const std::int64_t rows = quarry_bench::rows(), lookups = quarry_bench::lookups();
  if (skip_without_server(state)) return;
  filled_table();
  raw_connection raw;
  raw.prepare("lookup", "SELECT id, name, price, seconds FROM track WHERE id = $1");
  char id[24];
  for (auto _ : state) {
    for (std::int64_t i = 1; i <= lookups; ++i) {
      *std::to_chars(id, id + sizeof id - 1, i * 7 % rows + 1).ptr = '\0';
      const char* values[] = {id};
      PGresult* r = PQexecPrepared(raw.conn, "lookup", 1, values, nullptr, nullptr, 0);
      if (PQntuples(r) != 1) state.SkipWithError("row not found");
      auto t = parse_row(r, 0);
      benchmark::DoNotOptimize(t);
      PQclear(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::lookups());
}

void pg_quarry_lookup(benchmark::State& state) {
  // Read once: the loop measures lookups, not getenv().
  const std::int64_t rows = quarry_bench::rows(), lookups = quarry_bench::lookups();
  if (skip_without_server(state)) return;
  filled_table();
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
  auto conn = engine.connect();
  conn.set_isolation_level(quarry::isolation_level::autocommit);  // as the raw loop: no transaction
  auto lookup = quarry::text("SELECT id, name, price, seconds FROM track WHERE id = :id");
  for (auto _ : state) {
    for (std::int64_t i = 1; i <= lookups; ++i) {
      auto t = conn.execute(lookup, {{"id", i * 7 % rows + 1}}).one<track>();
      benchmark::DoNotOptimize(t);
    }
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::lookups());
}

// --- the same work through the Core's typed statements --------------------------------

const auto& tracks_table = quarry::table<track>;

// executemany() of model objects, in batches of state.range(0) rows (0: all
// 100k at once). Small batches show where COPY, which costs a round trip more
// than a prepared INSERT, starts to pay.
void pg_core_insert(benchmark::State& state) {
  if (skip_without_server(state)) return;
  auto data = tracks();
  std::size_t batch = state.range(0) ? static_cast<std::size_t>(state.range(0)) : data.size();
  raw_connection raw;
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
  for (auto _ : state) {
    state.PauseTiming();
    fresh_table(raw);
    state.ResumeTiming();
    auto conn = engine.connect();
    for (std::size_t first = 0; first + batch <= data.size(); first += batch)
      conn.execute(quarry::insert(tracks_table), std::span<const track>(data.data() + first, batch));
    conn.commit();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size() / batch * batch));
}

void pg_core_select(benchmark::State& state, bool models) {
  if (skip_without_server(state)) return;
  filled_table();
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
  auto conn = engine.connect();
  const auto& t = tracks_table;
  for (auto _ : state) {
    std::size_t count = 0;
    if (models) {
      auto out = conn.execute(quarry::select<track>()).all();
      count = out.size();
      benchmark::DoNotOptimize(out.data());
    } else {
      auto out = conn.execute(quarry::select(t.id, t.name, t.price, t.seconds)).all();
      count = out.size();
      benchmark::DoNotOptimize(out.data());
    }
    if (static_cast<std::int64_t>(count) != quarry_bench::rows()) state.SkipWithError("wrong row count");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// A lookup statement built for each lookup: the everyday API.
void pg_core_lookup(benchmark::State& state) {
  // Read once: the loop measures lookups, not getenv().
  const std::int64_t rows = quarry_bench::rows(), lookups = quarry_bench::lookups();
  if (skip_without_server(state)) return;
  filled_table();
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
  auto conn = engine.connect();
  conn.set_isolation_level(quarry::isolation_level::autocommit);
  const auto& t = tracks_table;
  for (auto _ : state) {
    for (std::int64_t i = 1; i <= lookups; ++i) {
      auto found = conn.execute(quarry::select<track>().where(t.id == i * 7 % rows + 1)).one();
      benchmark::DoNotOptimize(found);
    }
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::lookups());
}

// --- the ORM -------------------------------------------------------------------------

// session.add() of 100,000 new objects and commit(): the database numbers them
// (an identity column), the flush sends multi-row INSERT ... RETURNING id in
// pipeline mode. Compare with pg_raw_copy.
void pg_orm_add_commit(benchmark::State& state) {
  if (skip_without_server(state)) return;
  raw_connection raw;
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
  for (auto _ : state) {
    state.PauseTiming();
    raw.exec("DROP TABLE IF EXISTS track");
    raw.exec("CREATE TABLE track (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL, "
             "price DOUBLE PRECISION NOT NULL, seconds BIGINT NOT NULL)");
    auto data = tracks();
    for (auto& t : data) t.id = 0;
    state.ResumeTiming();
    quarry::Session session(engine);
    std::shared_ptr<track> last;
    for (auto& t : data) last = session.add(std::move(t));
    session.commit();
    if (last->id != quarry_bench::rows()) state.SkipWithError("ids not read back in order");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// Every row into objects of a fresh session. Compare with pg_raw_select.
void pg_orm_load(benchmark::State& state) {
  if (skip_without_server(state)) return;
  filled_table();
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
  for (auto _ : state) {
    quarry::Session session(engine);
    auto out = session.scalars(quarry::select<track>());
    benchmark::DoNotOptimize(out.all().data());
    if (static_cast<std::int64_t>(out.size()) != quarry_bench::rows()) state.SkipWithError("wrong row count");
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

// Load, change one column of every object, commit: one UPDATE executemany in pipeline mode.
void pg_orm_update_all(benchmark::State& state) {
  if (skip_without_server(state)) return;
  auto engine = quarry::create_engine(quarry_bench::postgresql_url());
  for (auto _ : state) {
    state.PauseTiming();
    filled_table();
    state.ResumeTiming();
    quarry::Session session(engine);
    for (auto& t : session.scalars(quarry::select<track>())) t->price += 1;
    session.commit();
  }
  state.SetItemsProcessed(state.iterations() * quarry_bench::rows());
}

}  // namespace

BENCHMARK(pg_orm_add_commit)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_orm_load)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_orm_update_all)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_raw_insert_each)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pg_quarry_insert, each, false)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_raw_insert_pipeline)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_raw_copy)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pg_quarry_insert, many, true)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_raw_select)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_quarry_select)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_raw_lookup)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_quarry_lookup)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_core_insert)->Arg(0)->Arg(10)->Arg(30)->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pg_core_select, tuples, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pg_core_select, models, true)->Unit(benchmark::kMillisecond);
BENCHMARK(pg_core_lookup)->Unit(benchmark::kMillisecond);
