// Session: the unit of work and identity map over models declared with QUARRY_MODEL.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "quarry/core/detail/dependency_order.hpp"
#include "quarry/core/dml.hpp"
#include "quarry/core/select.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/errors.hpp"
#include "quarry/orm/detail/evaluator.hpp"
#include "quarry/orm/detail/loading.hpp"
#include "quarry/orm/detail/mapper.hpp"
#include "quarry/orm/detail/relationships.hpp"
#include "quarry/orm/detail/unit_of_work.hpp"
#include "quarry/orm/events.hpp"
#include "quarry/orm/loader_options.hpp"
#include "quarry/orm/object_ref.hpp"
#include "quarry/orm/object_result.hpp"
#include "quarry/orm/relationship.hpp"

namespace quarry {

namespace detail {
template <class S>
inline constexpr bool is_model_select = false;
template <class M>
  requires mapped_model<M>
inline constexpr bool is_model_select<select_statement<M>> = true;
// False for every S: a static_assert on it fails only where it is instantiated, naming S.
template <class S>
inline constexpr bool not_a_statement = false;
}  // namespace detail

template <class Row>
class Query;

// How an ORM-enabled UPDATE or DELETE brings the session's objects in line
// with what it changed (SQLAlchemy's synchronize_session).
enum class synchronize_session : std::uint8_t {
  auto_,     // evaluate, or fetch when the statement cannot be evaluated in C++
  evaluate,  // the WHERE and the new values evaluated on the objects in memory
  fetch,     // RETURNING the changed rows, which update (or remove) the objects
  none,      // the objects are left as they are
};

struct session_options {
  bool autoflush = true;         // flush pending changes before a query runs
  bool expire_on_commit = true;  // objects are read again the next time the session hands them out
  bool autobegin = true;         // false: work outside begin() is an InvalidRequestError
};

// SQLAlchemy's Session for models declared with QUARRY_MODEL: a unit of work
// with an identity map (one object per primary key). Objects are
// std::shared_ptr<M> handles; the session holds them strongly until it is
// closed, expunges them, or rolls back their INSERT. Plain structs cannot
// report changes, so a flush compares each object with a snapshot of the
// values last read or written and updates only the columns that differ.
// The session uses a connection of the engine's pool from the start of a
// transaction to its commit or rollback.
class Session {
  using entry = detail::session_entry;
  using object_state = detail::object_state;

 public:
  explicit Session(Engine engine, session_options options = {}, session_listeners listeners = {})
      : engine_(std::move(engine)), options_(options), listeners_(std::move(listeners)), link_(new_link()) {}
  // A moved-from session is empty; guards and savepoints of it must be finished first.
  Session(Session&& other) noexcept
      : engine_(std::move(other.engine_)),
        options_(other.options_),
        listeners_(std::move(other.listeners_)),
        connection_(std::move(other.connection_)),
        pending_(std::move(other.pending_)),
        identity_map_(std::move(other.identity_map_)),
        entries_(std::move(other.entries_)),
        deleted_(std::move(other.deleted_)),
        deleted_marked_(std::exchange(other.deleted_marked_, 0)),
        statements_(std::move(other.statements_)),
        serial_(other.serial_),
        tx_start_(other.tx_start_),
        needs_rollback_(std::exchange(other.needs_rollback_, false)),
        relationships_changed_(std::exchange(other.relationships_changed_, false)),
        transaction_open_(std::exchange(other.transaction_open_, false)),
        explicit_begin_(std::exchange(other.explicit_begin_, false)),
        link_(std::exchange(other.link_, other.new_link())) {
    other.connection_.reset();
    other.identity_map_.clear();
    other.entries_.clear();
    link_->session = this;
  }
  Session& operator=(Session&& other) noexcept {
    if (this != &other) {
      this->~Session();
      new (this) Session(std::move(other));
    }
    return *this;
  }
  ~Session() {
    close();
    link_->session = nullptr;
  }

  // Calls fn(session) at each `event` of this session; returns an id for remove_listener().
  listener_id listen(session_event event, std::function<void(Session&)> fn) {
    return listeners_.add(event, std::move(fn));
  }
  bool remove_listener(listener_id id) { return listeners_.remove(id); }

  // --- queries ------------------------------------------------------------------------

  // A select<M>() gives the session's objects; any other Core statement runs on
  // the session's connection as Connection::execute() runs it. Both autoflush first.
  template <executable S>
  auto execute(const S& statement, const params& parameters = {}) {
    auto busy = enter();
    if constexpr (detail::is_model_select<S>) {
      return scalars(statement, parameters);
    } else {
      prepare_query();
      return work_connection().execute(statement, parameters);
    }
  }

  // The objects a select<M>() returns, through the identity map: a row whose
  // object is already in the session gives that object (not overwritten, unless expired).
  template <class M>
    requires detail::mapped_model<M>
  object_result<M> scalars(const select_statement<M>& statement, const params& parameters = {}) {
    auto busy = enter();
    prepare_query();
    Connection& conn = work_connection();
    std::vector<std::shared_ptr<M>> out;
    const auto& m = detail::mapper_of<M>();
    if (m.has_relationships || !statement.data()->orm_options.empty()) {
      if (!parameters.empty())
        throw ArgumentError("quarry: a select of a model with relationships takes its values in the statement, not as params");
      std::vector<const detail::relationship_info*> path;
      for (auto* e : run_load(conn, m, statement.data(), path)) out.push_back(handle<M>(*e));
      return object_result<M>(std::move(out));
    }
    for (M object : conn.execute(statement, parameters)) out.push_back(handle<M>(loaded(std::move(object), conn)));
    return object_result<M>(std::move(out));
  }

  // The first column of every row of a statement that is not a select<M>() (select(u.id), ...).
  template <executable S>
    requires(!detail::is_model_select<S> && !std::is_void_v<typename S::row_type>)
  auto scalars(const S& statement, const params& parameters = {}) {
    auto busy = enter();
    return execute(statement, parameters).scalars();
  }

  // ORM-enabled UPDATE: autoflushes, runs the statement, then brings the
  // session's objects of M in line (synchronize_session). Returns the rows matched.
  template <class M>
    requires detail::mapped_model<M>
  std::int64_t execute(const update_statement<M>& statement, synchronize_session sync = synchronize_session::auto_) {
    auto busy = enter();
    return orm_dml(statement.data(), sync, false, detail::mapper_of<M>());
  }
  // ORM-enabled DELETE: the objects of rows it deletes leave the session (a rollback brings them back).
  template <class M>
    requires detail::mapped_model<M>
  std::int64_t execute(const delete_statement<M>& statement, synchronize_session sync = synchronize_session::auto_) {
    auto busy = enter();
    return orm_dml(statement.data(), sync, true, detail::mapper_of<M>());
  }

  // A text() statement on the session's connection, in its transaction, after
  // an autoflush: rows as Connection::execute(text) gives them (dynamic, or
  // typed with .as<std::tuple<...>>() and scalar<T>()).
  Result execute(const text_clause& statement, const params& parameters = {}) {
    auto busy = enter();
    prepare_query();
    return work_connection().execute(statement, parameters);
  }
  // The first column of the first row of a text() statement (a quarry::value unless T is given).
  template <class T = value>
  T scalar(const text_clause& statement, const params& parameters = {}) {
    auto busy = enter();
    return execute(statement, parameters).template scalar<T>();
  }
  // The first column of every row of a text() statement.
  template <class T = value>
  std::vector<T> scalars(const text_clause& statement, const params& parameters = {}) {
    auto busy = enter();
    return execute(statement, parameters).template scalars<T>();
  }
  // What is not a statement gets one clear error instead of a page of overloads.
  template <class S>
    requires(!executable<S> && !std::is_convertible_v<const S&, const text_clause&>)
  void execute(const S&, const params& = {}) {
    static_assert(detail::not_a_statement<S>,
                  "quarry: session.execute() takes a statement: select(...), insert/update/delete(...), or "
                  "quarry::text(\"SQL\") for SQL text");
  }
  template <class S>
    requires(!executable<S> && !std::is_convertible_v<const S&, const text_clause&>)
  void scalar(const S&, const params& = {}) {
    static_assert(detail::not_a_statement<S>,
                  "quarry: session.scalar() takes a statement: select(...) or quarry::text(\"SQL\") for SQL text");
  }
  template <class S>
    requires(!executable<S> && !std::is_convertible_v<const S&, const text_clause&>)
  void scalars(const S&, const params& = {}) {
    static_assert(detail::not_a_statement<S>,
                  "quarry: session.scalars() takes a select<Model>() or quarry::text(\"SQL\") for SQL text");
  }

  // The legacy Query API: session.query<User>() and session.query(columns...).
  template <class M>
    requires detail::mapped_model<M>
  Query<M> query();
  template <class... Columns>
    requires(sizeof...(Columns) > 0)
  auto query(const Columns&... columns);

  // The first column of the first row (select(func::count(...)), ...).
  template <executable S>
    requires(!std::is_void_v<typename S::row_type>)
  auto scalar(const S& statement, const params& parameters = {}) {
    auto busy = enter();
    return execute(statement, parameters).scalar();
  }

  // The object with this primary key: from the identity map without SQL when
  // it is there, else one SELECT; nullptr when there is no such row. A key not
  // in the map flushes first only when objects are new or deleted: a change
  // to a loaded object cannot change which row a key finds, unless it changes
  // that object's key (flush() first then).
  template <class M, class... Key>
  std::shared_ptr<M> get(const Key&... key) {
    auto busy = enter();
    check_usable();
    const auto& m = detail::mapper_of<M>();
    if (sizeof...(Key) != m.key_columns.size())
      throw ArgumentError("quarry: get() of '" + m.table->name + "' needs " + std::to_string(m.key_columns.size()) +
                          " key values");
    auto identity = m.key_from(key...);
    if (entry* e = identity_map_.find(identity)) {
      if (e->expired && !reload(*e)) return nullptr;
      return handle<M>(*e);
    }
    if (options_.autoflush && !flushing_ && (!pending_.empty() || deleted_marked_ > 0)) flush();
    Connection& conn = work_connection();
    // A model whose default loading joins, subqueries or defers columns loads
    // through a statement built for it; the others through the cached SELECT by key.
    if (m.has_relationships && loads_through_statement(m)) {
      std::vector<std::vector<value>> keys(1);
      (keys[0].push_back(detail::owned_value(key)), ...);
      std::vector<detail::node_ptr> columns;
      for (auto c : m.key_columns) columns.push_back(m.column(c));
      auto data = std::make_shared<detail::statement_data>();
      for (std::size_t c = 0; c < m.column_count; ++c) data->columns.push_back(m.column(c));
      data->where = detail::key_filter(columns, keys);
      std::vector<const detail::relationship_info*> path;
      auto found = run_load(conn, m, std::move(data), path);
      return found.empty() ? nullptr : handle<M>(*found.front());
    }
    value owned[sizeof...(Key) ? sizeof...(Key) : 1];
    value_ref refs[sizeof...(Key) ? sizeof...(Key) : 1];
    std::size_t i = 0;
    ((owned[i] = detail::owned_value(key), refs[i] = owned[i].ref(), ++i), ...);
    auto& select = statements_.get(conn.dialect(), m, detail::flush_statements::kind::select_by_key, {});
    entry* found = nullptr;
    for (auto row : conn.execute_compiled(select, std::span<const value_ref>(refs, sizeof...(Key)))) {
      found = &loaded(row.template as<M>(), conn);
      break;
    }
    if (!found) return nullptr;
    if (m.has_relationships) {
      relationship_path path;
      post_load(conn, m, {found}, nullptr, {}, path);
    }
    return handle<M>(*found);
  }

