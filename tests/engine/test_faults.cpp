// Quarry - SQLAlchemy for C++20. MIT License.
// Fault injection through the public hooks: a connector that fails, a clock the
// pool reads, a SQLite VFS that fails writes and syncs, and an allocator that
// fails. After every fault: a typed error, no partial commit, an intact
// database, and a connection that is usable or invalidated, never a crash.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "backend.hpp"

using quarry::text;

namespace {

// ---- a connector that fails every n-th connect

TEST_CASE("a connector failing every third connect: typed errors, and the pool's counts stay exact", "[fault][pool][threads]") {
  std::atomic<int> connects{0}, injected{0};
  quarry::engine_options options{.pool_size = 2, .max_overflow = 3, .pool_timeout = std::chrono::seconds(30)};
  options.creator = [&](const quarry::dialect& d, const quarry::URL& url, const quarry::engine_options& o) {
    if (++connects % 3 == 0) {
      ++injected;
      throw quarry::OperationalError("injected connect failure", {{}, {}, 0, "08001", true});
    }
    return d.connect(url, o);
  };
  options.pool_recycle = std::chrono::seconds(0);  // every checkout connects anew: many connects
  auto engine = quarry_test::make_engine(options, "fault_connect");
  std::atomic<int> ok{0}, failed{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        try {
          auto conn = engine.connect();
          if (conn.execute(text("SELECT 1")).scalar<int>() == 1) ++ok;
          else ++wrong;
        } catch (const quarry::OperationalError&) {
          ++failed;
        } catch (...) {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(ok + failed == 400);
  CHECK(failed == injected);
  CHECK(injected > 0);
  auto status = engine.pool_status();
  CHECK(status.checked_out == 0);
  CHECK(status.total == status.checked_in);
  CHECK(status.overflow == static_cast<std::ptrdiff_t>(status.total) - 2);
  CHECK(status.total <= 5);
}

// ---- a clock the pool reads

TEST_CASE("pool_recycle replaces a connection just past the limit, not at it", "[fault][pool]") {
  auto now = std::chrono::steady_clock::now();
  quarry::engine_options options{.pool_size = 1, .max_overflow = 0, .pool_recycle = std::chrono::seconds(10)};
  options.pool_clock = [&] { return now; };
  auto engine = quarry_test::make_engine(options, "fault_clock");
  auto handle = [&] { return engine.connect().driver().native_handle(); };
  if (quarry_test::is_postgresql()) {
    auto pid = [&] { return engine.connect().execute(text("SELECT pg_backend_pid()")).scalar<int>(); };
    int first = pid();
    now += std::chrono::seconds(10);
    CHECK(pid() == first);
    now += std::chrono::microseconds(1);
    CHECK(pid() != first);
  } else {
    // The connection is the same object until it is replaced.
    void* first = handle();
    now += std::chrono::seconds(10);
    CHECK(handle() == first);
    now += std::chrono::seconds(11);
    auto conn = engine.connect();
    CHECK(conn.execute(text("SELECT 1")).scalar<int>() == 1);
  }
}

// ---- a SQLite VFS that fails writes, syncs and truncates at the n-th call

struct fault_plan {
  int countdown = -1;  // calls left before the failing one; -1: no faults
  int injected = 0;
  int result = SQLITE_IOERR_WRITE;
  bool fire() {
    if (countdown < 0) return false;
    if (countdown-- > 0) return false;
    ++injected;
    return true;
  }
};
fault_plan plan;

struct shim_file {
  sqlite3_file base;
  sqlite3_file* real;
};
sqlite3_vfs* real_vfs() { return static_cast<sqlite3_vfs*>(sqlite3_vfs_find("quarry_faulty")->pAppData); }
sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<shim_file*>(f)->real; }

const sqlite3_io_methods shim_methods = {
    1,
    [](sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); },
    [](sqlite3_file* f, void* out, int n, sqlite3_int64 at) { return real_of(f)->pMethods->xRead(real_of(f), out, n, at); },
    [](sqlite3_file* f, const void* data, int n, sqlite3_int64 at) {
      return plan.fire() ? plan.result : real_of(f)->pMethods->xWrite(real_of(f), data, n, at);
    },
    [](sqlite3_file* f, sqlite3_int64 size) {
      return plan.fire() ? SQLITE_IOERR_TRUNCATE : real_of(f)->pMethods->xTruncate(real_of(f), size);
    },
    [](sqlite3_file* f, int flags) { return plan.fire() ? SQLITE_IOERR_FSYNC : real_of(f)->pMethods->xSync(real_of(f), flags); },
    [](sqlite3_file* f, sqlite3_int64* size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); },
    [](sqlite3_file* f, int lock) { return real_of(f)->pMethods->xLock(real_of(f), lock); },
    [](sqlite3_file* f, int lock) { return real_of(f)->pMethods->xUnlock(real_of(f), lock); },
    [](sqlite3_file* f, int* out) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out); },
    [](sqlite3_file* f, int op, void* arg) { return real_of(f)->pMethods->xFileControl(real_of(f), op, arg); },
    [](sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); },
    [](sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); },
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

