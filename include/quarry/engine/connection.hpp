// Connection and Transaction: statements on one pooled connection, transactions and savepoints.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

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
#include "quarry/engine/detail/engine_state.hpp"
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
};

// One connection checked out of the Engine's pool. Not thread-safe: use one per
// thread. Statements run inside a transaction that begins on first use
// ("commit as you go": call commit()), or inside begin()'s RAII transaction.
// Closing (or destroying) the Connection rolls back what is uncommitted and
// returns the driver connection to the pool.
class Connection {
 public:
  explicit Connection(std::shared_ptr<detail::engine_state> engine) : engine_(std::move(engine)) {
    lease_ = std::make_shared<detail::connection_lease>(engine_);
    begin_sql_ = engine_->options.isolation_level == isolation_level::autocommit
                     ? std::string()
                     : engine_->sql_dialect->begin_statement(engine_->options.isolation_level, engine_->options);
  }
  Connection(Connection&& other) noexcept : handle_(nullptr) { *this = std::move(other); }
  Connection& operator=(Connection&& other) noexcept {
    if (this != &other) {
      close();
      if (handle_) *handle_ = nullptr;
      handle_ = std::move(other.handle_);
      if (handle_) *handle_ = this;  // its transactions follow it
      engine_ = std::move(other.engine_);
      lease_ = std::move(other.lease_);
      begin_sql_ = std::move(other.begin_sql_);
      isolation_ = other.isolation_;
      in_transaction_ = other.in_transaction_;
      transaction_sent_ = other.transaction_sent_;
      begin_deferred_ = other.begin_deferred_;
      generation_ = other.generation_;
      savepoints_ = std::move(other.savepoints_);
      next_savepoint_ = other.next_savepoint_;
      invalidated_ = other.invalidated_;
      closed_ = other.closed_;
    }
    return *this;
  }
  ~Connection() {
    close();
    if (handle_) *handle_ = nullptr;
  }

  // Runs a text() statement with named or positional parameters.
  Result execute(const text_clause& statement, const params& parameters = {}) {
    parameter_buffer buffer(statement.parameter_names().size());
    resolve(statement, parameters, buffer.refs());  // fills every slot
    return run(statement.key(dialect().paramstyle()), buffer.refs());
  }

  // Runs a Core statement (select, insert, update, delete). Rows come back
  // typed as the statement's row_type; a statement without rows gives a
  // Result (rowcount, lastrowid). bindparam() values come from `parameters`.
  template <executable Statement>
  auto execute(const Statement& statement, const params& parameters = {}) {
    detail::execution_plan plan;
    statement.plan(dialect(), plan);
    const compiled_statement& compiled = *plan.compiled;
    const auto& binds = compiled.binds;
    parameter_buffer buffer(binds.size());
    auto refs = buffer.refs();
    if (compiled.names.empty() && !parameters.empty())
      throw ArgumentError("quarry: parameters were given to a statement without bindparam()");
    for (std::size_t i = 0; i < binds.size(); ++i) {
      const value* literal = plan.literal(i);
      refs[i] = literal ? literal->ref() : bound_value(compiled, binds[i].name, parameters);
    }
    Result result = run(detail::sql_key{compiled.sql, compiled.hash}, refs);
    if constexpr (std::is_void_v<typename Statement::row_type>) return result;
    else return typed_rows<typename Statement::row_type>(std::move(result));
  }

