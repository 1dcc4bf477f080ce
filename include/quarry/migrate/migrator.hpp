// migrator: upgrade, downgrade, stamp, current, history against a database's version table (Alembic's command module).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/engine/engine.hpp"
#include "quarry/migrate/operations.hpp"
#include "quarry/migrate/revision.hpp"
#include "quarry/migrate/revision_graph.hpp"

namespace quarry::migrate {

struct migrate_options {
  // The table of applied revisions: one row per applied revision (Flyway's and
  // sqlx's shape; Alembic keeps only the heads), so that history() knows each one.
  std::string version_table = "quarry_version";
};

// One revision as history() lists it.
struct history_entry {
  std::string id;
  std::vector<std::string> down_revisions;
  std::string message;
  bool applied = false;
  bool head = false;          // no revision follows it
  bool branch_point = false;  // several revisions follow it
};

// Runs revisions against a database. Each revision runs in a transaction of
// its own (both SQLite and PostgreSQL have transactional DDL) together with its
// row in the version table: a failure leaves the schema and the table as they
// were before that revision, and is rethrown as it came.
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

  // Applies what `target` needs: "head", "heads", an id or prefix, "+N". Returns the ids applied, in order.
  std::vector<std::string> upgrade(std::string_view target = "head");
  // Undoes revisions down to `target`: "base", "-N", an id or prefix. Returns the ids undone, in order.
  std::vector<std::string> downgrade(std::string_view target);
  // Marks the database as being at `target` without running anything.
  void stamp(std::string_view target);

  // Offline: the SQL an upgrade from `from` ("base", or the revision the database
  // is known to be at) to `target` runs, version-table statements included.
  std::string upgrade_sql(std::string_view target = "head", std::string_view from = "base") const;
  std::string downgrade_sql(std::string_view target, std::string_view from = "heads") const;

 private:
  std::vector<std::string> to_apply(const std::set<std::string>& applied, std::string_view target) const;
  std::vector<std::string> to_undo(const std::set<std::string>& applied, std::string_view target) const;
  std::set<std::string> applied_on(Connection& conn) const;
  // One revision up or down in its own transaction, with its version row.
  void run_revision(Connection& conn, const revision& r, bool up) const;
  void ensure_version_table(Connection& conn) const;
  std::string version_table_ddl() const;
  std::string insert_version_sql(const quarry::dialect& d, const std::string& id, bool literal) const;
  std::string delete_version_sql(const quarry::dialect& d, const std::string& id, bool literal) const;

  Engine engine_;
  revision_graph graph_;
  migrate_options options_;
};

}  // namespace quarry::migrate

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/impl/migrator.ipp"
#endif
