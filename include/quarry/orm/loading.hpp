// loader: rows into the Session's objects (through the identity map), and every loading strategy's execution.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "quarry/engine/connection.hpp"
#include "quarry/engine/result.hpp"
#include "quarry/orm/detail/flush_batches.hpp"
#include "quarry/orm/detail/load_statements.hpp"
#include "quarry/orm/detail/relationships.hpp"
#include "quarry/orm/events.hpp"
#include "quarry/orm/identity_map.hpp"

// SQLAlchemy's orm/loading.py and its strategies: a row becomes the identity
// map's object for its key (new, or refreshed when expired), and the
// relationships of objects just read load as their options or `lazy` say
// (selectin, subquery, joined, noload, or on first access).
namespace quarry::detail {

class loader {
 public:
  using entry = session_entry;
  using relationship = relationship_info;
  using relationship_path = std::vector<const relationship*>;
  // A row's object and the bytes of the parent key its statement selected
  // after the object's columns (a many-to-many's association columns).
  using keyed_rows = std::vector<std::pair<entry*, std::string>>;

  loader(identity_map& map, flush_statements& statements) : map_(map), statements_(statements) {}
  loader(const loader&) = delete;
  loader& operator=(const loader&) = delete;
  ~loader() { release_spares(); }

  // The session's entry for an object just read: the one in the identity map,
  // refreshed when expired, or a new one that owns `fresh`.
  template <class M>
  entry& loaded(M&& fresh, Connection& conn) {
    const auto& m = mapper_of<M>();
    identity_key identity;
    m.key(m, &fresh, identity);
    if (entry* e = map_.persistent.find(identity)) {
      if (e->expired) refreshed(*e, &fresh);
      return *e;
    }
    auto block = std::make_shared<owned_object<M>>();
    block->object = std::move(fresh);
    model_mapper<M>::copy(&block->entry.snapshot_value, &block->object, 0);
    entry* e = &block->entry;
    e->m = &m;
    e->object = &block->object;
    e->snapshot = &block->entry.snapshot_value;
    e->key = std::move(identity);
    e->state = object_state::persistent;
    e->added = ++map_.serial;
    e->self = std::move(block);
    map_.persistent.insert(e);
    if constexpr (relationship_count<M>() > 0) map_.init_relationships(*e, true);
    if (m.listened(mapper_event::load)) m.dispatch(mapper_event::load, conn, e->object);
    return *e;
  }

  // An expired entry meets its row (`fresh`, an object of its model): the
  // object takes the row's values, unless it was changed in memory since it
  // expired at a commit; those changes stay and the next flush writes what
  // differs from the row.
  // `skip`: columns the row did not read (deferred).
  void refreshed(entry& e, const void* fresh, std::uint64_t skip = 0) {
    bool keep = !e.discard && e.m->diff(e.object, e.snapshot, map_.scratch);
    e.m->copy(e.snapshot, fresh, skip);
    e.m->copy(e.object, fresh, keep ? ~(e.unloaded & ~skip) : skip);  // kept changes keep; columns never read arrive
    e.unloaded &= skip;
    e.expired = e.discard = false;
  }

  // Reads an entry's row again; false when it is gone (the entry leaves the session).
  bool reload(entry& e, Connection& conn, bool drop_changes = false) {
    if (drop_changes) e.discard = true;
    const auto& m = *e.m;
    std::vector<value> owned(m.key_columns.size());
    std::vector<value_ref> refs(m.key_columns.size());
    for (std::size_t k = 0; k < refs.size(); ++k) refs[k] = m.bind(e.snapshot, m.key_columns[k], owned[k]);
    auto& select = statements_.get(conn.dialect(), m, flush_statements::kind::select_by_key, {});
    auto result = conn.execute_compiled(select, refs);
    auto row = result.begin();
    if (row == result.end()) {
      map_.expunge(e);
      return false;
    }
    bool keep = !e.discard && m.diff(e.object, e.snapshot, map_.scratch);
    m.read(e.snapshot, *row, 0, 0);
    m.copy(e.object, e.snapshot, keep ? ~e.unloaded : 0);
    e.unloaded = 0;
    e.expired = e.discard = false;
    return true;
  }

