// migrator: upgrade, downgrade, stamp, current, history against a database's version table (Alembic's command module).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/engine/engine.hpp"
#include "quarry/migrate/lint.hpp"
#include "quarry/migrate/operations.hpp"
#include "quarry/migrate/revision.hpp"
#include "quarry/migrate/revision_graph.hpp"

namespace quarry::migrate {

struct migrate_options {
  // The table of applied revisions: one row per applied revision (Flyway's and
  // sqlx's shape; Alembic keeps only the heads), so that history() knows each one.
  std::string version_table = "quarry_version";
  // PostgreSQL: how long a revision's statements may wait for a lock on a busy
  // table before the revision fails (SET LOCAL lock_timeout), so that a
  // migration queued behind a long query does not stall every query queued
  // behind it. Zero: wait for ever.
  std::chrono::milliseconds lock_timeout = std::chrono::seconds(10);
  // Upgrade although applied revisions changed since they ran, and record their
  // new checksums (the change is accepted as reviewed).
  bool force = false;
  // How operations name the constraints and indexes a revision leaves unnamed;
  // the models' MetaData::naming, so that revisions and create_all() agree.
  naming_convention naming{};
};

// One revision as history() lists it.
struct history_entry {
  std::string id;
  std::vector<std::string> down_revisions;
  std::string message;
  bool applied = false;
  bool head = false;          // no revision follows it
  bool branch_point = false;  // several revisions follow it
  std::string checksum;       // of the revision as this program has it
  bool changed = false;       // applied, and its checksum differs from the one recorded then
};

// A revision's checksum: 16 hex digits of a hash of the SQL its upgrade and
// downgrade write for the dialect (offline). What a revision computes after
// reading the database through op.connection() is not part of it.
QUARRY_DECL std::string revision_checksum(const revision& r, const quarry::dialect& d,
                                          const naming_convention& naming = {});

// Runs revisions against a database. Each revision runs in a transaction of
// its own (both SQLite and PostgreSQL have transactional DDL) together with its
// row in the version table: a failure leaves the schema and the table as they
// were before that revision, and is rethrown as it came.
//
// upgrade, downgrade and stamp hold a migration lock from reading the version
// table to their last revision, so two processes migrating at once apply each
// revision once: a PostgreSQL advisory lock, or on SQLite one BEGIN IMMEDIATE
// transaction with a savepoint per revision. The other process waits (SQLite:
// up to the engine's busy timeout), then finds the revisions applied.
class migrator {
 public:
  // With the revisions the program registered (add_revision), or with these.
  explicit migrator(const Engine& engine, migrate_options options = {});
  migrator(const Engine& engine, std::vector<revision> revisions, migrate_options options = {});

  const revision_graph& graph() const noexcept { return graph_; }
  std::vector<std::string> heads() const { return graph_.heads(); }
  std::vector<std::string> branches() const { return graph_.branch_points(); }

  // The applied revisions no applied revision follows (usually one).
  std::vector<std::string> current() const;
  // Every applied revision.
  std::set<std::string> applied() const;
  // Every revision, newest first (as `alembic history` prints them).
  std::vector<history_entry> history() const;
  // Applied revisions whose checksum changed since they ran, oldest first.
  std::vector<std::string> changed() const;

  // Applies what `target` needs: "head", "heads", an id or prefix, "+N". Returns
  // the ids applied, in order. A CommandError, before anything runs, when an
  // applied revision changed since it ran (unless migrate_options::force).
  std::vector<std::string> upgrade(std::string_view target = "head");
  // Undoes revisions down to `target`: "base", "-N", an id or prefix. Returns the ids undone, in order.
  std::vector<std::string> downgrade(std::string_view target);
  // Marks the database as being at `target` without running anything.
  void stamp(std::string_view target);

  // Offline: the SQL an upgrade from `from` ("base", or the revision the database
  // is known to be at) to `target` runs, version-table statements included.
  std::string upgrade_sql(std::string_view target = "head", std::string_view from = "base") const;
  std::string downgrade_sql(std::string_view target, std::string_view from = "heads") const;

  // The PostgreSQL lint (lint.hpp) of what an upgrade to `target` runs: from
  // `from` ("base", a revision), or by default from where the database is.
  std::vector<lint_warning> lint(std::string_view target = "head", std::optional<std::string_view> from = {}) const;

 private:
  std::vector<std::string> to_apply(const std::set<std::string>& applied, std::string_view target) const;
  std::vector<std::string> to_undo(const std::set<std::string>& applied, std::string_view target) const;
  // Applied revision -> the checksum recorded when it ran; empty without a version table.
  using applied_map = std::map<std::string, std::string>;
  applied_map applied_on(Connection& conn, bool table_known) const;
  // Runs `work` under the migration lock, with the version table made and read under it.
  void locked(const std::function<void(Connection&, const applied_map&)>& work) const;
  // One revision up or down in its own transaction (a savepoint inside the SQLite lock), with its version row.
  void run_revision(Connection& conn, const revision& r, bool up) const;
  std::vector<std::string> changed_in(const applied_map& applied) const;
  const std::string& checksum(const std::string& id) const;
  std::string version_table_ddl() const;
  // CREATE TABLE IF NOT EXISTS, and the checksum column added to a table from before checksums.
  void make_version_table(Connection& conn) const;
  bool has_checksum_column(Connection& conn) const;
  std::string lock_timeout_sql() const;
  std::string insert_version_sql(const quarry::dialect& d, const std::string& id, bool literal) const;
  std::string delete_version_sql(const quarry::dialect& d, const std::string& id, bool literal) const;

  Engine engine_;
  revision_graph graph_;
  migrate_options options_;
  mutable std::map<std::string, std::string> checksums_;
};

}  // namespace quarry::migrate

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/impl/migrator.ipp"
#endif
