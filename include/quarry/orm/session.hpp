// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quarry/core/ddl.hpp"
#include "quarry/core/dml.hpp"
#include "quarry/core/select.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/errors.hpp"
#include "quarry/orm/detail/mapper.hpp"

namespace quarry {

class Session;

// Session events (SQLAlchemy's SessionEvents). before_flush listeners may add,
// change or delete objects: that is part of the same flush.
enum class session_event : std::uint8_t {
  before_flush,
  after_flush,           // after the statements, before the session's bookkeeping settles
  after_flush_postexec,  // after the flush, with the session's state updated
  before_commit,
  after_commit,
  after_rollback,
};

struct session_listeners {
  std::vector<std::pair<session_event, std::function<void(Session&)>>> listeners;
  void dispatch(session_event event, Session& session) const {
    for (auto& [e, fn] : listeners)
      if (e == event) fn(session);
  }
};

struct session_options {
  bool autoflush = true;         // flush pending changes before a query runs
  bool expire_on_commit = true;  // objects are read again the next time the session hands them out
};

// SQLAlchemy's Session for models declared with QUARRY_MODEL: a unit of work
// over one connection, with an identity map (one object per primary key).
// Objects are std::shared_ptr<M> handles; the session holds them strongly
// until it is closed, expunges them, or rolls back their INSERT. Plain structs
// cannot report changes, so a flush compares each object with the values last
// read or written and updates only the columns that differ.
class Session {
 public:
  explicit Session(Engine engine, session_options options = {}, session_listeners listeners = {})
      : engine_(std::move(engine)), options_(options), listeners_(std::move(listeners)) {}

  // Calls fn(session) at each `event` of this session.
  void listen(session_event event, std::function<void(Session&)> fn) {
    listeners_.listeners.emplace_back(event, std::move(fn));
  }
  Session(Session&&) noexcept = default;
  Session& operator=(Session&&) noexcept = default;
  ~Session() { close(); }

  // Runs a Core statement on the session's connection, after an autoflush.
  template <executable S>
  auto execute(const S& statement, const params& parameters = {}) {
    check_usable();
    if (options_.autoflush && !flushing_) flush();
    return connection().execute(statement, parameters);
  }

  // Makes an object pending: it is INSERTed at the next flush.
  template <class M>
  std::shared_ptr<M> add(std::shared_ptr<M> object) {
    check_usable();
    if (!object) throw ArgumentError("quarry: Session::add() of a null object");
    if (by_object_.contains(object.get())) return object;
    auto e = std::make_shared<entry>();
    e->mapper = &detail::mapper_of<M>();
    e->object = object;
    e->state = object_state::pending;
    e->added = ++serial_;
    by_object_.emplace(object.get(), e);
    pending_.push_back(e);
    return object;
  }
  template <class M>
    requires detail::mapped_model<M>
  std::shared_ptr<M> add(M object) {
    return add(std::make_shared<M>(std::move(object)));
  }
  template <class M>
  void add_all(const std::vector<std::shared_ptr<M>>& objects) {
    for (auto& o : objects) add(o);
  }

  // Marks a persistent object for DELETE at the next flush; a pending one is just expunged.
  template <class M>
  void delete_(const std::shared_ptr<M>& object) {
    check_usable();
    auto it = by_object_.find(object.get());
    if (it == by_object_.end())
      throw InvalidRequestError("quarry: delete_() of an object that is not in this session; add() or get() it first");
    auto e = it->second;
    if (e->state == object_state::pending) {
      forget(e);
      return;
    }
    e->state = object_state::deleted;
  }

