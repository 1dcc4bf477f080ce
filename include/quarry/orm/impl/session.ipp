// The non-template implementation of quarry/orm/session.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "quarry/orm/detail/evaluator.hpp"
#include "quarry/orm/session.hpp"

namespace quarry {

QUARRY_DECL Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    close();
    state_->objects.link->session = nullptr;
    std::swap(state_, other.state_);
    state_->objects.link->session = this;
    other.state_->objects.link->session = &other;
  }
  return *this;
}

QUARRY_DECL Session::~Session() {
  if (!state_) return;
  close();
  state_->objects.link->session = nullptr;
}

QUARRY_DECL listener_id Session::listen(session_event event, std::function<void(Session&)> fn) {
  return state_->listeners.add(event, std::move(fn));
}

QUARRY_DECL Result Session::execute(const text_clause& statement, const params& parameters, source_location where) {
  detail::call_site_scope site(where);
  auto busy = enter();
  prepare_query();
  return work_connection().execute(statement, parameters);
}

QUARRY_DECL void Session::expire_all() {
  auto busy = enter();
  state_->objects.persistent.for_each([](entry& e) { detail::identity_map::expire_entry(e, true); });
}

QUARRY_DECL void Session::expunge_all() {
  auto busy = enter();
  state_->objects.clear();
}

QUARRY_DECL std::vector<object_ref> Session::new_objects() const {
  std::vector<object_ref> out;
  for (auto* e : state_->objects.pending) out.emplace_back(*e->m, detail::identity_map::erased_handle(*e));
  return out;
}

QUARRY_DECL std::vector<object_ref> Session::dirty_objects() {
  std::vector<object_ref> out;
  state_->objects.persistent.for_each([&](entry& e) {
    if (state_->objects.is_dirty(e)) out.emplace_back(*e.m, detail::identity_map::erased_handle(e));
  });
  return out;
}

QUARRY_DECL std::vector<object_ref> Session::deleted_objects() const {
  std::vector<object_ref> out;
  state_->objects.persistent.for_each([&](entry& e) {
    if (e.state == object_state::deleted) out.emplace_back(*e.m, detail::identity_map::erased_handle(e));
  });
  return out;
}

QUARRY_DECL std::size_t Session::dirty_count() {
  std::size_t n = 0;
  state_->objects.persistent.for_each([&](entry& e) { n += state_->objects.is_dirty(e); });
  return n;
}

QUARRY_DECL void Session::flush(source_location where) {
  detail::call_site_scope site(where);
  auto busy = enter();
  check_usable();
  if (state_->flushing || is_clean()) return;
  state_->flushing = true;
  try {
    state_->listeners.dispatch(session_event::before_flush, *this);
    state_->work.flush([this]() -> Connection& { return work_connection(); });
    state_->listeners.dispatch(session_event::after_flush, *this);
  } catch (...) {
    state_->flushing = false;
    state_->needs_rollback = true;
    state_->work.abandon();
    try {
      if (state_->connection) state_->connection->rollback();
    } catch (...) {
      // The connection is returned (and reset) by rollback() or close().
    }
    throw;
  }
  state_->flushing = false;
  state_->listeners.dispatch(session_event::after_flush_postexec, *this);
}

QUARRY_DECL void Session::commit(source_location where) {
  detail::call_site_scope site(where);
  auto busy = enter();
  check_usable();
  state_->listeners.dispatch(session_event::before_commit, *this);
  flush();
  if (state_->connection) {
    try {
      state_->connection->commit();
    } catch (...) {
      // The objects may not match the database now: only rollback() may go on
      // (the error's transaction_outcome() says what the database kept).
      state_->needs_rollback = true;
      throw;
    }
  }
  state_->connection.reset();
  end_transaction();
  state_->objects.release_deleted();
  if (state_->options.expire_on_commit) state_->objects.persistent.for_each([](entry& e) { detail::identity_map::expire_entry(e, false); });
  state_->listeners.dispatch(session_event::after_commit, *this);
}

