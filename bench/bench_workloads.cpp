// Quarry - SQLAlchemy for C++20. MIT License.
// The W1-W5 workloads, each written four ways in one binary: raw C (sqlite3 or
// libpq), Quarry Core as a user writes it first (a statement built where it is
// used), Quarry Core's executemany or prepared form, and the Quarry ORM; on an
// in-memory SQLite database, a SQLite file in WAL mode, and PostgreSQL.
//   W1 insert rows one by one in one transaction     W4 load every row, change it, write it back
//   W2 select every row into structs                 W5 a join with GROUP BY
//   W3 point lookups (one tenth of the rows)
// Names are w<N>_<work>/<store>/<way>; bench/workloads.py runs them and prints
// the ratios to raw, with callgrind's instructions per row beside them. Each
// way's timed work is one call of measured(), which callgrind collects alone.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <quarry/quarry.hpp>

#include <charconv>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "bench_support.hpp"

namespace quarry_workloads {
struct album {
  std::int64_t id{};
  std::string title;
};
struct song {
  std::int64_t id{};
  std::int64_t album_id{};
  std::string name;
  double price{};
  std::int64_t seconds{};
};
QUARRY_MODEL(album, "w_album", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(title));
QUARRY_MODEL(song, "w_song",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(album_id, quarry::foreign_key(&album::id), quarry::index),
             QUARRY_COLUMN(name),
             QUARRY_COLUMN(price),
             QUARRY_COLUMN(seconds));
}  // namespace quarry_workloads

