// unit_of_work: the flush (tables in foreign-key order, rows in levels, INSERT/UPDATE/DELETE batches, association rows).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "quarry/core/detail/dependency_order.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/engine/result.hpp"
#include "quarry/errors.hpp"
#include "quarry/orm/cascade.hpp"
#include "quarry/orm/detail/flush_batches.hpp"
#include "quarry/orm/events.hpp"
#include "quarry/orm/identity_map.hpp"

// SQLAlchemy's unitofwork.py and persistence.py: before the flush, cascades
// and foreign keys follow the relationships; then each table's new, changed
// and deleted rows go as executemany batches, parents before children.
namespace quarry::detail {

class unit_of_work {
 public:
  using entry = session_entry;
  using relationship = relationship_info;

  unit_of_work(identity_map& map, cascades& cascade, flush_statements& statements)
      : map_(map), cascade_(cascade), statements_(statements) {}
  unit_of_work(const unit_of_work&) = delete;
  unit_of_work& operator=(const unit_of_work&) = delete;

  // A failed flush writes none of the association rows it collected.
  void abandon() noexcept { associations_.clear(); }

  // A child's foreign key takes its parent's key; `child` holds r.local (many-to-one) or r.remote (one-to-many).
  struct key_sync {
    entry* child;
    entry* parent;
    const relationship* r;
  };

  static void apply(const key_sync& k) {
    bool owner_is_child = k.r->kind == relationship_kind::many_to_one;
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
  std::vector<key_sync> prepare_relationships(const std::function<Connection&()>& connection) {
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

  void association_changes(entry& owner, const relationship& r, relationship_state& s,
                           const std::vector<std::pair<void*, std::shared_ptr<void>>>& targets,
                           std::unordered_map<const void*, entry*>& by_address) {
    for (auto& [object, handle] : targets)
      if (std::find(s.committed_.begin(), s.committed_.end(), object) == s.committed_.end())
        if (entry* t = map_.in_session(r.target(), object, by_address); t && t->state != object_state::deleted)
          associations_.push_back({&r, &owner, t, true});
    for (const void* old : s.committed_)
      if (std::none_of(targets.begin(), targets.end(), [&](const auto& t) { return t.first == old; }))
        if (entry* t = map_.in_session(r.target(), old, by_address))
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

  struct change {
    entry* e;
    std::size_t columns;  // index into the flush's column sets
  };

  // Sends what changed: INSERTs and UPDATEs parents first, association rows,
  // DELETEs children first, each table's rows batched. `connection` begins
  // the session's transaction when it is first called.
  void flush(const std::function<Connection&()>& connection) {
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
  static void parents_first(const mapper& m, std::vector<entry*>& rows, bool old = false) {
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

  void insert_run(Connection& conn, const dialect& d, const mapper& m, std::span<entry* const> rows,
                  const std::vector<bool>& columns) {
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
    // Several rows per statement only where RETURNING rows can be matched to objects.
    std::size_t per = generated.empty() || order_by ? d.insert_rows_per_statement(slots.size()) : 1;
    per = std::max<std::size_t>(1, std::min(per, rows.size()));
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

  // UPDATEs of one table's changed objects: objects with the same changed
  // columns go as one executemany. A version_id column is counted up and checked.
  void update(Connection& conn, std::vector<change*>& changes) {
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

  // DELETEs of one table's objects as one executemany.
  void remove(Connection& conn, std::vector<entry*>& rows) {
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

  // The WHERE of an UPDATE or DELETE: the key, and the version, the row had.
  static void add_row_slots(const mapper& m, std::vector<entry_slot>& slots) {
    for (auto k : m.key_columns) slots.push_back({k, true});
    if (m.version_column) slots.push_back({*m.version_column, true});
  }

  static void check_matched(const Result& result, std::size_t expected, const char* what, const mapper& m) {
    if (result.rowcount() >= 0 && static_cast<std::size_t>(result.rowcount()) != expected)
      throw StaleDataError("quarry: " + std::string(what) + " of '" + m.table->name + "' expected to match " +
                           std::to_string(expected) + " rows but matched " + std::to_string(result.rowcount()) +
                           (m.version_column ? "; a row was changed or deleted by someone else since it was read"
                                             : "; a row was deleted by someone else"));
  }

 private:
  using association_row = cascades::association_row;
  identity_map& map_;
  cascades& cascade_;
  flush_statements& statements_;
  std::vector<std::vector<bool>> column_sets_;  // the changed-column sets of the current flush
  std::vector<association_row> associations_;   // association-table rows the current flush writes
  std::map<std::pair<const relationship*, int>, compiled_statement> association_statements_;
};

}  // namespace quarry::detail
