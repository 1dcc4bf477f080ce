// The non-template implementation of quarry/orm/loading.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/loading.hpp"

namespace quarry::detail {

QUARRY_DECL auto loader::refreshed(entry& e, const void* fresh, std::uint64_t skip) -> void {
  bool keep = !e.discard && e.m->diff(e.object, e.snapshot, map_.scratch);
  e.m->copy(e.snapshot, fresh, skip);
  e.m->copy(e.object, fresh, keep ? ~(e.unloaded & ~skip) : skip);  // kept changes keep; columns never read arrive
  e.unloaded &= skip;
  e.expired = e.discard = false;
}

QUARRY_DECL auto loader::reload(entry& e, Connection& conn, bool drop_changes) -> bool {
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

QUARRY_DECL auto loader::row_identity(const mapper& m, const RowView& row) -> identity_key {
  identity_key k;
  k.table = m.table;
  if (m.integer_key && row.raw(m.key_columns[0]).kind() == value_kind::integer) {
    k.integer = row.raw(m.key_columns[0]).as_int64();
    return k;
  }
  for (auto c : m.key_columns) k.append(row.raw(c));
  return k;
}

QUARRY_DECL auto loader::loads_through_statement(const mapper& m) -> bool {
  if (m.deferred) return true;
  for (auto& r : m.relationships())
    if (r.lazy == loading::joined || r.lazy == loading::subquery) return true;
  return false;
}

QUARRY_DECL auto loader::load_row(const mapper& m, const RowView& row, std::size_t offset, Connection& conn, std::uint64_t deferred) -> entry* {
  auto spare = std::find_if(spares_.begin(), spares_.end(), [&](entry* e) { return e->m == &m; });
  if (spare == spares_.end()) spare = spares_.insert(spares_.end(), m.create());
  entry* e = *spare;
  m.read(e->object, row, offset, deferred);
  identity_key identity;
  m.key(m, e->object, identity);
  const std::size_t hash = map_.persistent.hash(identity);
  if (entry* found = map_.persistent.find(identity, hash)) {
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
  map_.persistent.insert(e, hash);
  if (m.has_relationships) map_.init_relationships(*e, true);
  if (m.listened(mapper_event::load)) m.dispatch(mapper_event::load, conn, e->object);
  return e;
}

QUARRY_DECL auto loader::load_joined_row(const mapper& m, const RowView& row, std::size_t offset, Connection& conn, repeated_row& seen, std::uint64_t deferred) -> entry* {
  if (m.integer_key) {
    std::int64_t key = 0;
    if (row.raw_integer(offset + m.key_columns[0], key)) {
      if (seen.last && seen.integer && seen.key_integer == key) return seen.last;
      seen.last = load_row(m, row, offset, conn, deferred);
      seen.integer = true;
      seen.key_integer = key;
      return seen.last;
    }
  }
  identity_key k;
  for (auto c : m.key_columns) k.append(row.raw(offset + c));
  if (seen.last && !seen.integer && k.bytes == seen.key) return seen.last;
  seen.last = load_row(m, row, offset, conn, deferred);
  seen.integer = false;
  seen.key = std::move(k.bytes);
  return seen.last;
}

QUARRY_DECL auto loader::run_load(Connection& conn, const mapper& m, std::shared_ptr<const statement_data> source, relationship_path& path, keyed_rows* keyed, std::size_t key_width, const loader_options* given_options, const params& parameters) -> std::vector<entry*> {
  const auto& options = given_options ? *given_options : source->orm_options;
  std::vector<joined_load> joins;
  std::uint64_t deferred = deferred_columns(options, path, m);
  auto statement = with_joins(without_columns(source, m, deferred), m, path, options, joins);
  std::vector<entry*> objects;
  try {
    auto result = conn.execute(built_statement<void>(std::const_pointer_cast<statement_data>(statement)), parameters);
    std::unordered_set<entry*> seen;
    repeated_row previous;
    entry* last = nullptr;  // a join repeats its parent on consecutive rows
    for (auto row : result) {
      entry* e = joins.empty() ? load_row(m, row, 0, conn, deferred) : load_joined_row(m, row, 0, conn, previous, deferred);
      if (keyed) {
        identity_key k;
        for (std::size_t i = 0; i < key_width; ++i) k.append(row.raw(m.column_count + i));
        keyed->emplace_back(e, std::move(k.bytes));
      }
      if ((joins.empty() && !keyed) || (e != last && seen.insert(e).second)) objects.push_back(e);
      last = e;
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

QUARRY_DECL auto loader::read_joined(joined_load& j, entry* parent, const RowView& row, Connection& conn) -> void {
  if (parent != j.last_parent) {
    auto [list, first] = j.targets.try_emplace(parent);
    if (first) j.parents.push_back(parent);
    j.last_parent = parent;
    j.last_targets = &list->second;
  }
  const auto& t = j.r->target();
  bool present = false;
  for (auto k : t.key_columns) present = present || !row.raw(j.offset + k).is_null();
  if (!present) return;
  bool repeated = j.previous.last != nullptr;
  entry* target = load_joined_row(t, row, j.offset, conn, j.previous, j.deferred);
  auto& targets = *j.last_targets;
  if (!(repeated && !targets.empty() && targets.back() == target) &&
      std::find(targets.begin(), targets.end(), target) == targets.end())
    targets.push_back(target);
  for (auto& c : j.children) read_joined(c, target, row, conn);
}

QUARRY_DECL auto loader::finish_joined(Connection& conn, joined_load& j, relationship_path& path, const loader_options& options) -> void {
  std::vector<entry*> targets;
  std::unordered_set<entry*> seen;
  for (auto* p : j.parents) {
    auto& list = j.targets[p];
    if (!j.r->state(p->object).loaded_) set_loaded(*p, *j.r, list);
    for (auto* t : list)
      if (j.one_parent_per_target || seen.insert(t).second) targets.push_back(t);
  }
  path.push_back(j.r);
  for (auto& c : j.children) finish_joined(conn, c, path, options);
  post_load(conn, j.r->target(), targets, nullptr, options, path);
  path.pop_back();
}

QUARRY_DECL auto loader::set_loaded(entry& owner, const relationship& r, std::span<entry* const> targets) -> void {
  r.assign(r.state(owner.object), r, targets);
  const relationship* back = r.back();
  if (!back || back->uselist) return;
  for (auto* t : targets) {
    auto& s = back->state(t->object);
    if (!s.loaded_ || referent(*back, s) == nullptr) back->append(s, *back, owner);
  }
}

QUARRY_DECL auto loader::referent(const relationship& r, relationship_state& s) -> void* {
  void* current = nullptr;
  r.for_each(s, &current, [](void* c, void* object, const std::shared_ptr<void>&) { *static_cast<void**>(c) = object; });
  return current;
}

QUARRY_DECL auto loader::post_load(Connection& conn, const mapper& m, const std::vector<entry*>& objects, const statement_data* source, const loader_options& options, relationship_path& path) -> void {
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

QUARRY_DECL auto loader::referenced_identity(const relationship& r, const void* owner) -> std::optional<identity_key> {
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

QUARRY_DECL auto loader::distribute(const relationship& r, const std::vector<entry*>& parents, const std::vector<entry*>& targets, const keyed_rows& keyed) -> void {
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

QUARRY_DECL auto loader::load_by_key(Connection& conn, const relationship& r, const std::vector<entry*>& parents, const loader_options& options, relationship_path& path) -> void {
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
    if (parents.size() > 1 && !asked.insert(column_bytes(r.owner(), p->object, r.local)).second) continue;
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
  if (keys.size() == 1 && keys[0].size() == 1 && !association && !loads_by_subquery(r.target(), options, path)) {
    // One key of one column: the relationship's statement built once, the key bound.
    named_param key[] = {{parent_key_parameter, keys[0][0]}};
    targets = run_load(conn, r.target(), select_by_one_key(r), path, nullptr, 0, &options, params(key));
    keys.clear();
  }
  for (std::size_t first = 0; first < keys.size(); first += batch) {
    std::vector<std::vector<value>> part(keys.begin() + first, keys.begin() + std::min(keys.size(), first + batch));
    auto found = run_load(conn, r.target(), select_by_remote(r, part, options), path,
                          association ? &keyed : nullptr, r.secondary_local.size());
    targets.insert(targets.end(), found.begin(), found.end());
  }
  path.pop_back();
  if (waiting.size() == 1 && r.kind != relationship_kind::many_to_many) {
    set_loaded(*waiting.front(), r, targets);  // every row matched its key: a lazy load
    return;
  }
  distribute(r, waiting, targets, keyed);
}

QUARRY_DECL auto loader::loads_by_subquery(const mapper& m, const loader_options& options, relationship_path& path) -> bool {
  for (auto& r : m.relationships())
    if (strategy_for(options, path, r) == loading::subquery) return true;
  return false;
}

QUARRY_DECL auto loader::load_by_subquery(Connection& conn, const relationship& r, const std::vector<entry*>& parents, const statement_data& source, const loader_options& options, relationship_path& path) -> void {
  keyed_rows keyed;
  bool association = r.kind == relationship_kind::many_to_many;
  path.push_back(&r);
  auto targets = run_load(conn, r.target(), select_by_subquery(r, source, options), path,
                          association ? &keyed : nullptr, r.secondary_local.size());
  path.pop_back();
  distribute(r, parents, targets, keyed);
}

}  // namespace quarry::detail