  // The object with this primary key: from the identity map without SQL when
  // it is there, else one SELECT; nullptr when there is no such row.
  template <class M, class... Key>
  std::shared_ptr<M> get(const Key&... key) {
    check_usable();
    const auto& m = detail::mapper_of<M>();
    if (sizeof...(Key) != m.key_columns.size())
      throw ArgumentError("quarry: get() of '" + m.table->name + "' needs " + std::to_string(m.key_columns.size()) +
                          " key values");
    std::vector<value> values{detail::owned_value(key)...};
    auto it = identity_map_.find({m.table, values});
    if (it != identity_map_.end()) {
      auto e = it->second;
      if (e->state == object_state::deleted) return nullptr;
      if (e->expired && !reload(*e)) return nullptr;
      return std::static_pointer_cast<M>(e->object);
    }
    auto rows = execute(detail::built_statement<Row>(m.select_by_key(values))).all();
    if (rows.empty()) return nullptr;
    return std::static_pointer_cast<M>(loaded(m, rows.front())->object);
  }

  // The objects a select<M>() returns, through the identity map: a row whose
  // object is already in the session gives that object (not overwritten, unless expired).
  template <class M>
  std::vector<std::shared_ptr<M>> scalars(const select_statement<M>& statement, const params& parameters = {}) {
    const auto& m = detail::mapper_of<M>();
    std::vector<std::shared_ptr<M>> out;
    for (auto& row : execute(statement.template with_row<Row>(), parameters).all())
      out.push_back(std::static_pointer_cast<M>(loaded(m, row)->object));
    return out;
  }

  // Reads the object's row again.
  template <class M>
  void refresh(const std::shared_ptr<M>& object) {
    auto e = entry_of(object.get(), "refresh()");
    if (e->state == object_state::pending) throw InvalidRequestError("quarry: refresh() of a pending object: flush() it first");
    if (!reload(*e, true)) throw ObjectDeletedError("quarry: the row of this object no longer exists");
  }

  // Whether flush() would UPDATE the object.
  template <class M>
  bool is_modified(const std::shared_ptr<M>& object) {
    auto e = entry_of(object.get(), "is_modified()");
    return e->state == object_state::persistent && !e->discard && e->mapper->values(e->object.get()) != e->loaded;
  }

  // Marks an object (or all of them) to be read again before the session next
  // hands it out; changes made to it in memory and not flushed are dropped.
  template <class M>
  void expire(const std::shared_ptr<M>& object) {
    auto e = entry_of(object.get(), "expire()");
    if (e->state != object_state::pending) e->expired = e->discard = true;
  }
  void expire_all() {
    for (auto& [id, e] : identity_map_) e->expired = e->discard = true;
  }

  // The session's object for `object`'s primary key, with `object`'s values
  // copied onto it (read from the database first when the session does not
  // have it); a new pending object when there is no such row.
  template <class M>
    requires detail::mapped_model<M>
  std::shared_ptr<M> merge(const M& object) {
    check_usable();
    const auto& m = detail::mapper_of<M>();
    auto values = m.values(&object);
    auto included = m.included(&object);
    bool has_key = std::all_of(m.key_columns.begin(), m.key_columns.end(), [&](std::size_t i) { return included[i]; });
    if (has_key) {
      auto key = m.key_of(values);
      std::shared_ptr<M> existing;
      auto it = identity_map_.find({m.table, key});
      if (it != identity_map_.end() && it->second->state != object_state::deleted) {
        existing = std::static_pointer_cast<M>(it->second->object);
      } else {
        auto rows = execute(detail::built_statement<Row>(m.select_by_key(key))).all();
        if (!rows.empty()) existing = std::static_pointer_cast<M>(loaded(m, rows.front())->object);
      }
      if (existing) {
        *existing = object;
        return existing;
      }
    }
    return add(std::make_shared<M>(object));
  }

  // While the returned guard lives, queries do not flush first (SQLAlchemy's no_autoflush).
  class autoflush_guard {
   public:
    explicit autoflush_guard(Session& session) : session_(&session), saved_(session.options_.autoflush) {
      session.options_.autoflush = false;
    }
    autoflush_guard(const autoflush_guard&) = delete;
    autoflush_guard& operator=(const autoflush_guard&) = delete;
    ~autoflush_guard() { session_->options_.autoflush = saved_; }

   private:
    Session* session_;
    bool saved_;
  };
  [[nodiscard]] autoflush_guard no_autoflush() { return autoflush_guard(*this); }

