// Connection and Transaction: statements on one pooled connection, transactions and savepoints.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quarry/core/compiled.hpp"
#include "quarry/core/detail/batch.hpp"
#include "quarry/engine/call_site.hpp"
#include "quarry/engine/detail/engine_state.hpp"
#include "quarry/engine/explain.hpp"
#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/engine/params.hpp"
#include "quarry/engine/result.hpp"
#include "quarry/engine/text.hpp"
#include "quarry/errors.hpp"

namespace quarry {

class Connection;

// A transaction or savepoint, rolled back when it goes out of scope uncommitted.
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept
      : connection_(std::move(other.connection_)), generation_(other.generation_), savepoint_(other.savepoint_) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  void commit();
  void rollback();
  // False once committed, rolled back, or ended by an enclosing transaction.
  bool is_active() const noexcept;
  bool is_nested() const noexcept { return savepoint_ != 0; }

 private:
  friend class Connection;
  Transaction(std::shared_ptr<Connection*> connection, std::uint64_t generation, std::uint64_t savepoint)
      : connection_(std::move(connection)), generation_(generation), savepoint_(savepoint) {}

  Connection* connection() const noexcept { return connection_ ? *connection_ : nullptr; }

  // Where the Connection is now: a moved Connection updates it, a destroyed one clears it.
  std::shared_ptr<Connection*> connection_;
  std::uint64_t generation_;  // which root transaction of the connection this belongs to
  std::uint64_t savepoint_;   // 0 for the root transaction
};

// Per-connection settings, as SQLAlchemy's Connection.execution_options().
struct connection_options {
  std::optional<quarry::isolation_level> isolation_level{};
  // PostgreSQL: fetch rows one at a time instead of the whole result at once.
  std::optional<bool> stream_results{};
  // SQLite: how this connection's transactions begin; IMMEDIATE takes the write
  // lock at BEGIN, so that a reader cannot be overtaken between read and write.
  std::optional<sqlite_begin_mode> sqlite_begin{};
};

// One connection checked out of the Engine's pool. Not thread-safe: use one per
// thread. Statements run inside a transaction that begins on first use
// ("commit as you go": call commit()), or inside begin()'s RAII transaction.
// Closing (or destroying) the Connection rolls back what is uncommitted and
// returns the driver connection to the pool.
class Connection {
 public:
  explicit Connection(std::shared_ptr<detail::engine_state> engine);
  Connection(Connection&& other) noexcept : handle_(nullptr) { *this = std::move(other); }
  Connection& operator=(Connection&& other) noexcept;
  ~Connection();

  // Runs a text() statement with named or positional parameters.
  Result execute(const text_clause& statement, const params& parameters = {}, source_location where = source_location::current());

  // Runs a Core statement (select, insert, update, delete). Rows come back
  // typed as the statement's row_type; a statement without rows gives a
  // Result (rowcount, lastrowid). bindparam() values come from `parameters`.
  template <executable Statement>
  auto execute(const Statement& statement, const params& parameters = {}, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
    detail::execution_plan plan;
    statement.plan(dialect(), plan);
    Result result = run_plan(plan, parameters);
    if constexpr (std::is_void_v<typename Statement::row_type>) return result;
    else return typed_rows<typename Statement::row_type>(std::move(result));
  }

  // executemany(): the statement prepared once and run for each element of
  // `rows` (model objects for an insert of their table, or rows of bindparam() values).
  template <executable Statement, std::ranges::input_range Rows>
    requires requires(const Statement& s, const quarry::dialect& d, const Rows& r) { s.many(d, r); }
  Result execute(const Statement& statement, const Rows& rows, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
    auto runs = statement.many(dialect(), rows);
    Result result;
    std::int64_t total = 0;
    for (auto& run : runs) {
      result = run_many(detail::sql_key{run.compiled->sql, run.compiled->hash}, *run.batch);
      total += result.rowcount() > 0 ? result.rowcount() : 0;
    }
    result.rowcount_ = runs.empty() ? 0 : total;
    return result;
  }

  // execute()'s part that does not depend on the statement's type: each
  // placeholder's value from the statement's literals or from `parameters`, then the run.
  Result run_plan(const detail::execution_plan& plan, const params& parameters);

