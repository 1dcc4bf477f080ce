// The non-template implementation of quarry/dialect/sqlite/driver.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dialect/sqlite/driver.hpp"

namespace quarry::sqlite {

QUARRY_DECL statement::statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql, serial_lock serial)
    : db_(db), stmt_(stmt), sql_(std::move(sql)), serial_(std::move(serial)) {
  columns_ = static_cast<std::size_t>(sqlite3_column_count(stmt_));
  parameter_count_ = static_cast<std::size_t>(sqlite3_bind_parameter_count(stmt_));
  readonly_ = sqlite3_stmt_readonly(stmt_) != 0;
}

QUARRY_DECL auto statement::execute(std::span<const value_ref> parameters) -> void {
  serial_call call(lock_to_take());
  reset_cursor();
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

QUARRY_DECL auto statement::execute_many(parameter_batch& batch, row_sink* rows) -> std::int64_t {
  close_cursor();
  // The batch's values and the sink's reads may run the application's
  // converters: the serial lock is held only for SQLite's calls, and each step
  // reads what it changed (rowid, changes) before letting go.
  std::int64_t total = 0;
  std::int64_t rowid;
  {
    serial_call call(lock_to_take());
    rowid = sqlite3_last_insert_rowid(db_);  // what lastrowid() stays at for an empty batch
  }
  for (std::size_t i = 0, n = batch.size(); i < n; ++i) {
    auto parameters = batch.parameters(i);
    bool first = true;
    auto step = [&] {
      serial_call call(lock_to_take());
      bool starting = first;
      if (starting) bind_all(parameters);
      first = false;
      needs_reset_ = true;
      int rc = sqlite3_step(stmt_);
      // A statement with RETURNING makes all its changes in its first step.
      if (starting) rowid = sqlite3_last_insert_rowid(db_);
      if (rc == SQLITE_ROW) return true;
      if (rc != SQLITE_DONE) fail(rc, parameters);
      total += sqlite3_changes64(db_);
      reset_cursor();
      return false;
    };
    try {
      while (step())
        if (rows) rows->row(i, *this);
    } catch (...) {
      close_cursor();  // a sink that threw mid-statement: no statement stays active
      throw;
    }
    if (rows) rows->inserted(i, rowid);
  }
  lastrowid_ = rowid;
  rowcount_ = total;
  return total;
}

QUARRY_DECL auto statement::next() -> bool {
  if (pending_row_) {
    pending_row_ = false;
    on_row_ = true;
    return true;
  }
  if (!on_row_) return false;
  if (serial_) [[unlikely]]
    return step_row_serialized();
  return step_row();
}

QUARRY_DECL auto statement::step_row() -> bool {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  on_row_ = false;
  if (rc != SQLITE_DONE) fail(rc, {});  // with the serial lock still held, if any: fail() reads the connection's error
  return false;
}

QUARRY_DECL auto statement::column_name(std::size_t index) const -> std::string_view {
  serial_call call(lock_to_take());
  const char* name = sqlite3_column_name(stmt_, static_cast<int>(index));
  return name ? name : "";
}

QUARRY_DECL auto statement::column(std::size_t index) -> value_ref {
  serial_call call(lock_to_take());
  return read(sqlite3_column_value(stmt_, static_cast<int>(index)));
}

QUARRY_DECL auto statement::read(sqlite3_value* v) -> value_ref {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: return value_ref::integer(sqlite3_value_int64(v));
    case SQLITE_FLOAT: return value_ref::real(sqlite3_value_double(v));
    case SQLITE_TEXT: return value_ref::text(text_reader{}(v));
    case SQLITE_BLOB: {
      const void* data = sqlite3_value_blob(v);  // before the size, as for text
      return value_ref::bytes({static_cast<const std::byte*>(data), static_cast<std::size_t>(sqlite3_value_bytes(v))});
    }
    default: return {};
  }
}

QUARRY_DECL auto statement::close_cursor() noexcept -> void {
  if (!needs_reset_) {
    pending_row_ = on_row_ = false;
    return;
  }
  serial_call call(lock_to_take());
  reset_cursor();
}

QUARRY_DECL auto statement::reset_cursor() noexcept -> void {
  if (needs_reset_) sqlite3_reset(stmt_);
  pending_row_ = on_row_ = needs_reset_ = false;
}

QUARRY_DECL auto statement::bind_all(std::span<const value_ref> parameters) -> void {
  if (parameters.size() != parameter_count_)
    throw ProgrammingError("Incorrect number of bindings supplied: the statement uses " +
                               std::to_string(parameter_count_) + ", and " + std::to_string(parameters.size()) +
                               " were supplied",
                           {sql_, detail::render_params(parameters), SQLITE_RANGE, {}, false});
  for (std::size_t i = 0; i < parameters.size(); ++i) bind(static_cast<int>(i + 1), parameters[i], parameters);
}

QUARRY_DECL auto statement::bind(int index, value_ref v, std::span<const value_ref> all) -> void {
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

QUARRY_DECL auto statement::fail(int rc, std::span<const value_ref> parameters) -> void {
  int extended = sqlite3_extended_errcode(db_);
  std::string message = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  pending_row_ = on_row_ = false;
  throw_error(extended ? extended : rc, std::move(message), sql_, parameters);
}

QUARRY_DECL auto connection::prepare(std::string_view sql) -> std::unique_ptr<dbapi_statement> {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  std::unique_ptr<statement> prepared;
  {
    serial_call call(serial_.get());
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                &tail);
    if (rc != SQLITE_OK) throw_error(sqlite3_extended_errcode(db_), sqlite3_errmsg(db_), sql);
    if (!stmt) throw ProgrammingError("the statement is empty", {std::string(sql), {}, SQLITE_MISUSE, {}, false});
    prepared = std::make_unique<statement>(db_, stmt, std::string(sql), serial_);
  }  // a refused tail finalizes the statement, which takes the lock again
  // sqlite3_prepare compiles only the first statement: refuse the rest rather than drop it.
  for (const char* end = sql.data() + sql.size(); tail && tail < end; ++tail) {
    if (*tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r' && *tail != ';')
      throw ProgrammingError("You can only execute one statement at a time",
                             {std::string(sql), {}, SQLITE_MISUSE, {}, false});
  }
  return prepared;
}

QUARRY_DECL auto connection::execute_simple(std::string_view sql) -> void {
  char* error = nullptr;
  std::string text(sql);
  serial_call call(serial_.get());
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw_error(sqlite3_extended_errcode(db_), std::move(message), sql);
  }
}

QUARRY_DECL auto connection::configure(const engine_options& options) -> void {
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

}  // namespace quarry::sqlite
