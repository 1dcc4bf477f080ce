// The sqlite3 C API behind the driver contract.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <sqlite3.h>

#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/errors.hpp"

// The sqlite3 C API behind Quarry's DBAPI contract.
namespace quarry::sqlite {

// Maps a result code onto PEP 249's exceptions the way Python's sqlite3 module does.
[[noreturn]] inline void throw_error(int code, std::string message, std::string_view sql,
                                     std::span<const value_ref> params = {}) {
  error_context context{std::string(sql), params.empty() ? std::string() : detail::render_params(params), code, {}, false};
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH: throw IntegrityError(message, std::move(context));
    case SQLITE_TOOBIG: throw DataError(message, std::move(context));
    case SQLITE_RANGE:
    case SQLITE_MISUSE: throw ProgrammingError(message, std::move(context));
    case SQLITE_INTERNAL:
    case SQLITE_NOTFOUND: throw InternalError(message, std::move(context));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: throw DatabaseError(message, std::move(context));
    default: throw OperationalError(message, std::move(context));
  }
}

class statement final : public dbapi_statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql, bool shared);
  ~statement() override { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  std::string_view sql() const override { return sql_; }

  void execute(std::span<const value_ref> parameters) override;

  std::int64_t execute_many(parameter_batch& batch, row_sink* rows) override;

  bool next() override;

  std::size_t column_count() const override { return columns_; }
  std::string_view column_name(std::size_t index) const override;

  value_ref column(std::size_t index) override;

  bool column_integer(std::size_t index, std::int64_t& out) override {
    return read_as<SQLITE_INTEGER>(index, out, int64_reader{});
  }
  bool column_real(std::size_t index, double& out) override {
    return read_as<SQLITE_FLOAT>(index, out, double_reader{});
  }
  bool column_text(std::size_t index, std::string_view& out) override;
  // On the shared connection each sqlite3_column_*() call locks SQLite's mutex
  // (twice per column: its storage class, then its value). Holding the mutex for
  // the whole row lets the reads go through sqlite3_column_value(), one cheap
  // re-entry each, and the unlocked sqlite3_value_*() readers.
  void begin_row_read() override {
    if (!shared_) return;
    sqlite3_mutex_enter(sqlite3_db_mutex(db_));
    ++row_reads_;
  }
  void end_row_read() noexcept override {
    if (!shared_) return;
    --row_reads_;
    sqlite3_mutex_leave(sqlite3_db_mutex(db_));
  }

  bool is_readonly() const override { return readonly_; }
  std::int64_t rowcount() const override { return rowcount_; }
  std::optional<std::int64_t> lastrowid() const override { return lastrowid_; }

  void close_cursor() noexcept override;

 private:
  void bind_all(std::span<const value_ref> parameters);

  // A statement without rows runs to completion inside execute(), while the
  // caller's values are alive, so SQLite may point at them. Rows are stepped
  // later, when the values may be gone: SQLite copies them.
  sqlite3_destructor_type lifetime() const noexcept { return columns_ == 0 ? SQLITE_STATIC : SQLITE_TRANSIENT; }

  void bind(int index, value_ref v, std::span<const value_ref> all);

  // The value of one column given its storage class; `fetch(reader)` reads it
  // through either the sqlite3_column_*() or the sqlite3_value_*() functions.
  template <class Fetch>
  static value_ref read(int type, Fetch fetch) {
    switch (type) {
      case SQLITE_INTEGER: return value_ref::integer(fetch(int64_reader{}));
      case SQLITE_FLOAT: return value_ref::real(fetch(double_reader{}));
      case SQLITE_TEXT: {
        auto [data, size] = fetch(bytes_reader<true>{});
        return value_ref::text({static_cast<const char*>(data), size});
      }
      case SQLITE_BLOB: {
        auto [data, size] = fetch(bytes_reader<false>{});
        return value_ref::bytes({static_cast<const std::byte*>(data), size});
      }
      default: return {};
    }
  }
  // column_*() of one storage class, read the same two ways as column().
  template <int Type, class Out, class Reader>
  bool read_as(std::size_t index, Out& out, Reader reader) {
    int i = static_cast<int>(index);
    if (locks_per_call()) {
      if (sqlite3_column_type(stmt_, i) != Type) return false;
      out = reader.column(stmt_, i);
      return true;
    }
    sqlite3_value* v = sqlite3_column_value(stmt_, i);
    if (sqlite3_value_type(v) != Type) return false;
    out = reader.value(v);
    return true;
  }
  struct int64_reader {
    static std::int64_t column(sqlite3_stmt* s, int i) { return sqlite3_column_int64(s, i); }
    static std::int64_t value(sqlite3_value* v) { return sqlite3_value_int64(v); }
  };
  struct double_reader {
    static double column(sqlite3_stmt* s, int i) { return sqlite3_column_double(s, i); }
    static double value(sqlite3_value* v) { return sqlite3_value_double(v); }
  };
  template <bool Text>
  struct bytes_reader {
    using span = std::pair<const void*, std::size_t>;
    // The pointer first, then the size, as SQLite asks: the size then counts the converted form.
    static span column(sqlite3_stmt* s, int i) {
      const void* data = Text ? static_cast<const void*>(sqlite3_column_text(s, i)) : sqlite3_column_blob(s, i);
      return {data, static_cast<std::size_t>(sqlite3_column_bytes(s, i))};
    }
    static span value(sqlite3_value* v) {
      const void* data = Text ? static_cast<const void*>(sqlite3_value_text(v)) : sqlite3_value_blob(v);
      return {data, static_cast<std::size_t>(sqlite3_value_bytes(v))};
    }
  };

  [[noreturn]] void fail(int rc, std::span<const value_ref> parameters);

  // Whether a column read must take SQLite's mutex call by call: the
  // sqlite3_value_*() readers are only safe on the shared connection while the
  // mutex is held (SQLite's "protected" values).
  bool locks_per_call() const noexcept { return shared_ && row_reads_ == 0; }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
  bool shared_;  // the connection is shared between threads
  int row_reads_ = 0;  // open begin_row_read() brackets, each holding SQLite's mutex
  bool readonly_ = false;
  std::size_t columns_ = 0;
  std::size_t parameter_count_ = 0;
  bool pending_row_ = false;  // execute() stepped onto a row that next() has not handed out
  bool on_row_ = false;
  bool needs_reset_ = false;  // stepped since the last reset: must reset before binding again
  std::int64_t rowcount_ = -1;
  std::int64_t lastrowid_ = 0;
};