  template <class M>
  void expunge(const std::shared_ptr<M>& object) {
    forget(entry_of(object.get(), "expunge()"));
  }
  void expunge_all() {
    pending_.clear();
    identity_map_.clear();
    by_object_.clear();
  }

  // Sends pending INSERTs, UPDATEs of changed objects and DELETEs, in
  // foreign-key order, in the session's transaction. On failure the
  // transaction rolls back and the session refuses work until rollback().
  void flush() {
    check_usable();
    if (flushing_) return;
    flushing_ = true;
    try {
      listeners_.dispatch(session_event::before_flush, *this);
      flush_now();
      listeners_.dispatch(session_event::after_flush, *this);
    } catch (...) {
      flushing_ = false;
      needs_rollback_ = true;
      try {
        if (connection_) connection_->rollback();
      } catch (...) {
        // The connection is returned (and reset) by rollback() or close().
      }
      throw;
    }
    flushing_ = false;
    listeners_.dispatch(session_event::after_flush_postexec, *this);
  }

  void commit() {
    listeners_.dispatch(session_event::before_commit, *this);
    flush();
    if (connection_) connection_->commit();
    inserted_.clear();
    touched_.clear();
    deleted_.clear();
    if (options_.expire_on_commit)
      for (auto& [id, e] : identity_map_) e->expired = true;
    listeners_.dispatch(session_event::after_commit, *this);
  }

  // Rolls back the transaction: objects INSERTed in it, and pending ones, leave
  // the session; the others are read again before the session hands them out.
  void rollback() {
    if (connection_) connection_->rollback();
    needs_rollback_ = false;
    for (auto& e : inserted_) forget(e);
    inserted_.clear();
    touched_.clear();
    for (auto& e : deleted_) restore(e);
    deleted_.clear();
    for (auto& e : std::vector<std::shared_ptr<entry>>(pending_)) forget(e);
    for (auto& [id, e] : identity_map_) {
      e->expired = e->discard = true;
      if (e->state == object_state::deleted) e->state = object_state::persistent;
    }
    listeners_.dispatch(session_event::after_rollback, *this);
  }

  // A SAVEPOINT (SQLAlchemy's begin_nested()): the session flushes first; rolling
  // the savepoint back undoes what was flushed inside it and expires only the
  // objects it touched, and the enclosing transaction can still commit.
  class nested_transaction {
   public:
    nested_transaction(nested_transaction&&) noexcept = default;
    nested_transaction& operator=(nested_transaction&&) = delete;
    ~nested_transaction() {
      try {
        rollback();
      } catch (...) {
        // A destructor cannot report; the session's rollback() resets the rest.
      }
    }

    // Flushes and releases the savepoint.
    void commit() {
      if (!session_ || !transaction_.is_active())
        throw InvalidRequestError("quarry: this savepoint is no longer active");
      session_->flush();
      transaction_.commit();
      session_ = nullptr;
    }

    void rollback() {
      if (!session_) return;
      Session& s = *session_;
      session_ = nullptr;
      if (transaction_.is_active()) transaction_.rollback();
      s.needs_rollback_ = false;
      s.undo_since(mark_);
    }

   private:
    friend class Session;
    struct mark {
      std::size_t inserted, touched, deleted;
      std::uint64_t serial;
    };
    nested_transaction(Session& session, Transaction transaction, mark m)
        : session_(&session), transaction_(std::move(transaction)), mark_(m) {}

    Session* session_;
    Transaction transaction_;
    mark mark_;
  };

  nested_transaction begin_nested() {
    flush();
    auto savepoint = connection().begin_nested();
    return nested_transaction(*this, std::move(savepoint),
                              {inserted_.size(), touched_.size(), deleted_.size(), serial_});
  }

  // Rolls back what is uncommitted, returns the connection to the pool, empties the session.
  void close() noexcept {
    if (connection_) connection_->close();
    connection_.reset();
    needs_rollback_ = false;
    inserted_.clear();
    touched_.clear();
    deleted_.clear();
    expunge_all();
  }

