// Connection::explain(): the EXPLAIN of a statement run and read into a query_plan.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/connection.hpp"

namespace quarry {

QUARRY_DECL query_plan Connection::explain_plan(const detail::execution_plan& plan, const params& parameters, const explain_options& options) {
  const compiled_statement& compiled = *plan.compiled;
  parameter_buffer buffer(compiled.binds.size());
  auto refs = buffer.refs();
  if (compiled.names.empty() && !parameters.empty())
    throw ArgumentError("quarry: parameters were given to a statement without bindparam()");
  for (std::size_t i = 0; i < compiled.binds.size(); ++i) {
    const value* literal = plan.literal(i);
    refs[i] = literal ? literal->ref() : bound_value(compiled, compiled.binds[i].name, parameters);
  }
  return explain_driver_sql(compiled.sql, refs, options);
}

QUARRY_DECL query_plan Connection::explain(const text_clause& statement, const explain_options& options, const params& parameters) {
  parameter_buffer buffer(statement.parameter_names().size());
  resolve(statement, parameters, buffer.refs());
  return explain_driver_sql(std::string(statement.key(dialect().paramstyle()).sql), buffer.refs(), options);
}

QUARRY_DECL query_plan Connection::explain_driver_sql(const std::string& sql, std::span<const value_ref> refs, const explain_options& options) {
  query_plan out;
  out.dialect = std::string(dialect().name());
  out.sql = sql;
  std::string statement = detail::explain_statement(out.dialect, sql, options);
  check_usable();
  if (options.analyze && isolation_level() == quarry::isolation_level::autocommit)
    throw ArgumentError("quarry: explain_options::analyze runs the statement inside a savepoint that is rolled back, "
                        "which an AUTOCOMMIT connection has no transaction for; explain it on a connection with one");
  // ANALYZE runs the statement: what it writes goes with the savepoint.
  std::optional<Transaction> savepoint;
  if (options.analyze) savepoint.emplace(begin_nested());
  try {
    if (out.dialect == "sqlite") {
      std::vector<detail::sqlite_plan_row> rows;
      Result result = run(detail::sql_key::of(statement), refs);
      for (auto& [id, parent, unused, line] : result.all<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string>>()) {
        rows.push_back({id, parent, std::move(line)});
        out.raw += std::to_string(rows.back().id) + "|" + std::to_string(rows.back().parent) + "|" + rows.back().detail + "\n";
      }
      out.nodes = detail::sqlite_plan_tree(rows);
      if (options.analyze) {
        auto started = std::chrono::steady_clock::now();
        Result result = run(detail::sql_key::of(sql), refs);
        std::int64_t count = 0;
        if (result.returns_rows())
          for (auto it = result.begin(); it != result.end(); ++it) ++count;
        else
          count = result.rowcount();
        out.execution_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        out.rows = count;
      }
    } else {
      auto result = run(detail::sql_key::of(statement), refs);
      auto row = result.first();
      if (!row) throw InternalError("quarry: EXPLAIN returned no rows", error_context{statement, {}, 0, {}, false});
      const value& plan_text = (*row)[0];
      if (plan_text.kind() != value_kind::text)
        throw InternalError("quarry: EXPLAIN (FORMAT JSON) returned no text", error_context{statement, {}, 0, {}, false});
      out.raw = std::get<std::string>(plan_text.data());
      detail::read_postgresql_plan(out.raw, out);
    }
  } catch (...) {
    if (savepoint) {
      try {
        savepoint->rollback();
      } catch (...) {
        // The statement's own error says more; the transaction is rolled back by whoever handles it.
      }
    }
    throw;
  }
  if (savepoint) savepoint->rollback();
  out.flags = detail::plan_flag_candidates(out);
  keep_large_scans(out, options.large_table_rows);
  return out;
}

QUARRY_DECL void Connection::keep_large_scans(query_plan& plan, std::size_t rows) {
  std::erase_if(plan.flags, [&](const plan_flag& flag) {
    if (flag.kind != plan_flag_kind::full_scan) return false;
    // Counting stops at the threshold, so a large table costs no more than a small one. In a
    // savepoint: a name the count cannot find (a table outside the search path) must not end
    // the caller's PostgreSQL transaction.
    std::string count = "SELECT count(*) FROM (SELECT 1 FROM " + dialect().format_identifier(flag.table) + " LIMIT " +
                        std::to_string(rows) + ") AS counted";
    bool autocommit = isolation_level() == quarry::isolation_level::autocommit;
    std::optional<Transaction> guard;
    try {
      if (!autocommit) guard.emplace(begin_nested());
      auto n = run(detail::sql_key::of(count), {}).scalar<std::int64_t>();
      if (guard) guard->commit();
      return static_cast<std::size_t>(n) < rows;
    } catch (const Error&) {
      if (guard) guard->rollback();
      return true;  // not a table that can be counted by that name: not flagged
    }
  });
}

}  // namespace quarry