class connection final : public dbapi_connection {
 public:
  connection(const std::string& path, const engine_options& options, bool shared, const std::string& vfs = {})
      : shared_(shared) {
    // A connection is used by one thread at a time, except the one in-memory
    // connection that every checkout shares: only that one needs SQLite's mutex.
    // The pool hands it to one thread, but a Connection, Result or Session that
    // holds it may be used from another thread while its owner checks it out
    // again, so the mutex stays (it costs a lock per sqlite3_column_*() call).
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
                (shared ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX);
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, vfs.empty() ? nullptr : vfs.c_str());
    if (rc != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw_error(rc, "unable to open database file '" + path + "': " + message, {});
    }
    try {
      configure(options);
    } catch (...) {
      sqlite3_close_v2(db_);  // the destructor does not run for a constructor that throws
      throw;
    }
  }
  ~connection() override { sqlite3_close_v2(db_); }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  std::unique_ptr<dbapi_statement> prepare(std::string_view sql) override;

  void execute_simple(std::string_view sql) override;

  bool ping() noexcept override { return sqlite3_exec(db_, "SELECT 1", nullptr, nullptr, nullptr) == SQLITE_OK; }
  bool is_usable() const noexcept override { return db_ != nullptr; }
  bool in_transaction() const noexcept override { return sqlite3_get_autocommit(db_) == 0; }
  // A deferred BEGIN takes no lock until the first read; waiting for the first
  // write keeps a reader from holding a shared lock, which in rollback-journal
  // mode blocks other connections' COMMIT, and on the one connection of an
  // in-memory database blocks every other transaction. In WAL mode readers block
  // no writer, so BEGIN goes at the first statement: reads then see one snapshot
  // and skip a lock per statement. BEGIN IMMEDIATE and EXCLUSIVE lock early on purpose.
  bool begins_at_first_write() const noexcept override { return begin_at_first_write_; }
  std::size_t max_parameters() const noexcept override {
    return static_cast<std::size_t>(sqlite3_limit(db_, SQLITE_LIMIT_VARIABLE_NUMBER, -1));
  }
  std::string server_version() const override { return sqlite3_libversion(); }
  void* native_handle() noexcept override { return db_; }

 private:
  void configure(const engine_options& options);

  sqlite3* db_ = nullptr;
  bool shared_;
  bool begin_at_first_write_ = false;
};

}  // namespace quarry::sqlite

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dialect/sqlite/impl/driver.ipp"
#endif