  // A compiled statement with its values in placeholder order: what the ORM's
  // unit of work runs, with statements it compiled once per model.
  Result execute_compiled(const compiled_statement& statement, std::span<const value_ref> parameters) {
    return run(detail::sql_key{statement.sql, statement.hash}, parameters);
  }
  // The same, once per parameter set; rows it returns (RETURNING) go to `rows`.
  Result execute_compiled_many(const compiled_statement& statement, parameter_batch& batch, row_sink* rows = nullptr) {
    return run_many(detail::sql_key{statement.sql, statement.hash}, batch, rows);
  }

  // Runs SQL in the dialect's own syntax, unparsed: `?` or `$1` placeholders, PRAGMA, SET, ...
  Result exec_driver_sql(std::string_view sql, std::initializer_list<param> parameters = {}, source_location where = source_location::current()) {
    return exec_driver_sql(sql, std::span<const param>(parameters.begin(), parameters.size()), where);
  }
  Result exec_driver_sql(std::string_view sql, std::span<const param> parameters, source_location where = source_location::current());

  // Runs one prepared statement once per element of `rows`: tuples, aggregates,
  // vectors of values (positional), or maps from name to value (named).
  template <std::ranges::input_range Rows>
  Result executemany(const text_clause& statement, const Rows& rows, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
    detail::range_batch batch(rows, statement.parameter_names());
    return run_many(statement.key(dialect().paramstyle()), batch);
  }

  // The database's plan for a statement, as a typed tree (SQLite's EXPLAIN QUERY
  // PLAN, PostgreSQL's EXPLAIN (FORMAT JSON)); with analyze the statement runs,
  // inside a savepoint that is rolled back. See explain.hpp.
  template <executable Statement>
  query_plan explain(const Statement& statement, const explain_options& options = {}, const params& parameters = {}) {
    detail::execution_plan plan;
    statement.plan(dialect(), plan);
    return explain_plan(plan, parameters, options);
  }
  query_plan explain(const text_clause& statement, const explain_options& options = {}, const params& parameters = {});
  query_plan explain_plan(const detail::execution_plan& plan, const params& parameters, const explain_options& options);
  // The plan of SQL in the dialect's own syntax, with its placeholders' values (as exec_driver_sql() runs it).
  query_plan explain_driver_sql(const std::string& sql, std::span<const value_ref> parameters, const explain_options& options = {});

  // Opens the transaction explicitly; an error if one is already open.
  Transaction begin();

  // A SAVEPOINT inside the current transaction (which begins if needed).
  Transaction begin_nested();

  // A COMMIT that fails leaves this Connection where the database is: the
  // error's transaction_outcome() says whether the transaction was rolled back
  // (then it is over here too), is unknown (the connection was lost: rollback()
  // next), or is none (the transaction is still open: retry or roll back).
  void commit();

  void rollback();

  bool in_transaction() const noexcept { return in_transaction_; }
  bool in_nested_transaction() const noexcept { return !savepoints_.empty(); }

  // Applies per-connection settings; isolation changes need no open transaction.
  Connection& execution_options(const connection_options& options);

  void set_isolation_level(quarry::isolation_level level);
  // The level set on this connection or its engine; empty means the driver's default.
  std::optional<quarry::isolation_level> isolation_level() const noexcept {
    return isolation_ ? isolation_ : engine_->options.isolation_level;
  }

  void close() noexcept;
  bool closed() const noexcept { return closed_; }

  // True after the driver connection died; see rollback().
  bool invalidated() const noexcept { return invalidated_; }
  // Marks the driver connection as unusable: the pool closes it on return.
  void invalidate();

  // The driver connection (sqlite3*, PGconn* through native_handle()). The
  // in-memory SQLite connection (sqlite://) is opened without SQLite's mutex:
  // call into its handle only while no Result of it is read on another thread.
  dbapi_connection& driver();
  const quarry::dialect& dialect() const noexcept { return *engine_->sql_dialect; }
  const URL& url() const noexcept { return engine_->url; }
  std::size_t cached_statements() const noexcept { return lease_ ? lease_->pooled->statements.size() : 0; }

 private:
  friend class Transaction;

  // The values of one execution: on the stack for statements with few
  // parameters (left uninitialized: every slot is filled before use), on the heap for more.
  class parameter_buffer {
   public:
    explicit parameter_buffer(std::size_t size);
    parameter_buffer(const parameter_buffer&) = delete;
    parameter_buffer& operator=(const parameter_buffer&) = delete;
    std::span<value_ref> refs() const noexcept { return refs_; }

