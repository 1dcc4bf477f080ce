// The sqlite3 C API behind the driver contract.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

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
  statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql, bool shared)
      : db_(db), stmt_(stmt), sql_(std::move(sql)), shared_(shared) {
    columns_ = static_cast<std::size_t>(sqlite3_column_count(stmt_));
    parameter_count_ = static_cast<std::size_t>(sqlite3_bind_parameter_count(stmt_));
    readonly_ = sqlite3_stmt_readonly(stmt_) != 0;
  }
  ~statement() override { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  std::string_view sql() const override { return sql_; }

  void execute(std::span<const value_ref> parameters) override {
    close_cursor();
    bind_all(parameters);
    needs_reset_ = true;
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      pending_row_ = true;
      rowcount_ = -1;
    } else if (rc == SQLITE_DONE) {
      rowcount_ = columns_ == 0 ? sqlite3_changes64(db_) : -1;
    } else {
      fail(rc, parameters);
    }
    lastrowid_ = sqlite3_last_insert_rowid(db_);
  }

  std::int64_t execute_many(parameter_batch& batch, row_sink* rows) override {
    close_cursor();
    std::int64_t total = 0;
    for (std::size_t i = 0, n = batch.size(); i < n; ++i) {
      auto parameters = batch.parameters(i);
      bind_all(parameters);
      int rc;
      while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW)
        if (rows) rows->row(i, *this);
      if (rc != SQLITE_DONE) fail(rc, parameters);
      total += sqlite3_changes64(db_);
      if (rows) rows->inserted(i, sqlite3_last_insert_rowid(db_));
      sqlite3_reset(stmt_);
    }
    lastrowid_ = sqlite3_last_insert_rowid(db_);
    rowcount_ = total;
    return total;
  }

  bool next() override {
    if (pending_row_) {
      pending_row_ = false;
      on_row_ = true;
      return true;
    }
    if (!on_row_) return false;
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    on_row_ = false;
    if (rc != SQLITE_DONE) fail(rc, {});
    return false;
  }

  std::size_t column_count() const override { return columns_; }
  std::string_view column_name(std::size_t index) const override {
    const char* name = sqlite3_column_name(stmt_, static_cast<int>(index));
    return name ? name : "";
  }

  value_ref column(std::size_t index) override {
    int i = static_cast<int>(index);
    // One sqlite3_column_value() call, then the cheap sqlite3_value_*() readers: each
    // sqlite3_column_*() call costs a lookup of its own. Those readers are not
    // serialized by SQLite's mutex, so a connection shared between threads (the
    // in-memory one) reads column by column instead.
    if (shared_) return read(sqlite3_column_type(stmt_, i), [&](auto reader) { return reader.column(stmt_, i); });
    sqlite3_value* v = sqlite3_column_value(stmt_, i);
    return read(sqlite3_value_type(v), [&](auto reader) { return reader.value(v); });
  }

  bool column_integer(std::size_t index, std::int64_t& out) override {
    return read_as<SQLITE_INTEGER>(index, out, int64_reader{});
  }
  bool column_real(std::size_t index, double& out) override {
    return read_as<SQLITE_FLOAT>(index, out, double_reader{});
  }
  bool column_text(std::size_t index, std::string_view& out) override {
    std::pair<const void*, std::size_t> bytes;
    if (!read_as<SQLITE_TEXT>(index, bytes, bytes_reader<true>{})) return false;
    out = {static_cast<const char*>(bytes.first), bytes.second};
    return true;
  }

  bool is_readonly() const override { return readonly_; }
  std::int64_t rowcount() const override { return rowcount_; }
  std::optional<std::int64_t> lastrowid() const override { return lastrowid_; }

  void close_cursor() noexcept override {
    if (needs_reset_) sqlite3_reset(stmt_);
    pending_row_ = on_row_ = needs_reset_ = false;
  }

 private:
  void bind_all(std::span<const value_ref> parameters) {
    if (parameters.size() != parameter_count_)
      throw ProgrammingError("Incorrect number of bindings supplied: the statement uses " +
                                 std::to_string(parameter_count_) + ", and " + std::to_string(parameters.size()) +
                                 " were supplied",
                             {sql_, detail::render_params(parameters), SQLITE_RANGE, {}, false});
    for (std::size_t i = 0; i < parameters.size(); ++i) bind(static_cast<int>(i + 1), parameters[i], parameters);
  }

  // A statement without rows runs to completion inside execute(), while the
  // caller's values are alive, so SQLite may point at them. Rows are stepped
  // later, when the values may be gone: SQLite copies them.
  sqlite3_destructor_type lifetime() const noexcept { return columns_ == 0 ? SQLITE_STATIC : SQLITE_TRANSIENT; }

  void bind(int index, value_ref v, std::span<const value_ref> all) {
    int rc = SQLITE_OK;
    switch (v.kind()) {
      case value_kind::null: rc = sqlite3_bind_null(stmt_, index); break;
      case value_kind::boolean:
      case value_kind::integer: rc = sqlite3_bind_int64(stmt_, index, v.as_int64()); break;
      case value_kind::real:
        // SQLite silently stores NaN as NULL; refuse it rather than lose the value.
        if (std::isnan(v.as_double()))
          throw DataError("quarry: SQLite cannot store NaN (it would become NULL); store NULL or text explicitly",
                          {sql_, detail::render_params(all), 0, {}, false});
        rc = sqlite3_bind_double(stmt_, index, v.as_double());
        break;
      case value_kind::text:
      case value_kind::decimal: {
        auto text = v.as_text();
        // An explicit length keeps embedded NUL bytes; "" keeps empty text from binding as NULL.
        rc = sqlite3_bind_text64(stmt_, index, text.empty() ? "" : text.data(), text.size(), lifetime(), SQLITE_UTF8);
        break;
      }
      case value_kind::blob:
      case value_kind::uuid: {  // a uuid is a 16-byte blob on SQLite
        auto bytes = v.as_blob();
        rc = bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                           : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), lifetime());
        break;
      }
    }
    if (rc != SQLITE_OK) throw_error(rc, sqlite3_errstr(rc), sql_, all);
  }

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
    if (shared_) {
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

  [[noreturn]] void fail(int rc, std::span<const value_ref> parameters) {
    int extended = sqlite3_extended_errcode(db_);
    std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(stmt_);
    pending_row_ = on_row_ = false;
    throw_error(extended ? extended : rc, std::move(message), sql_, parameters);
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
  bool shared_;  // the connection is shared between threads
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

  std::unique_ptr<dbapi_statement> prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                &tail);
    if (rc != SQLITE_OK) throw_error(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_), sql);
    if (!stmt) throw ProgrammingError("the statement is empty", {std::string(sql), {}, SQLITE_MISUSE, {}, false});
    auto prepared = std::make_unique<statement>(db_, stmt, std::string(sql), shared_);
    // sqlite3_prepare compiles only the first statement: refuse the rest rather than drop it.
    for (const char* end = sql.data() + sql.size(); tail && tail < end; ++tail) {
      if (*tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r' && *tail != ';')
        throw ProgrammingError("You can only execute one statement at a time",
                               {std::string(sql), {}, SQLITE_MISUSE, {}, false});
    }
    return prepared;
  }

  void execute_simple(std::string_view sql) override {
    char* error = nullptr;
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errstr(rc);
      sqlite3_free(error);
      throw_error(sqlite3_extended_errcode(db_), std::move(message), sql);
    }
  }

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
  void configure(const engine_options& options) {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(options.sqlite_busy_timeout.count()));
    if (options.sqlite_foreign_keys) execute_simple("PRAGMA foreign_keys = ON");
    if (options.sqlite_wal) execute_simple("PRAGMA journal_mode = WAL");
    if (options.sqlite_synchronous) {
      const std::string& mode = *options.sqlite_synchronous;
      if (mode != "OFF" && mode != "NORMAL" && mode != "FULL" && mode != "EXTRA")
        throw ArgumentError("quarry: sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA, not '" + mode + "'");
      execute_simple("PRAGMA synchronous = " + mode);
    }
    if (options.sqlite_begin == sqlite_begin_mode::deferred) {
      sqlite3_stmt* stmt = nullptr;
      bool wal = false;
      if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        auto mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        wal = mode && std::string_view(mode) == "wal";
      }
      sqlite3_finalize(stmt);
      begin_at_first_write_ = !wal;
    }
  }

  sqlite3* db_ = nullptr;
  bool shared_;
  bool begin_at_first_write_ = false;
};

}  // namespace quarry::sqlite
