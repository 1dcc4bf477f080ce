// The non-template implementation of quarry/migrate/migrator.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/migrator.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>

namespace quarry::migrate {

QUARRY_DECL migrator::migrator(const Engine& engine, migrate_options options)
    : migrator(engine, registered_revisions(), std::move(options)) {}

QUARRY_DECL migrator::migrator(const Engine& engine, std::vector<revision> revisions, migrate_options options)
    : engine_(engine), graph_(std::move(revisions)), options_(std::move(options)) {}

namespace detail {
// FNV-1a, 64 bits: stable across platforms and runs, which std::hash is not.
QUARRY_DECL std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

// A transaction of its own, or a savepoint inside the SQLite migration lock.
QUARRY_DECL Transaction step_transaction(Connection& conn) { return conn.in_transaction() ? conn.begin_nested() : conn.begin(); }
}  // namespace detail

QUARRY_DECL std::string revision_checksum(const revision& r, const quarry::dialect& d, const naming_convention& naming) {
  std::string text;
  for (const auto* step : {&r.upgrade, &r.downgrade}) {
    operations op(d, naming);
    std::string stopped;
    try {
      if (*step) (*step)(op);
    } catch (const std::exception& e) {  // a step that reads the database: what it wrote before counts
      stopped = e.what();
    }
    for (auto& sql : op.script()) text += sql + ";\n";
    text += stopped + "\n--\n";
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(detail::stable_hash(text)));
  return hex;
}

QUARRY_DECL const std::string& migrator::checksum(const std::string& id) const {
  auto it = checksums_.find(id);
  if (it == checksums_.end()) it = checksums_.emplace(id, revision_checksum(graph_.get(id), engine_.dialect(), options_.naming)).first;
  return it->second;
}

QUARRY_DECL std::string migrator::version_table_ddl() const {
  return "CREATE TABLE IF NOT EXISTS " + engine_.dialect().format_identifier(options_.version_table) +
         " (version_num VARCHAR(32) NOT NULL PRIMARY KEY, checksum VARCHAR(16) NOT NULL DEFAULT '', "
         "applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)";
}

QUARRY_DECL std::string migrator::lock_timeout_sql() const {
  if (engine_.dialect().name() != "postgresql" || options_.lock_timeout.count() <= 0) return {};
  return "SET LOCAL lock_timeout = '" + std::to_string(options_.lock_timeout.count()) + "ms'";
}

QUARRY_DECL std::string migrator::insert_version_sql(const quarry::dialect& d, const std::string& id, bool literal) const {
  bool qmark = d.paramstyle() == paramstyle::qmark;
  return "INSERT INTO " + d.format_identifier(options_.version_table) + " (version_num, checksum) VALUES (" +
         (literal ? quarry::detail::sql_string_literal(id) + ", " + quarry::detail::sql_string_literal(checksum(id))
                  : qmark ? "?, ?" : "$1, $2") +
         ")";
}

QUARRY_DECL std::string migrator::delete_version_sql(const quarry::dialect& d, const std::string& id, bool literal) const {
  return "DELETE FROM " + d.format_identifier(options_.version_table) + " WHERE version_num = " +
         (literal ? quarry::detail::sql_string_literal(id) : d.paramstyle() == paramstyle::qmark ? "?" : "$1");
}

QUARRY_DECL std::set<std::string> migrator::applied() const {
  auto conn = engine_.connect();
  std::set<std::string> out;
  for (auto& entry : applied_on(conn, false)) out.insert(entry.first);
  return out;
}

QUARRY_DECL auto migrator::applied_on(Connection& conn, bool table_known) const -> applied_map {
  applied_map out;
  if (!table_known && !MetaData::has_table(conn, options_.version_table)) return out;
  auto checksum = table_known || has_checksum_column(conn) ? "checksum" : "''";
  for (auto row : conn.exec_driver_sql("SELECT version_num, " + std::string(checksum) + " FROM " +
                                       conn.dialect().format_identifier(options_.version_table)))
    out.emplace(row.get<std::string>(0), row.get<std::string>(1));
  for (auto& entry : out)
    if (std::none_of(graph_.revisions().begin(), graph_.revisions().end(),
                     [&](const revision& r) { return r.id == entry.first; }))
      throw CommandError("quarry: the database is at revision '" + entry.first + "', which this program does not have");
  return out;
}

QUARRY_DECL bool migrator::has_checksum_column(Connection& conn) const {
  bool sqlite = conn.dialect().name() == "sqlite";
  auto sql = sqlite ? std::string("SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = 'checksum'")
                    : std::string("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                                  "AND table_name = $1 AND column_name = 'checksum'");
  return conn.exec_driver_sql(sql, {options_.version_table}).scalar<std::int64_t>() > 0;
}

QUARRY_DECL void migrator::make_version_table(Connection& conn) const {
  conn.exec_driver_sql(version_table_ddl());
  if (!has_checksum_column(conn))  // a table from before checksums: its revisions' checksums are unknown ('')
    conn.exec_driver_sql("ALTER TABLE " + conn.dialect().format_identifier(options_.version_table) +
                         " ADD COLUMN checksum VARCHAR(16) NOT NULL DEFAULT ''");
}

QUARRY_DECL void migrator::locked(const std::function<void(Connection&, const applied_map&)>& work) const {
  auto conn = engine_.connect();
  // Revisions need transactions (and the SQLite lock its BEGIN IMMEDIATE), whatever the engine's default.
  if (conn.isolation_level() == isolation_level::autocommit)
    conn.set_isolation_level(conn.dialect().name() == "sqlite" ? isolation_level::serializable
                                                               : isolation_level::read_committed);
  auto table = conn.dialect().format_identifier(options_.version_table);
  if (conn.dialect().name() == "sqlite") {
    // Foreign keys off for the whole run (a table rebuild drops the old table;
    // the setting cannot change inside a transaction); each revision checks them.
    bool keys = engine_.options().sqlite_foreign_keys;
    if (keys) conn.driver().execute_simple("PRAGMA foreign_keys = OFF");
    try {
      conn.execution_options({.sqlite_begin = sqlite_begin_mode::immediate});
      auto lock = conn.begin();
      make_version_table(conn);
      try {
        work(conn, applied_on(conn, true));
      } catch (...) {
        try {
          if (lock.is_active()) lock.commit();  // keeps the revisions before the one that failed
        } catch (...) {  // the revision's own error is the one to report
        }
        throw;
      }
      lock.commit();
    } catch (...) {
      if (keys) conn.driver().execute_simple("PRAGMA foreign_keys = ON");
      throw;
    }
    if (keys) conn.driver().execute_simple("PRAGMA foreign_keys = ON");
    return;
  }
  // A session-level advisory lock: it outlives each revision's transaction and
  // is released by the server if this process dies.
  auto key = std::to_string(static_cast<std::int64_t>(detail::stable_hash("quarry.migrate:" + table)));
  conn.exec_driver_sql("SELECT pg_advisory_lock(" + key + ")");
  conn.commit();
  try {
    make_version_table(conn);
    auto applied = applied_on(conn, true);
    conn.commit();  // each revision begins a transaction of its own
    work(conn, applied);
  } catch (...) {
    try {
      if (conn.in_transaction()) conn.rollback();
      conn.exec_driver_sql("SELECT pg_advisory_unlock(" + key + ")");
      conn.commit();
    } catch (...) {  // a dead connection took the lock with it
    }
    throw;
  }
  conn.exec_driver_sql("SELECT pg_advisory_unlock(" + key + ")");
  conn.commit();
}

QUARRY_DECL std::vector<std::string> migrator::changed_in(const applied_map& applied) const {
  std::vector<std::string> out;
  for (auto& id : graph_.ordered()) {
    auto it = applied.find(id);
    if (it != applied.end() && !it->second.empty() && it->second != checksum(id)) out.push_back(id);
  }
  return out;
}

QUARRY_DECL std::vector<std::string> migrator::changed() const {
  auto conn = engine_.connect();
  return changed_in(applied_on(conn, false));
}

QUARRY_DECL std::vector<std::string> migrator::current() const { return graph_.heads_of(applied()); }

QUARRY_DECL std::vector<history_entry> migrator::history() const {
  auto conn = engine_.connect();
  auto done = applied_on(conn, false);
  auto heads = graph_.heads();
  auto branch_points = graph_.branch_points();
  std::vector<history_entry> out;
  for (auto it = graph_.ordered().rbegin(); it != graph_.ordered().rend(); ++it) {
    auto& r = graph_.get(*it);
    auto applied = done.find(r.id);
    out.push_back({r.id, r.down_revisions, r.message, applied != done.end(),
                   std::find(heads.begin(), heads.end(), r.id) != heads.end(),
                   std::find(branch_points.begin(), branch_points.end(), r.id) != branch_points.end(), checksum(r.id),
                   applied != done.end() && !applied->second.empty() && applied->second != checksum(r.id)});
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
  std::optional<Transaction> tx;
  auto begin = [&] {
    tx.emplace(detail::step_transaction(conn));
    if (auto timeout = lock_timeout_sql(); !timeout.empty()) conn.exec_driver_sql(timeout);
  };
  begin();
  operations op(conn, options_.naming);
  op.on_outside_transaction([&](const std::string& sql) {  // PostgreSQL only: never inside the SQLite lock's savepoints
    tx->commit();
    conn.driver().execute_simple(sql);
    begin();
  });
  const auto& step = up ? r.upgrade : r.downgrade;
  if (step) step(op);
  if (up) conn.exec_driver_sql(insert_version_sql(conn.dialect(), r.id, false), {r.id, checksum(r.id)});
  else conn.exec_driver_sql(delete_version_sql(conn.dialect(), r.id, false), {r.id});
  if (conn.dialect().name() == "sqlite" && engine_.options().sqlite_foreign_keys) {
    std::string problems;
    for (auto row : conn.exec_driver_sql("SELECT \"table\", parent FROM pragma_foreign_key_check"))
      problems += (problems.empty() ? "" : "; ") + std::string("a row of ") + row.get<std::string>(0) +
                  " points at a missing row of " + row.get<std::string>(1);
    if (!problems.empty())
      throw IntegrityError("quarry: revision " + r.id + " leaves foreign keys unsatisfied: " + problems, {});
  }
  tx->commit();
}

namespace detail {
QUARRY_DECL std::set<std::string> ids_of(const std::map<std::string, std::string>& applied) {
  std::set<std::string> out;
  for (auto& entry : applied) out.insert(entry.first);
  return out;
}
}  // namespace detail

QUARRY_DECL std::vector<std::string> migrator::upgrade(std::string_view target) {
  std::vector<std::string> plan;
  locked([&](Connection& conn, const applied_map& applied) {
    if (auto changed = changed_in(applied); !changed.empty()) {
      if (!options_.force) {
        std::string names;
        for (auto& id : changed) names += (names.empty() ? "" : ", ") + id + " (" + graph_.get(id).message + ")";
        throw CommandError("quarry: applied revisions changed since they ran: " + names +
                           "; review the change, then upgrade with force (--force) to accept it");
      }
      auto tx = detail::step_transaction(conn);
      const auto& d = conn.dialect();
      bool qmark = d.paramstyle() == paramstyle::qmark;
      for (auto& id : changed)
        conn.exec_driver_sql("UPDATE " + d.format_identifier(options_.version_table) + " SET checksum = " +
                                 (qmark ? "?" : "$1") + " WHERE version_num = " + (qmark ? "?" : "$2"),
                             {checksum(id), id});
      tx.commit();
    }
    plan = to_apply(detail::ids_of(applied), target);
    for (auto& id : plan) run_revision(conn, graph_.get(id), true);
  });
  return plan;
}

QUARRY_DECL std::vector<std::string> migrator::downgrade(std::string_view target) {
  std::vector<std::string> plan;
  locked([&](Connection& conn, const applied_map& applied) {
    plan = to_undo(detail::ids_of(applied), target);
    for (auto& id : plan) run_revision(conn, graph_.get(id), false);
  });
  return plan;
}

QUARRY_DECL void migrator::stamp(std::string_view target) {
  auto wanted = graph_.ancestors(graph_.resolve(target));
  locked([&](Connection& conn, const applied_map&) {
    auto tx = detail::step_transaction(conn);
    conn.exec_driver_sql("DELETE FROM " + conn.dialect().format_identifier(options_.version_table));
    for (auto& id : graph_.ordered())
      if (wanted.count(id)) conn.exec_driver_sql(insert_version_sql(conn.dialect(), id, false), {id, checksum(id)});
    tx.commit();
  });
}

QUARRY_DECL std::string migrator::upgrade_sql(std::string_view target, std::string_view from) const {
  const auto& d = engine_.dialect();
  std::string out = "BEGIN;\n\n" + version_table_ddl() + ";\n\n";
  auto timeout = lock_timeout_sql();
  if (!timeout.empty()) out += timeout + ";\n\n";
  for (auto& id : to_apply(graph_.ancestors(graph_.resolve(from)), target)) {
    auto& r = graph_.get(id);
    out += "-- Running upgrade " + (r.down_revisions.empty() ? std::string("<base>") : r.down_revisions.front()) +
           " -> " + r.id + (r.message.empty() ? "" : ", " + r.message) + "\n\n";
    operations op(d, options_.naming);
    if (r.upgrade) r.upgrade(op);
    for (auto& sql : op.script()) {
      out += sql + ";\n\n";
      if (sql == "BEGIN" && !timeout.empty()) out += timeout + ";\n\n";  // after a concurrent step's own COMMIT
    }
    out += insert_version_sql(d, r.id, true) + ";\n\n";
  }
  return out + "COMMIT;\n";
}

QUARRY_DECL std::vector<lint_warning> migrator::lint(std::string_view target, std::optional<std::string_view> from) const {
  auto start = from ? graph_.ancestors(graph_.resolve(*from)) : applied();
  std::vector<lint_warning> out;
  for (auto& id : to_apply(start, target)) {
    auto found = lint_revision(graph_.get(id), engine_.dialect(), options_.naming);
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

QUARRY_DECL std::string migrator::downgrade_sql(std::string_view target, std::string_view from) const {
  const auto& d = engine_.dialect();
  std::string out = "BEGIN;\n\n";
  auto timeout = lock_timeout_sql();
  if (!timeout.empty()) out += timeout + ";\n\n";
  for (auto& id : to_undo(graph_.ancestors(graph_.resolve(from)), target)) {
    auto& r = graph_.get(id);
    out += "-- Running downgrade " + r.id + " -> " +
           (r.down_revisions.empty() ? std::string("<base>") : r.down_revisions.front()) + "\n\n";
    operations op(d, options_.naming);
    if (r.downgrade) r.downgrade(op);
    for (auto& sql : op.script()) {
      out += sql + ";\n\n";
      if (sql == "BEGIN" && !timeout.empty()) out += timeout + ";\n\n";
    }
    out += delete_version_sql(d, r.id, true) + ";\n\n";
  }
  return out + "COMMIT;\n";
}

}  // namespace quarry::migrate
