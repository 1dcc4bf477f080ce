// The driver contract (PEP 249's role): dialect, dbapi_connection, dbapi_statement, parameter batches.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "quarry/dbapi/options.hpp"
#include "quarry/errors.hpp"
#include "quarry/dbapi/url.hpp"
#include "quarry/types/sql_type.hpp"
#include "quarry/types/value.hpp"

// The contract between the engine and a database driver (PEP 249's role).
// A dialect plugs in by implementing `dialect`, `dbapi_connection` and
// `dbapi_statement` and registering itself (see registry.hpp); the SQLite and
// PostgreSQL dialects are written against nothing else. Drivers report failures
// by throwing the DBAPIError family with the SQL and the rendered parameters.
namespace quarry {

// How a dialect writes bound parameters: `?` (SQLite) or `$1` (PostgreSQL).
enum class paramstyle : unsigned char { qmark, numeric_dollar };

// Parameter sets for executemany(), produced one at a time so nothing is copied.
class parameter_batch {
 public:
  virtual ~parameter_batch() = default;
  virtual std::size_t size() const = 0;
  // The values of set `index`; valid until the next call.
  virtual std::span<const value_ref> parameters(std::size_t index) = 0;
};

class dbapi_statement;

// Receives the rows an executemany() returns (INSERT ... RETURNING of many
// rows): `set` is the parameter set that produced the row, which the cursor is on.
class row_sink {
 public:
  virtual ~row_sink() = default;
  virtual void row(std::size_t set, dbapi_statement& cursor) = 0;
  // The rowid parameter set `set` inserted, from drivers that have one (SQLite).
  virtual void inserted(std::size_t set, std::int64_t lastrowid);
};

// One prepared statement on one connection, and the cursor over its last execution.
class dbapi_statement {
 public:
  virtual ~dbapi_statement() = default;
  virtual std::string_view sql() const = 0;

  // Runs the statement; its rows are then read with next()/column() until the
  // next execute() or close_cursor().
  virtual void execute(std::span<const value_ref> parameters) = 0;
  // Runs the statement once per parameter set; returns the total rows affected.
  // Rows the statement returns go to `rows` when it is given, else are dropped.
  virtual std::int64_t execute_many(parameter_batch& batch, row_sink* rows) = 0;

  virtual bool next() = 0;  // advances to the next row; false after the last
  virtual std::size_t column_count() const = 0;
  virtual std::string_view column_name(std::size_t index) const = 0;
  // The value of a column in the current row; views stay valid until next().
  virtual value_ref column(std::size_t index) = 0;
  // The current row's column when it holds an integer, a real or text: true with
  // the value, or false (with `out` untouched) for any other kind or NULL, when the
  // caller reads column() instead. Typed rows read through these, so a driver that
  // overrides them skips building a value_ref per column.
  virtual bool column_integer(std::size_t index, std::int64_t& out);
  virtual bool column_real(std::size_t index, double& out);
  virtual bool column_text(std::size_t index, std::string_view& out);
  // Bracket the reads of a whole row (they may nest; Quarry runs no converter of
  // the application's between them), so that a driver whose every column read
  // takes a lock (SQLite's shared in-memory connection) takes it once for the row.
  virtual void begin_row_read() {}
  virtual void end_row_read() noexcept {}
  // True when the statement cannot write (SQLite's sqlite3_stmt_readonly()); a
  // dialect that begins transactions at the first write asks before executing.
  virtual bool is_readonly() const { return false; }
  virtual std::int64_t rowcount() const = 0;                 // -1 when unknown
  virtual std::optional<std::int64_t> lastrowid() const = 0;  // the inserted row's id, where the driver has one
  // Releases the current result so the statement can run again.
  virtual void close_cursor() noexcept = 0;
};

class dbapi_connection {
 public:
  virtual ~dbapi_connection() = default;
  // Prepares a statement; the engine caches what this returns.
  virtual std::unique_ptr<dbapi_statement> prepare(std::string_view sql) = 0;
  // Runs a statement without parameters or rows: BEGIN, COMMIT, SAVEPOINT, SET ...
  virtual void execute_simple(std::string_view sql) = 0;
  // A real round trip to the server; false when the connection is dead.
  virtual bool ping() noexcept = 0;
  // False once the driver knows the connection is gone.
  virtual bool is_usable() const noexcept = 0;
  virtual bool in_transaction() const noexcept = 0;
  // Whether a transaction's BEGIN waits for the first statement that writes, as
  // Python's sqlite3 driver (and so SQLAlchemy) does: a Connection or Session
  // that only reads then holds no lock that blocks other writers.
  virtual bool begins_at_first_write() const noexcept { return false; }
  // Whether a BEGIN inside a transaction nests (a connection joined to a test's
  // outer transaction turns each BEGIN into a SAVEPOINT); otherwise a second
  // BEGIN on a connection already in a transaction is refused.
  virtual bool nests_transactions() const noexcept { return false; }
  // Most bound parameters one statement may carry (SQLite reads its limit at run time).
  virtual std::size_t max_parameters() const noexcept = 0;
  virtual std::string server_version() const = 0;
  // PostgreSQL: fetch rows one at a time rather than whole results. Drivers that
  // always stream (SQLite) ignore it.
  virtual void set_stream_results(bool) {}
  // Called before the connection and its statements are destroyed, so that
  // statements skip per-statement cleanup the closing session makes moot.
  virtual void prepare_to_close() noexcept {}
  // The driver's own handle (sqlite3*, PGconn*) for what Quarry does not wrap.
  virtual void* native_handle() noexcept = 0;
};

// The SQL spelling and the connection factory of one database family.
class dialect {
 public:
  virtual ~dialect() = default;
  virtual std::string_view name() const = 0;
  virtual quarry::paramstyle paramstyle() const = 0;
  virtual std::unique_ptr<dbapi_connection> connect(const URL& url, const engine_options& options) const = 0;
  // True when every checkout must share one connection (in-memory SQLite).
  virtual bool single_connection(const URL&) const { return false; }
  // The statement that opens a transaction at this isolation level, or an
  // ArgumentError when the dialect has no such level.
  virtual std::string begin_statement(std::optional<isolation_level> level, const engine_options& options) const = 0;
  // How this dialect spells a column type. The default is standard SQL; the
  // built-in dialects override what they spell differently.
  virtual std::string type_name(const sql_type& type) const;