namespace {
using quarry_workloads::album;
using quarry_workloads::song;

enum class store { memory, file, postgresql };
const char* const file_path = "quarry_workloads.db";

std::int64_t songs() { return quarry_bench::rows(); }
std::int64_t albums() { return std::max<std::int64_t>(1, songs() / 100); }
std::int64_t lookups() { return std::max<std::int64_t>(1, songs() / 10); }
std::int64_t lookup_key(std::int64_t i, std::int64_t rows) { return i * 7 % rows + 1; }

song make_song(std::int64_t i) {
  return {i, (i - 1) % albums() + 1, "song number " + std::to_string(i), static_cast<double>(i % 100) / 4, i % 600};
}
std::vector<song> all_songs() {
  std::vector<song> out;
  for (std::int64_t i = 1; i <= songs(); ++i) out.push_back(make_song(i));
  return out;
}
std::vector<album> all_albums() {
  std::vector<album> out;
  for (std::int64_t i = 1; i <= albums(); ++i) out.push_back({i, "album " + std::to_string(i)});
  return out;
}

// The one timed call of each way; bench/workloads.py has callgrind collect inside it alone.
template <class Work>
[[gnu::noinline]] void measured(Work&& work) {
  work();
}

// The row count a way reports back, checked so that no way measures less work than the others.
void expect(benchmark::State& state, std::int64_t got, std::int64_t want) {
  if (got != want) state.SkipWithError(("expected " + std::to_string(want) + ", got " + std::to_string(got)).c_str());
}

struct group_row {
  std::string title;
  std::int64_t count;
  std::int64_t seconds;
};

// --- raw sqlite3, opened as Quarry's driver opens: no SQLite mutex, foreign keys on, WAL on a file ---

struct raw_sqlite {
  explicit raw_sqlite(store where) {
    if (where == store::file) {
      std::remove(file_path);
      std::remove((std::string(file_path) + "-wal").c_str());
      std::remove((std::string(file_path) + "-shm").c_str());
    }
    if (sqlite3_open_v2(where == store::memory ? ":memory:" : file_path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open the benchmark database");
    exec("PRAGMA foreign_keys = ON");
    if (where == store::file) exec("PRAGMA journal_mode = WAL");
  }
  ~raw_sqlite() { sqlite3_close(db); }
  raw_sqlite(const raw_sqlite&) = delete;
  raw_sqlite& operator=(const raw_sqlite&) = delete;

  void must(int rc) const {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(db));
  }
  void exec(const char* sql) const { must(sqlite3_exec(db, sql, nullptr, nullptr, nullptr)); }
  sqlite3_stmt* prepare(const char* sql) const {
    sqlite3_stmt* stmt = nullptr;
    must(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr));
    return stmt;
  }
  // Fresh tables holding the albums and, unless `empty`, the songs.
  void reset(bool empty) const {
    exec("DROP TABLE IF EXISTS w_song");
    exec("DROP TABLE IF EXISTS w_album");
    exec("CREATE TABLE w_album (id INTEGER NOT NULL PRIMARY KEY, title VARCHAR NOT NULL)");
    exec("CREATE TABLE w_song (id INTEGER NOT NULL PRIMARY KEY, album_id INTEGER NOT NULL REFERENCES w_album (id), "
         "name VARCHAR NOT NULL, price FLOAT NOT NULL, seconds INTEGER NOT NULL)");
    exec("CREATE INDEX ix_w_song_album_id ON w_song (album_id)");
    exec("BEGIN");
    sqlite3_stmt* stmt = prepare("INSERT INTO w_album (id, title) VALUES (?, ?)");
    for (const auto& a : all_albums()) {
      sqlite3_bind_int64(stmt, 1, a.id);
      sqlite3_bind_text(stmt, 2, a.title.data(), static_cast<int>(a.title.size()), SQLITE_STATIC);
      must(sqlite3_step(stmt));
      sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    if (!empty) insert(all_songs());
    exec("COMMIT");
  }
  void insert(const std::vector<song>& rows) const {
    sqlite3_stmt* stmt = prepare("INSERT INTO w_song (id, album_id, name, price, seconds) VALUES (?, ?, ?, ?, ?)");
    for (const auto& s : rows) {
      sqlite3_bind_int64(stmt, 1, s.id);
      sqlite3_bind_int64(stmt, 2, s.album_id);
      sqlite3_bind_text(stmt, 3, s.name.data(), static_cast<int>(s.name.size()), SQLITE_STATIC);
      sqlite3_bind_double(stmt, 4, s.price);
      sqlite3_bind_int64(stmt, 5, s.seconds);
      must(sqlite3_step(stmt));
      sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
  }
  static song read_song(sqlite3_stmt* stmt) {
    return {sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
            std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2)),
                        static_cast<std::size_t>(sqlite3_column_bytes(stmt, 2))),
            sqlite3_column_double(stmt, 3), sqlite3_column_int64(stmt, 4)};
  }
  std::vector<song> select_all() const {
    std::vector<song> out;
    sqlite3_stmt* stmt = prepare("SELECT id, album_id, name, price, seconds FROM w_song");
    while (sqlite3_step(stmt) == SQLITE_ROW) out.push_back(read_song(stmt));
    sqlite3_finalize(stmt);
    return out;
  }
  sqlite3* db = nullptr;
};

// --- raw libpq: text parameters in reused buffers, prepared statements ---