  // --- objects ------------------------------------------------------------------------

  // Makes an object pending: it is INSERTed at the next flush.
  template <class M>
  std::shared_ptr<M> add(std::shared_ptr<M> object) {
    auto busy = enter();
    check_usable();
    if (!object) throw ArgumentError("quarry: Session::add() of a null object");
    if (entry* found = find_entry(detail::mapper_of<M>(), object.get())) {
      // Added again while marked for deletion: the mark is taken back (SQLAlchemy's add()).
      if (found->state == object_state::deleted) {
        found->state = object_state::persistent;
        --deleted_marked_;
      }
      return object;
    }
    entry* e = add_erased(detail::mapper_of<M>(), object, object.get());
    if (e->m->has_relationships) cascade_save_update({e});
    return object;
  }
  template <class M>
    requires detail::mapped_model<M>
  std::shared_ptr<M> add(M object) {
    auto busy = enter();
    check_usable();
    auto block = std::make_shared<detail::owned_object<M>>();
    block->object = std::move(object);
    entry* e = &block->entry;
    e->m = &detail::mapper_of<M>();
    e->object = &block->object;
    e->snapshot = &block->entry.snapshot_value;
    e->added = ++serial_;
    e->from_add = true;
    e->self = block;
    entries_.insert(e);
    pending_.push_back(e);
    auto out = std::shared_ptr<M>(std::move(block), static_cast<M*>(e->object));
    if (e->m->has_relationships) {
      init_relationships(*e);
      cascade_save_update({e});
    }
    return out;
  }
  template <class M>
  void add_all(const std::vector<std::shared_ptr<M>>& objects) {
    pending_.reserve(pending_.size() + objects.size());
    entries_.reserve(entries_.size() + objects.size());
    for (auto& o : objects) add(o);
  }

  // Marks a persistent object for DELETE at the next flush; a pending one is just expunged.
  template <class M>
  void delete_(const std::shared_ptr<M>& object) {
    auto busy = enter();
    check_usable();
    entry& e = entry_of(detail::mapper_of<M>(), object.get(), "delete_()");
    if (e.state == object_state::pending) {
      expunge(e);
    } else if (e.state == object_state::persistent) {
      // As SQLAlchemy's delete(): the delete cascade is followed now (loading
      // what it needs before the object is marked, so an autoflush cannot
      // delete it early), and deleted_objects() shows what it reached.
      auto reached = delete_cascade(e);
      for (auto* t : reached) mark_deleted(*t);
    }
  }

  // The session's object for `object`'s primary key, with `object`'s values
  // copied onto it (read from the database first when the session does not
  // have it); a new pending object when there is no such row.
  // Relationships with the merge cascade (the default) merge their loaded
  // targets the same way, and the session's object holds the merged ones.
  template <class M>
    requires detail::mapped_model<M>
  std::shared_ptr<M> merge(const M& object) {
    auto busy = enter();
    check_usable();
    bool outermost = merging_.empty();
    if (outermost && options_.autoflush && !flushing_) flush();  // as SQLAlchemy's merge(load=True)
    try {
      auto merged = merge_one(object);
      if (outermost) merging_.clear();
      return merged;
    } catch (...) {
      if (outermost) merging_.clear();
      throw;
    }
  }

  // Reads the object's row again, dropping changes made in memory.
  template <class M>
  void refresh(const std::shared_ptr<M>& object) {
    auto busy = enter();
    entry& e = entry_of(detail::mapper_of<M>(), object.get(), "refresh()");
    if (e.state == object_state::pending) throw InvalidRequestError("quarry: refresh() of a pending object: flush() it first");
    auto reached = refresh_expire_cascade(e);
    for (auto* t : reached) expire_entry(*t, true);
    if (!reload(e, true)) throw ObjectDeletedError("quarry: the row of this object no longer exists");
    for (std::size_t i = 1; i < reached.size(); ++i) reload(*reached[i], true);
  }

  // Whether flush() would UPDATE the object.
  template <class M>
  bool is_modified(const std::shared_ptr<M>& object) {
    entry& e = entry_of(detail::mapper_of<M>(), object.get(), "is_modified()");
    return e.state == object_state::persistent && !e.discard && e.m->diff(e.object, e.snapshot, scratch_);
  }

  // Marks an object (or all of them) to be read again before the session next
  // hands it out; changes made to it in memory and not flushed are dropped,
  // and its relationships load again on next use. Objects its refresh-expire
  // relationships hold expire with it.
  template <class M>
  void expire(const std::shared_ptr<M>& object) {
    auto busy = enter();
    entry& e = entry_of(detail::mapper_of<M>(), object.get(), "expire()");
    if (e.state == object_state::pending) return;
    for (auto* t : refresh_expire_cascade(e)) expire_entry(*t, true);
  }
  void expire_all() {
    auto busy = enter();
    identity_map_.for_each([](entry& e) { expire_entry(e, true); });
  }

  // Takes the object out of the session (and what its expunge-cascade relationships reach).
  template <class M>
  void expunge(const std::shared_ptr<M>& object) {
    auto busy = enter();
    entry& e = entry_of(detail::mapper_of<M>(), object.get(), "expunge()");
    if (!e.m->has_relationships) {
      expunge(e);
      return;
    }
    std::vector<entry*> work{&e};
    std::unordered_map<const void*, entry*> by_address;
    for (std::size_t i = 0; i < work.size(); ++i)
      for (auto& r : work[i]->m->relationships()) {
        auto& s = r.state(work[i]->object);
        if (!r.cascade.expunge || !s.loaded_) continue;
        for (auto& [target, handle] : targets_of(r, s))
          if (entry* t = in_session(r.target(), target, by_address); t && std::find(work.begin(), work.end(), t) == work.end())
            work.push_back(t);
      }
    std::vector<std::shared_ptr<void>> keep;  // the entries stay valid until all are out
    for (auto* x : work) keep.push_back(x->handle ? x->handle : x->self);
    for (auto* x : work) expunge(*x);
  }
  void expunge_all() {
    auto busy = enter();
    std::vector<entry*> all;
    all.reserve(identity_map_.size() + pending_.size());
    identity_map_.for_each([&](entry& e) { all.push_back(&e); });
    all.insert(all.end(), pending_.begin(), pending_.end());
    pending_.clear();
    identity_map_.clear();
    entries_.clear();
    deleted_marked_ = 0;
    // Freed from the highest address down: objects read together were allocated
    // together, and the allocator merges each into the free space above it.
    std::sort(all.begin(), all.end(), std::greater<>());
    for (auto* e : all) drop_weak_collections(*e);
    for (auto* e : all) release(*e);
  }

  template <class M>
  bool contains(const M* object) const {
    return find_entry(detail::mapper_of<M>(), object) != nullptr;
  }

  // Objects of one model that are new (pending), dirty (changed since read) or marked deleted.
  template <class M>
  std::vector<std::shared_ptr<M>> new_objects() const {
    std::vector<std::shared_ptr<M>> out;
    for (auto* e : pending_)
      if (e->m == &detail::mapper_of<M>()) out.push_back(handle<M>(*e));
    return out;
  }
  template <class M>
  std::vector<std::shared_ptr<M>> dirty_objects() {
    return persistent_where<M>([&](entry& e) { return is_dirty(e); });
  }
  template <class M>
  std::vector<std::shared_ptr<M>> deleted_objects() {
    return persistent_where<M>([](entry& e) { return e.state == object_state::deleted; });
  }
  // Every new, dirty or deleted object, of any model (SQLAlchemy's session.new,
  // session.dirty, session.deleted), for a listener that audits all changes.
  std::vector<object_ref> new_objects() const {
    std::vector<object_ref> out;
    for (auto* e : pending_) out.emplace_back(*e->m, erased_handle(*e));
    return out;
  }
  std::vector<object_ref> dirty_objects() {
    std::vector<object_ref> out;
    identity_map_.for_each([&](entry& e) {
      if (is_dirty(e)) out.emplace_back(*e.m, erased_handle(e));
    });
    return out;
  }
  std::vector<object_ref> deleted_objects() const {
    std::vector<object_ref> out;
    identity_map_.for_each([&](entry& e) {
      if (e.state == object_state::deleted) out.emplace_back(*e.m, erased_handle(e));
    });
    return out;
  }
  std::size_t new_count() const noexcept { return pending_.size(); }
  std::size_t deleted_count() const noexcept { return deleted_marked_; }
  std::size_t dirty_count() {
    std::size_t n = 0;
    identity_map_.for_each([&](entry& e) { n += is_dirty(e); });
    return n;
  }

  // --- transactions -------------------------------------------------------------------

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

  // Sends pending INSERTs, UPDATEs of changed objects and DELETEs, in
  // foreign-key order, in the session's transaction. On failure the
  // transaction rolls back and the session refuses work until rollback().
  // A session with nothing to write sends nothing and calls no flush events
  // (an autoflush before each query must not run an audit listener each time).
  void flush() {
    auto busy = enter();
    check_usable();
    if (flushing_ || is_clean()) return;
    flushing_ = true;
    try {
      listeners_.dispatch(session_event::before_flush, *this);
      flush_now();
      listeners_.dispatch(session_event::after_flush, *this);
    } catch (...) {
      flushing_ = false;
      needs_rollback_ = true;
      associations_.clear();
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

  // Flushes, commits, and returns the connection to the pool.
  void commit() {
    auto busy = enter();
    check_usable();
    listeners_.dispatch(session_event::before_commit, *this);
    flush();
    if (connection_) {
      try {
        connection_->commit();
      } catch (...) {
        // The objects may not match the database now: only rollback() may go on
        // (the error's transaction_outcome() says what the database kept).
        needs_rollback_ = true;
        throw;
      }
    }
    connection_.reset();
    end_transaction();
    release_deleted();
    if (options_.expire_on_commit) identity_map_.for_each([](entry& e) { expire_entry(e, false); });
    listeners_.dispatch(session_event::after_commit, *this);
  }

  // Rolls back the transaction: objects INSERTed in it, and pending ones, leave
  // the session; the others are read again before the session hands them out.
  void rollback() {
    auto busy = enter();
    bool had_transaction = transaction_open_;
    if (connection_) connection_->rollback();
    connection_.reset();
    needs_rollback_ = false;
    undo_since({tx_start_, 0});
    identity_map_.for_each([](entry& e) {
      expire_entry(e, true);
      if (e.state == object_state::deleted) e.state = object_state::persistent;
    });
    deleted_marked_ = 0;
    end_transaction();
    if (had_transaction) listeners_.dispatch(session_event::after_rollback, *this);
    listeners_.dispatch(session_event::after_soft_rollback, *this);
  }

  // session.begin(): the transaction as an RAII object that rolls back unless committed.
  class transaction {
   public:
    transaction(transaction&& other) noexcept : session_(std::exchange(other.session_, nullptr)) {}
    transaction& operator=(transaction&&) = delete;
    ~transaction() {
      if (!session_) return;
      try {
        session_->explicit_begin_ = false;
        session_->rollback();
      } catch (...) {
        // A destructor cannot report; close() resets what is left.
      }
    }
    void commit() {
      Session& s = active();
      session_ = nullptr;
      s.explicit_begin_ = false;
      s.commit();
    }
    void rollback() {
      Session& s = active();
      session_ = nullptr;
      s.explicit_begin_ = false;
      s.rollback();
    }

   private:
    friend class Session;
    explicit transaction(Session& session) : session_(&session) {}
    Session& active() {
      if (!session_) throw InvalidRequestError("quarry: this session transaction is already finished");
      return *session_;
    }
    Session* session_;
  };

  // Begins the session's transaction explicitly (an error when one is open).
  [[nodiscard]] transaction begin() {
    check_usable();
    if (transaction_open_ || explicit_begin_)
      throw InvalidRequestError("quarry: this Session's transaction is already begun; commit() or rollback() it first");
    explicit_begin_ = true;
    work_connection();
    return transaction(*this);
  }
  // `with session.begin():` — fn(session) in a transaction that commits when fn
  // returns and rolls back when it throws.
  template <class Fn>
    requires std::invocable<Fn&, Session&>
  decltype(auto) begin(Fn&& fn) {
    auto t = begin();
    if constexpr (std::is_void_v<std::invoke_result_t<Fn&, Session&>>) {
      fn(*this);
      t.commit();
    } else {
      decltype(auto) result = fn(*this);
      t.commit();
      return result;
    }
  }
  bool in_transaction() const noexcept { return transaction_open_; }

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
      if (!session_ || !transaction_.is_active()) throw InvalidRequestError("quarry: this savepoint is no longer active");
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
      s.listeners_.dispatch(session_event::after_soft_rollback, s);
    }

   private:
    friend class Session;
    struct mark {
      std::uint64_t serial;
      std::size_t deleted;
    };
    nested_transaction(Session& session, Transaction transaction, mark m)
        : session_(&session), transaction_(std::move(transaction)), mark_(m) {}

    Session* session_;
    Transaction transaction_;
    mark mark_;
  };

