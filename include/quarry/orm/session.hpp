// Session: the unit of work and identity map over models declared with QUARRY_MODEL.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quarry/core/dml.hpp"
#include "quarry/core/select.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/errors.hpp"
#include "quarry/orm/cascade.hpp"
#include "quarry/orm/detail/load_observer.hpp"
#include "quarry/orm/detail/load_timer.hpp"
#include "quarry/orm/detail/mapper.hpp"
#include "quarry/orm/detail/relationships.hpp"
#include "quarry/orm/events.hpp"
#include "quarry/orm/fwd.hpp"
#include "quarry/orm/identity_map.hpp"
#include "quarry/orm/loader_options.hpp"
#include "quarry/orm/loading.hpp"
#include "quarry/orm/object_ref.hpp"
#include "quarry/orm/object_result.hpp"
#include "quarry/orm/relationship.hpp"
#include "quarry/orm/session_options.hpp"
#include "quarry/orm/unit_of_work.hpp"

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
      : state_(make_state(std::move(engine), options, std::move(listeners))) {}
  // A moved-from session is empty (a new one on the same engine); guards and
  // savepoints of it must be finished first.
  Session(Session&& other) noexcept
      : state_(std::exchange(other.state_, make_state(other.state_->engine, other.state_->options, other.state_->listeners))) {
    state_->objects.link->session = this;
    other.state_->objects.link->session = &other;
  }
  Session& operator=(Session&& other) noexcept;
  ~Session();

  // Calls fn(session) at each `event` of this session; returns an id for remove_listener().
  listener_id listen(session_event event, std::function<void(Session&)> fn);
  bool remove_listener(listener_id id) { return state_->listeners.remove(id); }

  // --- queries ------------------------------------------------------------------------

  // A select<M>() gives the session's objects; any other Core statement runs on
  // the session's connection as Connection::execute() runs it. Both autoflush first.
  template <executable S>
  auto execute(const S& statement, const params& parameters = {}, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
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
  object_result<M> scalars(const select_statement<M>& statement, const params& parameters = {}, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
    auto busy = enter();
    prepare_query();
    Connection& conn = work_connection();
    std::vector<std::shared_ptr<M>> out;
    const auto& m = detail::mapper_of<M>();
    detail::load_timer timer(state_->engine.events(), state_->observer, m);
    if (m.has_relationships || !statement.data()->orm_options.empty()) {
      if (!parameters.empty())
        throw ArgumentError("quarry: a select of a model with relationships takes its values in the statement, not as params");
      std::vector<const detail::relationship_info*> path;
      auto loaded = state_->loading.run_load(conn, m, statement.data(), path);
      for (auto* e : loaded) out.push_back(detail::identity_map::handle<M>(*e));
      timer.done(loaded, statement.data().get(), conn.dialect());
      return object_result<M>(std::move(out));
    }
    std::vector<entry*> loaded;
    for (M object : conn.execute(statement, parameters)) loaded.push_back(&state_->loading.loaded(std::move(object), conn));
    for (auto* e : loaded) out.push_back(detail::identity_map::handle<M>(*e));
    timer.done(loaded, statement.data().get(), conn.dialect());
    return object_result<M>(std::move(out));
  }

  // The first column of every row of a statement that is not a select<M>() (select(u.id), ...).
  template <executable S>
    requires(!detail::is_model_select<S> && !std::is_void_v<typename S::row_type>)
  auto scalars(const S& statement, const params& parameters = {}, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
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
  Result execute(const text_clause& statement, const params& parameters = {}, source_location where = source_location::current());
  // The first column of the first row of a text() statement (a quarry::value unless T is given).
  template <class T = value>
  T scalar(const text_clause& statement, const params& parameters = {}, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
    auto busy = enter();
    return execute(statement, parameters).template scalar<T>();
  }
  // The first column of every row of a text() statement.
  template <class T = value>
  std::vector<T> scalars(const text_clause& statement, const params& parameters = {}, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
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
  auto scalar(const S& statement, const params& parameters = {}, source_location where = source_location::current()) {
    detail::call_site_scope site(where);
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
    value owned[sizeof...(Key) ? sizeof...(Key) : 1];
    value_ref refs[sizeof...(Key) ? sizeof...(Key) : 1];
    std::size_t i = 0;
    ((owned[i] = detail::owned_value(key), refs[i] = owned[i].ref(), ++i), ...);
    entry* found = get_by_key(detail::mapper_of<M>(), std::span<const value_ref>(refs, sizeof...(Key)));
    return found ? detail::identity_map::handle<M>(*found) : nullptr;
  }

  // --- objects ------------------------------------------------------------------------

  // Makes an object pending: it is INSERTed at the next flush.
  template <class M>
  std::shared_ptr<M> add(std::shared_ptr<M> object) {
    auto busy = enter();
    check_usable();
    if (!object) throw ArgumentError("quarry: Session::add() of a null object");
    if (entry* found = state_->objects.find_entry(detail::mapper_of<M>(), object.get())) {
      // Added again while marked for deletion: the mark is taken back (SQLAlchemy's add()).
      if (found->state == object_state::deleted) {
        found->state = object_state::persistent;
        --state_->objects.deleted_marked;
      }
      return object;
    }
    entry* e = state_->objects.add_erased(detail::mapper_of<M>(), object, object.get());
    if (e->m->has_relationships) state_->cascade.cascade_save_update({e});
    return object;
  }
  template <class M>
    requires detail::mapped_model<M>
  std::shared_ptr<M> add(M object) {
    auto busy = enter();
    check_usable();
    auto out = state_->objects.add_owned(std::move(object));
    if (detail::mapper_of<M>().has_relationships)
      state_->cascade.cascade_save_update({&state_->objects.entry_of(detail::mapper_of<M>(), out.get(), "add()")});
    return out;
  }
  template <class M>
  void add_all(const std::vector<std::shared_ptr<M>>& objects) {
    state_->objects.pending.reserve(state_->objects.pending.size() + objects.size());
    state_->objects.added.reserve(state_->objects.added.size() + objects.size());
    for (auto& o : objects) add(o);
  }

  // Marks a persistent object for DELETE at the next flush; a pending one is just expunged.
  template <class M>
  void delete_(const std::shared_ptr<M>& object) {
    auto busy = enter();
    check_usable();
    entry& e = state_->objects.entry_of(detail::mapper_of<M>(), object.get(), "delete_()");
    if (e.state == object_state::pending) {
      state_->objects.expunge(e);
    } else if (e.state == object_state::persistent) {
      // As SQLAlchemy's delete(): the delete cascade is followed now (loading
      // what it needs before the object is marked, so an autoflush cannot
      // delete it early), and deleted_objects() shows what it reached.
      auto reached = state_->cascade.delete_cascade(e, connection_for_load());
      for (auto* t : reached) state_->cascade.mark_deleted(*t);
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
    bool outermost = state_->merging.empty();
    if (outermost && state_->options.autoflush && !state_->flushing) flush();  // as SQLAlchemy's merge(load=True)
    try {
      auto merged = merge_one(object);
      if (outermost) state_->merging.clear();
      return merged;
    } catch (...) {
      if (outermost) state_->merging.clear();
      throw;
    }
  }

  // Reads the object's row again, dropping changes made in memory.
  template <class M>
  void refresh(const std::shared_ptr<M>& object) {
    auto busy = enter();
    entry& e = state_->objects.entry_of(detail::mapper_of<M>(), object.get(), "refresh()");
    if (e.state == object_state::pending) throw InvalidRequestError("quarry: refresh() of a pending object: flush() it first");
    auto reached = state_->cascade.refresh_expire_cascade(e);
    for (auto* t : reached) detail::identity_map::expire_entry(*t, true);
    if (!state_->loading.reload(e, work_connection(), true)) throw ObjectDeletedError("quarry: the row of this object no longer exists");
    for (std::size_t i = 1; i < reached.size(); ++i) state_->loading.reload(*reached[i], work_connection(), true);
  }

  // Whether flush() would UPDATE the object.
  template <class M>
  bool is_modified(const std::shared_ptr<M>& object) {
    entry& e = state_->objects.entry_of(detail::mapper_of<M>(), object.get(), "is_modified()");
    return e.state == object_state::persistent && !e.discard && e.m->diff(e.object, e.snapshot, state_->objects.scratch);
  }

  // Marks an object (or all of them) to be read again before the session next
  // hands it out; changes made to it in memory and not flushed are dropped,
  // and its relationships load again on next use. Objects its refresh-expire
  // relationships hold expire with it.
  template <class M>
  void expire(const std::shared_ptr<M>& object) {
    auto busy = enter();
    entry& e = state_->objects.entry_of(detail::mapper_of<M>(), object.get(), "expire()");
    if (e.state == object_state::pending) return;
    for (auto* t : state_->cascade.refresh_expire_cascade(e)) detail::identity_map::expire_entry(*t, true);
  }
  void expire_all();

  // Takes the object out of the session (and what its expunge-cascade relationships reach).
  template <class M>
  void expunge(const std::shared_ptr<M>& object) {
    auto busy = enter();
    entry& e = state_->objects.entry_of(detail::mapper_of<M>(), object.get(), "expunge()");
    if (!e.m->has_relationships) {
      state_->objects.expunge(e);
      return;
    }
    auto work = state_->cascade.expunge_cascade(e);
    std::vector<std::shared_ptr<void>> keep;  // the entries stay valid until all are out
    for (auto* x : work) keep.push_back(x->handle ? x->handle : x->self);
    for (auto* x : work) state_->objects.expunge(*x);
  }
  void expunge_all();

  template <class M>
  bool contains(const M* object) const {
    return state_->objects.find_entry(detail::mapper_of<M>(), object) != nullptr;
  }

  // Objects of one model that are new (pending), dirty (changed since read) or marked deleted.
  template <class M>
  std::vector<std::shared_ptr<M>> new_objects() const {
    std::vector<std::shared_ptr<M>> out;
    for (auto* e : state_->objects.pending)
      if (e->m == &detail::mapper_of<M>()) out.push_back(detail::identity_map::handle<M>(*e));
    return out;
  }
  template <class M>
  std::vector<std::shared_ptr<M>> dirty_objects() {
    return state_->objects.persistent_where<M>([&](entry& e) { return state_->objects.is_dirty(e); });
  }
  template <class M>
  std::vector<std::shared_ptr<M>> deleted_objects() {
    return state_->objects.persistent_where<M>([](entry& e) { return e.state == object_state::deleted; });
  }
  // Every new, dirty or deleted object, of any model (SQLAlchemy's session.new,
  // session.dirty, session.deleted), for a listener that audits all changes.
  std::vector<object_ref> new_objects() const;
  std::vector<object_ref> dirty_objects();
  std::vector<object_ref> deleted_objects() const;
  std::size_t new_count() const noexcept { return state_->objects.pending.size(); }
  std::size_t deleted_count() const noexcept { return state_->objects.deleted_marked; }
  std::size_t dirty_count();

  // --- transactions -------------------------------------------------------------------

  // While the returned guard lives, queries do not flush first (SQLAlchemy's no_autoflush).
  class autoflush_guard {
   public:
    explicit autoflush_guard(Session& session) : session_(&session), saved_(session.state_->options.autoflush) {
      session.state_->options.autoflush = false;
    }
    autoflush_guard(const autoflush_guard&) = delete;
    autoflush_guard& operator=(const autoflush_guard&) = delete;
    ~autoflush_guard() { session_->state_->options.autoflush = saved_; }

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
  void flush(source_location where = source_location::current());

  // Flushes, commits, and returns the connection to the pool.
  void commit(source_location where = source_location::current());

  // Rolls back the transaction: objects INSERTed in it, and pending ones, leave
  // the session; the others are read again before the session hands them out.
  void rollback();

  // session.begin(): the transaction as an RAII object that rolls back unless committed.
  class transaction {
   public:
    transaction(transaction&& other) noexcept : session_(std::exchange(other.session_, nullptr)) {}
    transaction& operator=(transaction&&) = delete;
    ~transaction();
    void commit();
    void rollback();

   private:
    friend class Session;
    explicit transaction(Session& session) : session_(&session) {}
    Session& active();
    Session* session_;
  };

  // Begins the session's transaction explicitly (an error when one is open).
  [[nodiscard]] transaction begin();
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
  bool in_transaction() const noexcept { return state_->transaction_open; }

  // A SAVEPOINT (SQLAlchemy's begin_nested()): the session flushes first; rolling
  // the savepoint back undoes what was flushed inside it and expires only the
  // objects it touched, and the enclosing transaction can still commit.
  class nested_transaction {
   public:
    nested_transaction(nested_transaction&&) noexcept = default;
    nested_transaction& operator=(nested_transaction&&) = delete;
    ~nested_transaction();
    // Flushes and releases the savepoint.
    void commit();
    void rollback();

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

  nested_transaction begin_nested();

  // Rolls back what is uncommitted, returns the connection to the pool, empties the session.
  void close() noexcept;

  // The plan of a statement on the session's connection, after an autoflush (Connection::explain()).
  template <executable S>
  query_plan explain(const S& statement, const explain_options& options = {}) {
    auto busy = enter();
    prepare_query();
    return work_connection().explain(statement, options);
  }

  // The session's connection, in the session's transaction (which begins here if needed).
  Connection& connection() { return work_connection(); }
  // The connection the session holds now, or null: begins nothing.
  const Connection* current_connection() const noexcept { return state_->connection ? &*state_->connection : nullptr; }
  const Engine& get_bind() const noexcept { return state_->engine; }

 private:
  using relationship = detail::relationship_info;
  using relationship_path = std::vector<const relationship*>;

  // Nothing to write: no new or deleted objects, no changed columns, no
  // relationship changed since the last flush.
  bool is_clean();

  // One thread at a time: a thread that enters while another is inside is
  // refused before it touches anything (SQLAlchemy raises for concurrent use
  // too). Reentrant within the thread; costs one uncontended atomic exchange.
  class use_guard {
   public:
    QUARRY_DECL explicit use_guard(const Session& s);
    use_guard(const use_guard&) = delete;
    use_guard& operator=(const use_guard&) = delete;
    QUARRY_DECL ~use_guard();

   private:
    const Session* owner_ = nullptr;
  };

  [[nodiscard]] use_guard enter() const { return use_guard(*this); }

  void check_usable() const;

  void prepare_query();

  // The connection for the session's work: the first use in a transaction begins it.
  Connection& work_connection();

  void end_transaction();

  // After a (savepoint's) rollback: objects added or inserted since the mark
  // leave the session; those updated, changed in memory, or whose relationships
  // changed since are expired (read again, relationships unloaded); those
  // deleted come back.
  void undo_since(const nested_transaction::mark& m);

  // An UPDATE or DELETE of one model's table, and the objects it matched.
  std::int64_t orm_dml(std::shared_ptr<const detail::statement_data> data, synchronize_session sync, bool deleting, const detail::mapper& m);

  std::shared_ptr<detail::session_link> new_link();

  // A relationship member was used unloaded (quarry::many / quarry::one).
  void lazy_load(void* owner, const relationship& r);
  // get() without the model's type: the entry of the row with this key, or null.
  entry* get_by_key(const detail::mapper& m, std::span<const value_ref> key);

  // merge() of one object of the graph a merge() walks (orm/detail/merge.hpp).
  template <class M>
  std::shared_ptr<M> merge_one(const M& object);

  // The merged object `e` takes the merged targets of `source`'s loaded
  // relationships that hold any (an empty one cannot say whether it was
  // emptied or never set); what it held before (read first when unloaded)
  // is what the flush compares them with.
  void merge_relationships(entry& e, const void* source);

  // What the session's work loads unloaded relationships through: an autoflush
  // first when objects are new or deleted (as get() does: only those can change
  // what the load finds), then the session's connection.
  std::function<Connection&()> connection_for_load();

  template <class T>
  friend detail::session_entry* detail::merge_into_session(Session& session, const void* object);
  friend class n_plus_one_detector;

  // Everything a session holds, in one allocation that never moves, so the
  // parts can refer to each other and a Session moves as one pointer.
  struct state {
    state(Engine e, session_options o, session_listeners l)
        : engine(std::move(e)), options(o), listeners(std::move(l)) {}
    Engine engine;
    session_options options;
    session_listeners listeners;
    std::optional<Connection> connection;
    detail::flush_statements statements;  // per-model SELECT by key, INSERT, UPDATE, DELETE
    detail::identity_map objects;
    detail::loader loading{objects, statements};
    detail::cascades cascade{objects, loading};
    detail::unit_of_work work{objects, cascade, statements};
    std::unordered_map<const void*, entry*> merging;  // objects merged by the current merge(), for cycles
    std::uint64_t tx_start = 0;  // objects.serial when the current transaction began
    bool needs_rollback = false;
    bool flushing = false;
    bool transaction_open = false;
    bool explicit_begin = false;
    std::atomic<std::thread::id> user{};  // the thread inside a public operation (see use_guard)
    detail::load_observer* observer = nullptr;  // an n_plus_one_detector's, while one watches
  };
  std::unique_ptr<state> make_state(Engine engine, session_options options, session_listeners listeners);
  std::unique_ptr<state> state_;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/session.ipp"
#endif
#include "quarry/orm/detail/merge.hpp"
#include "quarry/orm/query.hpp"