  // The session's connection; its transaction begins with the first statement.
  Connection& connection() {
    if (!connection_) connection_.emplace(engine_.connect());
    return *connection_;
  }

  // How many objects are pending INSERT, modified, and marked for DELETE.
  std::size_t new_count() const noexcept { return pending_.size(); }
  std::size_t deleted_count() const noexcept {
    std::size_t n = 0;
    for (auto& [id, e] : identity_map_) n += e->state == object_state::deleted;
    return n;
  }
  std::size_t dirty_count() const {
    std::size_t n = 0;
    for (auto& [id, e] : identity_map_)
      n += e->state == object_state::persistent && !e->discard && e->mapper->values(e->object.get()) != e->loaded;
    return n;
  }
  bool contains(const void* object) const { return by_object_.contains(object); }

 private:
  enum class object_state : std::uint8_t { pending, persistent, deleted };

  struct entry {
    const detail::mapper* mapper = nullptr;
    std::shared_ptr<void> object;
    std::vector<value> loaded;  // column values last read or written
    object_state state = object_state::pending;
    bool expired = false;  // read again before the session hands it out
    bool discard = false;  // expired by expire() or rollback(): changes made in memory are dropped
    std::uint64_t added = 0;  // when add() took it, for savepoints
  };

  void check_usable() const {
    if (needs_rollback_)
      throw PendingRollbackError(
          "quarry: this Session's transaction was rolled back after a failed flush; call rollback() to go on");
  }

  std::shared_ptr<entry> entry_of(const void* object, const char* what) {
    auto it = by_object_.find(object);
    if (it == by_object_.end())
      throw InvalidRequestError(std::string("quarry: ") + what + " of an object that is not in this session");
    return it->second;
  }

  void forget(const std::shared_ptr<entry>& e) {
    by_object_.erase(e->object.get());
    std::erase(pending_, e);
    if (e->state != object_state::pending) identity_map_.erase({e->mapper->table, e->mapper->key_of(e->loaded)});
  }

  // After a savepoint rolled back: objects added or inserted inside it leave the
  // session, those updated inside it are read again, those deleted come back.
  void undo_since(const nested_transaction::mark& m) {
    for (std::size_t i = m.inserted; i < inserted_.size(); ++i) forget(inserted_[i]);
    inserted_.resize(std::min(inserted_.size(), m.inserted));
    for (auto& e : std::vector<std::shared_ptr<entry>>(pending_))
      if (e->added > m.serial) forget(e);
    for (std::size_t i = m.touched; i < touched_.size(); ++i) touched_[i]->expired = touched_[i]->discard = true;
    touched_.resize(std::min(touched_.size(), m.touched));
    for (std::size_t i = m.deleted; i < deleted_.size(); ++i) restore(deleted_[i]);
    deleted_.resize(std::min(deleted_.size(), m.deleted));
  }

  // An object whose DELETE was rolled back is persistent again, to be read again.
  void restore(const std::shared_ptr<entry>& e) {
    e->state = object_state::persistent;
    e->expired = e->discard = true;
    identity_map_.insert_or_assign({e->mapper->table, e->mapper->key_of(e->loaded)}, e);
    by_object_.insert_or_assign(e->object.get(), e);
  }

  // The session's object for a row just read: the one in the identity map, or a new one.
  std::shared_ptr<entry> loaded(const detail::mapper& m, const Row& row) {
    std::vector<value> values;
    for (std::size_t i = 0; i < row.size(); ++i) values.push_back(row[i]);
    detail::identity id{m.table, m.key_of(values)};
    auto it = identity_map_.find(id);
    if (it != identity_map_.end()) {
      auto e = it->second;
      if (e->expired) refreshed(*e, row, std::move(values));
      return e;
    }
    auto e = std::make_shared<entry>();
    e->mapper = &m;
    e->object = m.make();
    m.assign(e->object.get(), row);
    e->loaded = std::move(values);
    e->state = object_state::persistent;
    identity_map_.emplace(std::move(id), e);
    by_object_.emplace(e->object.get(), e);
    return e;
  }

