// loader: rows into the Session's objects (through the identity map), and every loading strategy's execution.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

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
    const std::size_t hash = map_.persistent.hash(identity);
    if (entry* e = map_.persistent.find(identity, hash)) {
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
    map_.persistent.insert(e, hash);
    if constexpr (relationship_count<M>() > 0) map_.init_relationships(*e, true);
    if (m.listened(mapper_event::load)) m.dispatch(mapper_event::load, conn, e->object);
    return *e;
  }

  // An expired entry meets its row (`fresh`, an object of its model): the
  // object takes the row's values, unless it was changed in memory since it
  // expired at a commit; those changes stay and the next flush writes what
  // differs from the row.
  // `skip`: columns the row did not read (deferred).
  void refreshed(entry& e, const void* fresh, std::uint64_t skip = 0);

  // Reads an entry's row again; false when it is gone (the entry leaves the session).
  bool reload(entry& e, Connection& conn, bool drop_changes = false);

  // The identity of a row of all columns.
  static identity_key row_identity(const mapper& m, const RowView& row);

  static bool loads_through_statement(const mapper& m);

  // The session's entry of an object read from a row (at `offset`): the one
  // in the identity map, or a new one. Rows are read into a spare object of
  // the model, which becomes the new entry's object when the key is new.
  // `deferred`: columns the statement did not select (it holds NULL in their place).
  entry* load_row(const mapper& m, const RowView& row, std::size_t offset, Connection& conn, std::uint64_t deferred = 0);

  // load_row() for the rows of a join, where consecutive rows repeat the
  // parent: a row whose key is the previous row's gives the same entry unread.
  entry* load_joined_row(const mapper& m, const RowView& row, std::size_t offset, Connection& conn, repeated_row& seen, std::uint64_t deferred);

  void release_spares() {
    for (auto* e : std::exchange(spares_, {})) map_.release(*e);
  }

  // Runs `source` and loads its rows as objects of m. `options` are the
  // statement's loader options when not given; `parameters` its bindparam() values.
  std::vector<entry*> run_load(Connection& conn, const mapper& m, std::shared_ptr<const statement_data> source, relationship_path& path, keyed_rows* keyed = nullptr, std::size_t key_width = 0, const loader_options* given_options = nullptr, const params& parameters = {});

  void read_joined(joined_load& j, entry* parent, const RowView& row, Connection& conn);

  void finish_joined(Connection& conn, joined_load& j, relationship_path& path, const loader_options& options);

  // Gives an object's relationship its targets, and the targets their
  // reference back to it (a collection's elements point at their parent).
  void set_loaded(entry& owner, const relationship& r, std::span<entry* const> targets);

  // What a one<T> points at now (without loading it), or null.
  static void* referent(const relationship& r, relationship_state& s);

  // Loads the relationships of objects just read (reached along `path`) that
  // are not loaded yet, each as the options or its own `lazy` say. `source`
  // is the statement that read them (for subquery loads), when there is one.
  void post_load(Connection& conn, const mapper& m, const std::vector<entry*>& objects, const statement_data* source, const loader_options& options, relationship_path& path);

  // The identity a many-to-one relationship's foreign key points at, when it
  // points at the target's primary key (then the identity map can answer).
  static std::optional<identity_key> referenced_identity(const relationship& r, const void* owner);

  // Matches targets to parents by the relationship's columns (or, for a
  // many-to-many, by the association columns of each row) and gives every parent its list.
  void distribute(const relationship& r, const std::vector<entry*>& parents, const std::vector<entry*>& targets, const keyed_rows& keyed);

  // selectin (and lazy) loading: SELECT the targets WHERE their columns hold
  // the parents' values, in batches; many-to-one targets already in the
  // identity map need no SQL.
  void load_by_key(Connection& conn, const relationship& r, const std::vector<entry*>& parents, const loader_options& options, relationship_path& path);

  // Whether a relationship of m loads by subquery along `path`: that load
  // needs the statement that read m's objects with its values in it.
  static bool loads_by_subquery(const mapper& m, const loader_options& options, relationship_path& path);

  void load_by_subquery(Connection& conn, const relationship& r, const std::vector<entry*>& parents, const statement_data& source, const loader_options& options, relationship_path& path);

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

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/loading.ipp"
#endif
