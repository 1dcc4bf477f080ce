// command_line: an application's own `migrate` tool in one call, with Alembic's verbs.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "quarry/core/ddl.hpp"
#include "quarry/migrate/autogenerate.hpp"
#include "quarry/migrate/migrator.hpp"
#include "quarry/migrate/revision.hpp"

namespace quarry::migrate {

// What the tool knows without being told on the command line.
struct command_config {
  // The database: --url, else the environment variable, else this.
  std::string url{};
  std::string url_variable = "QUARRY_DATABASE_URL";
  // Where `revision` and `merge` write new revision files (compile them into the tool).
  std::string versions_directory = "migrations/versions";
  // The models autogenerate and check compare with the database; empty: quarry::metadata.
  std::function<MetaData()> models{};
  // The revisions; empty: those the program registered (add_revision).
  std::vector<revision> revisions{};
  migrate_options options{};
  autogenerate_options autogenerate{};
  // Where the tool writes; empty: standard output and standard error.
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

// Runs one command and returns the process exit status: 0 done; 1 the command
// failed, or `check` found the database behind or different from the models;
// 2 the command line was wrong.
//
//   int main(int argc, char** argv) { return quarry::migrate::main(argc, argv, {.url = "sqlite:///app.db"}); }
//
// Commands: init, revision -m MSG [--autogenerate] [--head REV] [--rev-id ID]
// [--accept-renames], merge -m MSG REV..., upgrade [TARGET] [--sql [--from REV]]
// [--force], downgrade TARGET [--sql [--from REV]], stamp TARGET, current,
// history, heads, branches, check, lint [TARGET] [--from REV]; each also takes --url URL.
QUARRY_DECL int main(int argc, const char* const* argv, const command_config& config);

// A file name for a new revision: its id and a slug of its message ("1975ea83b712_add_a_tier.cpp").
QUARRY_DECL std::string revision_file_name(const std::string& id, const std::string& message);

}  // namespace quarry::migrate

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/impl/command_line.ipp"
#endif
