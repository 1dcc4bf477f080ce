// The non-template implementation of quarry/engine/connection.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/connection.hpp"

namespace quarry {

QUARRY_DECL Connection::Connection(std::shared_ptr<detail::engine_state> engine)
    : engine_(std::move(engine)) {
  lease_ = std::make_shared<detail::connection_lease>(engine_);
  begin_sql_ = engine_->options.isolation_level == isolation_level::autocommit
                   ? std::string()
                   : engine_->sql_dialect->begin_statement(engine_->options.isolation_level, engine_->options);
}

QUARRY_DECL auto Connection::operator=(Connection&& other) noexcept -> Connection& {
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
    sqlite_begin_ = other.sqlite_begin_;
    generation_ = other.generation_;
    savepoints_ = std::move(other.savepoints_);
    next_savepoint_ = other.next_savepoint_;
    invalidated_ = other.invalidated_;
    closed_ = other.closed_;
  }
  return *this;
}

QUARRY_DECL Connection::~Connection() {
  close();
  if (handle_) *handle_ = nullptr;
}

// The call site is passed down, not kept in a scope: an object with a destructor here, inlined
// into a caller with braced parameters, makes gcc -O3 warn of them (maybe-uninitialized).
QUARRY_DECL auto Connection::execute(const text_clause& statement, const params& parameters, source_location where) -> Result {
  parameter_buffer buffer(statement.parameter_names().size());
  resolve(statement, parameters, buffer.refs());  // fills every slot
  return run(statement.key(dialect().paramstyle()), buffer.refs(), &where);
}

QUARRY_DECL auto Connection::exec_driver_sql(std::string_view sql, std::span<const param> parameters, source_location where) -> Result {
  parameter_buffer buffer(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) buffer.refs()[i] = parameters[i].ref();
  return run(detail::sql_key::of(sql), buffer.refs(), &where);
}

QUARRY_DECL auto Connection::begin() -> Transaction {
  check_usable();
  if (in_transaction_)
    throw InvalidRequestError("quarry: a transaction is already begun on this connection; commit() or "
                              "rollback() it first, or use begin_nested() for a savepoint");
  begin_transaction(false);
  return Transaction(handle_, generation_, 0);
}

QUARRY_DECL auto Connection::begin_nested() -> Transaction {
  check_usable();
  if (!in_transaction_) begin_transaction(true);
  if (begin_deferred_) send_begin();
  std::uint64_t id = ++next_savepoint_;
  savepoint_statement("SAVEPOINT " + savepoint_name(id));
  savepoints_.push_back(id);
  return Transaction(handle_, generation_, id);
}