  // SQL-compiler rules where databases differ; the defaults are PostgreSQL's and the standard's.
  // The LIMIT to write when only OFFSET is wanted and LIMIT cannot be left out (SQLite: -1).
  virtual std::string_view limit_for_offset_only() const { return {}; }
  // Without ILIKE, ilike() compiles to lower(a) LIKE lower(b).
  virtual bool supports_ilike() const { return true; }
  // Native enum types (CREATE TYPE ... AS ENUM); otherwise enums are text with a CHECK.
  virtual bool native_enums() const { return false; }
  // The column type of an integer primary key that the database numbers itself.
  virtual std::string autoincrement_type(const sql_type& type) const {
    return type_name(type) + " GENERATED BY DEFAULT AS IDENTITY";
  }
  // A query with one bound parameter, the table name, that returns a row when the table exists.
  virtual std::string has_table_sql() const;

  // With native enums: a query with one bound parameter, the type's lower-case
  // name, that returns a row when the type exists.
  virtual std::string has_enum_sql() const { return {}; }

  // Whether JSON's -> and ->> take a JSON path ('$."key"') rather than a key or index.
  virtual bool json_element_as_path() const { return false; }
  // Whether ->> gives numbers as numbers rather than text.
  virtual bool json_text_keeps_type() const { return false; }

  // Whether an executemany() INSERT reads an autoincrement key back faster as
  // the driver's last row id than through RETURNING (SQLite buffers RETURNING rows).
  virtual bool lastrowid_for_autoincrement() const { return false; }

  // How many rows one INSERT of an executemany() of objects carries (multi-row
  // VALUES), within the dialect's parameter limit; 1 for one row per execution.
  virtual std::size_t insert_rows_per_statement(std::size_t columns) const;

  // Whether an executemany() of `rows` objects into a table goes as COPY ... FROM
  // STDIN, when the INSERT has no RETURNING or ON CONFLICT (the driver's
  // execute_many() then sends each parameter set as one row of the copy).
  virtual bool insert_by_copy(std::size_t rows) const;

  // A query in the dialect's own SQL with three parameters (table, column,
  // count) that returns `count` new values of the sequence numbering that
  // column, and no rows, or NULLs, when an INSERT may not give the column a
  // value; empty where keys are not taken ahead. The unit of work takes keys
  // ahead to COPY new objects whose key the database numbers.
  virtual std::string_view take_keys_sql() const { return {}; }

  // Whether a lower-case word is reserved in this dialect's SQL.
  virtual bool is_reserved_word(std::string_view lowercase) const = 0;

  // The longest identifier, in bytes, the database keeps whole; 0 for no limit.
  virtual std::size_t max_identifier_length() const { return 0; }

  // A name Quarry makes up (an index's ix_<table>_<column>) that fits the limit:
  // too long, it keeps its start and ends in a hash of the whole, so that it is
  // the same each time and two long names stay apart (SQLAlchemy's rule, another hash).
  std::string generated_name(std::string name) const;

  // The identifier in double quotes, with quotes inside it doubled.
  virtual std::string quote_identifier(std::string_view name) const;

  // The identifier as SQL: bare when it reads the same unquoted, quoted when it
  // is a reserved word, has upper-case letters (PostgreSQL folds bare names to
  // lower case), starts with a digit or '$', or holds anything but letters,
  // digits, '_' and '$' (SQLAlchemy's rule).
  // A name longer than the database keeps is refused (IdentifierError).
  std::string format_identifier(std::string_view name) const;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dbapi/impl/interfaces.ipp"
#endif
