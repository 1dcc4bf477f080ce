// The non-template implementation of quarry/migrate/migrator.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/migrator.hpp"

#include <algorithm>
#include <charconv>

namespace quarry::migrate {

QUARRY_DECL migrator::migrator(const Engine& engine, migrate_options options)
    : migrator(engine, registered_revisions(), std::move(options)) {}

QUARRY_DECL migrator::migrator(const Engine& engine, std::vector<revision> revisions, migrate_options options)
    : engine_(engine), graph_(std::move(revisions)), options_(std::move(options)) {}

QUARRY_DECL std::string migrator::version_table_ddl() const {
  return "CREATE TABLE IF NOT EXISTS " + engine_.dialect().format_identifier(options_.version_table) +
         " (version_num VARCHAR(32) NOT NULL PRIMARY KEY, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)";
}

QUARRY_DECL void migrator::ensure_version_table(Connection& conn) const {
  auto tx = conn.begin();
  conn.exec_driver_sql(version_table_ddl());
  tx.commit();
}

QUARRY_DECL std::string migrator::insert_version_sql(const quarry::dialect& d, const std::string& id, bool literal) const {
  return "INSERT INTO " + d.format_identifier(options_.version_table) + " (version_num) VALUES (" +
         (literal ? quarry::detail::sql_string_literal(id) : d.paramstyle() == paramstyle::qmark ? "?" : "$1") + ")";
}

QUARRY_DECL std::string migrator::delete_version_sql(const quarry::dialect& d, const std::string& id, bool literal) const {
  return "DELETE FROM " + d.format_identifier(options_.version_table) + " WHERE version_num = " +
         (literal ? quarry::detail::sql_string_literal(id) : d.paramstyle() == paramstyle::qmark ? "?" : "$1");
}

QUARRY_DECL std::set<std::string> migrator::applied() const {
  auto conn = engine_.connect();
  return applied_on(conn);
}

QUARRY_DECL std::set<std::string> migrator::applied_on(Connection& conn) const {
  ensure_version_table(conn);
  std::set<std::string> out;
  for (auto row : conn.exec_driver_sql("SELECT version_num FROM " + conn.dialect().format_identifier(options_.version_table)))
    out.insert(row.get<std::string>(0));
  conn.commit();  // ends the read's own transaction: each revision begins one of its own
  for (auto& id : out)
    if (std::none_of(graph_.revisions().begin(), graph_.revisions().end(), [&](const revision& r) { return r.id == id; }))
      throw CommandError("quarry: the database is at revision '" + id + "', which this program does not have");
  return out;
}

QUARRY_DECL std::vector<std::string> migrator::current() const { return graph_.heads_of(applied()); }

QUARRY_DECL std::vector<history_entry> migrator::history() const {
  auto done = applied();
  auto heads = graph_.heads();
  auto branch_points = graph_.branch_points();
  std::vector<history_entry> out;
  for (auto it = graph_.ordered().rbegin(); it != graph_.ordered().rend(); ++it) {
    auto& r = graph_.get(*it);
    out.push_back({r.id, r.down_revisions, r.message, done.count(r.id) > 0,
                   std::find(heads.begin(), heads.end(), r.id) != heads.end(),
                   std::find(branch_points.begin(), branch_points.end(), r.id) != branch_points.end()});
  }
  return out;
}

namespace detail {
// N of "+N" / "-N", or 0 when `target` is not one.
QUARRY_DECL int relative_steps(std::string_view target, char sign) {
  if (target.size() < 2 || target[0] != sign) return 0;
  int n = 0;
  auto [end, error] = std::from_chars(target.data() + 1, target.data() + target.size(), n);
  if (error != std::errc() || end != target.data() + target.size() || n <= 0) return 0;
  return n;
}
}  // namespace detail

QUARRY_DECL std::vector<std::string> migrator::to_apply(const std::set<std::string>& applied, std::string_view target) const {
  int steps = detail::relative_steps(target, '+');
  auto wanted = graph_.ancestors(graph_.resolve(steps ? "head" : target));
  std::vector<std::string> out;
  for (auto& id : graph_.ordered())
    if (wanted.count(id) && !applied.count(id)) out.push_back(id);
  if (steps) {
    if (static_cast<std::size_t>(steps) > out.size())
      throw CommandError("quarry: cannot go up " + std::to_string(steps) + " revisions: " + std::to_string(out.size()) +
                         " remain to the head");
    out.resize(static_cast<std::size_t>(steps));
  }
  return out;
}

QUARRY_DECL std::vector<std::string> migrator::to_undo(const std::set<std::string>& applied, std::string_view target) const {
  std::vector<std::string> applied_newest_first;
  for (auto it = graph_.ordered().rbegin(); it != graph_.ordered().rend(); ++it)
    if (applied.count(*it)) applied_newest_first.push_back(*it);
  if (int steps = detail::relative_steps(target, '-')) {
    if (static_cast<std::size_t>(steps) > applied_newest_first.size())
      throw CommandError("quarry: cannot go down " + std::to_string(steps) + " revisions: " +
                         std::to_string(applied_newest_first.size()) + " are applied");
    applied_newest_first.resize(static_cast<std::size_t>(steps));
    return applied_newest_first;
  }
  auto targets = graph_.resolve(target);
  for (auto& id : targets)
    if (!applied.count(id))
      throw CommandError("quarry: cannot downgrade to '" + id + "': it is not applied (upgrade to it instead)");
  auto keep = graph_.ancestors(targets);
  std::vector<std::string> out;
  for (auto& id : applied_newest_first)
    if (!keep.count(id)) out.push_back(id);
  return out;
}

QUARRY_DECL void migrator::run_revision(Connection& conn, const revision& r, bool up) const {
  // SQLite: foreign keys off around the revision (a table rebuild drops the old
  // table), and checked before it commits. The setting cannot change in a transaction.
  bool sqlite_keys = conn.dialect().name() == "sqlite" && engine_.options().sqlite_foreign_keys;
  if (sqlite_keys) conn.driver().execute_simple("PRAGMA foreign_keys = OFF");
  try {
    auto tx = conn.begin();
    operations op(conn);
    const auto& step = up ? r.upgrade : r.downgrade;
    if (step) step(op);
    if (up) conn.exec_driver_sql(insert_version_sql(conn.dialect(), r.id, false), {r.id});
    else conn.exec_driver_sql(delete_version_sql(conn.dialect(), r.id, false), {r.id});
    if (sqlite_keys) {
      std::string problems;
      for (auto row : conn.exec_driver_sql("SELECT \"table\", parent FROM pragma_foreign_key_check"))
        problems += (problems.empty() ? "" : "; ") + std::string("a row of ") + row.get<std::string>(0) +
                    " points at a missing row of " + row.get<std::string>(1);
      if (!problems.empty())
        throw IntegrityError("quarry: revision " + r.id + " leaves foreign keys unsatisfied: " + problems, {});
    }
    tx.commit();
  } catch (...) {
    if (sqlite_keys) conn.driver().execute_simple("PRAGMA foreign_keys = ON");
    throw;
  }
  if (sqlite_keys) conn.driver().execute_simple("PRAGMA foreign_keys = ON");
}

QUARRY_DECL std::vector<std::string> migrator::upgrade(std::string_view target) {
  auto conn = engine_.connect();
  auto plan = to_apply(applied_on(conn), target);
  for (auto& id : plan) run_revision(conn, graph_.get(id), true);
  return plan;
}

QUARRY_DECL std::vector<std::string> migrator::downgrade(std::string_view target) {
  auto conn = engine_.connect();
  auto plan = to_undo(applied_on(conn), target);
  for (auto& id : plan) run_revision(conn, graph_.get(id), false);
  return plan;
}

QUARRY_DECL void migrator::stamp(std::string_view target) {
  auto wanted = graph_.ancestors(graph_.resolve(target));
  auto conn = engine_.connect();
  ensure_version_table(conn);
  auto tx = conn.begin();
  conn.exec_driver_sql("DELETE FROM " + conn.dialect().format_identifier(options_.version_table));
  for (auto& id : graph_.ordered())
    if (wanted.count(id)) conn.exec_driver_sql(insert_version_sql(conn.dialect(), id, false), {id});
  tx.commit();
}

QUARRY_DECL std::string migrator::upgrade_sql(std::string_view target, std::string_view from) const {
  const auto& d = engine_.dialect();
  std::string out = "BEGIN;\n\n" + version_table_ddl() + ";\n\n";
  for (auto& id : to_apply(graph_.ancestors(graph_.resolve(from)), target)) {
    auto& r = graph_.get(id);
    out += "-- Running upgrade " + (r.down_revisions.empty() ? std::string("<base>") : r.down_revisions.front()) +
           " -> " + r.id + (r.message.empty() ? "" : ", " + r.message) + "\n\n";
    operations op(d);
    if (r.upgrade) r.upgrade(op);
    for (auto& sql : op.script()) out += sql + ";\n\n";
    out += insert_version_sql(d, r.id, true) + ";\n\n";
  }
  return out + "COMMIT;\n";
}

QUARRY_DECL std::string migrator::downgrade_sql(std::string_view target, std::string_view from) const {
  const auto& d = engine_.dialect();
  std::string out = "BEGIN;\n\n";
  for (auto& id : to_undo(graph_.ancestors(graph_.resolve(from)), target)) {
    auto& r = graph_.get(id);
    out += "-- Running downgrade " + r.id + " -> " +
           (r.down_revisions.empty() ? std::string("<base>") : r.down_revisions.front()) + "\n\n";
    operations op(d);
    if (r.downgrade) r.downgrade(op);
    for (auto& sql : op.script()) out += sql + ";\n\n";
    out += delete_version_sql(d, r.id, true) + ";\n\n";
  }
  return out + "COMMIT;\n";
}

}  // namespace quarry::migrate