  nested_transaction begin_nested() {
    auto busy = enter();
    flush();
    auto savepoint = work_connection().begin_nested();
    return nested_transaction(*this, std::move(savepoint), {serial_, deleted_.size()});
  }

  // Rolls back what is uncommitted, returns the connection to the pool, empties the session.
  void close() noexcept {
    // Objects the session lets go of can no longer load their relationships.
    if (link_ && link_->session) {
      link_->session = nullptr;
      link_ = new_link();
    }
    if (connection_) connection_->close();
    connection_.reset();
    needs_rollback_ = false;
    transaction_open_ = explicit_begin_ = false;
    release_deleted();
    expunge_all();
  }

  // The session's connection, in the session's transaction (which begins here if needed).
  Connection& connection() { return work_connection(); }

 private:
  // Nothing to write: no new or deleted objects, no changed columns, no
  // relationship changed since the last flush.
  bool is_clean() {
    return pending_.empty() && deleted_marked_ == 0 && !relationships_changed_ &&
           !identity_map_.any_of([this](entry& e) { return is_dirty(e); });
  }

  // One thread at a time: a thread that enters while another is inside is
  // refused before it touches anything (SQLAlchemy raises for concurrent use
  // too). Reentrant within the thread; costs one uncontended atomic exchange.
  class use_guard {
   public:
    explicit use_guard(const Session& s) {
      auto self = std::this_thread::get_id();
      std::thread::id idle{};
      if (s.user_.compare_exchange_strong(idle, self, std::memory_order_acquire)) owner_ = &s;
      else if (idle != self)
        throw InvalidRequestError(
            "quarry: this Session is in use by another thread; concurrent operations are not permitted (use a "
            "Session per thread, e.g. scoped_session)");
    }
    use_guard(const use_guard&) = delete;
    use_guard& operator=(const use_guard&) = delete;
    ~use_guard() {
      if (owner_) owner_->user_.store(std::thread::id{}, std::memory_order_release);
    }

   private:
    const Session* owner_ = nullptr;
  };
  [[nodiscard]] use_guard enter() const { return use_guard(*this); }

  void check_usable() const {
    if (needs_rollback_)
      throw PendingRollbackError(
          "quarry: this Session's transaction was rolled back after a failed flush; call rollback() to go on");
  }

  void prepare_query() {
    check_usable();
    if (options_.autoflush && !flushing_) flush();
  }

  // The connection for the session's work: the first use in a transaction begins it.
  Connection& work_connection() {
    if (!transaction_open_) {
      if (!options_.autobegin && !explicit_begin_)
        throw InvalidRequestError("quarry: this Session does not begin transactions itself (autobegin is off); call begin()");
      if (!connection_) connection_.emplace(engine_.connect());
      transaction_open_ = true;
      listeners_.dispatch(session_event::after_begin, *this);
    }
    if (!connection_) connection_.emplace(engine_.connect());
    return *connection_;
  }

  void end_transaction() {
    tx_start_ = serial_;
    transaction_open_ = false;
  }

  template <class M>
  static std::shared_ptr<M> handle(const entry& e) {
    if (e.handle) return std::static_pointer_cast<M>(e.handle);
    return std::shared_ptr<M>(e.self, static_cast<M*>(e.object));
  }
  static std::shared_ptr<void> erased_handle(const entry& e) {
    return e.handle ? e.handle : std::shared_ptr<void>(e.self, e.object);
  }

  // The entry of an object: objects that came in through add() by their
  // address, objects the session read by their key (or, when their key was
  // changed in memory, by a pass over the identity map).
  entry* find_entry(const detail::mapper& m, const void* object) const {
    if (entry* e = entries_.find(object)) return e;
    if (entry* e = identity_map_.find(m.key_of(object)); e && e->object == object) return e;
    entry* found = nullptr;
    identity_map_.for_each([&](entry& e) {
      if (e.object == object) found = &e;
    });
    return found;
  }
  entry& entry_of(const detail::mapper& m, const void* object, const char* what) {
    entry* e = find_entry(m, object);
    if (!e) throw InvalidRequestError(std::string("quarry: ") + what + " of an object that is not in this session");
    return *e;
  }

  bool is_dirty(entry& e) {
    return e.state == object_state::persistent && !e.discard && e.m->diff(e.object, e.snapshot, scratch_);
  }

  template <class M, class Predicate>
  std::vector<std::shared_ptr<M>> persistent_where(Predicate&& keep) {
    std::vector<std::shared_ptr<M>> out;
    identity_map_.for_each([&](entry& e) {
      if (e.m == &detail::mapper_of<M>() && keep(e)) out.push_back(handle<M>(e));
    });
    return out;
  }

  // The object a merge() looks for, read by its key.
  template <class M>
  std::shared_ptr<M> get_by_identity(const M& object) {
    const auto& m = detail::mapper_of<M>();
    Connection& conn = work_connection();
    std::vector<value> owned(m.key_columns.size());
    std::vector<value_ref> refs(m.key_columns.size());
    for (std::size_t k = 0; k < refs.size(); ++k) refs[k] = m.bind(&object, m.key_columns[k], owned[k]);
    auto& select = statements_.get(conn.dialect(), m, detail::flush_statements::kind::select_by_key, {});
    for (auto row : conn.execute_compiled(select, refs)) return handle<M>(loaded(row.template as<M>(), conn));
    return nullptr;
  }

  // Takes an entry out of the session's indexes; it stays alive until release().
  void forget(entry& e) {
    entries_.erase(e.object);
    if (e.state == object_state::pending) {
      std::erase(pending_, &e);
      return;
    }
    if (e.state == object_state::deleted) --deleted_marked_;
    identity_map_.erase(e.key);
  }
  // The session lets go of an entry (and of its object, unless the user holds it); e may be gone after.
  static void release(entry& e) {
    auto self = std::move(e.self);
  }
  void expunge(entry& e) {
    forget(e);
    drop_weak_collections(e);
    release(e);
  }
  // Collections that could hold each other's objects in a cycle are emptied
  // and unloaded when the session lets go of their object (see
  // relationship_info::dropped_on_release()); the cycle would live forever.
  static void drop_weak_collections(entry& e) {
    if (!e.m->has_relationships) return;
    for (auto& r : e.m->relationships())
      if (r.dropped_on_release()) {
        auto& s = r.state(e.object);
        r.assign(s, r, {});
        s.loaded_ = false;
      }
  }
  void release_deleted() {
    auto deleted = std::move(deleted_);
    deleted_.clear();
    for (auto* e : deleted) release(*e);
  }

  // After a (savepoint's) rollback: objects added or inserted since the mark
  // leave the session; those updated, changed in memory, or whose relationships
  // changed since are expired (read again, relationships unloaded); those
  // deleted come back.
  void undo_since(const nested_transaction::mark& m) {
    std::vector<entry*> gone;
    identity_map_.for_each([&](entry& e) {
      if (e.inserted > m.serial) {
        gone.push_back(&e);
        return;
      }
      if (e.state == object_state::deleted && e.touched > m.serial) {  // marked, not flushed
        e.state = object_state::persistent;
        --deleted_marked_;
      }
      if (e.touched > m.serial || is_dirty(e)) expire_entry(e, true);
    });
    for (auto* e : pending_)
      if (e->added > m.serial) gone.push_back(e);
    for (auto* e : gone) expunge(*e);
    relationships_changed_ = false;  // what changed since the mark is undone or expired
    for (std::size_t i = m.deleted; i < deleted_.size(); ++i) restore(*deleted_[i]);
    deleted_.resize(std::min(deleted_.size(), m.deleted));
  }

  // An object whose DELETE was rolled back is persistent again, to be read again.
  void restore(entry& e) {
    e.state = object_state::persistent;
    expire_entry(e, true);
    identity_map_.insert(&e);
    if (e.from_add) entries_.insert(&e);
  }

  // The session's entry for an object just read: the one in the identity map,
  // refreshed when expired, or a new one that owns `fresh`.
  template <class M>
  entry& loaded(M&& fresh, Connection& conn) {
    const auto& m = detail::mapper_of<M>();
    detail::identity_key identity;
    m.key(m, &fresh, identity);
    if (entry* e = identity_map_.find(identity)) {
      if (e->expired) refreshed(*e, &fresh);
      return *e;
    }
    auto block = std::make_shared<detail::owned_object<M>>();
    block->object = std::move(fresh);
    detail::model_mapper<M>::copy(&block->entry.snapshot_value, &block->object, 0);
    entry* e = &block->entry;
    e->m = &m;
    e->object = &block->object;
    e->snapshot = &block->entry.snapshot_value;
    e->key = std::move(identity);
    e->state = object_state::persistent;
    e->added = ++serial_;
    e->self = std::move(block);
    identity_map_.insert(e);
    if constexpr (detail::relationship_count<M>() > 0) init_relationships(*e, true);
    if (m.listened(mapper_event::load)) m.dispatch(mapper_event::load, conn, e->object);
    return *e;
  }

  // An expired entry meets its row (`fresh`, an object of its model): the
  // object takes the row's values, unless it was changed in memory since it
  // expired at a commit; those changes stay and the next flush writes what
  // differs from the row.
  // `skip`: columns the row did not read (deferred).
  void refreshed(entry& e, const void* fresh, std::uint64_t skip = 0) {
    bool keep = !e.discard && e.m->diff(e.object, e.snapshot, scratch_);
    e.m->copy(e.snapshot, fresh, skip);
    e.m->copy(e.object, fresh, keep ? ~(e.unloaded & ~skip) : skip);  // kept changes keep; columns never read arrive
    e.unloaded &= skip;
    e.expired = e.discard = false;
  }

  // Reads an entry's row again; false when it is gone (the entry leaves the session).
  bool reload(entry& e, bool drop_changes = false) {
    if (drop_changes) e.discard = true;
    Connection& conn = work_connection();
    const auto& m = *e.m;
    std::vector<value> owned(m.key_columns.size());
    std::vector<value_ref> refs(m.key_columns.size());
    for (std::size_t k = 0; k < refs.size(); ++k) refs[k] = m.bind(e.snapshot, m.key_columns[k], owned[k]);
    auto& select = statements_.get(conn.dialect(), m, detail::flush_statements::kind::select_by_key, {});
    auto result = conn.execute_compiled(select, refs);
    auto row = result.begin();
    if (row == result.end()) {
      expunge(e);
      return false;
    }
    bool keep = !e.discard && m.diff(e.object, e.snapshot, scratch_);
    m.read(e.snapshot, *row, 0, 0);
    m.copy(e.object, e.snapshot, keep ? ~e.unloaded : 0);
    e.unloaded = 0;
    e.expired = e.discard = false;
    return true;
  }

