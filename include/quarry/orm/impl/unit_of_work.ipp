// The non-template implementation of quarry/orm/unit_of_work.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/unit_of_work.hpp"

namespace quarry::detail {

QUARRY_DECL auto unit_of_work::apply(const key_sync& k) -> void {
  bool owner_is_child = k.r->kind == relationship_kind::many_to_one;
  const auto& child_columns = owner_is_child ? k.r->local : k.r->remote;
  const auto& parent_columns = owner_is_child ? k.r->remote : k.r->local;
  for (std::size_t i = 0; i < child_columns.size(); ++i) {
    value owned;
    k.child->m->assign_column(k.child->object, child_columns[i],
                              k.parent->m->bind(k.parent->object, parent_columns[i], owned));
  }
}

QUARRY_DECL auto unit_of_work::prepare_relationships(const std::function<Connection&()>& connection) -> std::vector<key_sync> {
  auto with_relationships = [&](bool deleted_too) {
    std::vector<entry*> out;
    for (auto* e : map_.pending)
      if (e->m->has_relationships) out.push_back(e);
    map_.persistent.for_each([&](entry& e) {
      if (e.m->has_relationships && (deleted_too || e.state != object_state::deleted)) out.push_back(&e);
    });
    return out;
  };
  auto work = with_relationships(true);
  if (work.empty()) return {};
  cascade_.cascade_deletes(work, connection, associations_);
  cascade_.cascade_save_update(work);
  work = with_relationships(false);
  std::unordered_map<const void*, entry*> by_address;
  std::vector<key_sync> later;
  std::vector<cascades::left_parent> left;
  for (auto* e : work) {
    for (auto& r : e->m->relationships()) {
      auto& s = r.state(e->object);
      if (!s.loaded_) continue;
      auto targets = targets_of(r, s);
      if (r.weak()) r.weaken(s);
      if (r.kind == relationship_kind::many_to_many) {
        association_changes(*e, r, s, targets, by_address);
        continue;
      }
      for (auto& [object, handle] : targets) {
        entry* t = map_.in_session(r.target(), object, by_address);
        if (!t || t->state == object_state::deleted) continue;
        key_sync k = r.kind == relationship_kind::many_to_one ? key_sync{e, t, &r} : key_sync{t, e, &r};
        if (k.parent->state == object_state::pending) later.push_back(k);
        else apply(k);
      }
      if (r.kind == relationship_kind::one_to_many) cascade_.orphans(*e, r, s, targets, by_address, left);
    }
  }
  if (!left.empty()) cascade_.orphan_or_moved(left, work);
  return later;
}

QUARRY_DECL auto unit_of_work::association_changes(entry& owner, const relationship& r, relationship_state& s, const std::vector<std::pair<void*, std::shared_ptr<void>>>& targets, std::unordered_map<const void*, entry*>& by_address) -> void {
  for (auto& [object, handle] : targets)
    if (std::find(s.committed_.begin(), s.committed_.end(), object) == s.committed_.end())
      if (entry* t = map_.in_session(r.target(), object, by_address); t && t->state != object_state::deleted)
        associations_.push_back({&r, &owner, t, true});
  for (const void* old : s.committed_)
    if (std::none_of(targets.begin(), targets.end(), [&](const auto& t) { return t.first == old; }))
      if (entry* t = map_.in_session(r.target(), old, by_address))
        associations_.push_back({&r, &owner, t, false});
}

QUARRY_DECL auto unit_of_work::association_statement(const dialect& d, const relationship& r, int kind) -> const compiled_statement& {
  auto key = std::make_pair(&r, kind);
  auto it = association_statements_.find(key);
  if (it != association_statements_.end()) return it->second;
  const auto& a = r.secondary();
  std::vector<std::size_t> columns = r.secondary_local;
  if (kind != 2) columns.insert(columns.end(), r.secondary_remote.begin(), r.secondary_remote.end());
  statement_data data;
  data.target = a.from();
  node_ptr where;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    auto bind = make_node(node_kind::bind, precedence::atom, "a" + std::to_string(i));
    if (kind == 0) {
      data.assignments.push_back({a.table->columns[columns[i]].name, bind});
    } else {
      auto equal = make_node(node_kind::binary, precedence::comparison, " = ", a.column(columns[i]), bind);
      where = where ? make_node(node_kind::binary, precedence::and_, " AND ", where, equal) : equal;
    }
  }
  data.kind = kind == 0 ? statement_kind::insert : statement_kind::delete_;
  data.where = where;
  return association_statements_.emplace(key, compiler(d).compile(data)).first->second;
}

