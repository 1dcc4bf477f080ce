// query_plan and explain_options: what conn.explain(stmt) gives, a typed plan tree with a text form and flags.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quarry {

// How conn.explain() asks: options are flags, written into the EXPLAIN by
// Quarry, never text pasted into the SQL.
struct explain_options {
  // Run the statement and report what it did (rows, time). A write runs inside
  // a savepoint that is rolled back, so nothing it changes stays.
  bool analyze = false;
  // PostgreSQL: shared buffer hits and reads per node (with analyze).
  bool buffers = false;
  // A full scan of a table with at least this many rows is flagged.
  std::size_t large_table_rows = 1000;
};

// What a plan is flagged for.
enum class plan_flag_kind : std::uint8_t {
  full_scan,           // a table read whole (no index), and it is large
  sort_without_index,  // rows sorted (a temporary B-tree, a Sort node) rather than read in an index's order
};

struct plan_flag {
  plan_flag_kind kind;
  std::string table;   // the table scanned, or empty
  std::string detail;  // the plan's words: "SCAN users", "Sort Key: users.name"
  QUARRY_DECL std::string describe() const;
};

// One step of a plan. SQLite's EXPLAIN QUERY PLAN gives the operation and the
// detail line; PostgreSQL's EXPLAIN (FORMAT JSON) gives costs, estimates and,
// with analyze, what happened.
struct plan_node {
  std::string operation;  // SQLite: SCAN, SEARCH, USE TEMP B-TREE, ...; PostgreSQL: Seq Scan, Index Scan, Sort, ...
  std::string relation;   // the table it reads or writes, if any
  std::string index;      // the index it uses, if any
  std::string detail;     // SQLite's line; PostgreSQL's conditions, sort key and join condition
  std::optional<double> startup_cost, total_cost, estimated_rows;
  std::optional<double> actual_rows, actual_ms;  // with analyze (PostgreSQL: per loop)
  std::optional<std::int64_t> loops, shared_hit_blocks, shared_read_blocks;
  std::vector<plan_node> children;
};

struct query_plan {
  std::string dialect;
  std::string sql;               // the statement explained
  std::vector<plan_node> nodes;  // the top steps (SQLite may list several)
  std::optional<double> planning_ms, execution_ms;
  std::optional<std::int64_t> rows;  // analyze: rows returned (or, SQLite, changed)
  std::vector<plan_flag> flags;
  std::string raw;  // the database's own output: EXPLAIN QUERY PLAN lines, or the JSON

  // The plan as an indented tree, with the flags under it.
  QUARRY_DECL std::string text() const;
  QUARRY_DECL bool has_flag(plan_flag_kind kind) const;
  // Calls fn(node, depth) for every node, parents first.
  QUARRY_DECL void for_each(const std::function<void(const plan_node&, std::size_t)>& fn) const;
};

namespace detail {
// One row of SQLite's EXPLAIN QUERY PLAN.
struct sqlite_plan_row {
  std::int64_t id;
  std::int64_t parent;
  std::string detail;
};
QUARRY_DECL std::vector<plan_node> sqlite_plan_tree(const std::vector<sqlite_plan_row>& rows);
// PostgreSQL's EXPLAIN (FORMAT JSON) output into `out` (nodes, planning and execution time).
QUARRY_DECL void read_postgresql_plan(std::string_view json, query_plan& out);
// The EXPLAIN statement for a dialect; an ArgumentError for options it does not have.
QUARRY_DECL std::string explain_statement(std::string_view dialect, std::string_view sql, const explain_options& options);
// The flags a plan earns, before the table sizes are known: candidates for full_scan name their table.
QUARRY_DECL std::vector<plan_flag> plan_flag_candidates(const query_plan& plan);
}  // namespace detail

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/explain.ipp"
#endif