  // An UPDATE or DELETE of one model's table, and the objects it matched.
  std::int64_t orm_dml(std::shared_ptr<const detail::statement_data> data, synchronize_session sync, bool deleting,
                       const detail::mapper& m) {
    prepare_query();
    Connection& conn = work_connection();
    // evaluate: which objects match, and their new values, before the statement runs.
    std::vector<std::pair<entry*, std::vector<value>>> matched;
    bool evaluated = false;
    if (sync == synchronize_session::evaluate || sync == synchronize_session::auto_) {
      try {
        identity_map_.for_each([&](entry& e) {
          if (e.m != &m || e.state != object_state::persistent || e.expired) return;
          detail::object_evaluator evaluator(m, e.object);
          if (data->where && !evaluator.matches(*data->where)) return;
          std::vector<value> values;
          for (auto& a : data->assignments) values.push_back(evaluator.eval(*a.value));
          matched.emplace_back(&e, std::move(values));
        });
        evaluated = true;
      } catch (const detail::cannot_evaluate& c) {
        if (sync == synchronize_session::evaluate)
          throw InvalidRequestError("quarry: synchronize_session::evaluate cannot evaluate " + c.what +
                                    " in C++; use synchronize_session::fetch");
        matched.clear();
      }
    }
    if (!evaluated && sync != synchronize_session::none) {
      // fetch: RETURNING every column of the changed rows.
      auto returning = std::make_shared<detail::statement_data>(*data);
      for (std::size_t i = 0; i < m.column_count; ++i) returning->returning.push_back(m.column(i));
      auto result = conn.execute(detail::built_statement<void>(std::move(returning)));
      std::int64_t rows = 0;
      for (auto row : result) {
        ++rows;
        auto identity = row_identity(m, row);
        entry* e = identity_map_.find(identity);
        if (!e) continue;
        if (deleting) {
          forget(*e);  // counts a deleted mark off before the state changes
          e->state = object_state::persistent;
          deleted_.push_back(e);
        } else {
          m.read(e->snapshot, row, 0, 0);
          m.copy(e->object, e->snapshot, 0);
          e->unloaded = 0;
          e->expired = e->discard = false;
          e->touched = ++serial_;
        }
      }
      return rows;
    }
    auto result = conn.execute(detail::built_statement<void>(std::make_shared<detail::statement_data>(*data)));
    for (auto& [e, values] : matched) {
      if (deleting) {
        forget(*e);
        deleted_.push_back(e);
        continue;
      }
      for (std::size_t k = 0; k < values.size(); ++k) {
        auto column = m.table->column_index(data->assignments[k].column);
        m.assign_column(e->object, column, values[k].ref());
        m.assign_column(e->snapshot, column, values[k].ref());
      }
      e->touched = ++serial_;
    }
    return result.rowcount();
  }

  // The identity of a row of all columns.
  static detail::identity_key row_identity(const detail::mapper& m, const RowView& row) {
    detail::identity_key k;
    k.table = m.table;
    if (m.integer_key && row.raw(m.key_columns[0]).kind() == value_kind::integer) {
      k.integer = row.raw(m.key_columns[0]).as_int64();
      return k;
    }
    for (auto c : m.key_columns) k.append(row.raw(c));
    return k;
  }

  // --- relationships: loading -----------------------------------------------------------

  using relationship = detail::relationship_info;
  using relationship_path = std::vector<const relationship*>;

  std::shared_ptr<detail::session_link> new_link() {
    auto link = std::make_shared<detail::session_link>();
    link->session = this;
    link->load = [](void* session, void* owner, const relationship& r) { static_cast<Session*>(session)->lazy_load(owner, r); };
    link->changed = [](void* session, void* owner, const relationship& r, const std::shared_ptr<void>& target, bool added) {
      static_cast<Session*>(session)->relationship_changed(owner, r, target, added);
    };
    return link;
  }

  static bool loads_through_statement(const detail::mapper& m) {
    if (m.deferred) return true;
    for (auto& r : m.relationships())
      if (r.lazy == loading::joined || r.lazy == loading::subquery) return true;
    return false;
  }

  // An expired object's relationships load again on next use, as its columns do.
  static void expire_entry(entry& e, bool discard) {
    e.expired = true;
    if (discard) e.discard = true;
    if (e.m->has_relationships)
      for (auto& r : e.m->relationships()) r.state(e.object).loaded_ = false;
  }

