// unit_of_work: the flush (tables in foreign-key order, rows in levels, INSERT/UPDATE/DELETE batches, association rows).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

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

  static void apply(const key_sync& k);

  // Before a flush: objects reachable through relationships are added,
  // deletes cascade, children taken out of collections lose their foreign key
  // (or are deleted: delete-orphan), and foreign keys follow the objects they
  // point at. Keys of parents already in the database are set now; the rest,
  // returned, once their parents are INSERTed.
  std::vector<key_sync> prepare_relationships(const std::function<Connection&()>& connection);

  void association_changes(entry& owner, const relationship& r, relationship_state& s, const std::vector<std::pair<void*, std::shared_ptr<void>>>& targets, std::unordered_map<const void*, entry*>& by_address);

  // The association table's statements: INSERT of a row, DELETE of a row, DELETE of an owner's rows.
  const compiled_statement& association_statement(const dialect& d, const relationship& r, int kind);

  // Writes the association rows: DELETEs, then INSERTs (after both sides'
  // INSERTs, before their DELETEs). A two-way many-to-many reports each change
  // from both sides; each row is written once.
  void write_associations(Connection& conn);

  struct change {
    entry* e;
    std::size_t columns;  // index into the flush's column sets
  };

  // Sends what changed: INSERTs and UPDATEs parents first, association rows,
  // DELETEs children first, each table's rows batched. `connection` begins
  // the session's transaction when it is first called.
  void flush(const std::function<Connection&()>& connection);

  // INSERTs of one table's new rows. Rows whose parent (through a relationship)
  // is a new row of the same table go after it, level by level, each level
  // taking its parents' generated keys first.
  void insert_in_levels(Connection& conn, std::vector<entry*>& rows, const std::vector<key_sync>& later);

  // Rows of a self-referential table (a foreign key to its own primary key)
  // ordered so that a row comes after the row it points at; otherwise, and
  // within a level, in the order given. `old` reads keys from the snapshots.
  static void parents_first(const mapper& m, std::vector<entry*>& rows, bool old = false);

  // The index of a set of changed columns; most changes of a flush share a few.
  std::size_t column_set(const std::vector<bool>& columns);

  // Tables in foreign-key order, for the tables this flush touches.
  std::vector<const table_info*> table_order(const std::vector<change>& dirty, const std::vector<entry*>& deleting, const std::vector<key_sync>& later) const;

  // INSERTs of one table's new objects, in the order they were added: runs of
  // objects that send the same columns go as one executemany, in multi-row
  // statements where the dialect likes them; what the database generates
  // comes back through RETURNING.
  void insert(Connection& conn, const std::vector<entry*>& rows);

  void insert_run(Connection& conn, const dialect& d, const mapper& m, std::span<entry* const> rows, const std::vector<bool>& columns);

  // Where the dialect takes keys ahead (PostgreSQL): the objects' autoincrement
  // key `key` from the column's sequence in one round trip, then COPY with the
  // key; false (nothing done) where the column has no sequence an INSERT may skip.
  bool insert_with_keys_taken(Connection& conn, const dialect& d, const mapper& m, std::span<entry* const> rows,
                              std::vector<bool> columns, std::size_t key);

  // UPDATEs of one table's changed objects: objects with the same changed
  // columns go as one executemany. A version_id column is counted up and checked.
  void update(Connection& conn, std::vector<change*>& changes);

  // DELETEs of one table's objects as one executemany.
  void remove(Connection& conn, std::vector<entry*>& rows);

  // The WHERE of an UPDATE or DELETE: the key, and the version, the row had.
  static void add_row_slots(const mapper& m, std::vector<entry_slot>& slots);

  static void check_matched(const Result& result, std::size_t expected, const char* what, const mapper& m);

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

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/unit_of_work.ipp"
#endif