struct raw_postgresql {
  raw_postgresql() {
    conn = PQconnectdb(quarry_bench::libpq_conninfo().c_str());
    if (PQstatus(conn) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn));
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // DROP TABLE IF EXISTS
  }
  ~raw_postgresql() { PQfinish(conn); }
  raw_postgresql(const raw_postgresql&) = delete;
  raw_postgresql& operator=(const raw_postgresql&) = delete;

  PGresult* check(PGresult* r) const {
    auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_COPY_IN) {
      PQclear(r);
      throw std::runtime_error(PQerrorMessage(conn));
    }
    return r;
  }
  void exec(const char* sql) const { PQclear(check(PQexec(conn, sql))); }
  void prepare(const char* name, const char* sql) const { PQclear(check(PQprepare(conn, name, sql, 0, nullptr))); }
  PGresult* run(const char* name, int count, const char* const* values, const int* lengths) const {
    return check(PQexecPrepared(conn, name, count, values, lengths, nullptr, 0));
  }
  void reset(bool empty) const {
    exec("DROP TABLE IF EXISTS w_song");
    exec("DROP TABLE IF EXISTS w_album");
    exec("CREATE TABLE w_album (id BIGSERIAL NOT NULL PRIMARY KEY, title VARCHAR NOT NULL)");
    exec("CREATE TABLE w_song (id BIGSERIAL NOT NULL PRIMARY KEY, album_id BIGINT NOT NULL REFERENCES w_album (id), "
         "name VARCHAR NOT NULL, price DOUBLE PRECISION NOT NULL, seconds BIGINT NOT NULL)");
    exec("CREATE INDEX ix_w_song_album_id ON w_song (album_id)");
    copy("COPY w_album (id, title) FROM STDIN", [](std::string& line) {
      for (const auto& a : all_albums()) line += std::to_string(a.id) + '\t' + a.title + '\n';
    });
    if (!empty) copy_songs(all_songs());
  }
  template <class Fill>
  void copy(const char* sql, Fill fill) const {
    PQclear(check(PQexec(conn, sql)));
    std::string data;
    fill(data);
    if (PQputCopyData(conn, data.data(), static_cast<int>(data.size())) != 1 || PQputCopyEnd(conn, nullptr) != 1)
      throw std::runtime_error(PQerrorMessage(conn));
    PQclear(check(PQgetResult(conn)));
  }
  void copy_songs(const std::vector<song>& rows) const {
    copy("COPY w_song (id, album_id, name, price, seconds) FROM STDIN", [&](std::string& line) {
      char number[32];
      auto put = [&](auto value) { line.append(number, std::to_chars(number, number + sizeof number, value).ptr); };
      for (const auto& s : rows) {
        put(s.id), line += '\t', put(s.album_id), line += '\t', line += s.name, line += '\t', put(s.price);
        line += '\t', put(s.seconds), line += '\n';
      }
    });
  }
  static song read_song(const PGresult* r, int row) {
    auto integer = [&](int column) { return std::strtoll(PQgetvalue(r, row, column), nullptr, 10); };
    return {integer(0), integer(1), std::string(PQgetvalue(r, row, 2), static_cast<std::size_t>(PQgetlength(r, row, 2))),
            std::strtod(PQgetvalue(r, row, 3), nullptr), integer(4)};
  }
  std::vector<song> select_all() const {
    PGresult* r = check(PQexec(conn, "SELECT id, album_id, name, price, seconds FROM w_song"));
    std::vector<song> out;
    out.reserve(static_cast<std::size_t>(PQntuples(r)));
    for (int i = 0, n = PQntuples(r); i < n; ++i) out.push_back(read_song(r, i));
    PQclear(r);
    return out;
  }
  PGconn* conn = nullptr;
};

// The text form of one row's parameters, in buffers reused from row to row.
struct text_params {
  char buffers[5][32];
  const char* values[5];
  int lengths[5];
  template <class T>
  void set(int i, const T& value) {
    if constexpr (std::is_same_v<T, std::string>) {
      values[i] = value.c_str();
      lengths[i] = static_cast<int>(value.size());
    } else {
      auto end = std::to_chars(buffers[i], buffers[i] + 31, value).ptr;
      *end = '\0';
      values[i] = buffers[i];
      lengths[i] = static_cast<int>(end - buffers[i]);
    }
  }
};

// --- Quarry: an Engine per benchmark, tables from the models ---

struct quarry_store {
  explicit quarry_store(store where) : engine(make(where)) { metadata.add<album, song>(); }
  static quarry::Engine make(store where) {
    if (where == store::postgresql) return quarry::create_engine(quarry_bench::postgresql_url());
    if (where == store::memory) return quarry::create_engine("sqlite://");
    std::remove(file_path);
    quarry::engine_options options;
    options.sqlite_wal = true;
    return quarry::create_engine(std::string("sqlite:///") + file_path, options);
  }
  void reset(bool empty) const {
    metadata.drop_all(engine);
    metadata.create_all(engine);
    auto conn = engine.connect();
    conn.execute(quarry::insert(quarry::table<album>), all_albums());
    if (!empty) conn.execute(quarry::insert(quarry::table<song>), all_songs());
    conn.commit();
  }
  quarry::Engine engine;
  quarry::MetaData metadata;
};