  // An expired entry meets its row: the object takes the row's values, unless
  // it was changed in memory since it expired at a commit; those changes stay
  // and the next flush writes what differs from the row.
  static void refreshed(entry& e, const Row& row, std::vector<value> values) {
    bool changed = !e.discard && e.mapper->values(e.object.get()) != e.loaded;
    if (!changed) e.mapper->assign(e.object.get(), row);
    e.loaded = std::move(values);
    e.expired = e.discard = false;
  }

  // Reads an entry's row again; false when it is gone (the entry leaves the session).
  // refresh() drops changes made in memory; being handed out again keeps them.
  bool reload(entry& e, bool drop_changes = false) {
    if (drop_changes) e.discard = true;
    auto key = e.mapper->key_of(e.loaded);
    auto rows = execute(detail::built_statement<Row>(e.mapper->select_by_key(key))).all();
    if (rows.empty()) {
      forget(by_object_.at(e.object.get()));
      return false;
    }
    std::vector<value> values;
    for (std::size_t i = 0; i < rows.front().size(); ++i) values.push_back(rows.front()[i]);
    refreshed(e, rows.front(), std::move(values));
    return true;
  }

  // Tables in foreign-key order, for the tables this flush touches.
  std::vector<const table_info*> table_order() const {
    std::vector<std::shared_ptr<const table_info>> tables;
    auto add_table = [&](const detail::mapper* m) {
      for (auto& t : tables)
        if (t.get() == m->table) return;
      tables.push_back(m->from()->table);
    };
    for (auto& e : pending_) add_table(e->mapper);
    for (auto& [id, e] : identity_map_) add_table(e->mapper);
    std::vector<const table_info*> out;
    for (auto& t : detail::sort_by_dependency(tables)) out.push_back(t.get());
    return out;
  }

  void flush_now() {
    auto order = table_order();
    Connection& conn = connection();
    // Snapshots: insert(), update() and remove() change the containers they come from.
    auto pending = pending_;
    // INSERT parents before children; within a table, in the order objects were added.
    for (auto* table : order)
      for (auto& e : pending)
        if (e->mapper->table == table) insert(conn, e);
    std::vector<std::shared_ptr<entry>> known;
    known.reserve(identity_map_.size());
    for (auto& [id, e] : identity_map_) known.push_back(e);
    // UPDATE what changed since it was last read or written (expired objects too:
    // what they were compared with is still what this session last knew).
    for (auto* table : order)
      for (auto& e : known)
        if (e->mapper->table == table && e->state == object_state::persistent && !e->discard) update(conn, e);
    // DELETE children before parents.
    for (auto it = order.rbegin(); it != order.rend(); ++it)
      for (auto& e : known)
        if (e->mapper->table == *it && e->state == object_state::deleted) remove(conn, e);
  }

  void insert(Connection& conn, const std::shared_ptr<entry>& e) {
    const auto& m = *e->mapper;
    auto values = m.values(e->object.get());
    auto included = m.included(e->object.get());
    auto data = std::make_shared<detail::statement_data>();
    data->kind = detail::statement_kind::insert;
    data->target = m.from();
    std::optional<std::size_t> generated;  // an unset autoincrement key, left to the database and read back
    for (std::size_t i = 0; i < m.table->columns.size(); ++i) {
      if (included[i]) data->assignments.push_back({m.table->columns[i].name, detail::literal_node(values[i])});
      else generated = i;
    }
    if (generated) {
      data->returning.push_back(m.column(*generated));
      auto rows = conn.execute(detail::built_statement<Row>(data)).all();
      m.assign_column(e->object.get(), *generated, rows.at(0)[0].ref());
    } else {
      conn.execute(detail::built_statement<void>(data));
    }
    e->loaded = m.values(e->object.get());
    e->state = object_state::persistent;
    std::erase(pending_, e);
    identity_map_.insert_or_assign({m.table, m.key_of(e->loaded)}, e);
    inserted_.push_back(e);
  }