  // The objects expire() and refresh() reach from `e` along loaded
  // refresh-expire relationships (`e` first), each once.
  std::vector<entry*> refresh_expire_cascade(entry& e) {
    std::vector<entry*> out{&e};
    std::unordered_set<const entry*> seen{&e};
    std::unordered_map<const void*, entry*> by_address;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!out[i]->m->has_relationships) continue;
      for (auto& r : out[i]->m->relationships()) {
        auto& s = r.state(out[i]->object);
        if (!r.cascade.refresh_expire || !s.loaded_) continue;
        for (auto& target : targets_of(r, s))
          if (entry* t = in_session(r.target(), target.first, by_address);
              t && t->state == object_state::persistent && seen.insert(t).second)
            out.push_back(t);
      }
    }
    return out;
  }

  // Ties an object's relationship members to this session; those of an
  // object just read are unloaded, to load as their `lazy` says.
  void init_relationships(entry& e, bool read = false) {
    for (auto& r : e.m->relationships()) {
      auto& s = r.state(e.object);
      s.link_ = link_;
      s.owner_ = e.object;
      s.info_ = &r;
      if (read) {
        s.loaded_ = false;
        s.on_access_ = r.lazy;
      }
    }
  }

  // A new pending entry for an object the user made.
  entry* add_erased(const detail::mapper& m, std::shared_ptr<void> handle, void* object) {
    auto owned = m.new_entry();
    entry* e = owned.get();
    e->object = object;
    e->handle = std::move(handle);
    e->added = ++serial_;
    e->from_add = true;
    e->self = std::move(owned);
    entries_.insert(e);
    pending_.push_back(e);
    if (m.has_relationships) init_relationships(*e);
    return e;
  }

  // The session's entry of an object read from a row (at `offset`): the one
  // in the identity map, or a new one. Rows are read into a spare object of
  // the model, which becomes the new entry's object when the key is new.
  // `deferred`: columns the statement did not select (it holds NULL in their place).
  entry* load_row(const detail::mapper& m, const RowView& row, std::size_t offset, Connection& conn,
                  std::uint64_t deferred = 0) {
    auto spare = std::find_if(spares_.begin(), spares_.end(), [&](entry* e) { return e->m == &m; });
    if (spare == spares_.end()) spare = spares_.insert(spares_.end(), m.create());
    entry* e = *spare;
    m.read(e->object, row, offset, deferred);
    detail::identity_key identity;
    m.key(m, e->object, identity);
    if (entry* found = identity_map_.find(identity)) {
      if (found->expired) {
        refreshed(*found, e->object, deferred);
      } else if (std::uint64_t arriving = found->unloaded & ~deferred) {
        // Columns deferred when the object was read, which this row has.
        m.copy(found->object, e->object, ~arriving);
        m.copy(found->snapshot, e->object, ~arriving);
        found->unloaded &= ~arriving;
      }
      return found;
    }
    spares_.erase(spare);
    e->unloaded = deferred;
    m.copy(e->snapshot, e->object, 0);
    e->key = std::move(identity);
    e->state = object_state::persistent;
    e->added = ++serial_;
    identity_map_.insert(e);
    if (m.has_relationships) init_relationships(*e, true);
    if (m.listened(mapper_event::load)) m.dispatch(mapper_event::load, conn, e->object);
    return e;
  }
  // load_row() for the rows of a join, where consecutive rows repeat the
  // parent: a row whose key is the previous row's gives the same entry unread.
  entry* load_joined_row(const detail::mapper& m, const RowView& row, std::size_t offset, Connection& conn,
                         detail::repeated_row& seen, std::uint64_t deferred) {
    detail::identity_key k;
    for (auto c : m.key_columns) k.append(row.raw(offset + c));
    if (seen.last && k.bytes == seen.key) return seen.last;
    seen.last = load_row(m, row, offset, conn, deferred);
    seen.key = std::move(k.bytes);
    return seen.last;
  }

  void release_retired() {
    for (auto* e : std::exchange(retired_, {})) release(*e);
  }
  void release_spares() {
    for (auto* e : std::exchange(spares_, {})) release(*e);
  }

  // Runs a statement whose first columns are all of m's, joined as its loader
  // options and m's relationships say, and loads the relationships of the
  // objects it read; returns them, each once, in the order of the rows.
  // A row's object and the bytes of the parent key its statement selected
  // after the object's columns (a many-to-many's association columns).
  using keyed_rows = std::vector<std::pair<entry*, std::string>>;

  std::vector<entry*> run_load(Connection& conn, const detail::mapper& m, std::shared_ptr<const detail::statement_data> source,
                               relationship_path& path, keyed_rows* keyed = nullptr, std::size_t key_width = 0) {
    const auto& options = source->orm_options;
    std::vector<detail::joined_load> joins;
    std::uint64_t deferred = detail::deferred_columns(options, path, m);
    auto statement = detail::with_joins(detail::without_columns(source, m, deferred), m, path, options, joins);
    std::vector<entry*> objects;
    try {
      auto result = conn.execute(detail::built_statement<void>(std::const_pointer_cast<detail::statement_data>(statement)));
      std::unordered_set<entry*> seen;
      detail::repeated_row previous;
      for (auto row : result) {
        entry* e = joins.empty() ? load_row(m, row, 0, conn, deferred) : load_joined_row(m, row, 0, conn, previous, deferred);
        if (keyed) {
          detail::identity_key k;
          for (std::size_t i = 0; i < key_width; ++i) k.append(row.raw(m.column_count + i));
          keyed->emplace_back(e, std::move(k.bytes));
        }
        if ((joins.empty() && !keyed) || seen.insert(e).second) objects.push_back(e);
        for (auto& j : joins) read_joined(j, e, row, conn);
      }
    } catch (...) {
      release_spares();
      throw;
    }
    release_spares();
    for (auto& j : joins) finish_joined(conn, j, path, options);
    post_load(conn, m, objects, source.get(), options, path);
    return objects;
  }

  void read_joined(detail::joined_load& j, entry* parent, const RowView& row, Connection& conn) {
    auto [list, first] = j.targets.try_emplace(parent);
    if (first) j.parents.push_back(parent);
    const auto& t = j.r->target();
    bool present = false;
    for (auto k : t.key_columns) present = present || !row.raw(j.offset + k).is_null();
    if (!present) return;
    bool repeated = j.previous.last != nullptr;
    entry* target = load_joined_row(t, row, j.offset, conn, j.previous, j.deferred);
    auto& targets = list->second;
    if (!(repeated && !targets.empty() && targets.back() == target) &&
        std::find(targets.begin(), targets.end(), target) == targets.end())
      targets.push_back(target);
    for (auto& c : j.children) read_joined(c, target, row, conn);
  }

  void finish_joined(Connection& conn, detail::joined_load& j, relationship_path& path,
                     const detail::loader_options& options) {
    std::vector<entry*> targets;
    std::unordered_set<entry*> seen;
    for (auto* p : j.parents) {
      auto& list = j.targets[p];
      if (!j.r->state(p->object).loaded_) set_loaded(*p, *j.r, list);
      for (auto* t : list)
        if (seen.insert(t).second) targets.push_back(t);
    }
    path.push_back(j.r);
    for (auto& c : j.children) finish_joined(conn, c, path, options);
    post_load(conn, j.r->target(), targets, nullptr, options, path);
    path.pop_back();
  }

  // Gives an object's relationship its targets, and the targets their
  // reference back to it (a collection's elements point at their parent).
  void set_loaded(entry& owner, const relationship& r, std::span<entry* const> targets) {
    r.assign(r.state(owner.object), r, targets);
    const relationship* back = r.back();
    if (!back || back->uselist) return;
    for (auto* t : targets) {
      auto& s = back->state(t->object);
      if (!s.loaded_ || referent(*back, s) == nullptr) back->append(s, *back, owner);
    }
  }

  // What a one<T> points at now (without loading it), or null.
  static void* referent(const relationship& r, detail::relationship_state& s) {
    void* current = nullptr;
    r.for_each(s, &current, [](void* c, void* object, const std::shared_ptr<void>&) { *static_cast<void**>(c) = object; });
    return current;
  }

  // Loads the relationships of objects just read (reached along `path`) that
  // are not loaded yet, each as the options or its own `lazy` say. `source`
  // is the statement that read them (for subquery loads), when there is one.
  void post_load(Connection& conn, const detail::mapper& m, const std::vector<entry*>& objects,
                 const detail::statement_data* source, const detail::loader_options& options, relationship_path& path) {
    if (!m.has_relationships || objects.empty()) return;
    for (auto& r : m.relationships()) {
      loading strategy = detail::strategy_for(options, path, r);
      if (strategy == loading::joined || strategy == loading::contains_eager) continue;  // the statement that read them joined it
      std::vector<entry*> unloaded;
      for (auto* e : objects)
        if (!r.state(e->object).loaded_) unloaded.push_back(e);
      if (unloaded.empty()) continue;
      switch (strategy) {
        case loading::selectin: load_by_key(conn, r, unloaded, options, path); break;
        case loading::subquery:
          if (source) load_by_subquery(conn, r, unloaded, *source, options, path);
          else load_by_key(conn, r, unloaded, options, path);  // objects read by a join have no statement of their own
          break;
        case loading::noload:
          for (auto* e : unloaded) set_loaded(*e, r, {});
          break;
        default:
          for (auto* e : unloaded) r.state(e->object).on_access_ = strategy;
      }
    }
  }

  // The identity a many-to-one relationship's foreign key points at, when it
  // points at the target's primary key (then the identity map can answer).
  static std::optional<detail::identity_key> referenced_identity(const relationship& r, const void* owner) {
    const auto& t = r.target();
    if (r.kind != detail::relationship_kind::many_to_one || r.remote != t.key_columns || r.criteria) return std::nullopt;
    detail::identity_key k;
    k.table = t.table;
    const auto& o = r.owner();
    for (auto c : r.local) {
      value owned;
      value_ref v = o.bind(owner, c, owned);
      if (t.integer_key && v.kind() == value_kind::integer) k.integer = v.as_int64();
      else k.append(v);
    }
    return k;
  }

  // Matches targets to parents by the relationship's columns (or, for a
  // many-to-many, by the association columns of each row) and gives every parent its list.
  void distribute(const relationship& r, const std::vector<entry*>& parents, const std::vector<entry*>& targets,
                  const keyed_rows& keyed) {
    std::unordered_map<std::string, std::vector<entry*>> by_key;
    auto add = [&](std::string key, entry* t) {
      auto& list = by_key[std::move(key)];
      if (std::find(list.begin(), list.end(), t) == list.end()) list.push_back(t);
    };
    if (r.kind == detail::relationship_kind::many_to_many)
      for (auto& [t, key] : keyed) add(key, t);
    else
      for (auto* t : targets) add(detail::column_bytes(r.target(), t->object, r.remote), t);
    for (auto* p : parents) {
      auto it = by_key.find(detail::column_bytes(r.owner(), p->object, r.local));
      if (it == by_key.end()) set_loaded(*p, r, {});
      else set_loaded(*p, r, it->second);
    }
  }

  // selectin (and lazy) loading: SELECT the targets WHERE their columns hold
  // the parents' values, in batches; many-to-one targets already in the
  // identity map need no SQL.
  void load_by_key(Connection& conn, const relationship& r, const std::vector<entry*>& parents,
                   const detail::loader_options& options, relationship_path& path) {
    constexpr std::size_t batch = 500;  // well under SQLite's and PostgreSQL's parameter limits
    std::vector<entry*> waiting;
    std::vector<std::vector<value>> keys;
    std::unordered_set<std::string> asked;
    for (auto* p : parents) {
      bool nothing = detail::any_null(r.owner(), p->object, r.local) ||
                     (p->state == object_state::pending && r.kind != detail::relationship_kind::many_to_one);
      if (nothing) {
        set_loaded(*p, r, {});
        continue;
      }
      if (auto identity = referenced_identity(r, p->object)) {
        if (entry* t = identity_map_.find(*identity); t && t->state != object_state::deleted) {
          if (t->expired && !reload(*t)) {
            set_loaded(*p, r, {});
            continue;
          }
          entry* targets[] = {t};
          set_loaded(*p, r, targets);
          continue;
        }
      }
      waiting.push_back(p);
      if (!asked.insert(detail::column_bytes(r.owner(), p->object, r.local)).second) continue;
      std::vector<value> key;
      for (auto c : r.local) {
        value owned;
        key.emplace_back(r.owner().bind(p->object, c, owned));
      }
      keys.push_back(std::move(key));
    }
    if (waiting.empty()) return;
    std::vector<entry*> targets;
    keyed_rows keyed;
    bool association = r.kind == detail::relationship_kind::many_to_many;
    path.push_back(&r);
    for (std::size_t first = 0; first < keys.size(); first += batch) {
      std::vector<std::vector<value>> part(keys.begin() + first, keys.begin() + std::min(keys.size(), first + batch));
      auto found = run_load(conn, r.target(), detail::select_by_remote(r, part, options), path,
                            association ? &keyed : nullptr, r.secondary_local.size());
      targets.insert(targets.end(), found.begin(), found.end());
    }
    path.pop_back();
    distribute(r, waiting, targets, keyed);
  }

  void load_by_subquery(Connection& conn, const relationship& r, const std::vector<entry*>& parents,
                        const detail::statement_data& source, const detail::loader_options& options, relationship_path& path) {
    keyed_rows keyed;
    bool association = r.kind == detail::relationship_kind::many_to_many;
    path.push_back(&r);
    auto targets = run_load(conn, r.target(), detail::select_by_subquery(r, source, options), path,
                            association ? &keyed : nullptr, r.secondary_local.size());
    path.pop_back();
    distribute(r, parents, targets, keyed);
  }

  // A relationship member was used unloaded (quarry::many / quarry::one).
  void lazy_load(void* owner, const relationship& r) {
    auto& s = r.state(owner);
    entry* e = find_entry(r.owner(), owner);
    if (!e) s.throw_detached();
    if (s.on_access_ == loading::raise)
      throw InvalidRequestError("quarry: " + r.qualified_name + " is not loaded, and its loading is 'raise'; load it with the query (selectinload(), joinedload())");
    if (s.on_access_ == loading::noload) {
      set_loaded(*e, r, {});
      return;
    }
    if (s.on_access_ == loading::raise_on_sql) {
      auto identity = referenced_identity(r, owner);
      entry* t = identity ? identity_map_.find(*identity) : nullptr;
      if (detail::any_null(r.owner(), owner, r.local) && r.kind == detail::relationship_kind::many_to_one) {
        set_loaded(*e, r, {});
        return;
      }
      if (!t) throw InvalidRequestError("quarry: " + r.qualified_name + " is not loaded, and loading it would need SQL, which its loading ('raise_on_sql') forbids");
    }
    check_usable();
    // As get() does: only new or deleted objects can change what the load finds
    // (a full autoflush compares every object, on every lazy load).
    if (options_.autoflush && !flushing_ && (!pending_.empty() || deleted_marked_ > 0)) flush();
    relationship_path path;
    load_by_key(work_connection(), r, {e}, {}, path);
  }

  // The other side of a relationship follows a change of this side (back_populates).
  // Objects whose relationships change are touched: a savepoint rolled back
  // after the change expires them, as SQLAlchemy expires modified objects.
  // A target put into a save-update relationship joins the session at once
  // (SQLAlchemy's cascade on append and set), with what it reaches; a new
  // (pending) target taken out of a delete-orphan collection leaves it again.
  void relationship_changed(void* owner, const relationship& r, const std::shared_ptr<void>& handle, bool added) {
    entry* o = find_entry(r.owner(), owner);
    if (!o) return;
    o->touched = ++serial_;
    relationships_changed_ = true;
    void* target = handle.get();
    if (!target) return;
    entry* t = find_target(r.target(), target);
    if (!t && added && r.cascade.save_update && o->state != object_state::deleted) {
      t = add_erased(r.target(), handle, target);
      if (t->m->has_relationships) cascade_save_update({t});
    }
    if (t) t->touched = ++serial_;
    if (const relationship* back = r.back()) populate_other_side(*o, r, *back, target, added);
    if (t && !added && r.cascade.delete_orphan && t->state == object_state::pending) expunge(*t);
  }

  // The entry of an object a relationship was given. What is plainly not in
  // the session skips find_entry()'s pass over the identity map (appending
  // new objects one by one would cost a pass each): an object whose
  // relationships are not tied to this session, or whose integer key is unset.
  entry* find_target(const detail::mapper& m, void* object) {
    if (entry* e = entries_.find(object)) return e;
    auto key = m.key_of(object);
    if (entry* e = identity_map_.find(key); e && e->object == object) return e;
    bool plainly_new = m.has_relationships ? m.relationships().front().state(object).link_ != link_
                                           : m.integer_key && key.integer == 0;
    return plainly_new ? nullptr : find_entry(m, object);
  }

  // The other side of a change follows it (back_populates).
  void populate_other_side(entry& o, const relationship& r, const relationship& back, void* target, bool added) {
    auto& s = back.state(target);
    if (!back.uselist) {
      // The target's one reference: to the owner, or none when taken out.
      void* current = referent(back, s);
      if (added) {
        if (current && current != o.object) {
          r.remove(r.state(current), target);  // it leaves its old parent's collection
          if (entry* old = find_entry(r.owner(), current)) old->touched = ++serial_;
        }
        back.append(s, back, o);
      } else if (current == o.object) {
        back.remove(s, o.object);
      }
      return;
    }
    if (!s.loaded_) return;  // an unloaded collection loads with the change in it
    if (added) back.append(s, back, o);
    else back.remove(s, o.object);
  }

  // merge() of one object of the graph a merge() walks.
  template <class M>
  std::shared_ptr<M> merge_one(const M& object) {
    if (auto it = merging_.find(&object); it != merging_.end()) return handle<M>(*it->second);  // a cycle of the graph
    const auto& m = detail::mapper_of<M>();
    std::vector<bool> included;
    m.included(&object, included);
    bool has_key = std::all_of(m.key_columns.begin(), m.key_columns.end(), [&](std::size_t i) { return included[i]; });
    std::shared_ptr<M> existing;
    if (has_key) {
      entry* found = identity_map_.find(m.key_of(&object));
      if (found && found->state != object_state::deleted) {
        if (!found->expired || reload(*found)) existing = handle<M>(*found);
      } else {
        existing = get_by_identity<M>(object);
      }
    }
    if (existing) {
      detail::model_mapper<M>::copy(existing.get(), &object, 0);
    } else {
      auto fresh = std::make_shared<M>();
      detail::model_mapper<M>::copy(fresh.get(), &object, 0);
      existing = add(std::move(fresh));
    }
    if constexpr (detail::relationship_count<M>() > 0) {
      entry& e = entry_of(m, existing.get(), "merge()");
      merging_.emplace(&object, &e);
      merge_relationships(e, &object);
    }
    return existing;
  }

  // The merged object `e` takes the merged targets of `source`'s loaded
  // relationships that hold any (an empty one cannot say whether it was
  // emptied or never set); what it held before (read first when unloaded)
  // is what the flush compares them with.
  void merge_relationships(entry& e, const void* source) {
    for (auto& r : e.m->relationships()) {
      auto& from = r.state(const_cast<void*>(source));
      if (!r.cascade.merge || !from.loaded_) continue;
      auto targets = targets_of(r, from);
      if (targets.empty()) continue;
      auto& to = r.state(e.object);
      if (!to.loaded_ && e.state != object_state::pending) {
        relationship_path path;
        load_by_key(work_connection(), r, {&e}, {}, path);
      }
      std::vector<entry*> merged;
      for (auto& [object, handle] : targets) merged.push_back(r.merge(*this, object));
      auto committed = to.committed_;
      set_loaded(e, r, merged);
      e.touched = ++serial_;
      relationships_changed_ = true;  // the flush compares what it holds now with `committed`
      // Targets left out no longer point back here (the flush clears their foreign keys).
      if (const relationship* back = r.back(); back && !back->uselist)
        for (const void* old : committed)
          if (std::none_of(merged.begin(), merged.end(), [&](entry* m) { return m->object == old; }))
            back->remove(back->state(const_cast<void*>(old)), e.object);
      to.committed_ = std::move(committed);
    }
  }

  template <class T>
  friend detail::session_entry* detail::merge_into_session(Session& session, const void* object);

  // --- relationships: the flush --------------------------------------------------------

  // Adds the objects reachable from `work` through save-update relationships.
  void cascade_save_update(std::vector<entry*> work) {
    std::unordered_map<const void*, entry*> by_address;
    for (std::size_t i = 0; i < work.size(); ++i) {
      entry* e = work[i];
      if (e->state == object_state::deleted) continue;
      for (auto& r : e->m->relationships()) {
        if (!r.cascade.save_update) continue;
        auto& s = r.state(e->object);
        if (!s.loaded_) continue;
        for (auto& [object, handle] : targets_of(r, s)) {
          entry* t = in_session(r.target(), object, by_address);
          if (!t) {
            t = add_erased(r.target(), handle, object);
            if (t->m->has_relationships) work.push_back(t);
          }
          populate_back(*e, r, *t);
        }
      }
    }
  }

  // A graph the user built before adding it gets its other sides: a child in
  // a collection points at its parent, a parent's loaded collection holds its child.
  // The target is touched: a savepoint rolled back after this expires it.
  void populate_back(entry& owner, const relationship& r, entry& target) {
    const relationship* back = r.back();
    if (!back || target.state == object_state::deleted) return;
    auto& s = back->state(target.object);
    if (!s.loaded_) return;
    if (back->uselist) {
      back->append(s, *back, owner);
    } else {
      if (referent(*back, s)) return;
      back->append(s, *back, owner);
    }
    target.touched = ++serial_;
  }

  static std::vector<std::pair<void*, std::shared_ptr<void>>> targets_of(const relationship& r, detail::relationship_state& s) {
    std::vector<std::pair<void*, std::shared_ptr<void>>> out;
    r.for_each(s, &out, [](void* c, void* object, const std::shared_ptr<void>& h) {
      static_cast<std::vector<std::pair<void*, std::shared_ptr<void>>>*>(c)->emplace_back(object, h);
    });
    return out;
  }

  // The entry of an object, without the pass over the identity map that
  // find_entry() makes for a loaded object whose key changed: that pass is
  // made once, into `by_address`, when it is needed.
  entry* in_session(const detail::mapper& m, const void* object, std::unordered_map<const void*, entry*>& by_address) {
    if (entry* e = entries_.find(object)) return e;
    if (entry* e = identity_map_.find(m.key_of(object)); e && e->object == object) return e;
    if (by_address.empty()) identity_map_.for_each([&](entry& e) { by_address.emplace(e.object, &e); });
    auto it = by_address.find(object);
    return it == by_address.end() ? nullptr : it->second;
  }

  // A child's foreign key takes its parent's key; `child` holds r.local (many-to-one) or r.remote (one-to-many).
  struct key_sync {
    entry* child;
    entry* parent;
    const relationship* r;
  };
  static void apply(const key_sync& k) {
    bool owner_is_child = k.r->kind == detail::relationship_kind::many_to_one;
    const auto& child_columns = owner_is_child ? k.r->local : k.r->remote;
    const auto& parent_columns = owner_is_child ? k.r->remote : k.r->local;
    for (std::size_t i = 0; i < child_columns.size(); ++i) {
      value owned;
      k.child->m->assign_column(k.child->object, child_columns[i],
                                k.parent->m->bind(k.parent->object, parent_columns[i], owned));
    }
  }

  // Before a flush: objects reachable through relationships are added,
  // deletes cascade, children taken out of collections lose their foreign key
  // (or are deleted: delete-orphan), and foreign keys follow the objects they
  // point at. Keys of parents already in the database are set now; the rest,
  // returned, once their parents are INSERTed.
  std::vector<key_sync> prepare_relationships() {
    auto with_relationships = [&](bool deleted_too) {
      std::vector<entry*> out;
      for (auto* e : pending_)
        if (e->m->has_relationships) out.push_back(e);
      identity_map_.for_each([&](entry& e) {
        if (e.m->has_relationships && (deleted_too || e.state != object_state::deleted)) out.push_back(&e);
      });
      return out;
    };
    auto work = with_relationships(true);
    if (work.empty()) return {};
    cascade_deletes(work);
    cascade_save_update(work);
    work = with_relationships(false);
    std::unordered_map<const void*, entry*> by_address;
    std::vector<key_sync> later;
    std::vector<left_parent> left;
    for (auto* e : work) {
      for (auto& r : e->m->relationships()) {
        auto& s = r.state(e->object);
        if (!s.loaded_) continue;
        auto targets = targets_of(r, s);
        if (r.weak()) r.weaken(s);
        if (r.kind == detail::relationship_kind::many_to_many) {
          association_changes(*e, r, s, targets, by_address);
          continue;
        }
        for (auto& [object, handle] : targets) {
          entry* t = in_session(r.target(), object, by_address);
          if (!t || t->state == object_state::deleted) continue;
          key_sync k = r.kind == detail::relationship_kind::many_to_one ? key_sync{e, t, &r} : key_sync{t, e, &r};
          if (k.parent->state == object_state::pending) later.push_back(k);
          else apply(k);
        }
        if (r.kind == detail::relationship_kind::one_to_many) orphans(*e, r, s, targets, by_address, left);
      }
    }
    if (!left.empty()) orphan_or_moved(left, work);
    return later;
  }

  // Rows of an association table to write: one per (owner, target) pair
  // added to or taken out of a many-to-many collection, or all the rows of a
  // deleted owner (target null).
  struct association_row {
    const relationship* r;
    entry* owner;
    entry* target;
    bool insert;
  };

  void association_changes(entry& owner, const relationship& r, detail::relationship_state& s,
                           const std::vector<std::pair<void*, std::shared_ptr<void>>>& targets,
                           std::unordered_map<const void*, entry*>& by_address) {
    for (auto& [object, handle] : targets)
      if (std::find(s.committed_.begin(), s.committed_.end(), object) == s.committed_.end())
        if (entry* t = in_session(r.target(), object, by_address); t && t->state != object_state::deleted)
          associations_.push_back({&r, &owner, t, true});
    for (const void* old : s.committed_)
      if (std::none_of(targets.begin(), targets.end(), [&](const auto& t) { return t.first == old; }))
        if (entry* t = in_session(r.target(), old, by_address))
          associations_.push_back({&r, &owner, t, false});
  }

  // The association table's statements: INSERT of a row, DELETE of a row, DELETE of an owner's rows.
  const compiled_statement& association_statement(const dialect& d, const relationship& r, int kind) {
    auto key = std::make_pair(&r, kind);
    auto it = association_statements_.find(key);
    if (it != association_statements_.end()) return it->second;
    const auto& a = r.secondary();
    std::vector<std::size_t> columns = r.secondary_local;
    if (kind != 2) columns.insert(columns.end(), r.secondary_remote.begin(), r.secondary_remote.end());
    detail::statement_data data;
    data.target = a.from();
    detail::node_ptr where;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      auto bind = detail::make_node(detail::node_kind::bind, detail::precedence::atom, "a" + std::to_string(i));
      if (kind == 0) {
        data.assignments.push_back({a.table->columns[columns[i]].name, bind});
      } else {
        auto equal = detail::make_node(detail::node_kind::binary, detail::precedence::comparison, " = ", a.column(columns[i]), bind);
        where = where ? detail::make_node(detail::node_kind::binary, detail::precedence::and_, " AND ", where, equal) : equal;
      }
    }
    data.kind = kind == 0 ? detail::statement_kind::insert : detail::statement_kind::delete_;
    data.where = where;
    return association_statements_.emplace(key, detail::compiler(d).compile(data)).first->second;
  }

  // Writes the association rows: DELETEs, then INSERTs (after both sides'
  // INSERTs, before their DELETEs). A two-way many-to-many reports each change
  // from both sides; each row is written once.
  void write_associations(Connection& conn) {
    if (associations_.empty()) return;
    std::map<std::pair<const relationship*, int>, std::vector<std::vector<value>>> batches;
    std::unordered_set<std::string> written;
    for (auto row : std::exchange(associations_, {})) {
      // A pair seen from the other side of a two-way relationship is written through this side's statement.
      if (row.target && !row.r->secondary_owner_first && row.r->back()) row = {row.r->back(), row.target, row.owner, row.insert};
      const relationship& r = *row.r;
      // Values in the association table's column order, to recognize the same row from the other side.
      std::vector<value> by_column(r.secondary().column_count);
      std::vector<value> parameters;
      for (std::size_t i = 0; i < r.local.size(); ++i) {
        value owned;
        by_column[r.secondary_local[i]] = value(r.owner().bind(row.owner->object, r.local[i], owned));
        parameters.push_back(by_column[r.secondary_local[i]]);
      }
      if (row.target)
        for (std::size_t i = 0; i < r.remote.size(); ++i) {
          value owned;
          by_column[r.secondary_remote[i]] = value(r.target().bind(row.target->object, r.remote[i], owned));
          parameters.push_back(by_column[r.secondary_remote[i]]);
        }
      int kind = row.insert ? 0 : row.target ? 1 : 2;
      detail::identity_key k;
      k.table = r.secondary().table;
      k.integer = kind;
      for (auto& v : by_column) k.append(v.ref());
      if (!written.insert(std::to_string(kind) + k.bytes + std::to_string(reinterpret_cast<std::uintptr_t>(k.table))).second)
        continue;
      batches[{&r, kind}].push_back(std::move(parameters));
    }
    for (int kind : {2, 1, 0})
      for (auto& [key, rows] : batches)
        if (key.second == kind) {
          detail::value_batch batch(std::move(rows));
          conn.execute_compiled_many(association_statement(conn.dialect(), *key.first, kind), batch);
        }
  }

  // A child that left a one-to-many collection since it was loaded or flushed.
  struct left_parent {
    entry* parent;
    const relationship* r;
    entry* child;
  };
  void orphans(entry& parent, const relationship& r, detail::relationship_state& s,
               const std::vector<std::pair<void*, std::shared_ptr<void>>>& targets,
               std::unordered_map<const void*, entry*>& by_address, std::vector<left_parent>& left) {
    if (s.committed_.empty()) return;
    std::unordered_set<const void*> now;
    for (auto& t : targets) now.insert(t.first);
    for (const void* old : s.committed_) {
      if (now.contains(old)) continue;
      entry* child = in_session(r.target(), old, by_address);
      if (child && child->state != object_state::deleted) left.push_back({&parent, &r, child});
    }
  }

  // A child is an orphan only when no parent holds it now (SQLAlchemy's
  // "has parent"): one that moved to another parent's collection, or whose
  // reference names another parent, is re-parented by its foreign key instead.
  // Orphans are deleted (delete-orphan) or lose their foreign key.
  void orphan_or_moved(const std::vector<left_parent>& left, const std::vector<entry*>& work) {
    std::unordered_set<const relationship*> involved;
    for (auto& l : left) involved.insert(l.r);
    std::set<std::pair<const relationship*, const void*>> held;
    for (auto* e : work)
      for (auto& r : e->m->relationships()) {
        if (!involved.contains(&r) || !r.state(e->object).loaded_) continue;
        for (auto& target : targets_of(r, r.state(e->object))) held.emplace(&r, target.first);
      }
    for (const auto& [parent, r, child] : left) {
      if (child->state == object_state::deleted || held.contains({r, child->object})) continue;
      if (const relationship* back = r->back(); back && !back->uselist) {
        auto& s = back->state(child->object);
        if (s.loaded_ && referent(*back, s) && referent(*back, s) != parent->object) continue;
      }
      if (r->cascade.delete_orphan) {
        mark_deleted(*child);
      } else if (detail::column_bytes(r->target(), child->object, r->remote) ==
                 detail::column_bytes(r->owner(), parent->object, r->local)) {
        for (auto c : r->remote) child->m->assign_column(child->object, c, value_ref());  // still points here: now nowhere
      }
    }
  }

  // `e` and the persistent objects its delete-cascade relationships reach,
  // each once; unloaded collections are loaded first, unless passive_deletes.
  std::vector<entry*> delete_cascade(entry& e) {
    std::vector<entry*> out{&e};
    std::unordered_set<const entry*> seen{&e};
    std::unordered_map<const void*, entry*> by_address;
    for (std::size_t i = 0; i < out.size(); ++i) {
      entry* owner = out[i];
      if (!owner->m->has_relationships) continue;
      for (auto& r : owner->m->relationships()) {
        if (!r.cascade.delete_ || r.kind == detail::relationship_kind::many_to_many) continue;
        auto& s = r.state(owner->object);
        if (!s.loaded_) {
          if (r.passive_deletes || r.lazy == loading::noload) continue;
          if (options_.autoflush && !flushing_ && (!pending_.empty() || deleted_marked_ > 0)) flush();
          relationship_path path;
          load_by_key(work_connection(), r, {owner}, {}, path);
        }
        for (auto& [object, handle] : targets_of(r, s))
          if (entry* t = in_session(r.target(), object, by_address);
              t && t->state == object_state::persistent && seen.insert(t).second)
            out.push_back(t);
      }
    }
    return out;
  }

  // Deletes an object at this flush; a pending one leaves the session (once the flush has done with it).
  void mark_deleted(entry& e) {
    if (e.state == object_state::pending) {
      forget(e);
      retired_.push_back(&e);
    } else if (e.state == object_state::persistent) {
      e.state = object_state::deleted;
      e.touched = ++serial_;  // a savepoint rolled back after this takes the mark back
      ++deleted_marked_;
    }
  }

  // Deleting a parent deletes its children (cascade delete), or clears their
  // foreign keys; an unloaded collection is loaded first, unless passive_deletes.
  void cascade_deletes(const std::vector<entry*>& candidates) {
    std::vector<entry*> work;
    for (auto* e : candidates)
      if (e->state == object_state::deleted) work.push_back(e);
    for (std::size_t i = 0; i < work.size(); ++i) {
      entry* e = work[i];
      for (auto& r : e->m->relationships()) {
        if (r.kind == detail::relationship_kind::many_to_many) {
          if (!r.passive_deletes) associations_.push_back({&r, e, nullptr, false});
          continue;
        }
        if (r.kind != detail::relationship_kind::one_to_many) continue;
        auto& s = r.state(e->object);
        if (!s.loaded_) {
          if (r.passive_deletes || r.lazy == loading::noload) continue;  // noload: never loaded, as SQLAlchemy's
          relationship_path path;
          load_by_key(work_connection(), r, {e}, {}, path);
        }
        std::unordered_map<const void*, entry*> by_address;
        for (auto& [object, handle] : targets_of(r, s)) {
          entry* child = in_session(r.target(), object, by_address);
          if (!child || child->state == object_state::deleted) continue;
          if (r.cascade.delete_) {
            bool was_persistent = child->state == object_state::persistent;
            mark_deleted(*child);
            if (was_persistent && child->m->has_relationships) work.push_back(child);
          } else {
            for (auto c : r.remote) child->m->assign_column(child->object, c, value_ref());
          }
        }
      }
    }
  }

  // After a flush, collections remember what they hold, for the next one's orphans.
  void remember_collections() {
    auto remember = [](entry& e) {
      if (!e.m->has_relationships) return;
      for (auto& r : e.m->relationships()) {
        auto& s = r.state(e.object);
        if (!s.loaded_ || !r.uselist) continue;
        s.committed_.clear();
        for (auto& [object, handle] : targets_of(r, s)) s.committed_.push_back(object);
      }
    };
    identity_map_.for_each(remember);
  }

  // --- the flush ---------------------------------------------------------------------

  struct change {
    entry* e;
    std::size_t columns;  // index into the flush's column sets
  };

  void flush_now() {
    auto later = prepare_relationships();
    relationships_changed_ = false;
    if (!retired_.empty()) {
      std::unordered_set<const entry*> leaving(retired_.begin(), retired_.end());
      std::erase_if(later, [&](const key_sync& k) { return leaving.contains(k.child) || leaving.contains(k.parent); });
    }
    release_retired();
    std::vector<change> dirty;
    std::vector<entry*> deleting;
    column_sets_.clear();
    identity_map_.for_each([&](entry& e) {
      if (e.state == object_state::deleted) deleting.push_back(&e);
      else if (!e.discard && e.m->diff(e.object, e.snapshot, scratch_)) dirty.push_back({&e, column_set(scratch_)});
    });
    if (pending_.empty() && dirty.empty() && deleting.empty() && associations_.empty()) return;
    // A table's rows in the order their objects were added or read.
    std::sort(dirty.begin(), dirty.end(), [](const change& a, const change& b) { return a.e->added < b.e->added; });
    std::sort(deleting.begin(), deleting.end(), [](entry* a, entry* b) { return a->added < b->added; });
    auto order = table_order(dirty, deleting, later);
    Connection& conn = work_connection();
    // INSERT and UPDATE parents before children; DELETE children before parents.
    std::vector<entry*> inserting;
    // A table's UPDATEs go before its INSERTs (as SQLAlchemy's save_obj), but
    // those of rows that point at a parent INSERTed now go after it.
    std::unordered_set<const entry*> waits_for_insert;
    for (auto& k : later) waits_for_insert.insert(k.child);
    std::vector<change*> updating;
    for (auto* table : order) {
      updating.clear();
      for (auto& c : dirty)
        if (c.e->m->table == table && !waits_for_insert.contains(c.e)) updating.push_back(&c);
      if (!updating.empty()) update(conn, updating);
      inserting.clear();
      for (auto* e : pending_)
        if (e->m->table == table) inserting.push_back(e);
      if (!inserting.empty()) insert_in_levels(conn, inserting, later);
      // Persistent children that now point at a parent just INSERTed: every
      // key they take first, then each child's changed columns once.
      std::vector<entry*> children;
      std::unordered_set<const entry*> seen;
      for (auto& k : later)
        if (k.child->m->table == table && k.child->state == object_state::persistent) {
          apply(k);
          if (seen.insert(k.child).second) children.push_back(k.child);
        }
      std::vector<change> after_insert;
      for (auto* child : children)
        if (child->m->diff(child->object, child->snapshot, scratch_)) after_insert.push_back({child, column_set(scratch_)});
      updating.clear();
      for (auto& c : after_insert) updating.push_back(&c);
      if (!updating.empty()) update(conn, updating);
    }
    std::erase_if(pending_, [](const entry* e) { return e->state != object_state::pending; });
    write_associations(conn);
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      std::vector<entry*> rows;
      for (auto* e : deleting)
        if (e->m->table == *it) rows.push_back(e);
      if (!rows.empty()) {
        parents_first(*rows.front()->m, rows, true);
        std::reverse(rows.begin(), rows.end());  // children first
        remove(conn, rows);
      }
    }
    remember_collections();
  }

  // INSERTs of one table's new rows. Rows whose parent (through a relationship)
  // is a new row of the same table go after it, level by level, each level
  // taking its parents' generated keys first.
  void insert_in_levels(Connection& conn, std::vector<entry*>& rows, const std::vector<key_sync>& later) {
    std::unordered_map<entry*, std::size_t> level;
    for (auto* e : rows) level.emplace(e, 0);
    bool nested = false;
    for (bool changed = true; changed;) {
      changed = false;
      for (auto& k : later) {
        auto child = level.find(k.child), parent = level.find(k.parent);
        if (child == level.end() || parent == level.end() || child->second > parent->second) continue;
        if (parent->second >= rows.size()) throw InvalidRequestError("quarry: new objects point at each other in a cycle");
        child->second = parent->second + 1;
        changed = nested = true;
      }
    }
    if (!nested) {
      for (auto& k : later)
        if (level.contains(k.child)) apply(k);
      parents_first(*rows.front()->m, rows);
      insert(conn, rows);
      return;
    }
    std::vector<entry*> part;
    for (std::size_t depth = 0;; ++depth) {
      part.clear();
      for (auto* e : rows)
        if (level[e] == depth) part.push_back(e);
      if (part.empty()) break;
      for (auto& k : later)
        if (auto it = level.find(k.child); it != level.end() && it->second == depth) apply(k);
      insert(conn, part);
    }
  }

  // Rows of a self-referential table (a foreign key to its own primary key)
  // ordered so that a row comes after the row it points at; otherwise, and
  // within a level, in the order given. `old` reads keys from the snapshots.
  static void parents_first(const detail::mapper& m, std::vector<entry*>& rows, bool old = false) {
    std::vector<std::vector<std::size_t>> references;
    for (auto& fk : m.table->foreign_keys)
      if (fk.target_table == m.table->name && fk.target_columns == m.table->primary_key) {
        std::vector<std::size_t> columns;
        for (auto& c : fk.columns) columns.push_back(m.table->column_index(c));
        references.push_back(std::move(columns));
      }
    if (references.empty() || rows.size() < 2) return;
    auto encode = [&](const entry* e, const std::vector<std::size_t>& columns) {
      detail::identity_key k;
      for (auto c : columns) {
        value owned;
        k.append(m.bind(old ? e->snapshot : e->object, c, owned));
      }
      return std::move(k.bytes);
    };
    std::unordered_map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < rows.size(); ++i) position.emplace(encode(rows[i], m.key_columns), i);
    std::vector<std::uint8_t> state(rows.size(), 0);  // 0 new, 1 on the path, 2 placed
    std::vector<entry*> ordered;
    ordered.reserve(rows.size());
    std::vector<std::pair<std::size_t, std::size_t>> path;  // (row, next reference to follow)
    for (std::size_t start = 0; start < rows.size(); ++start) {
      if (state[start]) continue;
      path.push_back({start, 0});
      state[start] = 1;
      while (!path.empty()) {
        auto& [row, next] = path.back();
        if (next < references.size()) {
          auto it = position.find(encode(rows[row], references[next++]));
          if (it != position.end() && state[it->second] == 0) {  // a cycle (state 1) keeps the given order
            state[it->second] = 1;
            path.push_back({it->second, 0});
          }
          continue;
        }
        state[row] = 2;
        ordered.push_back(rows[row]);
        path.pop_back();
      }
    }
    rows = std::move(ordered);
  }

  // The index of a set of changed columns; most changes of a flush share a few.
  std::size_t column_set(const std::vector<bool>& columns) {
    for (std::size_t i = column_sets_.size(); i-- > 0;)
      if (column_sets_[i] == columns) return i;
    column_sets_.push_back(columns);
    return column_sets_.size() - 1;
  }

  // Tables in foreign-key order, for the tables this flush touches.
  std::vector<const table_info*> table_order(const std::vector<change>& dirty, const std::vector<entry*>& deleting,
                                             const std::vector<key_sync>& later) const {
    std::vector<std::shared_ptr<const table_info>> tables;
    auto add_table = [&](const detail::mapper* m) {
      for (auto& t : tables)
        if (t.get() == m->table) return;
      tables.push_back(m->from()->table);
    };
    for (auto* e : pending_) add_table(e->m);
    for (auto& c : dirty) add_table(c.e->m);
    for (auto* e : deleting) add_table(e->m);
    for (auto& k : later) add_table(k.child->m);
    std::vector<const table_info*> out;
    for (auto& t : detail::sort_by_dependency(tables)) out.push_back(t.get());
    return out;
  }

  // INSERTs of one table's new objects, in the order they were added: runs of
  // objects that send the same columns go as one executemany, in multi-row
  // statements where the dialect likes them; what the database generates
  // comes back through RETURNING.
  void insert(Connection& conn, const std::vector<entry*>& rows) {
    const auto& m = *rows.front()->m;
    const auto& d = conn.dialect();
    bool listened = m.listened(mapper_event::before_insert);
    for (auto* e : rows) {
      if (listened) m.dispatch(mapper_event::before_insert, conn, e->object);
      if (m.version_column) {
        value owned;
        if (m.bind(e->object, *m.version_column, owned).as_int64() == 0)
          m.assign_column(e->object, *m.version_column, value_ref::integer(1));
      }
    }
    std::size_t first = 0;
    std::vector<bool> columns, next;
    while (first < rows.size()) {
      m.included(rows[first]->object, columns);
      std::size_t last = first + 1;
      while (last < rows.size() && (m.included(rows[last]->object, next), next == columns)) ++last;
      insert_run(conn, d, m, std::span<entry* const>(rows.data() + first, last - first), columns);
      first = last;
    }
    bool after = m.listened(mapper_event::after_insert);
    identity_map_.reserve(rows.size());
    for (auto* e : rows) {
      m.copy(e->snapshot, e->object, 0);
      m.key(m, e->object, e->key);
      e->state = object_state::persistent;
      e->inserted = ++serial_;
      identity_map_.insert(e);
      if (after) m.dispatch(mapper_event::after_insert, conn, e->object);
    }
  }

  void insert_run(Connection& conn, const dialect& d, const detail::mapper& m, std::span<entry* const> rows,
                  const std::vector<bool>& columns) {
    std::vector<detail::entry_slot> slots;
    std::vector<std::size_t> generated;
    std::optional<std::size_t> order_by;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i]) {
        slots.push_back({i, false});
      } else {
        if (m.table->columns[i].autoincrement) order_by = generated.size();
        generated.push_back(i);
      }
    }
    // Several rows per statement only where RETURNING rows can be matched to objects.
    std::size_t per = generated.empty() || order_by ? d.insert_rows_per_statement(slots.size()) : 1;
    per = std::max<std::size_t>(1, std::min(per, rows.size()));
    bool by_rowid = per == 1 && generated.size() == 1 && order_by && d.lastrowid_for_autoincrement();
    auto kind = by_rowid ? detail::flush_statements::kind::insert_without_returning : detail::flush_statements::kind::insert;
    auto run = [&](std::span<entry* const> part, std::size_t rows_per_set) {
      auto& statement = statements_.get(d, m, kind, columns, rows_per_set);
      detail::entry_batch batch(part, slots, rows_per_set);
      if (generated.empty()) {
        conn.execute_compiled_many(statement, batch);
        return;
      }
      detail::returning_sink sink(part, generated, rows_per_set, order_by);
      if (by_rowid) sink.use_rowid();
      conn.execute_compiled_many(statement, batch, &sink);
      sink.finish();
      if (sink.written() != part.size())
        throw InvalidRequestError("quarry: an INSERT into '" + m.table->name + "' returned " +
                                  std::to_string(sink.written()) + " rows for " + std::to_string(part.size()) + " objects");
    };
    std::size_t whole = rows.size() / per * per;
    if (whole) run(rows.subspan(0, whole), per);
    if (whole < rows.size()) run(rows.subspan(whole), rows.size() - whole);
  }

  // UPDATEs of one table's changed objects: objects with the same changed
  // columns go as one executemany. A version_id column is counted up and checked.
  void update(Connection& conn, std::vector<change*>& changes) {
    const auto& m = *changes.front()->e->m;
    if (m.listened(mapper_event::before_update)) {
      for (auto* c : changes) {
        m.dispatch(mapper_event::before_update, conn, c->e->object);
        m.diff(c->e->object, c->e->snapshot, scratch_);
        c->columns = column_set(scratch_);
      }
    }
    if (m.version_column) {
      for (auto* c : changes) {
        value owned;
        auto version = m.bind(c->e->snapshot, *m.version_column, owned).as_int64();
        m.assign_column(c->e->object, *m.version_column, value_ref::integer(version + 1));
        scratch_ = column_sets_[c->columns];
        scratch_[*m.version_column] = true;
        c->columns = column_set(scratch_);
      }
    }
    // Objects with the same changed columns go together, in the order of their first object.
    std::vector<std::size_t> group_order;
    std::vector<std::vector<entry*>> groups(column_sets_.size());
    for (auto* c : changes) {
      if (groups[c->columns].empty()) group_order.push_back(c->columns);
      groups[c->columns].push_back(c->e);
    }
    const auto& d = conn.dialect();
    for (auto set : group_order) {
      const auto* columns = &column_sets_[set];
      auto& rows = groups[set];
      std::vector<detail::entry_slot> slots;
      for (std::size_t i = 0; i < columns->size(); ++i)
        if ((*columns)[i]) slots.push_back({i, false});
      add_row_slots(m, slots);
      detail::entry_batch batch(rows, std::move(slots), 1);
      auto result =
          conn.execute_compiled_many(statements_.get(d, m, detail::flush_statements::kind::update, *columns), batch);
      check_matched(result, rows.size(), "UPDATE", m);
    }
    bool after = m.listened(mapper_event::after_update);
    for (auto* c : changes) {
      entry& e = *c->e;
      m.copy(e.snapshot, e.object, 0);
      detail::identity_key identity;
      m.key(m, e.object, identity);
      if (!(identity == e.key)) {
        identity_map_.erase(e.key);
        e.key = std::move(identity);
        identity_map_.insert(&e);
      }
      e.touched = ++serial_;
      if (after) m.dispatch(mapper_event::after_update, conn, e.object);
    }
  }

  // DELETEs of one table's objects as one executemany.
  void remove(Connection& conn, std::vector<entry*>& rows) {
    const auto& m = *rows.front()->m;
    if (m.listened(mapper_event::before_delete))
      for (auto* e : rows) m.dispatch(mapper_event::before_delete, conn, e->object);
    std::vector<detail::entry_slot> slots;
    add_row_slots(m, slots);
    detail::entry_batch batch(rows, std::move(slots), 1);
    auto result = conn.execute_compiled_many(
        statements_.get(conn.dialect(), m, detail::flush_statements::kind::delete_, {}), batch);
    check_matched(result, rows.size(), "DELETE", m);
    bool after = m.listened(mapper_event::after_delete);
    for (auto* e : rows) {
      forget(*e);
      deleted_.push_back(e);
      if (after) m.dispatch(mapper_event::after_delete, conn, e->object);
    }
  }

  // The WHERE of an UPDATE or DELETE: the key, and the version, the row had.
  static void add_row_slots(const detail::mapper& m, std::vector<detail::entry_slot>& slots) {
    for (auto k : m.key_columns) slots.push_back({k, true});
    if (m.version_column) slots.push_back({*m.version_column, true});
  }

  static void check_matched(const Result& result, std::size_t expected, const char* what, const detail::mapper& m) {
    if (result.rowcount() >= 0 && static_cast<std::size_t>(result.rowcount()) != expected)
      throw StaleDataError("quarry: " + std::string(what) + " of '" + m.table->name + "' expected to match " +
                           std::to_string(expected) + " rows but matched " + std::to_string(result.rowcount()) +
                           (m.version_column ? "; a row was changed or deleted by someone else since it was read"
                                             : "; a row was deleted by someone else"));
  }

  Engine engine_;
  session_options options_;
  session_listeners listeners_;
  std::optional<Connection> connection_;
  // Entries own themselves (session_entry::self) while the session holds them.
  std::vector<entry*> pending_;  // in the order they were added
  detail::entry_index<detail::by_identity> identity_map_;  // persistent objects and those marked deleted
  detail::entry_index<detail::by_object> entries_;         // objects that came in through add()
  std::vector<entry*> deleted_;                            // DELETEd in the current transaction
  std::size_t deleted_marked_ = 0;                   // marked by delete_(), not yet flushed
  detail::flush_statements statements_;
  std::vector<bool> scratch_;                   // diff() output, reused
  std::vector<std::vector<bool>> column_sets_;  // the changed-column sets of the current flush
  std::uint64_t serial_ = 0;
  std::uint64_t tx_start_ = 0;  // serial_ when the current transaction began
  bool needs_rollback_ = false;
  bool flushing_ = false;
  bool relationships_changed_ = false;  // since the last flush (see is_clean())
  bool transaction_open_ = false;
  bool explicit_begin_ = false;
  std::shared_ptr<detail::session_link> link_;  // what this session's objects' relationships load through
  std::vector<entry*> spares_;                  // objects rows are read into, one per model (see load_row())
  std::vector<entry*> retired_;                 // left the session during a flush, released after it
  std::vector<association_row> associations_;   // association-table rows the current flush writes
  std::map<std::pair<const relationship*, int>, compiled_statement> association_statements_;
  std::unordered_map<const void*, entry*> merging_;  // objects merged by the current merge(), for cycles
  mutable std::atomic<std::thread::id> user_{};      // the thread inside a public operation (see use_guard)
};

// SQLAlchemy's sessionmaker: a factory of Sessions with the same engine and options.
class sessionmaker {
 public:
  explicit sessionmaker(Engine engine, session_options options = {}) : engine_(std::move(engine)), options_(options) {}
  Session operator()() const { return Session(engine_, options_, listeners_); }

  // Every session made from now on calls fn(session) at each `event`.
  listener_id listen(session_event event, std::function<void(Session&)> fn) {
    return listeners_.add(event, std::move(fn));
  }
  bool remove_listener(listener_id id) { return listeners_.remove(id); }

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

namespace quarry::detail {
template <class T>
session_entry* merge_into_session(Session& session, const void* object) {
  auto merged = session.merge_one(*static_cast<const T*>(object));
  return &session.entry_of(mapper_of<T>(), merged.get(), "merge()");
}
}  // namespace quarry::detail

#include "quarry/orm/query.hpp"