QUARRY_DECL auto unit_of_work::write_associations(Connection& conn) -> void {
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
    identity_key k;
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
        value_batch batch(std::move(rows));
        conn.execute_compiled_many(association_statement(conn.dialect(), *key.first, kind), batch);
      }
}

QUARRY_DECL auto unit_of_work::flush(const std::function<Connection&()>& connection) -> void {
  auto later = prepare_relationships(connection);
  map_.relationships_changed = false;
  if (!map_.retired.empty()) {
    std::unordered_set<const entry*> leaving(map_.retired.begin(), map_.retired.end());
    std::erase_if(later, [&](const key_sync& k) { return leaving.contains(k.child) || leaving.contains(k.parent); });
  }
  map_.release_retired();
  std::vector<change> dirty;
  std::vector<entry*> deleting;
  column_sets_.clear();
  map_.persistent.for_each([&](entry& e) {
    if (e.state == object_state::deleted) deleting.push_back(&e);
    else if (!e.discard && e.m->diff(e.object, e.snapshot, map_.scratch)) dirty.push_back({&e, column_set(map_.scratch)});
  });
  if (map_.pending.empty() && dirty.empty() && deleting.empty() && associations_.empty()) return;
  // A table's rows in the order their objects were added or read.
  std::sort(dirty.begin(), dirty.end(), [](const change& a, const change& b) { return a.e->added < b.e->added; });
  std::sort(deleting.begin(), deleting.end(), [](entry* a, entry* b) { return a->added < b->added; });
  auto order = table_order(dirty, deleting, later);
  Connection& conn = connection();
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
    for (auto* e : map_.pending)
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
      if (child->m->diff(child->object, child->snapshot, map_.scratch)) after_insert.push_back({child, column_set(map_.scratch)});
    updating.clear();
    for (auto& c : after_insert) updating.push_back(&c);
    if (!updating.empty()) update(conn, updating);
  }
  std::erase_if(map_.pending, [](const entry* e) { return e->state != object_state::pending; });
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
  cascade_.remember_collections();
}