  void update(Connection& conn, const std::shared_ptr<entry>& e) {
    const auto& m = *e->mapper;
    auto values = m.values(e->object.get());
    if (values == e->loaded) return;
    auto data = std::make_shared<detail::statement_data>();
    data->kind = detail::statement_kind::update;
    data->target = m.from();
    for (std::size_t i = 0; i < values.size(); ++i)
      if (!(values[i] == e->loaded[i])) data->assignments.push_back({m.table->columns[i].name, detail::literal_node(values[i])});
    auto old_key = m.key_of(e->loaded);
    data->where = m.key_condition(old_key);
    auto result = conn.execute(detail::built_statement<void>(data));
    if (result.rowcount() == 0)
      throw StaleDataError("quarry: UPDATE of '" + m.table->name + "' matched no row; it was deleted by someone else");
    touched_.push_back(e);
    auto new_key = m.key_of(values);
    if (!(new_key == old_key)) {
      identity_map_.erase({m.table, old_key});
      identity_map_.insert_or_assign({m.table, new_key}, e);
    }
    e->loaded = std::move(values);
  }

  void remove(Connection& conn, const std::shared_ptr<entry>& e) {
    const auto& m = *e->mapper;
    auto data = std::make_shared<detail::statement_data>();
    data->kind = detail::statement_kind::delete_;
    data->target = m.from();
    data->where = m.key_condition(m.key_of(e->loaded));
    auto result = conn.execute(detail::built_statement<void>(data));
    if (result.rowcount() == 0)
      throw StaleDataError("quarry: DELETE of '" + m.table->name + "' matched no row; it was deleted by someone else");
    forget(e);
    deleted_.push_back(e);
  }

  Engine engine_;
  session_options options_;
  session_listeners listeners_;
  std::optional<Connection> connection_;
  std::vector<std::shared_ptr<entry>> pending_;  // in the order they were added
  std::unordered_map<detail::identity, std::shared_ptr<entry>, detail::identity_hash> identity_map_;
  std::unordered_map<const void*, std::shared_ptr<entry>> by_object_;
  std::vector<std::shared_ptr<entry>> inserted_;  // INSERTed in the current transaction
  std::vector<std::shared_ptr<entry>> touched_;   // UPDATEd in it
  std::vector<std::shared_ptr<entry>> deleted_;   // DELETEd in it
  std::uint64_t serial_ = 0;
  bool needs_rollback_ = false;
  bool flushing_ = false;
};

// SQLAlchemy's sessionmaker: a factory of Sessions with the same engine and options.
class sessionmaker {
 public:
  explicit sessionmaker(Engine engine, session_options options = {}) : engine_(std::move(engine)), options_(options) {}
  Session operator()() const { return Session(engine_, options_, listeners_); }

  // Every session made from now on calls fn(session) at each `event`.
  void listen(session_event event, std::function<void(Session&)> fn) {
    listeners_.listeners.emplace_back(event, std::move(fn));
  }

 private:
  Engine engine_;
  session_options options_;
  session_listeners listeners_;
};

// SQLAlchemy's scoped_session: one Session per thread, made by a sessionmaker
// on the thread's first call and closed by remove().
class scoped_session {
 public:
  explicit scoped_session(sessionmaker factory) : factory_(std::move(factory)) {}

  // The calling thread's session.
  Session& operator()() {
    std::lock_guard lock(mutex_);
    auto& session = sessions_[std::this_thread::get_id()];
    if (!session) session = std::make_unique<Session>(factory_());
    return *session;
  }

  // Closes the calling thread's session; its next call gets a new one.
  void remove() {
    std::unique_ptr<Session> session;
    {
      std::lock_guard lock(mutex_);
      auto it = sessions_.find(std::this_thread::get_id());
      if (it == sessions_.end()) return;
      session = std::move(it->second);
      sessions_.erase(it);
    }
    session->close();
  }

 private:
  sessionmaker factory_;
  std::mutex mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<Session>> sessions_;
};

}  // namespace quarry
