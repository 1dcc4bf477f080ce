// The sqlite3 C API behind the driver contract.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <sqlite3.h>

#include <cmath>
#include <memory>
#include <mutex>
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

// The in-memory connection that every checkout shares is opened without SQLite's
// mutex, which would be taken in every column read (and the sqlite3_value_*()
// readers are safe only while it is held). The pool hands that connection to one
// thread at a time, but a Connection, Result or Session holding it may be used
// from another thread while its owner checks it out again, so the driver
// serializes its calls into SQLite with this lock instead: once per call, and
// once per row for a bracketed row read. It is held over no converter of the
// application's, and is recursive, as SQLite's is, so that no path within the
// driver can deadlock on it. Elsewhere it is null and costs a test.
using serial_lock = std::shared_ptr<std::recursive_mutex>;

// Holds the connection's serial lock, when it has one, for one call into SQLite.
class serial_call {
 public:
  explicit serial_call(std::recursive_mutex* lock) : lock_(lock) {
    if (lock_) lock_->lock();
  }
  ~serial_call() {
    if (lock_) lock_->unlock();
  }
  serial_call(const serial_call&) = delete;
  serial_call& operator=(const serial_call&) = delete;

 private:
  std::recursive_mutex* lock_;
};

class statement final : public dbapi_statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql, serial_lock serial);
  ~statement() override {
    serial_call call(lock_to_take());
    sqlite3_finalize(stmt_);
  }
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
  bool column_text(std::size_t index, std::string_view& out) override {
    return read_as<SQLITE_TEXT>(index, out, text_reader{});
  }
  // On the shared connection a row's column reads take the serial lock once for
  // the row rather than once per column; the bracket may nest.
  void begin_row_read() override {
    if (!serial_) return;
    if (row_reads_ == 0) serial_->lock();
    ++row_reads_;
  }
  void end_row_read() noexcept override {
    if (serial_ && --row_reads_ == 0) serial_->unlock();
  }

  bool is_readonly() const override { return readonly_; }
  std::int64_t rowcount() const override { return rowcount_; }
  std::optional<std::int64_t> lastrowid() const override { return lastrowid_; }

  void close_cursor() noexcept override;

 private:
  // close_cursor() for a caller that holds the serial lock.
  void reset_cursor() noexcept;
  // next()'s step onto the following row, and the same holding the serial lock
  // (out of line, so that the path without a lock saves no registers for it).
  bool step_row();
  [[gnu::noinline]] bool step_row_serialized() {
    serial_call call(lock_to_take());
    return step_row();
  }

  void bind_all(std::span<const value_ref> parameters);

  // A statement without rows runs to completion inside execute(), while the
  // caller's values are alive, so SQLite may point at them. Rows are stepped
  // later, when the values may be gone: SQLite copies them.
  sqlite3_destructor_type lifetime() const noexcept { return columns_ == 0 ? SQLITE_STATIC : SQLITE_TRANSIENT; }

  void bind(int index, value_ref v, std::span<const value_ref> all);

  // The value of one column given its storage class.
  static value_ref read(sqlite3_value* v);
  // column_*() of one storage class: one sqlite3_column_value() call, then the
  // cheap sqlite3_value_*() readers (each sqlite3_column_*() call costs a lookup
  // of its own).
  template <int Type, class Out, class Reader>
  bool read_as(std::size_t index, Out& out, Reader reader) {
    if (std::recursive_mutex* lock = lock_to_take()) [[unlikely]]
      return read_serialized<Type>(*lock, index, out, reader);
    return read_value<Type>(index, out, reader);
  }
  // Out of line, so that the path without a lock saves no registers for it.
  template <int Type, class Out, class Reader>
  [[gnu::noinline]] bool read_serialized(std::recursive_mutex& lock, std::size_t index, Out& out, Reader reader) {
    std::lock_guard guard(lock);
    return read_value<Type>(index, out, reader);
  }
  template <int Type, class Out, class Reader>
  bool read_value(std::size_t index, Out& out, Reader reader) {
    sqlite3_value* v = sqlite3_column_value(stmt_, static_cast<int>(index));
    if (sqlite3_value_type(v) != Type) return false;
    out = reader(v);
    return true;
  }
  // Readers are types, not functions, so that read_as() inlines them.
  struct int64_reader {
    std::int64_t operator()(sqlite3_value* v) const { return sqlite3_value_int64(v); }
  };
  struct double_reader {
    double operator()(sqlite3_value* v) const { return sqlite3_value_double(v); }
  };
  struct text_reader {
    std::string_view operator()(sqlite3_value* v) const {
      // The pointer first, then the size, as SQLite asks: the size then counts the converted form.
      const auto* data = reinterpret_cast<const char*>(sqlite3_value_text(v));
      return {data, static_cast<std::size_t>(sqlite3_value_bytes(v))};
    }
  };

  [[noreturn]] void fail(int rc, std::span<const value_ref> parameters);

  // The serial lock a call into SQLite takes: none on a connection without one,
  // nor inside a row-read bracket of this statement, which holds it (a row
  // read asks for column names too: Row keeps them).
  std::recursive_mutex* lock_to_take() const noexcept {
    std::recursive_mutex* lock = serial_.get();
    return lock && row_reads_ == 0 ? lock : nullptr;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
  serial_lock serial_;  // set on the shared in-memory connection
  int row_reads_ = 0;  // open begin_row_read() brackets; the first holds the serial lock
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
      : serial_(shared ? std::make_shared<std::recursive_mutex>() : nullptr) {
    // Every connection is opened without SQLite's mutex: a pooled one serves one
    // thread at a time, and the shared in-memory one takes the serial lock.
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
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

  bool ping() noexcept override {
    serial_call call(serial_.get());
    return sqlite3_exec(db_, "SELECT 1", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  bool is_usable() const noexcept override { return db_ != nullptr; }
  bool in_transaction() const noexcept override {
    serial_call call(serial_.get());
    return sqlite3_get_autocommit(db_) == 0;
  }
  // A deferred BEGIN takes no lock until the first read; waiting for the first
  // write keeps a reader from holding a shared lock, which in rollback-journal
  // mode blocks other connections' COMMIT, and on the one connection of an
  // in-memory database blocks every other transaction. In WAL mode readers block
  // no writer, so BEGIN goes at the first statement: reads then see one snapshot
  // and skip a lock per statement. BEGIN IMMEDIATE and EXCLUSIVE lock early on purpose.
  bool begins_at_first_write() const noexcept override { return begin_at_first_write_; }
  std::size_t max_parameters() const noexcept override {
    serial_call call(serial_.get());
    return static_cast<std::size_t>(sqlite3_limit(db_, SQLITE_LIMIT_VARIABLE_NUMBER, -1));
  }
  std::string server_version() const override { return sqlite3_libversion(); }
  void* native_handle() noexcept override { return db_; }

 private:
  void configure(const engine_options& options);

  sqlite3* db_ = nullptr;
  serial_lock serial_;  // set on the shared in-memory connection
  bool begin_at_first_write_ = false;
};

}  // namespace quarry::sqlite

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dialect/sqlite/impl/driver.ipp"
#endif