QUARRY_DECL auto unit_of_work::insert_in_levels(Connection& conn, std::vector<entry*>& rows, const std::vector<key_sync>& later) -> void {
  if (later.empty()) {
    // No new object waits for the key of another: one level, no map of levels to build.
    parents_first(*rows.front()->m, rows);
    insert(conn, rows);
    return;
  }
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

QUARRY_DECL auto unit_of_work::parents_first(const mapper& m, std::vector<entry*>& rows, bool old) -> void {
  std::vector<std::vector<std::size_t>> references;
  for (auto& fk : m.table->foreign_keys)
    if (fk.target_table == m.table->name && fk.target_columns == m.table->primary_key) {
      std::vector<std::size_t> columns;
      for (auto& c : fk.columns) columns.push_back(m.table->column_index(c));
      references.push_back(std::move(columns));
    }
  if (references.empty() || rows.size() < 2) return;
  auto encode = [&](const entry* e, const std::vector<std::size_t>& columns) {
    identity_key k;
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

QUARRY_DECL auto unit_of_work::column_set(const std::vector<bool>& columns) -> std::size_t {
  for (std::size_t i = column_sets_.size(); i-- > 0;)
    if (column_sets_[i] == columns) return i;
  column_sets_.push_back(columns);
  return column_sets_.size() - 1;
}

QUARRY_DECL auto unit_of_work::table_order(const std::vector<change>& dirty, const std::vector<entry*>& deleting, const std::vector<key_sync>& later) const -> std::vector<const table_info*> {
  std::vector<std::shared_ptr<const table_info>> tables;
  auto add_table = [&](const mapper* m) {
    for (auto& t : tables)
      if (t.get() == m->table) return;
    tables.push_back(m->from()->table);
  };
  for (auto* e : map_.pending) add_table(e->m);
  for (auto& c : dirty) add_table(c.e->m);
  for (auto* e : deleting) add_table(e->m);
  for (auto& k : later) add_table(k.child->m);
  std::vector<const table_info*> out;
  for (auto& t : sort_by_dependency(tables)) out.push_back(t.get());
  return out;
}

QUARRY_DECL auto unit_of_work::insert(Connection& conn, const std::vector<entry*>& rows) -> void {
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
  map_.persistent.reserve(rows.size());
  for (auto* e : rows) {
    m.copy(e->snapshot, e->object, 0);
    m.key(m, e->object, e->key);
    e->state = object_state::persistent;
    e->inserted = ++map_.serial;
    map_.persistent.insert(e);
    if (after) m.dispatch(mapper_event::after_insert, conn, e->object);
  }
}

QUARRY_DECL auto unit_of_work::insert_run(Connection& conn, const dialect& d, const mapper& m, std::span<entry* const> rows, const std::vector<bool>& columns) -> void {
  std::vector<entry_slot> slots;
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
  // Nothing to read back: as Core's executemany() sends them, COPY where the
  // dialect likes it for this many rows (the same builder).
  if (generated.empty() && d.insert_by_copy(rows.size())) {
    entry_batch batch(rows, slots, 1);
    conn.execute_compiled_many(statements_.get(d, m, flush_statements::kind::copy, columns), batch);
    return;
  }
  if (generated.size() == 1 && order_by && d.insert_by_copy(rows.size()) &&
      insert_with_keys_taken(conn, d, m, rows, columns, generated.front()))
    return;
  // Several rows per statement only where RETURNING rows can be matched to objects.
  std::size_t per = generated.empty() || order_by ? rows_per_insert(d, slots.size(), rows.size()) : 1;
  bool by_rowid = per == 1 && generated.size() == 1 && order_by && d.lastrowid_for_autoincrement();
  auto kind = by_rowid ? flush_statements::kind::insert_without_returning : flush_statements::kind::insert;
  auto run = [&](std::span<entry* const> part, std::size_t rows_per_set) {
    auto& statement = statements_.get(d, m, kind, columns, rows_per_set);
    entry_batch batch(part, slots, rows_per_set);
    if (generated.empty()) {
      conn.execute_compiled_many(statement, batch);
      return;
    }
    returning_sink sink(part, generated, rows_per_set, order_by);
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

QUARRY_DECL auto unit_of_work::insert_with_keys_taken(Connection& conn, const dialect& d, const mapper& m, std::span<entry* const> rows, std::vector<bool> columns, std::size_t key) -> bool {
  std::string_view sql = d.take_keys_sql();
  if (sql.empty()) return false;
  const std::string& column = m.table->columns[key].name;
  std::vector<std::int64_t> keys;
  keys.reserve(rows.size());
  for (auto row : conn.exec_driver_sql(sql, {d.format_identifier(m.table->name), column, static_cast<std::int64_t>(rows.size())})) {
    auto taken = row.get<std::optional<std::int64_t>>(0);
    if (!taken) return false;
    keys.push_back(*taken);
  }
  if (keys.size() != rows.size()) return false;
  // What each object's key held (0 or empty): given back when the COPY fails,
  // or a key does not fit the member, as when an INSERT fails.
  std::vector<bool> was_null(rows.size());
  std::size_t assigned = 0;
  try {
    for (; assigned < rows.size(); ++assigned) {
      value owned;
      was_null[assigned] = m.bind(rows[assigned]->object, key, owned).kind() == value_kind::null;
      m.assign_column(rows[assigned]->object, key, value_ref::integer(keys[assigned]));
    }
    columns[key] = true;
    std::vector<entry_slot> slots;
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i]) slots.push_back({i, false});
    entry_batch batch(rows, slots, 1);
    conn.execute_compiled_many(statements_.get(d, m, flush_statements::kind::copy, columns), batch);
  } catch (...) {
    for (std::size_t i = 0; i < assigned; ++i)
      m.assign_column(rows[i]->object, key, was_null[i] ? value_ref() : value_ref::integer(0));
    throw;
  }
  return true;
}

QUARRY_DECL auto unit_of_work::update(Connection& conn, std::vector<change*>& changes) -> void {
  const auto& m = *changes.front()->e->m;
  if (m.listened(mapper_event::before_update)) {
    for (auto* c : changes) {
      m.dispatch(mapper_event::before_update, conn, c->e->object);
      m.diff(c->e->object, c->e->snapshot, map_.scratch);
      c->columns = column_set(map_.scratch);
    }
  }
  if (m.version_column) {
    for (auto* c : changes) {
      value owned;
      auto version = m.bind(c->e->snapshot, *m.version_column, owned).as_int64();
      m.assign_column(c->e->object, *m.version_column, value_ref::integer(version + 1));
      map_.scratch = column_sets_[c->columns];
      map_.scratch[*m.version_column] = true;
      c->columns = column_set(map_.scratch);
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
    std::vector<entry_slot> slots;
    for (std::size_t i = 0; i < columns->size(); ++i)
      if ((*columns)[i]) slots.push_back({i, false});
    add_row_slots(m, slots);
    entry_batch batch(rows, std::move(slots), 1);
    auto result =
        conn.execute_compiled_many(statements_.get(d, m, flush_statements::kind::update, *columns), batch);
    check_matched(result, rows.size(), "UPDATE", m);
  }
  bool after = m.listened(mapper_event::after_update);
  for (auto* c : changes) {
    entry& e = *c->e;
    m.copy(e.snapshot, e.object, 0);
    identity_key identity;
    m.key(m, e.object, identity);
    if (!(identity == e.key)) {
      map_.persistent.erase(e.key);
      e.key = std::move(identity);
      map_.persistent.insert(&e);
    }
    e.touched = ++map_.serial;
    if (after) m.dispatch(mapper_event::after_update, conn, e.object);
  }
}

QUARRY_DECL auto unit_of_work::remove(Connection& conn, std::vector<entry*>& rows) -> void {
  const auto& m = *rows.front()->m;
  if (m.listened(mapper_event::before_delete))
    for (auto* e : rows) m.dispatch(mapper_event::before_delete, conn, e->object);
  std::vector<entry_slot> slots;
  add_row_slots(m, slots);
  entry_batch batch(rows, std::move(slots), 1);
  auto result = conn.execute_compiled_many(
      statements_.get(conn.dialect(), m, flush_statements::kind::delete_, {}), batch);
  check_matched(result, rows.size(), "DELETE", m);
  bool after = m.listened(mapper_event::after_delete);
  for (auto* e : rows) {
    map_.forget(*e);
    map_.deleted.push_back(e);
    if (after) m.dispatch(mapper_event::after_delete, conn, e->object);
  }
}

QUARRY_DECL auto unit_of_work::add_row_slots(const mapper& m, std::vector<entry_slot>& slots) -> void {
  for (auto k : m.key_columns) slots.push_back({k, true});
  if (m.version_column) slots.push_back({*m.version_column, true});
}

QUARRY_DECL auto unit_of_work::check_matched(const Result& result, std::size_t expected, const char* what, const mapper& m) -> void {
  if (result.rowcount() >= 0 && static_cast<std::size_t>(result.rowcount()) != expected)
    throw StaleDataError("quarry: " + std::string(what) + " of '" + m.table->name + "' expected to match " +
                         std::to_string(expected) + " rows but matched " + std::to_string(result.rowcount()) +
                         (m.version_column ? "; a row was changed or deleted by someone else since it was read"
                                           : "; a row was deleted by someone else"));
}

}  // namespace quarry::detail