  // The identity of a row of all columns.
  static identity_key row_identity(const mapper& m, const RowView& row) {
    identity_key k;
    k.table = m.table;
    if (m.integer_key && row.raw(m.key_columns[0]).kind() == value_kind::integer) {
      k.integer = row.raw(m.key_columns[0]).as_int64();
      return k;
    }
    for (auto c : m.key_columns) k.append(row.raw(c));
    return k;
  }

  static bool loads_through_statement(const mapper& m) {
    if (m.deferred) return true;
    for (auto& r : m.relationships())
      if (r.lazy == loading::joined || r.lazy == loading::subquery) return true;
    return false;
  }

  // The session's entry of an object read from a row (at `offset`): the one
  // in the identity map, or a new one. Rows are read into a spare object of
  // the model, which becomes the new entry's object when the key is new.
  // `deferred`: columns the statement did not select (it holds NULL in their place).
  entry* load_row(const mapper& m, const RowView& row, std::size_t offset, Connection& conn,
                  std::uint64_t deferred = 0) {
    auto spare = std::find_if(spares_.begin(), spares_.end(), [&](entry* e) { return e->m == &m; });
    if (spare == spares_.end()) spare = spares_.insert(spares_.end(), m.create());
    entry* e = *spare;
    m.read(e->object, row, offset, deferred);
    identity_key identity;
    m.key(m, e->object, identity);
    if (entry* found = map_.persistent.find(identity)) {
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
    e->added = ++map_.serial;
    map_.persistent.insert(e);
    if (m.has_relationships) map_.init_relationships(*e, true);
    if (m.listened(mapper_event::load)) m.dispatch(mapper_event::load, conn, e->object);
    return e;
  }

  // load_row() for the rows of a join, where consecutive rows repeat the
  // parent: a row whose key is the previous row's gives the same entry unread.
  entry* load_joined_row(const mapper& m, const RowView& row, std::size_t offset, Connection& conn,
                         repeated_row& seen, std::uint64_t deferred) {
    identity_key k;
    for (auto c : m.key_columns) k.append(row.raw(offset + c));
    if (seen.last && k.bytes == seen.key) return seen.last;
    seen.last = load_row(m, row, offset, conn, deferred);
    seen.key = std::move(k.bytes);
    return seen.last;
  }

  void release_spares() {
    for (auto* e : std::exchange(spares_, {})) map_.release(*e);
  }

  std::vector<entry*> run_load(Connection& conn, const mapper& m, std::shared_ptr<const statement_data> source,
                               relationship_path& path, keyed_rows* keyed = nullptr, std::size_t key_width = 0) {
    const auto& options = source->orm_options;
    std::vector<joined_load> joins;
    std::uint64_t deferred = deferred_columns(options, path, m);
    auto statement = with_joins(without_columns(source, m, deferred), m, path, options, joins);
    std::vector<entry*> objects;
    try {
      auto result = conn.execute(built_statement<void>(std::const_pointer_cast<statement_data>(statement)));
      std::unordered_set<entry*> seen;
      repeated_row previous;
      for (auto row : result) {
        entry* e = joins.empty() ? load_row(m, row, 0, conn, deferred) : load_joined_row(m, row, 0, conn, previous, deferred);
        if (keyed) {
          identity_key k;
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

  void read_joined(joined_load& j, entry* parent, const RowView& row, Connection& conn) {
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

  void finish_joined(Connection& conn, joined_load& j, relationship_path& path,
                     const loader_options& options) {
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
  static void* referent(const relationship& r, relationship_state& s) {
    void* current = nullptr;
    r.for_each(s, &current, [](void* c, void* object, const std::shared_ptr<void>&) { *static_cast<void**>(c) = object; });
    return current;
  }

  // Loads the relationships of objects just read (reached along `path`) that
  // are not loaded yet, each as the options or its own `lazy` say. `source`
  // is the statement that read them (for subquery loads), when there is one.
  void post_load(Connection& conn, const mapper& m, const std::vector<entry*>& objects,
                 const statement_data* source, const loader_options& options, relationship_path& path) {
    if (!m.has_relationships || objects.empty()) return;
    for (auto& r : m.relationships()) {
      loading strategy = strategy_for(options, path, r);
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
  static std::optional<identity_key> referenced_identity(const relationship& r, const void* owner) {
    const auto& t = r.target();
    if (r.kind != relationship_kind::many_to_one || r.remote != t.key_columns || r.criteria) return std::nullopt;
    identity_key k;
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
    if (r.kind == relationship_kind::many_to_many)
      for (auto& [t, key] : keyed) add(key, t);
    else
      for (auto* t : targets) add(column_bytes(r.target(), t->object, r.remote), t);
    for (auto* p : parents) {
      auto it = by_key.find(column_bytes(r.owner(), p->object, r.local));
      if (it == by_key.end()) set_loaded(*p, r, {});
      else set_loaded(*p, r, it->second);
    }
  }

  // selectin (and lazy) loading: SELECT the targets WHERE their columns hold
  // the parents' values, in batches; many-to-one targets already in the
  // identity map need no SQL.
  void load_by_key(Connection& conn, const relationship& r, const std::vector<entry*>& parents,
                   const loader_options& options, relationship_path& path) {
    constexpr std::size_t batch = 500;  // well under SQLite's and PostgreSQL's parameter limits
    std::vector<entry*> waiting;
    std::vector<std::vector<value>> keys;
    std::unordered_set<std::string> asked;
    for (auto* p : parents) {
      bool nothing = any_null(r.owner(), p->object, r.local) ||
                     (p->state == object_state::pending && r.kind != relationship_kind::many_to_one);
      if (nothing) {
        set_loaded(*p, r, {});
        continue;
      }
      if (auto identity = referenced_identity(r, p->object)) {
        if (entry* t = map_.persistent.find(*identity); t && t->state != object_state::deleted) {
          if (t->expired && !reload(*t, conn)) {
            set_loaded(*p, r, {});
            continue;
          }
          entry* targets[] = {t};
          set_loaded(*p, r, targets);
          continue;
        }
      }
      waiting.push_back(p);
      if (!asked.insert(column_bytes(r.owner(), p->object, r.local)).second) continue;
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
    bool association = r.kind == relationship_kind::many_to_many;
    path.push_back(&r);
    for (std::size_t first = 0; first < keys.size(); first += batch) {
      std::vector<std::vector<value>> part(keys.begin() + first, keys.begin() + std::min(keys.size(), first + batch));
      auto found = run_load(conn, r.target(), select_by_remote(r, part, options), path,
                            association ? &keyed : nullptr, r.secondary_local.size());
      targets.insert(targets.end(), found.begin(), found.end());
    }
    path.pop_back();
    distribute(r, waiting, targets, keyed);
  }

  void load_by_subquery(Connection& conn, const relationship& r, const std::vector<entry*>& parents,
                        const statement_data& source, const loader_options& options, relationship_path& path) {
    keyed_rows keyed;
    bool association = r.kind == relationship_kind::many_to_many;
    path.push_back(&r);
    auto targets = run_load(conn, r.target(), select_by_subquery(r, source, options), path,
                            association ? &keyed : nullptr, r.secondary_local.size());
    path.pop_back();
    distribute(r, parents, targets, keyed);
  }

  // The object a merge() looks for, read by its key.
  template <class M>
  std::shared_ptr<M> get_by_identity(const M& object, Connection& conn) {
    const auto& m = mapper_of<M>();
    std::vector<value> owned(m.key_columns.size());
    std::vector<value_ref> refs(m.key_columns.size());
    for (std::size_t k = 0; k < refs.size(); ++k) refs[k] = m.bind(&object, m.key_columns[k], owned[k]);
    auto& select = statements_.get(conn.dialect(), m, flush_statements::kind::select_by_key, {});
    for (auto row : conn.execute_compiled(select, refs)) return identity_map::handle<M>(loaded(row.template as<M>(), conn));
    return nullptr;
  }

 private:
  identity_map& map_;
  flush_statements& statements_;
  std::vector<entry*> spares_;  // objects rows are read into, one per model (see load_row())
};

}  // namespace quarry::detail