const auto& songs_table = quarry::table<song>;
const auto& albums_table = quarry::table<album>;

// A way runs `prepare` untimed before each timed `work`, which returns the rows it handled.
template <class Prepare, class Work>
void iterate(benchmark::State& state, std::int64_t per_iteration, Prepare prepare, Work work) {
  for (auto _ : state) {
    state.PauseTiming();
    prepare();
    state.ResumeTiming();
    std::int64_t handled = 0;
    measured([&] { handled = work(); });
    expect(state, handled, per_iteration);
  }
  state.SetItemsProcessed(state.iterations() * per_iteration);
}

// --- W1: insert rows one by one in one transaction ---

void w1_raw(benchmark::State& state, store where) {
  auto data = all_songs();
  if (where == store::postgresql) {
    raw_postgresql pg;
    iterate(state, songs(), [&] { pg.reset(true); }, [&] {
      pg.prepare("w1", "INSERT INTO w_song (id, album_id, name, price, seconds) VALUES ($1, $2, $3, $4, $5)");
      pg.exec("BEGIN");
      text_params p;
      for (const auto& s : data) {
        p.set(0, s.id), p.set(1, s.album_id), p.set(2, s.name), p.set(3, s.price), p.set(4, s.seconds);
        PQclear(pg.run("w1", 5, p.values, p.lengths));
      }
      pg.exec("COMMIT");
      pg.exec("DEALLOCATE w1");
      return static_cast<std::int64_t>(data.size());
    });
    return;
  }
  raw_sqlite db(where);
  iterate(state, songs(), [&] { db.reset(true); }, [&] {
    db.exec("BEGIN");
    db.insert(data);
    db.exec("COMMIT");
    return static_cast<std::int64_t>(data.size());
  });
}

// The bulk yardstick on PostgreSQL: COPY in text format, one round trip.
void w1_raw_copy(benchmark::State& state, store) {
  auto data = all_songs();
  raw_postgresql pg;
  iterate(state, songs(), [&] { pg.reset(true); }, [&] {
    pg.exec("BEGIN");
    pg.copy_songs(data);
    pg.exec("COMMIT");
    return static_cast<std::int64_t>(data.size());
  });
}

void w1_core(benchmark::State& state, store where) {
  auto data = all_songs();
  quarry_store db(where);
  iterate(state, songs(), [&] { db.reset(true); }, [&] {
    auto conn = db.engine.connect();
    for (const auto& s : data) conn.execute(quarry::insert(songs_table).values(s));
    conn.commit();
    return static_cast<std::int64_t>(data.size());
  });
}

void w1_core_many(benchmark::State& state, store where) {
  auto data = all_songs();
  quarry_store db(where);
  iterate(state, songs(), [&] { db.reset(true); }, [&] {
    auto conn = db.engine.connect();
    conn.execute(quarry::insert(songs_table), data);
    conn.commit();
    return static_cast<std::int64_t>(data.size());
  });
}

// New objects, as an application makes them: the database numbers their keys
// (read back on SQLite; on PostgreSQL taken from the sequence ahead of one COPY).
void w1_orm(benchmark::State& state, store where) {
  std::vector<song> data;
  quarry_store db(where);
  auto new_songs = [] {
    auto out = all_songs();
    for (auto& s : out) s.id = 0;
    return out;
  };
  iterate(state, songs(), [&] { db.reset(true), data = new_songs(); }, [&] {
    quarry::Session session(db.engine);
    std::shared_ptr<song> last;
    for (auto& s : data) last = session.add(std::move(s));
    session.commit();
    return last && last->id > 0 ? static_cast<std::int64_t>(data.size()) : 0;
  });
}

// --- W2: select every row into structs ---