void register_faulty_vfs() {
  if (sqlite3_vfs_find("quarry_faulty")) return;
  static sqlite3_vfs vfs = *sqlite3_vfs_find(nullptr);
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  vfs.iVersion = 1;
  vfs.szOsFile = static_cast<int>(sizeof(shim_file)) + real->szOsFile;
  vfs.zName = "quarry_faulty";
  vfs.pAppData = real;
  vfs.pNext = nullptr;
  vfs.xOpen = [](sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
    auto* shim = reinterpret_cast<shim_file*>(f);
    shim->real = reinterpret_cast<sqlite3_file*>(shim + 1);
    shim->base.pMethods = nullptr;
    int rc = real_vfs()->xOpen(real_vfs(), name, shim->real, flags, out);
    if (shim->real->pMethods) shim->base.pMethods = &shim_methods;
    return rc;
  };
  vfs.xDelete = [](sqlite3_vfs*, const char* name, int sync) { return real_vfs()->xDelete(real_vfs(), name, sync); };
  vfs.xAccess = [](sqlite3_vfs*, const char* name, int flags, int* out) { return real_vfs()->xAccess(real_vfs(), name, flags, out); };
  vfs.xFullPathname = [](sqlite3_vfs*, const char* name, int n, char* out) { return real_vfs()->xFullPathname(real_vfs(), name, n, out); };
  REQUIRE(sqlite3_vfs_register(&vfs, 0) == SQLITE_OK);
}

// The database as a plain connection sees it: intact, and how many rows with what total.
struct snapshot {
  bool intact;
  std::int64_t rows, total;
};
snapshot inspect(const std::string& file) {
  auto engine = quarry::create_engine("sqlite:///" + file, {.pool_size = 1});
  auto conn = engine.connect();
  bool intact = conn.execute(text("PRAGMA integrity_check")).scalar<std::string>() == "ok";
  auto rows = conn.execute(text("SELECT count(*) FROM fault_row")).scalar<std::int64_t>();
  auto total = conn.execute(text("SELECT coalesce(sum(n), 0) FROM fault_row")).scalar<std::int64_t>();
  return {intact, rows, total};
}

TEST_CASE("a SQLite VFS failing each write, sync and truncate of a transaction in turn: all or nothing, never corrupt", "[fault][sqlite]") {
  if (!quarry_test::is_sqlite()) return;
  register_faulty_vfs();
  const std::string file = "quarry_fault_vfs.db";
  int faults = 0, committed_after_fault = 0;
  for (int result : {SQLITE_IOERR_WRITE, SQLITE_FULL}) {
    for (int point = 0;; ++point) {
      std::remove(file.c_str());
      std::remove((file + "-journal").c_str());
      {
        auto engine = quarry::create_engine("sqlite:///" + file, {.pool_size = 1});
        auto conn = engine.connect();
        conn.exec_driver_sql("CREATE TABLE fault_row (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, pad TEXT)");
        for (int i = 0; i < 50; ++i)
          conn.execute(text("INSERT INTO fault_row (n, pad) VALUES (1, :pad)"), {{"pad", std::string(300, 'x')}});
        conn.commit();
      }
      const snapshot before{true, 50, 50};
      const snapshot after{true, 150, 50 * 2 + 100 * 3};
      auto engine = quarry::create_engine("sqlite:///" + file + "?vfs=quarry_faulty", {.pool_size = 1});
      bool failed = false;
      {
        auto conn = engine.connect();
        conn.execute(text("SELECT count(*) FROM fault_row")).scalar<std::int64_t>();  // open before arming
        plan = {point, 0, result};
        try {
          conn.execute(text("UPDATE fault_row SET n = 2"));
          for (int i = 0; i < 100; ++i)
            conn.execute(text("INSERT INTO fault_row (n, pad) VALUES (3, :pad)"), {{"pad", std::string(300, 'y')}});
          conn.commit();
        } catch (const quarry::DBAPIError& e) {
          failed = true;
          CHECK(plan.injected == 1);
          plan.countdown = -1;
          try {
            conn.rollback();
          } catch (const quarry::Error&) {
            // A failed ROLLBACK discards the connection; the next statement gets another.
          }
          CHECK_FALSE(conn.in_transaction());
          // Usable again (on this or a fresh connection).
          CHECK(conn.execute(text("SELECT 1")).scalar<int>() == 1);
          conn.rollback();
        }
        bool fired = plan.injected > 0;
        plan.countdown = -1;
        if (!fired) {
          REQUIRE_FALSE(failed);
          engine.dispose();
          CHECK(inspect(file).rows == after.rows);
          break;
        }
        faults += 1;
        if (!failed) ++committed_after_fault;  // a fault SQLite recovered from (a sync it could skip)
      }
      engine.dispose();
      auto seen = inspect(file);
      INFO("fault at call " << point << ", result " << result);
      CHECK(seen.intact);
      bool all = seen.rows == after.rows && seen.total == after.total;
      bool nothing = seen.rows == before.rows && seen.total == before.total;
      CHECK((all || nothing));
      if (failed) CHECK(nothing);
      REQUIRE(point < 10000);
    }
  }
  CHECK(faults > 10);
  WARN("VFS faults injected and survived: " << faults << " (" << committed_after_fault << " that SQLite got past)");
}