  // executemany(): the statement prepared once and run for each element of
  // `rows` (model objects for an insert of their table, or rows of bindparam() values).
  template <executable Statement, std::ranges::input_range Rows>
    requires requires(const Statement& s, const quarry::dialect& d, const Rows& r) { s.many(d, r); }
  Result execute(const Statement& statement, const Rows& rows) {
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
  Result exec_driver_sql(std::string_view sql, std::initializer_list<param> parameters = {}) {
    return exec_driver_sql(sql, std::span<const param>(parameters.begin(), parameters.size()));
  }
  Result exec_driver_sql(std::string_view sql, std::span<const param> parameters) {
    parameter_buffer buffer(parameters.size());
    for (std::size_t i = 0; i < parameters.size(); ++i) buffer.refs()[i] = parameters[i].ref();
    return run(detail::sql_key::of(sql), buffer.refs());
  }

  // Runs one prepared statement once per element of `rows`: tuples, aggregates,
  // vectors of values (positional), or maps from name to value (named).
  template <std::ranges::input_range Rows>
  Result executemany(const text_clause& statement, const Rows& rows) {
    detail::range_batch batch(rows, statement.parameter_names());
    return run_many(statement.key(dialect().paramstyle()), batch);
  }

  // Opens the transaction explicitly; an error if one is already open.
  Transaction begin() {
    check_usable();
    if (in_transaction_)
      throw InvalidRequestError("quarry: a transaction is already begun on this connection; commit() or "
                                "rollback() it first, or use begin_nested() for a savepoint");
    begin_transaction(false);
    return Transaction(handle_, generation_, 0);
  }

  // A SAVEPOINT inside the current transaction (which begins if needed).
  Transaction begin_nested() {
    check_usable();
    if (!in_transaction_) begin_transaction(true);
    if (begin_deferred_) send_begin();
    std::uint64_t id = ++next_savepoint_;
    savepoint_statement("SAVEPOINT " + savepoint_name(id));
    savepoints_.push_back(id);
    return Transaction(handle_, generation_, id);
  }

  // A COMMIT that fails leaves this Connection where the database is: the
  // error's transaction_outcome() says whether the transaction was rolled back
  // (then it is over here too), is unknown (the connection was lost: rollback()
  // next), or is none (the transaction is still open: retry or roll back).
  void commit() {
    check_open();
    if (!in_transaction_) return;
    if (invalidated_) throw pending_rollback();
    // Echo tells of the Connection's transaction, as SQLAlchemy's does, also
    // when a BEGIN waiting for a write was never sent.
    if (engine_->options.echo && (transaction_sent_ || begin_deferred_)) engine_->log("COMMIT");
    if (transaction_sent_) {
      try {
        lease_->pooled->dbapi->execute_simple("COMMIT");
      } catch (DBAPIError& e) {
        note_failure(e, true);
        throw;
      }
    }
    end_transaction();
  }

  void rollback() {
    check_open();
    if (!in_transaction_) return;
    if (invalidated_) {
      // The connection died: nothing can be rolled back on it, and nothing of
      // the transaction was committed. Hand it back so the pool discards it.
      end_transaction();
      lease_.reset();
      invalidated_ = false;
      return;
    }
    if (transaction_sent_) {
      try {
        simple("ROLLBACK");
      } catch (DBAPIError& e) {
        // A connection the database keeps in the transaction is discarded:
        // closing it rolls back, and nothing of the transaction is committed.
        end_transaction();
        if (lease_ && lease_->pooled->dbapi->in_transaction()) {
          lease_->pooled->invalidated = true;
          lease_.reset();
        }
        e.set_transaction_outcome(transaction_outcome::rolled_back);
        throw;
      }
    } else if (begin_deferred_ && engine_->options.echo) {
      engine_->log("ROLLBACK");
    }
    end_transaction();
  }

  bool in_transaction() const noexcept { return in_transaction_; }
  bool in_nested_transaction() const noexcept { return !savepoints_.empty(); }

  // Applies per-connection settings; isolation changes need no open transaction.
  Connection& execution_options(const connection_options& options) {
    if (options.isolation_level) set_isolation_level(*options.isolation_level);
    if (options.stream_results) driver().set_stream_results(*options.stream_results);
    return *this;
  }

  void set_isolation_level(quarry::isolation_level level) {
    check_open();
    if (in_transaction_)
      throw InvalidRequestError("quarry: the isolation level cannot change inside a transaction; commit() or "
                                "rollback() first");
    begin_sql_ = level == isolation_level::autocommit ? std::string()
                                                      : engine_->sql_dialect->begin_statement(level, engine_->options);
    isolation_ = level;
  }
  // The level set on this connection or its engine; empty means the driver's default.
  std::optional<quarry::isolation_level> isolation_level() const noexcept {
    return isolation_ ? isolation_ : engine_->options.isolation_level;
  }

  void close() noexcept {
    if (closed_ || !engine_) return;
    if (in_transaction_ && !invalidated_ && lease_) {
      try {
        rollback();
      } catch (...) {
        // The pool resets (or discards) the connection on return.
      }
    }
    savepoints_.clear();
    in_transaction_ = false;
    lease_.reset();
    closed_ = true;
  }
  bool closed() const noexcept { return closed_; }

  // True after the driver connection died; see rollback().
  bool invalidated() const noexcept { return invalidated_; }
  // Marks the driver connection as unusable: the pool closes it on return.
  void invalidate() {
    check_open();
    if (lease_) lease_->pooled->invalidated = true;
    invalidated_ = in_transaction_;
    if (!in_transaction_) lease_.reset();
  }

  // The driver connection (sqlite3*, PGconn* through native_handle()).
  dbapi_connection& driver() {
    check_usable();
    return *lease_->pooled->dbapi;
  }
  const quarry::dialect& dialect() const noexcept { return *engine_->sql_dialect; }
  const URL& url() const noexcept { return engine_->url; }
  std::size_t cached_statements() const noexcept { return lease_ ? lease_->pooled->statements.size() : 0; }

 private:
  friend class Transaction;

  // The values of one execution: on the stack for statements with few
  // parameters (left uninitialized: every slot is filled before use), on the heap for more.
  class parameter_buffer {
   public:
    explicit parameter_buffer(std::size_t size) {
      if (size > small_size) {
        large_.resize(size);
        refs_ = large_;
      } else {
        refs_ = {reinterpret_cast<value_ref*>(small_), size};
      }
    }
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

  PendingRollbackError pending_rollback() const {
    return PendingRollbackError(
        "quarry: the connection was invalidated inside a transaction; call rollback() before using it again");
  }

  void check_open() const {
    if (closed_ || !engine_) throw ResourceClosedError("quarry: this Connection is closed");
  }

  // Makes sure a live driver connection is leased, replacing one that died
  // outside a transaction; inside one, only rollback() may go on.
  void check_usable() {
    check_open();
    if (invalidated_) throw pending_rollback();
    if (!lease_) lease_ = std::make_shared<detail::connection_lease>(engine_);
  }

  void resolve(const text_clause& statement, const params& parameters, std::span<value_ref> out) const {
    const auto& names = statement.parameter_names();
    if (!parameters.positional().empty() || parameters.named().empty()) {
      if (parameters.positional().size() != names.size())
        throw ArgumentError("quarry: the statement has " + std::to_string(names.size()) + " parameters but " +
                            std::to_string(parameters.positional().size()) + " values were given");
      for (std::size_t i = 0; i < names.size(); ++i) out[i] = parameters.positional()[i].ref();
      return;
    }
    auto named = parameters.named();
    auto missing = [&](const std::string& name) {
      return ArgumentError("quarry: a value is required for bind parameter '" + name + "'");
    };
    if (named.size() * names.size() <= 1024) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        // Values usually come in the statement's order: look where the name should be first.
        std::size_t k = i;
        if (k >= named.size() || !same_name(named[k].name, names[i])) {
          k = 0;
          while (k < named.size() && !same_name(named[k].name, names[i])) ++k;
        }
        if (k == named.size()) throw missing(names[i]);
        out[i] = named[k].value.ref();
      }
      return;
    }
    std::unordered_map<std::string_view, value_ref> by_name;
    for (auto& p : named) by_name.emplace(p.name, p.value.ref());
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto it = by_name.find(names[i]);
      if (it == by_name.end()) throw missing(names[i]);
      out[i] = it->second;
    }
  }

  // The value of a bindparam(): by name, or positionally in the order names first appear.
  static value_ref bound_value(const compiled_statement& compiled, const std::string& name, const params& parameters) {
    if (!parameters.positional().empty()) {
      if (parameters.positional().size() != compiled.names.size())
        throw ArgumentError("quarry: the statement has " + std::to_string(compiled.names.size()) +
                            " bind parameters but " + std::to_string(parameters.positional().size()) +
                            " values were given");
      for (std::size_t i = 0; i < compiled.names.size(); ++i)
        if (compiled.names[i] == name) return parameters.positional()[i].ref();
    }
    for (auto& p : parameters.named())
      if (same_name(p.name, name)) return p.value.ref();
    throw ArgumentError("quarry: a value is required for bind parameter '" + name + "'");
  }

  // Parameter names are short: comparing them inline is cheaper than calling memcmp.
  static bool same_name(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i] != b[i]) return false;
    return true;
  }

  // The cached statement for this SQL, or a one-off one while the cached one is still being read.
  struct prepared {
    dbapi_statement* statement;
    std::unique_ptr<dbapi_statement> owned;
    detail::statement_cache::entry* entry;
  };
  prepared prepare(detail::sql_key key) {
    auto& pooled = *lease_->pooled;
    auto* entry = pooled.statements.find(key);
    if (entry && !entry->in_use) {
      entry->in_use = true;
      return {entry->statement.get(), nullptr, entry};
    }
    std::unique_ptr<dbapi_statement> fresh;
    try {
      fresh = pooled.dbapi->prepare(key.sql);
    } catch (DBAPIError& e) {
      note_failure(e);
      throw;
    }
    if (!entry) {
      if (auto* cached = pooled.statements.insert(key, fresh)) {
        cached->in_use = true;
        return {cached->statement.get(), nullptr, cached};
      }
    }
    auto* raw = fresh.get();
    return {raw, std::move(fresh), nullptr};
  }

  Result run(detail::sql_key key, std::span<const value_ref> refs) {
    std::string_view sql = key.sql;
    check_usable();
    if (!in_transaction_ && !begin_sql_.empty()) begin_transaction(true);
    auto statement = prepare(key);
    if (begin_deferred_) begin_before(statement);
    auto& events = *engine_->events;
    execute_event event{sql, refs, 1};
    events.before_execute.dispatch(event);
    bool timed = !events.after_execute.empty();
    auto started = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    try {
      statement.statement->execute(refs);
    } catch (...) {
      failed(statement);
      throw;
    }
    Result result(lease_, statement.statement, std::move(statement.owned), statement.entry);
    if (timed) {
      event.elapsed = std::chrono::steady_clock::now() - started;
      event.rowcount = result.rowcount();
      events.after_execute.dispatch(event);
    }
    return result;
  }

  Result run_many(detail::sql_key key, parameter_batch& batch, row_sink* rows = nullptr) {
    std::string_view sql = key.sql;
    check_usable();
    if (!in_transaction_ && !begin_sql_.empty()) begin_transaction(true);
    auto statement = prepare(key);
    if (begin_deferred_) begin_before(statement);
    auto& events = *engine_->events;
    execute_event event{sql, batch.size() ? batch.parameters(0) : std::span<const value_ref>{}, batch.size()};
    events.before_execute.dispatch(event);
    auto started = std::chrono::steady_clock::now();
    try {
      statement.statement->execute_many(batch, rows);
    } catch (...) {
      failed(statement);
      throw;
    }
    Result result(lease_, statement.statement, std::move(statement.owned), statement.entry);
    if (!events.after_execute.empty()) {
      event.parameters = {};
      event.elapsed = std::chrono::steady_clock::now() - started;
      event.rowcount = result.rowcount();
      events.after_execute.dispatch(event);
    }
    return result;
  }

  // The deferred BEGIN goes before the first statement that can write.
  void begin_before(prepared& statement) {
    if (statement.statement->is_readonly()) return;
    try {
      send_begin();
    } catch (...) {
      if (statement.entry) statement.entry->in_use = false;
      throw;
    }
  }

  // Frees the statement for reuse and lets note_failure() see a driver error.
  void failed(prepared& statement) {
    if (statement.entry) statement.entry->in_use = false;
    try {
      throw;
    } catch (DBAPIError& e) {
      note_failure(e);
    } catch (...) {
      // Not a driver error: the connection is fine.
    }
  }

  // Keeps this Connection's idea of its transaction equal to the database's
  // after a driver error. A dead driver connection is invalidated, and the pool's
  // other connections with it: inside a
  // transaction the Connection then refuses work until rollback() (the server
  // rolled back, unless the error came from COMMIT, whose outcome is then
  // unknown); outside one the next statement leases a fresh connection. A
  // transaction the database ended by itself (a failed COMMIT, SQLite's INSERT
  // OR ROLLBACK, a full disk) ends here too, so that the next statement begins a
  // new one instead of committing on its own.
  void note_failure(DBAPIError& e, bool committing = false) {
    auto& dbapi = *lease_->pooled->dbapi;
    if (e.connection_invalidated() || !dbapi.is_usable()) {
      lease_->pooled->invalidated = true;
      // A lost connection usually means the server restarted, which took the
      // pool's other connections too: retire them all (SQLAlchemy's pool
      // invalidation), so one operation fails rather than one per connection.
      engine_->connections->dispose();
      if (in_transaction_) {
        invalidated_ = true;
        e.set_transaction_outcome(committing && transaction_sent_ ? transaction_outcome::unknown
                                                                  : transaction_outcome::rolled_back);
      } else {
        lease_.reset();
      }
      return;
    }
    if (in_transaction_ && transaction_sent_ && !dbapi.in_transaction()) {
      end_transaction();
      e.set_transaction_outcome(transaction_outcome::rolled_back);
    }
  }

  // SAVEPOINT, RELEASE and ROLLBACK TO are statements to execute listeners (as
  // in SQLAlchemy, where they go through execute); BEGIN, COMMIT and ROLLBACK are not.
  void savepoint_statement(const std::string& sql) {
    auto& events = *engine_->events;
    execute_event event{sql, {}, 1};
    events.before_execute.dispatch(event);
    auto started = std::chrono::steady_clock::now();
    send_simple(sql);
    if (!events.after_execute.empty()) {
      event.elapsed = std::chrono::steady_clock::now() - started;
      events.after_execute.dispatch(event);  // echo logs it there
    }
  }

  void simple(const std::string& sql) {
    if (engine_->options.echo) engine_->log(sql);
    send_simple(sql);
  }
  void send_simple(const std::string& sql) {
    try {
      lease_->pooled->dbapi->execute_simple(sql);
    } catch (DBAPIError& e) {
      note_failure(e);
      throw;
    }
  }

  void begin_transaction(bool implicit) {
    if (!begin_sql_.empty() && engine_->options.echo) engine_->log(implicit ? begin_sql_ + " (implicit)" : begin_sql_);
    if (!begin_sql_.empty() && lease_->pooled->dbapi->begins_at_first_write()) begin_deferred_ = true;
    else if (!begin_sql_.empty()) send_begin();
    in_transaction_ = true;
    ++generation_;
  }

  void send_begin() {
    auto& dbapi = *lease_->pooled->dbapi;
    if (dbapi.in_transaction())
      throw InvalidRequestError(
          "quarry: the database connection is already in a transaction this Connection did not begin (another "
          "Connection or Session on the one shared connection of an in-memory SQLite database is writing, or BEGIN "
          "was sent as SQL); commit or roll that one back first, or use a database file");
    try {
      dbapi.execute_simple(begin_sql_);
    } catch (DBAPIError& e) {
      if (in_transaction_) end_transaction();
      note_failure(e);
      throw;
    }
    transaction_sent_ = true;
    begin_deferred_ = false;
  }

  void end_transaction() noexcept {
    in_transaction_ = false;
    transaction_sent_ = false;
    begin_deferred_ = false;
    savepoints_.clear();
  }

  bool savepoint_active(std::uint64_t id) const noexcept {
    for (auto s : savepoints_)
      if (s == id) return true;
    return false;
  }

  void end_savepoint(std::uint64_t id, bool commit) {
    check_usable();
    savepoint_statement((commit ? "RELEASE SAVEPOINT " : "ROLLBACK TO SAVEPOINT ") + savepoint_name(id));
    while (!savepoints_.empty()) {
      auto last = savepoints_.back();
      savepoints_.pop_back();
      if (last == id) break;
    }
  }

  std::shared_ptr<detail::engine_state> engine_;
  std::shared_ptr<Connection*> handle_ = std::make_shared<Connection*>(this);
  std::shared_ptr<detail::connection_lease> lease_;
  std::string begin_sql_;  // empty in AUTOCOMMIT
  std::optional<quarry::isolation_level> isolation_;
  bool in_transaction_ = false;
  bool transaction_sent_ = false;  // BEGIN went to the server (not in AUTOCOMMIT)
  bool begin_deferred_ = false;    // BEGIN waits for the first statement that writes
  std::uint64_t generation_ = 0;
  std::vector<std::uint64_t> savepoints_;
  std::uint64_t next_savepoint_ = 0;
  bool invalidated_ = false;
  bool closed_ = false;
};

inline bool Transaction::is_active() const noexcept {
  Connection* c = connection();
  if (!c || c->closed_ || !c->in_transaction_ || c->generation_ != generation_) return false;
  return savepoint_ == 0 || c->savepoint_active(savepoint_);
}

inline void Transaction::commit() {
  if (!is_active()) throw InvalidRequestError("quarry: this transaction is inactive; it was already committed or rolled back");
  if (savepoint_ == 0) connection()->commit();
  else connection()->end_savepoint(savepoint_, true);
}

inline void Transaction::rollback() {
  if (!is_active()) return;
  Connection* c = connection();
  if (savepoint_ == 0) c->rollback();
  else if (c->invalidated_) c->rollback();
  else c->end_savepoint(savepoint_, false);
}

inline Transaction::~Transaction() {
  try {
    rollback();
  } catch (...) {
    // A destructor cannot report; a failed ROLLBACK leaves the pool to reset the connection.
  }
}

}  // namespace quarry