QUARRY_DECL void Session::rollback() {
  auto busy = enter();
  bool had_transaction = state_->transaction_open;
  if (state_->connection) state_->connection->rollback();
  state_->connection.reset();
  state_->needs_rollback = false;
  undo_since({state_->tx_start, 0});
  state_->objects.persistent.for_each([](entry& e) {
    detail::identity_map::expire_entry(e, true);
    if (e.state == object_state::deleted) e.state = object_state::persistent;
  });
  state_->objects.deleted_marked = 0;
  end_transaction();
  if (had_transaction) state_->listeners.dispatch(session_event::after_rollback, *this);
  state_->listeners.dispatch(session_event::after_soft_rollback, *this);
}

QUARRY_DECL Session::transaction Session::begin() {
  check_usable();
  if (state_->transaction_open || state_->explicit_begin)
    throw InvalidRequestError("quarry: this Session's transaction is already begun; commit() or rollback() it first");
  state_->explicit_begin = true;
  work_connection();
  return transaction(*this);
}

QUARRY_DECL Session::nested_transaction Session::begin_nested() {
  auto busy = enter();
  flush();
  auto savepoint = work_connection().begin_nested();
  return nested_transaction(*this, std::move(savepoint), {state_->objects.serial, state_->objects.deleted.size()});
}

QUARRY_DECL void Session::close() noexcept {
  // Objects the session lets go of can no longer load their relationships.
  if (state_->objects.link && state_->objects.link->session) {
    state_->objects.link->session = nullptr;
    state_->objects.link = new_link();
  }
  if (state_->connection) state_->connection->close();
  state_->connection.reset();
  state_->needs_rollback = false;
  state_->transaction_open = state_->explicit_begin = false;
  state_->objects.release_deleted();
  expunge_all();
}

QUARRY_DECL bool Session::is_clean() {
  return state_->objects.pending.empty() && state_->objects.deleted_marked == 0 && !state_->objects.relationships_changed &&
         !state_->objects.persistent.any_of([this](entry& e) { return state_->objects.is_dirty(e); });
}

QUARRY_DECL void Session::check_usable() const {
  if (state_->needs_rollback)
    throw PendingRollbackError(
        "quarry: this Session's transaction was rolled back after a failed flush; call rollback() to go on");
}

QUARRY_DECL void Session::prepare_query() {
  check_usable();
  if (state_->options.autoflush && !state_->flushing) flush();
}

QUARRY_DECL Connection& Session::work_connection() {
  if (!state_->transaction_open) {
    if (!state_->options.autobegin && !state_->explicit_begin)
      throw InvalidRequestError("quarry: this Session does not begin transactions itself (autobegin is off); call begin()");
    if (!state_->connection) state_->connection.emplace(state_->engine.connect());
    state_->transaction_open = true;
    state_->listeners.dispatch(session_event::after_begin, *this);
  }
  if (!state_->connection) state_->connection.emplace(state_->engine.connect());
  return *state_->connection;
}

QUARRY_DECL void Session::end_transaction() {
  state_->tx_start = state_->objects.serial;
  state_->transaction_open = false;
}

QUARRY_DECL void Session::undo_since(const nested_transaction::mark& m) {
  std::vector<entry*> gone;
  state_->objects.persistent.for_each([&](entry& e) {
    if (e.inserted > m.serial) {
      gone.push_back(&e);
      return;
    }
    if (e.state == object_state::deleted && e.touched > m.serial) {  // marked, not flushed
      e.state = object_state::persistent;
      --state_->objects.deleted_marked;
    }
    if (e.touched > m.serial || state_->objects.is_dirty(e)) detail::identity_map::expire_entry(e, true);
  });
  for (auto* e : state_->objects.pending)
    if (e->added > m.serial) gone.push_back(e);
  for (auto* e : gone) state_->objects.expunge(*e);
  state_->objects.relationships_changed = false;  // what changed since the mark is undone or expired
  for (std::size_t i = m.deleted; i < state_->objects.deleted.size(); ++i) state_->objects.restore(*state_->objects.deleted[i]);
  state_->objects.deleted.resize(std::min(state_->objects.deleted.size(), m.deleted));
}