void w2_raw(benchmark::State& state, store where) {
  if (where == store::postgresql) {
    raw_postgresql pg;
    pg.reset(false);
    iterate(state, songs(), [] {}, [&] { return static_cast<std::int64_t>(pg.select_all().size()); });
    return;
  }
  raw_sqlite db(where);
  db.reset(false);
  // Quarry reads inside a transaction on a WAL file (its BEGIN goes at the first statement): so does this.
  if (where == store::file) db.exec("BEGIN");
  iterate(state, songs(), [] {}, [&] { return static_cast<std::int64_t>(db.select_all().size()); });
}

void w2_core(benchmark::State& state, store where) {
  quarry_store db(where);
  db.reset(false);
  auto conn = db.engine.connect();
  iterate(state, songs(), [] {}, [&] {
    return static_cast<std::int64_t>(conn.execute(quarry::select<song>()).all().size());
  });
}

void w2_orm(benchmark::State& state, store where) {
  quarry_store db(where);
  db.reset(false);
  iterate(state, songs(), [] {}, [&] {
    quarry::Session session(db.engine);
    return static_cast<std::int64_t>(session.scalars(quarry::select<song>()).all().size());
  });
}

// --- W3: point lookups by key ---

void w3_raw(benchmark::State& state, store where) {
  const std::int64_t rows = songs(), count = lookups();
  if (where == store::postgresql) {
    raw_postgresql pg;
    pg.reset(false);
    pg.prepare("w3", "SELECT id, album_id, name, price, seconds FROM w_song WHERE id = $1");
    iterate(state, count, [] {}, [&] {
      std::int64_t found = 0;
      text_params p;
      for (std::int64_t i = 1; i <= count; ++i) {
        p.set(0, lookup_key(i, rows));
        PGresult* r = pg.run("w3", 1, p.values, p.lengths);
        if (PQntuples(r) == 1) {
          auto s = raw_postgresql::read_song(r, 0);
          benchmark::DoNotOptimize(s);
          ++found;
        }
        PQclear(r);
      }
      return found;
    });
    return;
  }
  raw_sqlite db(where);
  db.reset(false);
  sqlite3_stmt* stmt = db.prepare("SELECT id, album_id, name, price, seconds FROM w_song WHERE id = ?");
  if (where == store::file) db.exec("BEGIN");
  iterate(state, count, [] {}, [&] {
    std::int64_t found = 0;
    for (std::int64_t i = 1; i <= count; ++i) {
      sqlite3_bind_int64(stmt, 1, lookup_key(i, rows));
      if (sqlite3_step(stmt) == SQLITE_ROW) {
        auto s = raw_sqlite::read_song(stmt);
        benchmark::DoNotOptimize(s);
        ++found;
      }
      sqlite3_reset(stmt);
    }
    return found;
  });
  sqlite3_finalize(stmt);
}

// The statement built per lookup, as a user writes it first.
void w3_core(benchmark::State& state, store where) {
  const std::int64_t rows = songs(), count = lookups();
  quarry_store db(where);
  db.reset(false);
  auto conn = db.engine.connect();
  const auto& s = songs_table;
  iterate(state, count, [] {}, [&] {
    std::int64_t found = 0;
    for (std::int64_t i = 1; i <= count; ++i) {
      auto row = conn.execute(quarry::select<song>().where(s.id == lookup_key(i, rows))).first();
      benchmark::DoNotOptimize(row);
      found += row ? 1 : 0;
    }
    return found;
  });
}

// The statement built once with bindparam(), executed with each key.
void w3_core_prepared(benchmark::State& state, store where) {
  const std::int64_t rows = songs(), count = lookups();
  quarry_store db(where);
  db.reset(false);
  auto conn = db.engine.connect();
  const auto& s = songs_table;
  auto by_id = quarry::select<song>().where(s.id == quarry::bindparam<std::int64_t>("id"));
  iterate(state, count, [] {}, [&] {
    std::int64_t found = 0;
    for (std::int64_t i = 1; i <= count; ++i) {
      auto row = conn.execute(by_id, {{"id", lookup_key(i, rows)}}).first();
      benchmark::DoNotOptimize(row);
      found += row ? 1 : 0;
    }
    return found;
  });
}

