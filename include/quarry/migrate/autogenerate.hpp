// autogenerate: the differences between the models' metadata and a database, and a revision source file that makes them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <string>
#include <vector>

#include "quarry/core/ddl.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/migrate/lint.hpp"

namespace quarry::migrate {

struct autogenerate_options {
  // Tables never compared: the version table, and tables the models do not own.
  std::string version_table = "quarry_version";
  std::vector<std::string> exclude_tables{};
  bool compare_types = true;
  bool compare_server_defaults = true;
};

// One difference, with the C++ statements (on `op`) that make the database
// match the models and that undo it.
struct schema_change {
  enum kind_t : unsigned char {
    create_enum, add_enum_value, rename_table, add_table, rename_column, add_column, alter_column, drop_index,
    drop_unique, drop_foreign_key, drop_check, add_index, add_unique, add_foreign_key, add_check, drop_column,
    drop_table, drop_enum
  };
  kind_t kind;
  std::string table;        // empty for an enum type
  std::string name;         // the column, index, constraint or enum type, where there is one
  std::string description;  // one line, for review and `check`
  std::string upgrade;      // C++ statements
  std::string downgrade;
  // A guessed rename (a column or table gone and one like it added): the
  // revision keeps it only once confirmed; `instead` is the drop + add it
  // replaces, which loses the data (Alembic's only choice).
  bool suggestion = false;
  std::string instead_upgrade{};
  std::string instead_downgrade{};
  // What the PostgreSQL lint (lint.hpp) finds risky in the upgrade; written above it in the revision.
  std::vector<lint_kind> risks{};
};

// Compares the tables (and PostgreSQL enum types) the models would create with
// the database's, both as the database renders them: the models are created
// in a scratch place (an in-memory SQLite database; a PostgreSQL schema in a
// transaction rolled back at once) and reflected, so defaults and checks the
// database rewrites compare equal. Compared: tables, columns, types,
// nullability, server defaults, indexes, unique / foreign-key / check
// constraints, enum labels. Changes come in the order a revision runs them.
QUARRY_DECL std::vector<schema_change> compare_metadata(const MetaData& models, Connection& conn,
                                                        const autogenerate_options& options = {});
QUARRY_DECL std::vector<schema_change> compare_metadata(const MetaData& models, const Engine& engine,
                                                        const autogenerate_options& options = {});

// What render_revision() writes besides the changes.
struct revision_source {
  std::string id;
  std::vector<std::string> down_revisions{};
  std::string message{};
  // Keep guessed renames without asking. Otherwise the file carries an #error
  // that stops its build until someone confirms them by deleting it.
  bool accept_renames = false;
};

// A revision source file (C++) for review: add_revision() with the changes'
// upgrade and downgrade, each commented with its description.
QUARRY_DECL std::string render_revision(const std::vector<schema_change>& changes, const revision_source& source);

}  // namespace quarry::migrate

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/impl/autogenerate.ipp"
#endif