   private:
    static constexpr std::size_t small_size = 16;
    alignas(value_ref) std::byte small_[small_size * sizeof(value_ref)];
    std::vector<value_ref> large_;
    std::span<value_ref> refs_;
  };

  static std::string savepoint_name(std::uint64_t id) { return "sa_savepoint_" + std::to_string(id); }

  PendingRollbackError pending_rollback() const;

  void check_open() const {
    if (closed_ || !engine_) throw ResourceClosedError("quarry: this Connection is closed");
  }

  // Makes sure a live driver connection is leased, replacing one that died
  // outside a transaction; inside one, only rollback() may go on.
  void check_usable();

  void resolve(const text_clause& statement, const params& parameters, std::span<value_ref> out) const;

  // The value of a bindparam(): by name, or positionally in the order names first appear.
  static value_ref bound_value(const compiled_statement& compiled, const std::string& name, const params& parameters);

  // Parameter names are short: comparing them inline is cheaper than calling memcmp.
  static bool same_name(std::string_view a, std::string_view b) noexcept;

  // The cached statement for this SQL, or a one-off one while the cached one is still being read.
  struct prepared {
    dbapi_statement* statement;
    std::unique_ptr<dbapi_statement> owned;
    detail::statement_cache::entry* entry;
    bool cache_hit = false;  // prepared before, reused now
  };
  prepared prepare(detail::sql_key key);

  Result run(detail::sql_key key, std::span<const value_ref> refs, const source_location* where = nullptr);

  // Keeps the full-scan flags of tables with at least `rows` rows (counted no further than that).
  void keep_large_scans(query_plan& plan, std::size_t rows);

  Result run_many(detail::sql_key key, parameter_batch& batch, row_sink* rows = nullptr);

  // The deferred BEGIN goes before the first statement that can write.
  void begin_before(prepared& statement);

  // Frees the statement for reuse and lets note_failure() see a driver error.
  void failed(prepared& statement);

  // Keeps this Connection's idea of its transaction equal to the database's
  // after a driver error. A dead driver connection is invalidated, and the pool's
  // other connections with it: inside a
  // transaction the Connection then refuses work until rollback() (the server
  // rolled back, unless the error came from COMMIT, whose outcome is then
  // unknown); outside one the next statement leases a fresh connection. A
  // transaction the database ended by itself (a failed COMMIT, SQLite's INSERT
  // OR ROLLBACK, a full disk) ends here too, so that the next statement begins a
  // new one instead of committing on its own.
  void note_failure(DBAPIError& e, bool committing = false);

  // SAVEPOINT, RELEASE and ROLLBACK TO are statements to execute listeners (as
  // in SQLAlchemy, where they go through execute); BEGIN, COMMIT and ROLLBACK are not.
  void savepoint_statement(const std::string& sql);

  void simple(const std::string& sql);
  void send_simple(const std::string& sql);

  void begin_transaction(bool implicit);
  // The BEGIN statement for an isolation level, with this connection's SQLite begin mode.
  std::string begin_statement_for(std::optional<quarry::isolation_level> level) const;

  void send_begin();

  void end_transaction() noexcept;

  bool savepoint_active(std::uint64_t id) const noexcept;

  void end_savepoint(std::uint64_t id, bool commit);

  std::shared_ptr<detail::engine_state> engine_;
  std::shared_ptr<Connection*> handle_ = std::make_shared<Connection*>(this);
  std::shared_ptr<detail::connection_lease> lease_;
  std::string begin_sql_;  // empty in AUTOCOMMIT
  std::optional<quarry::isolation_level> isolation_;
  bool in_transaction_ = false;
  bool transaction_sent_ = false;  // BEGIN went to the server (not in AUTOCOMMIT)
  bool begin_deferred_ = false;    // BEGIN waits for the first statement that writes
  std::optional<sqlite_begin_mode> sqlite_begin_;  // this connection's own, over the engine's
  std::uint64_t generation_ = 0;
  std::vector<std::uint64_t> savepoints_;
  std::uint64_t next_savepoint_ = 0;
  bool invalidated_ = false;
  bool closed_ = false;
};





}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/connection.ipp"
#include "quarry/engine/impl/connection_explain.ipp"
#endif