QUARRY_DECL std::int64_t Session::orm_dml(std::shared_ptr<const detail::statement_data> data, synchronize_session sync, bool deleting, const detail::mapper& m) {
  prepare_query();
  Connection& conn = work_connection();
  // evaluate: which objects match, and their new values, before the statement runs.
  std::vector<std::pair<entry*, std::vector<value>>> matched;
  bool evaluated = false;
  if (sync == synchronize_session::evaluate || sync == synchronize_session::auto_) {
    try {
      state_->objects.persistent.for_each([&](entry& e) {
        if (e.m != &m || e.state != object_state::persistent || e.expired) return;
        detail::object_evaluator evaluator(m, e.object);
        if (data->where && !evaluator.matches(*data->where)) return;
        std::vector<value> values;
        for (auto& a : data->assignments) values.push_back(a.value ? evaluator.eval(*a.value) : a.literal);
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
      auto identity = detail::loader::row_identity(m, row);
      entry* e = state_->objects.persistent.find(identity);
      if (!e) continue;
      if (deleting) {
        state_->objects.forget(*e);  // counts a deleted mark off before the state changes
        e->state = object_state::persistent;
        state_->objects.deleted.push_back(e);
      } else {
        m.read(e->snapshot, row, 0, 0);
        m.copy(e->object, e->snapshot, 0);
        e->unloaded = 0;
        e->expired = e->discard = false;
        e->touched = ++state_->objects.serial;
      }
    }
    return rows;
  }
  auto result = conn.execute(detail::built_statement<void>(std::make_shared<detail::statement_data>(*data)));
  for (auto& [e, values] : matched) {
    if (deleting) {
      state_->objects.forget(*e);
      state_->objects.deleted.push_back(e);
      continue;
    }
    for (std::size_t k = 0; k < values.size(); ++k) {
      auto column = m.table->column_index(data->assignments[k].column);
      m.assign_column(e->object, column, values[k].ref());
      m.assign_column(e->snapshot, column, values[k].ref());
    }
    e->touched = ++state_->objects.serial;
  }
  return result.rowcount();
}

QUARRY_DECL std::shared_ptr<detail::session_link> Session::new_link() {
  auto link = std::make_shared<detail::session_link>();
  link->session = this;
  link->load = [](void* session, void* owner, const relationship& r) { static_cast<Session*>(session)->lazy_load(owner, r); };
  link->changed = [](void* session, void* owner, const relationship& r, const std::shared_ptr<void>& target, bool added) {
    static_cast<Session*>(session)->state_->cascade.relationship_changed(owner, r, target, added);
  };
  link->used = [](void* session, void* owner, const relationship& r) {
    if (auto* observer = static_cast<Session*>(session)->state_->observer) observer->used(owner, r);
  };
  return link;
}

QUARRY_DECL void Session::lazy_load(void* owner, const relationship& r) {
  auto& s = r.state(owner);
  entry* e = state_->objects.find_entry(r.owner(), owner);
  if (!e) s.throw_detached();
  if (s.on_access_ == loading::raise)
    throw InvalidRequestError("quarry: " + r.qualified_name + " is not loaded, and its loading is 'raise'; load it with the query (selectinload(), joinedload())");
  if (s.on_access_ == loading::noload) {
    state_->loading.set_loaded(*e, r, {});
    return;
  }
  if (s.on_access_ == loading::raise_on_sql) {
    auto identity = detail::loader::referenced_identity(r, owner);
    entry* t = identity ? state_->objects.persistent.find(*identity) : nullptr;
    if (detail::any_null(r.owner(), owner, r.local) && r.kind == detail::relationship_kind::many_to_one) {
      state_->loading.set_loaded(*e, r, {});
      return;
    }
    if (!t) throw InvalidRequestError("quarry: " + r.qualified_name + " is not loaded, and loading it would need SQL, which its loading ('raise_on_sql') forbids");
  }
  check_usable();
  if (state_->observer) {
    // A load that sends no SQL is not an N+1: a many-to-one whose foreign key is
    // NULL, or whose target the session holds already.
    bool no_sql = false;
    if (r.kind == detail::relationship_kind::many_to_one) {
      auto identity = detail::loader::referenced_identity(r, owner);
      no_sql = detail::any_null(r.owner(), owner, r.local) || (identity && state_->objects.persistent.find(*identity));
    }
    if (!no_sql) state_->observer->lazy_loading(owner, r, detail::call_site());
  }
  // As get() does: only new or deleted objects can change what the load finds
  // (a full autoflush compares every object, on every lazy load).
  relationship_path path;
  detail::load_timer timer(state_->engine.events(), state_->observer, r.target());
  state_->loading.load_by_key(connection_for_load()(), r, {e}, {}, path);
  std::vector<entry*> targets;
  if (state_->observer) {
    // What a lazy load brings in came from "the lazy loads of r": their own lazy loads can be an N+1 too.
    struct collect {
      Session* session;
      const relationship* r;
      std::vector<entry*>* out;
    } context{this, &r, &targets};
    r.for_each(r.state(owner), &context, [](void* c, void* object, const std::shared_ptr<void>&) {
      auto* ctx = static_cast<collect*>(c);
      if (auto* t = ctx->session->state_->objects.find_entry(ctx->r->target(), object)) ctx->out->push_back(t);
    });
    state_->observer->queried(r.target(), "lazy load of " + r.qualified_name, nullptr, targets, {});
  }
  timer.done(targets, nullptr, state_->engine.dialect());
}


QUARRY_DECL void Session::merge_relationships(entry& e, const void* source) {
  for (auto& r : e.m->relationships()) {
    auto& from = r.state(const_cast<void*>(source));
    if (!r.cascade.merge || !from.loaded_) continue;
    auto targets = detail::targets_of(r, from);
    if (targets.empty()) continue;
    auto& to = r.state(e.object);
    if (!to.loaded_ && e.state != object_state::pending) {
      relationship_path path;
      state_->loading.load_by_key(work_connection(), r, {&e}, {}, path);
    }
    std::vector<entry*> merged;
    for (auto& [object, handle] : targets) merged.push_back(r.merge(*this, object));
    auto committed = to.committed_;
    state_->loading.set_loaded(e, r, merged);
    e.touched = ++state_->objects.serial;
    state_->objects.relationships_changed = true;  // the flush compares what it holds now with `committed`
    // Targets left out no longer point back here (the flush clears their foreign keys).
    if (const relationship* back = r.back(); back && !back->uselist)
      for (const void* old : committed)
        if (std::none_of(merged.begin(), merged.end(), [&](entry* m) { return m->object == old; }))
          back->remove(back->state(const_cast<void*>(old)), e.object);
    to.committed_ = std::move(committed);
  }
}

QUARRY_DECL std::function<Connection&()> Session::connection_for_load() {
  return [this]() -> Connection& {
    check_usable();
    if (state_->options.autoflush && !state_->flushing && (!state_->objects.pending.empty() || state_->objects.deleted_marked > 0))
      flush();
    return work_connection();
  };
}

QUARRY_DECL std::unique_ptr<Session::state> Session::make_state(Engine engine, session_options options, session_listeners listeners) {
  auto s = std::make_unique<state>(std::move(engine), options, std::move(listeners));
  s->objects.link = new_link();
  return s;
}

QUARRY_DECL auto Session::get_by_key(const detail::mapper& m, std::span<const value_ref> key) -> entry* {
  check_usable();
  if (key.size() != m.key_columns.size())
    throw ArgumentError("quarry: get() of '" + m.table->name + "' needs " + std::to_string(m.key_columns.size()) +
                        " key values");
  if (entry* e = state_->objects.persistent.find(m.key_from(key))) {
    if (e->expired && !state_->loading.reload(*e, work_connection())) return nullptr;
    return e;
  }
  if (state_->options.autoflush && !state_->flushing && (!state_->objects.pending.empty() || state_->objects.deleted_marked > 0))
    flush();
  Connection& conn = work_connection();
  // A model whose default loading joins, subqueries or defers columns loads
  // through a statement built for it; the others through the cached SELECT by key.
  if (m.has_relationships && detail::loader::loads_through_statement(m)) {
    std::vector<std::vector<value>> keys(1);
    for (value_ref v : key) keys[0].emplace_back(v);
    std::vector<detail::node_ptr> columns;
    for (auto c : m.key_columns) columns.push_back(m.column(c));
    auto data = std::make_shared<detail::statement_data>();
    for (std::size_t c = 0; c < m.column_count; ++c) data->columns.push_back(m.column(c));
    data->where = detail::key_filter(columns, keys);
    relationship_path path;
    auto found = state_->loading.run_load(conn, m, std::move(data), path);
    return found.empty() ? nullptr : found.front();
  }
  auto& select = state_->statements.get(conn.dialect(), m, detail::flush_statements::kind::select_by_key, {});
  entry* found = nullptr;
  try {
    for (auto row : conn.execute_compiled(select, key)) {
      found = state_->loading.load_row(m, row, 0, conn);
      break;
    }
  } catch (...) {
    state_->loading.release_spares();
    throw;
  }
  state_->loading.release_spares();
  if (found && m.has_relationships) {
    relationship_path path;
    state_->loading.post_load(conn, m, {found}, nullptr, {}, path);
  }
  return found;
}

QUARRY_DECL Session::transaction::~transaction() {
  if (!session_) return;
  try {
    session_->state_->explicit_begin = false;
    session_->rollback();
  } catch (...) {
    // A destructor cannot report; close() resets what is left.
  }
}

QUARRY_DECL void Session::transaction::commit() {
  Session& s = active();
  session_ = nullptr;
  s.state_->explicit_begin = false;
  s.commit();
}

QUARRY_DECL void Session::transaction::rollback() {
  Session& s = active();
  session_ = nullptr;
  s.state_->explicit_begin = false;
  s.rollback();
}

QUARRY_DECL Session& Session::transaction::active() {
  if (!session_) throw InvalidRequestError("quarry: this session transaction is already finished");
  return *session_;
}

QUARRY_DECL Session::nested_transaction::~nested_transaction() {
  try {
    rollback();
  } catch (...) {
    // A destructor cannot report; the session's rollback() resets the rest.
  }
}

QUARRY_DECL void Session::nested_transaction::commit() {
  if (!session_ || !transaction_.is_active()) throw InvalidRequestError("quarry: this savepoint is no longer active");
  session_->flush();
  transaction_.commit();
  session_ = nullptr;
}

QUARRY_DECL void Session::nested_transaction::rollback() {
  if (!session_) return;
  Session& s = *session_;
  session_ = nullptr;
  if (transaction_.is_active()) transaction_.rollback();
  s.state_->needs_rollback = false;
  s.undo_since(mark_);
  s.state_->listeners.dispatch(session_event::after_soft_rollback, s);
}

QUARRY_DECL Session::use_guard::use_guard(const Session& s) {
  auto self = std::this_thread::get_id();
  std::thread::id idle{};
  if (s.state_->user.compare_exchange_strong(idle, self, std::memory_order_acquire)) owner_ = &s;
  else if (idle != self)
    throw InvalidRequestError(
        "quarry: this Session is in use by another thread; concurrent operations are not permitted (use a "
        "Session per thread, e.g. scoped_session)");
}

QUARRY_DECL Session::use_guard::~use_guard() {
  if (owner_) owner_->state_->user.store(std::thread::id{}, std::memory_order_release);
}

}  // namespace quarry