QUARRY_DECL auto Connection::commit() -> void {
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

QUARRY_DECL auto Connection::rollback() -> void {
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

QUARRY_DECL auto Connection::execution_options(const connection_options& options) -> Connection& {
  if (options.isolation_level) set_isolation_level(*options.isolation_level);
  if (options.stream_results) driver().set_stream_results(*options.stream_results);
  if (options.sqlite_begin) {
    if (in_transaction_)
      throw InvalidRequestError("quarry: how transactions begin cannot change inside a transaction; commit() or "
                                "rollback() first");
    sqlite_begin_ = options.sqlite_begin;
    if (!begin_sql_.empty()) begin_sql_ = begin_statement_for(isolation_level());
  }
  return *this;
}

QUARRY_DECL auto Connection::set_isolation_level(quarry::isolation_level level) -> void {
  check_open();
  if (in_transaction_)
    throw InvalidRequestError("quarry: the isolation level cannot change inside a transaction; commit() or "
                              "rollback() first");
  begin_sql_ = level == isolation_level::autocommit ? std::string() : begin_statement_for(level);
  isolation_ = level;
}

QUARRY_DECL auto Connection::close() noexcept -> void {
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

QUARRY_DECL auto Connection::invalidate() -> void {
  check_open();
  if (lease_) lease_->pooled->invalidated = true;
  invalidated_ = in_transaction_;
  if (!in_transaction_) lease_.reset();
}

QUARRY_DECL auto Connection::driver() -> dbapi_connection& {
  check_usable();
  return *lease_->pooled->dbapi;
}

QUARRY_DECL Connection::parameter_buffer::parameter_buffer(std::size_t size) {
  if (size > small_size) {
    large_.resize(size);
    refs_ = large_;
  } else {
    refs_ = {reinterpret_cast<value_ref*>(small_), size};
  }
}

QUARRY_DECL auto Connection::pending_rollback() const -> PendingRollbackError {
  return PendingRollbackError(
      "quarry: the connection was invalidated inside a transaction; call rollback() before using it again");
}

QUARRY_DECL auto Connection::check_usable() -> void {
  check_open();
  if (invalidated_) throw pending_rollback();
  if (!lease_) lease_ = std::make_shared<detail::connection_lease>(engine_);
}

QUARRY_DECL auto Connection::resolve(const text_clause& statement, const params& parameters, std::span<value_ref> out) const -> void {
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

QUARRY_DECL auto Connection::bound_value(const compiled_statement& compiled, const std::string& name, const params& parameters) -> value_ref {
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

QUARRY_DECL auto Connection::same_name(std::string_view a, std::string_view b) noexcept -> bool {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

QUARRY_DECL auto Connection::prepare(detail::sql_key key) -> prepared {
  auto& pooled = *lease_->pooled;
  std::unique_lock<std::mutex> cache_guard;
  if (pooled.statements_lock) cache_guard = std::unique_lock(*pooled.statements_lock);
  auto* entry = pooled.statements.find(key);
  if (entry && entry->take()) return {entry->statement.get(), nullptr, entry, true};
  std::unique_ptr<dbapi_statement> fresh;
  try {
    fresh = pooled.dbapi->prepare(key.sql);
  } catch (DBAPIError& e) {
    note_failure(e);
    throw;
  }
  if (!entry) {
    if (auto* cached = pooled.statements.insert(key, fresh)) return {cached->statement.get(), nullptr, cached};
  }
  auto* raw = fresh.get();
  return {raw, std::move(fresh), nullptr};
}

QUARRY_DECL auto Connection::run(detail::sql_key key, std::span<const value_ref> refs, const source_location* where) -> Result {
  std::string_view sql = key.sql;
  check_usable();
  if (!in_transaction_ && !begin_sql_.empty()) begin_transaction(true);
  // Listeners see the statement before it is prepared, so that one the database refuses to prepare is seen too.
  auto& events = *engine_->events;
  execute_event event{sql, refs, 1, {}, -1, this, detail::call_site_or(where)};
  events.before_execute.dispatch(event);
  auto statement = prepare(key);
  event.cached = statement.cache_hit;  // known to after_execute listeners
  if (begin_deferred_) begin_before(statement);
  bool timed = !events.after_execute.empty();
  auto started = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  try {
    statement.statement->execute(refs);
  } catch (...) {
    failed(statement);
    throw;
  }
  Result result(lease_, statement.statement, std::move(statement.owned), statement.entry);
  if (!events.after_fetch.empty() && result.returns_rows())
    result.probe_ = std::make_unique<Result::fetch_probe>(Result::fetch_probe{engine_->events, std::string(sql), this, 0, {}});
  if (timed) {
    event.elapsed = std::chrono::steady_clock::now() - started;
    detail::statement_nanoseconds += event.elapsed.count();
    event.rowcount = result.rowcount();
    event.returns_rows = result.returns_rows();
    events.after_execute.dispatch(event);
  }
  return result;
}

QUARRY_DECL auto Connection::run_many(detail::sql_key key, parameter_batch& batch, row_sink* rows) -> Result {
  std::string_view sql = key.sql;
  check_usable();
  if (!in_transaction_ && !begin_sql_.empty()) begin_transaction(true);
  auto& events = *engine_->events;
  execute_event event{sql, batch.size() ? batch.parameters(0) : std::span<const value_ref>{}, batch.size(), {}, -1, this, detail::call_site()};
  events.before_execute.dispatch(event);
  auto statement = prepare(key);
  event.cached = statement.cache_hit;
  if (begin_deferred_) begin_before(statement);
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

QUARRY_DECL auto Connection::begin_before(prepared& statement) -> void {
  if (statement.statement->is_readonly()) return;
  try {
    send_begin();
  } catch (...) {
    if (statement.entry) statement.entry->release();
    throw;
  }
}

QUARRY_DECL auto Connection::failed(prepared& statement) -> void {
  if (statement.entry) statement.entry->release();
  try {
    throw;
  } catch (DBAPIError& e) {
    note_failure(e);
  } catch (...) {
    // Not a driver error: the connection is fine.
  }
}

QUARRY_DECL auto Connection::note_failure(DBAPIError& e, bool committing) -> void {
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

QUARRY_DECL auto Connection::savepoint_statement(const std::string& sql) -> void {
  auto& events = *engine_->events;
  execute_event event{sql, {}, 1, {}, -1, this, detail::call_site()};
  events.before_execute.dispatch(event);
  auto started = std::chrono::steady_clock::now();
  send_simple(sql);
  if (!events.after_execute.empty()) {
    event.elapsed = std::chrono::steady_clock::now() - started;
    events.after_execute.dispatch(event);  // echo logs it there
  }
}

QUARRY_DECL auto Connection::simple(const std::string& sql) -> void {
  if (engine_->options.echo) engine_->log(sql);
  send_simple(sql);
}

QUARRY_DECL auto Connection::send_simple(const std::string& sql) -> void {
  try {
    lease_->pooled->dbapi->execute_simple(sql);
  } catch (DBAPIError& e) {
    note_failure(e);
    throw;
  }
}

QUARRY_DECL auto Connection::begin_transaction(bool implicit) -> void {
  if (!begin_sql_.empty() && engine_->options.echo) engine_->log(implicit ? begin_sql_ + " (implicit)" : begin_sql_);
  bool may_defer = !sqlite_begin_ || *sqlite_begin_ == sqlite_begin_mode::deferred;
  if (!begin_sql_.empty() && may_defer && lease_->pooled->dbapi->begins_at_first_write()) begin_deferred_ = true;
  else if (!begin_sql_.empty()) send_begin();
  in_transaction_ = true;
  ++generation_;
}

QUARRY_DECL auto Connection::begin_statement_for(std::optional<quarry::isolation_level> level) const -> std::string {
  if (!sqlite_begin_) return engine_->sql_dialect->begin_statement(level, engine_->options);
  auto options = engine_->options;
  options.sqlite_begin = *sqlite_begin_;
  return engine_->sql_dialect->begin_statement(level, options);
}

QUARRY_DECL auto Connection::send_begin() -> void {
  auto& dbapi = *lease_->pooled->dbapi;
  if (dbapi.in_transaction() && !dbapi.nests_transactions())
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

QUARRY_DECL auto Connection::end_transaction() noexcept -> void {
  in_transaction_ = false;
  transaction_sent_ = false;
  begin_deferred_ = false;
  savepoints_.clear();
}

QUARRY_DECL auto Connection::savepoint_active(std::uint64_t id) const noexcept -> bool {
  for (auto s : savepoints_)
    if (s == id) return true;
  return false;
}

QUARRY_DECL auto Connection::end_savepoint(std::uint64_t id, bool commit) -> void {
  check_usable();
  savepoint_statement((commit ? "RELEASE SAVEPOINT " : "ROLLBACK TO SAVEPOINT ") + savepoint_name(id));
  while (!savepoints_.empty()) {
    auto last = savepoints_.back();
    savepoints_.pop_back();
    if (last == id) break;
  }
}

QUARRY_DECL bool Transaction::is_active() const noexcept {
  Connection* c = connection();
  if (!c || c->closed_ || !c->in_transaction_ || c->generation_ != generation_) return false;
  return savepoint_ == 0 || c->savepoint_active(savepoint_);
}

QUARRY_DECL void Transaction::commit() {
  if (!is_active()) throw InvalidRequestError("quarry: this transaction is inactive; it was already committed or rolled back");
  if (savepoint_ == 0) connection()->commit();
  else connection()->end_savepoint(savepoint_, true);
}

QUARRY_DECL void Transaction::rollback() {
  if (!is_active()) return;
  Connection* c = connection();
  if (savepoint_ == 0) c->rollback();
  else if (c->invalidated_) c->rollback();
  else c->end_savepoint(savepoint_, false);
}

QUARRY_DECL Transaction::~Transaction() {
  try {
    rollback();
  } catch (...) {
    // A destructor cannot report; a failed ROLLBACK leaves the pool to reset the connection.
  }
}

QUARRY_DECL Result Connection::run_plan(const detail::execution_plan& plan, const params& parameters) {
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
  return run(detail::sql_key{compiled.sql, compiled.hash}, refs);
}

}  // namespace quarry