// get() in a fresh session: one SELECT per key.
void w3_orm(benchmark::State& state, store where) {
  const std::int64_t rows = songs(), count = lookups();
  quarry_store db(where);
  db.reset(false);
  iterate(state, count, [] {}, [&] {
    quarry::Session session(db.engine);
    std::int64_t found = 0;
    for (std::int64_t i = 1; i <= count; ++i) found += session.get<song>(lookup_key(i, rows)) ? 1 : 0;
    return found;
  });
}

// --- W4: load every row, change one column of each, write each back, commit ---

void w4_raw(benchmark::State& state, store where) {
  if (where == store::postgresql) {
    raw_postgresql pg;
    iterate(state, songs(), [&] { pg.reset(false); }, [&] {
      pg.exec("BEGIN");
      auto loaded = pg.select_all();
      pg.prepare("w4", "UPDATE w_song SET price = $1 WHERE id = $2");
      text_params p;
      for (auto& s : loaded) {
        s.price += 1;
        p.set(0, s.price), p.set(1, s.id);
        PQclear(pg.run("w4", 2, p.values, p.lengths));
      }
      pg.exec("COMMIT");
      pg.exec("DEALLOCATE w4");
      return static_cast<std::int64_t>(loaded.size());
    });
    return;
  }
  raw_sqlite db(where);
  iterate(state, songs(), [&] { db.reset(false); }, [&] {
    db.exec("BEGIN");
    auto loaded = db.select_all();
    sqlite3_stmt* update = db.prepare("UPDATE w_song SET price = ? WHERE id = ?");
    for (auto& s : loaded) {
      s.price += 1;
      sqlite3_bind_double(update, 1, s.price);
      sqlite3_bind_int64(update, 2, s.id);
      db.must(sqlite3_step(update));
      sqlite3_reset(update);
    }
    sqlite3_finalize(update);
    db.exec("COMMIT");
    return static_cast<std::int64_t>(loaded.size());
  });
}

// An UPDATE statement built per row.
void w4_core(benchmark::State& state, store where) {
  quarry_store db(where);
  const auto& s = songs_table;
  iterate(state, songs(), [&] { db.reset(false); }, [&] {
    auto conn = db.engine.connect();
    auto loaded = conn.execute(quarry::select<song>()).all();
    for (auto& row : loaded) {
      row.price += 1;
      conn.execute(quarry::update(s).where(s.id == row.id).values(s.price = row.price));
    }
    conn.commit();
    return static_cast<std::int64_t>(loaded.size());
  });
}

// One UPDATE with bindparam(), executed for all rows at once.
void w4_core_many(benchmark::State& state, store where) {
  quarry_store db(where);
  const auto& s = songs_table;
  auto update = quarry::update(s)
                    .where(s.id == quarry::bindparam<std::int64_t>("key"))
                    .values(s.price = quarry::bindparam<double>("price"));
  iterate(state, songs(), [&] { db.reset(false); }, [&] {
    auto conn = db.engine.connect();
    auto loaded = conn.execute(quarry::select<song>()).all();
    std::vector<std::tuple<double, std::int64_t>> changes;
    changes.reserve(loaded.size());
    for (auto& row : loaded) changes.emplace_back(row.price += 1, row.id);
    conn.execute(update, changes);
    conn.commit();
    return static_cast<std::int64_t>(loaded.size());
  });
}

void w4_orm(benchmark::State& state, store where) {
  quarry_store db(where);
  iterate(state, songs(), [&] { db.reset(false); }, [&] {
    quarry::Session session(db.engine);
    std::int64_t changed = 0;
    for (auto& row : session.scalars(quarry::select<song>())) row->price += 1, ++changed;
    session.commit();
    return changed;
  });
}

// --- W5: songs per album with their total length, a join with GROUP BY ---

const char* const group_sql =
    "SELECT w_album.title, count(w_song.id), sum(w_song.seconds) FROM w_album JOIN w_song ON w_album.id = "
    "w_song.album_id GROUP BY w_album.id, w_album.title ORDER BY w_album.id";