// ---- an allocator that fails the n-th allocation

struct malloc_plan {
  std::atomic<int> countdown{-1};
  std::atomic<int> injected{0};
  bool fire() {
    if (countdown.load() < 0) return false;
    if (countdown.fetch_sub(1) > 0) return false;
    countdown = -1;
    ++injected;
    return true;
  }
};
malloc_plan allocations;
sqlite3_mem_methods real_memory;

TEST_CASE("SQLite allocations failing one at a time through a transaction: typed errors, all or nothing", "[fault][sqlite]") {
  if (!quarry_test::is_sqlite()) return;
  // The allocator can change only while SQLite is shut down: no connection is open between test cases.
  REQUIRE(sqlite3_shutdown() == SQLITE_OK);
  REQUIRE(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_memory) == SQLITE_OK);
  static sqlite3_mem_methods failing = real_memory;
  failing.xMalloc = [](int n) { return allocations.fire() ? nullptr : real_memory.xMalloc(n); };
  failing.xRealloc = [](void* p, int n) { return allocations.fire() ? nullptr : real_memory.xRealloc(p, n); };
  REQUIRE(sqlite3_config(SQLITE_CONFIG_MALLOC, &failing) == SQLITE_OK);
  REQUIRE(sqlite3_initialize() == SQLITE_OK);
  const std::string file = "quarry_fault_malloc.db";
  int faults = 0;
  for (int point = 0;; ++point) {
    std::remove(file.c_str());
    {
      auto engine = quarry::create_engine("sqlite:///" + file, {.pool_size = 1});
      auto conn = engine.connect();
      conn.exec_driver_sql("CREATE TABLE fault_row (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, pad TEXT)");
      conn.execute(text("INSERT INTO fault_row (n, pad) VALUES (1, 'a')"));
      conn.commit();
      allocations.countdown = point;
      bool failed = false;
      try {
        conn.execute(text("UPDATE fault_row SET n = 2"));
        conn.execute(text("INSERT INTO fault_row (n, pad) VALUES (3, :pad)"), {{"pad", std::string(5000, 'z')}});
        conn.commit();
      } catch (const quarry::Error&) {
        failed = true;
      } catch (const std::bad_alloc&) {
        failed = true;  // an allocation of Quarry's own (none go through SQLite's allocator)
      }
      bool fired = allocations.injected.exchange(0) > 0;
      allocations.countdown = -1;
      if (failed) {
        try {
          conn.rollback();
        } catch (const quarry::Error&) {
          // Discarded; the next statement opens another connection.
        }
      }
      if (!fired) break;
      ++faults;
    }
    auto seen = inspect(file);
    INFO("allocation " << point << " failed");
    CHECK(seen.intact);
    CHECK(((seen.rows == 1 && seen.total == 1) || (seen.rows == 2 && seen.total == 5)));
    REQUIRE(point < 20000);
  }
  REQUIRE(sqlite3_shutdown() == SQLITE_OK);
  REQUIRE(sqlite3_config(SQLITE_CONFIG_MALLOC, &real_memory) == SQLITE_OK);
  REQUIRE(sqlite3_initialize() == SQLITE_OK);
  CHECK(faults > 20);
  WARN("allocation faults injected and survived: " << faults);
}

}  // namespace
