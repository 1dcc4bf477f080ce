// The statements that load relationships (select IN, subquery, joined), built as trees.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "quarry/core/detail/compiler.hpp"
#include "quarry/core/detail/node.hpp"
#include "quarry/core/select.hpp"
#include "quarry/orm/detail/mapper.hpp"
#include "quarry/orm/detail/relationship_info.hpp"
#include "quarry/orm/detail/session_entry.hpp"

// The statements that load relationships, built as trees: the IN of a
// selectin load, the subquery of a subquery load, the joins of a joined load.
namespace quarry::detail {

// One step of a loader option's path: load relationship `r` this way.
struct loader_step {
  const relationship_info* r;
  loading strategy;
};
struct loader_path {
  std::vector<loader_step> steps;
  // defer() / undefer() / load_only(): columns of `columns_of`'s objects reached along `steps`.
  const mapper* columns_of = nullptr;
  std::uint64_t defer = 0, undefer = 0;
};
using loader_options = std::vector<std::shared_ptr<const void>>;  // of loader_path (statement_data::orm_options)

// Whether r leads back to a model the path has been through (its start included).
QUARRY_DECL bool leads_back(std::span<const relationship_info* const> path, const relationship_info& r);

// The strategy for relationship r of objects reached along `path` from the
// statement's objects: the last option whose path leads to r, else r's own.
// As in SQLAlchemy, a relationship's own eager strategy does not apply where
// it leads back to a model already on the path (a self-referential or
// two-way relationship would load in a cycle): it loads lazily there.
QUARRY_DECL loading strategy_for(const loader_options& options, std::span<const relationship_info* const> path, const relationship_info& r);

// The columns of m's objects reached along `path` that the statement leaves
// out: those declared deferred, and those the options defer, less those they undefer.
QUARRY_DECL std::uint64_t deferred_columns(const loader_options& options, std::span<const relationship_info* const> path, const mapper& m);

inline bool is_deferred(std::uint64_t mask, std::size_t column) { return column < 64 && ((mask >> column) & 1); }

// What a statement selects in place of a deferred column.
inline node_ptr null_column() { return make_node(node_kind::raw, precedence::atom, "NULL"); }

// The statement with NULL in place of m's deferred columns (its first
// columns are m's), so that rows keep their shape and the values stay home.
QUARRY_DECL std::shared_ptr<const statement_data> without_columns(std::shared_ptr<const statement_data> source, const mapper& m, std::uint64_t deferred);

// The values of some columns of an object, as bytes: keys of the maps that
// match parents with their targets.
QUARRY_DECL std::string column_bytes(const mapper& m, const void* object, const std::vector<std::size_t>& columns);

// True when any of the columns is NULL (a foreign key that points nowhere).
QUARRY_DECL bool any_null(const mapper& m, const void* object, const std::vector<std::size_t>& columns);

// columns = keys: `c = ?` for one key, `c IN (...)` for several, and
// `(a = ? AND b = ?) OR ...` for composite keys.
QUARRY_DECL node_ptr key_filter(const std::vector<node_ptr>& columns, const std::vector<std::vector<value>>& keys);

// Replaces, in a tree, the columns of `from` by those of the same name of `to`.
QUARRY_DECL node_ptr rebase_columns(const node_ptr& n, const from_ptr& from, const from_ptr& to);

QUARRY_DECL node_ptr and_all(node_ptr a, node_ptr b);

// SELECT every column of the target's table (as the statement's first
// columns), filtered by a primaryjoin's criteria, ordered as the relationship says.
QUARRY_DECL std::shared_ptr<statement_data> target_select(const relationship_info& r);

QUARRY_DECL node_ptr equal_all(const std::vector<node_ptr>& left, const std::vector<node_ptr>& right);

// The columns `positions` of model m's table, in `from`: the table, an alias of it, or a subquery of its columns.
QUARRY_DECL std::vector<node_ptr> columns_of(const from_ptr& from, const mapper& m, const std::vector<std::size_t>& positions);

// The columns that match a target row to its parents: the target's `remote`
// columns, or for a many-to-many the association table's owner columns,
// which the statement selects after the target's (see joins_association()).
QUARRY_DECL std::vector<node_ptr> parent_key_columns(const relationship_info& r);

// A many-to-many's statement goes through the association table, whose owner
// columns follow the target's columns in each row.
QUARRY_DECL void join_association(statement_data& data, const relationship_info& r);

// The target rows whose parent-key columns hold one of `keys` (selectin and lazy loads).
QUARRY_DECL std::shared_ptr<statement_data> select_by_remote(const relationship_info& r, const std::vector<std::vector<value>>& keys, const loader_options& options);

// The name of the parameter select_by_one_key() takes: not an identifier, so
// that no bindparam() of a relationship's primaryjoin can take it.
inline constexpr std::string_view parent_key_parameter = "quarry: parent key";

// select_by_remote() of one key of one column, as SQLAlchemy's lazy loader has
// it: built once per relationship with the key a bound parameter, so that a
// lazy load neither builds a statement nor walks one to find its compiled form.
QUARRY_DECL std::shared_ptr<const statement_data> select_by_one_key(const relationship_info& r);

// The target rows of the parents `source` selects, joined to it as a subquery
// of the parents' `local` columns (SQLAlchemy's subqueryload).
QUARRY_DECL std::shared_ptr<statement_data> select_by_subquery(const relationship_info& r, const statement_data& source, const loader_options& options);

// The object the previous row of a join gave, and its key as the row had it:
// consecutive rows of a join repeat their parents.
struct repeated_row {
  std::string key;
  std::int64_t key_integer = 0;  // the key, when it was one integer (then `key` is unset)
  bool integer = false;
  session_entry* last = nullptr;
};

// One joined-loaded relationship of a statement: its alias, where its columns
// start in the row, the relationships joined from it, and what the rows gave.
struct joined_load {
  const relationship_info* r = nullptr;
  from_ptr alias;
  std::size_t offset = 0;
  std::vector<joined_load> children;
  std::vector<session_entry*> parents;                                  // in the order first seen
  std::unordered_map<session_entry*, std::vector<session_entry*>> targets;  // per parent, in row order
  repeated_row previous;  // the target of the previous row
  session_entry* last_parent = nullptr;  // the parent of the previous row, and its entry in `targets`
  std::vector<session_entry*>* last_targets = nullptr;
  std::uint64_t deferred = 0;  // the target's columns the statement leaves out
  bool one_parent_per_target = false;  // a one-to-many joined on the owner's key: no target repeats under two parents
};

// Adds LEFT OUTER JOINs (and their columns and collection order) for the
// relationships of `m` the options or defaults load joined, from `parent`
// (the FROM item whose columns are m's), and recursively from those.
QUARRY_DECL void plan_joins(statement_data& data, from_entry& entry, const mapper& m, const from_ptr& parent, std::vector<const relationship_info*>& path, const loader_options& options, std::vector<joined_load>& out, std::size_t& aliases);

// The statement that loads m's objects and their joined relationships. With
// LIMIT or OFFSET the parents' statement becomes a subquery, so that the limit
// counts parents, not joined rows. Returns `source` itself when nothing is joined.
QUARRY_DECL std::shared_ptr<const statement_data> with_joins(std::shared_ptr<const statement_data> source, const mapper& m, std::vector<const relationship_info*>& path, const loader_options& options, std::vector<joined_load>& out);

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/detail/impl/load_statements.ipp"
#endif