auto group_statement() {
  const auto& a = albums_table;
  const auto& s = songs_table;
  return quarry::select(a.title, quarry::func::count(s.id), quarry::func::sum(s.seconds))
      .join(s, a.id == s.album_id)
      .group_by(a.id, a.title)
      .order_by(a.id);
}

void w5_raw(benchmark::State& state, store where) {
  if (where == store::postgresql) {
    raw_postgresql pg;
    pg.reset(false);
    iterate(state, albums(), [] {}, [&] {
      PGresult* r = pg.check(PQexec(pg.conn, group_sql));
      std::vector<group_row> out;
      for (int i = 0, n = PQntuples(r); i < n; ++i)
        out.push_back({PQgetvalue(r, i, 0), std::strtoll(PQgetvalue(r, i, 1), nullptr, 10),
                       std::strtoll(PQgetvalue(r, i, 2), nullptr, 10)});
      PQclear(r);
      return static_cast<std::int64_t>(out.size());
    });
    return;
  }
  raw_sqlite db(where);
  db.reset(false);
  if (where == store::file) db.exec("BEGIN");
  iterate(state, albums(), [] {}, [&] {
    sqlite3_stmt* stmt = db.prepare(group_sql);
    std::vector<group_row> out;
    while (sqlite3_step(stmt) == SQLITE_ROW)
      out.push_back({reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), sqlite3_column_int64(stmt, 1),
                     sqlite3_column_int64(stmt, 2)});
    sqlite3_finalize(stmt);
    return static_cast<std::int64_t>(out.size());
  });
}

void w5_core(benchmark::State& state, store where) {
  quarry_store db(where);
  db.reset(false);
  auto conn = db.engine.connect();
  iterate(state, albums(), [] {}, [&] { return static_cast<std::int64_t>(conn.execute(group_statement()).all().size()); });
}

void w5_orm(benchmark::State& state, store where) {
  quarry_store db(where);
  db.reset(false);
  iterate(state, albums(), [] {}, [&] {
    quarry::Session session(db.engine);
    return static_cast<std::int64_t>(session.execute(group_statement()).all().size());
  });
}

// --- registration: every way on every store (PostgreSQL when a server is given) ---

using way = void (*)(benchmark::State&, store);
struct workload {
  const char* name;
  std::vector<std::pair<const char*, way>> ways;
};

[[maybe_unused]] const bool registered = [] {
  const std::vector<workload> workloads{
      {"w1_insert", {{"raw", w1_raw}, {"core", w1_core}, {"core_many", w1_core_many}, {"orm", w1_orm}}},
      {"w2_select", {{"raw", w2_raw}, {"core", w2_core}, {"orm", w2_orm}}},
      {"w3_lookup", {{"raw", w3_raw}, {"core", w3_core}, {"core_prepared", w3_core_prepared}, {"orm", w3_orm}}},
      {"w4_update", {{"raw", w4_raw}, {"core", w4_core}, {"core_many", w4_core_many}, {"orm", w4_orm}}},
      {"w5_group", {{"raw", w5_raw}, {"core", w5_core}, {"orm", w5_orm}}},
  };
  const std::pair<const char*, store> stores[] = {
      {"memory", store::memory}, {"file", store::file}, {"postgresql", store::postgresql}};
  for (const auto& w : workloads) {
    for (const auto& [store_name, where] : stores) {
      if (where == store::postgresql && quarry_bench::postgresql_url().empty()) continue;
      auto ways = w.ways;
      if (where == store::postgresql && std::string(w.name) == "w1_insert") ways.insert(ways.begin() + 1, {"raw_copy", w1_raw_copy});
      for (const auto& [way_name, run] : ways) {
        std::string name = std::string(w.name) + "/" + store_name + "/" + way_name;
        benchmark::RegisterBenchmark(name.c_str(), [run = run, where = where](benchmark::State& state) { run(state, where); })
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  return true;
}();

}  // namespace
