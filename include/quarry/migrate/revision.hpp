// revision: one migration step (Alembic's revision file), and the registry an application links its revisions into.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/migrate/fwd.hpp"

namespace quarry::migrate {

// A revision is C++, compiled into the application (as sqlx's and Diesel's
// embedded migrations are): an id (12 hex digits, as Alembic makes them), the
// revisions it follows (none for the first; two or more for a merge), a
// message, and the operations that apply and undo it.
//
//   const auto create_users = quarry::migrate::add_revision({
//       .id = "1975ea83b712", .down_revisions = {}, .message = "create the user table",
//       .upgrade = [](quarry::migrate::operations& op) { op.create_table("user", {...}); },
//       .downgrade = [](quarry::migrate::operations& op) { op.drop_table("user"); }});
struct revision {
  std::string id;
  std::vector<std::string> down_revisions{};
  std::string message{};
  std::function<void(operations&)> upgrade{};
  std::function<void(operations&)> downgrade{};
};

// Every revision added so far, in the order added (registration order does not matter).
QUARRY_DECL std::vector<revision>& registered_revisions();

// Adds a revision to the registry and returns a copy: call it at namespace scope.
QUARRY_DECL revision add_revision(revision r);

// A new revision id: 12 random hex digits, as Alembic's uuid4().hex[-12:].
QUARRY_DECL std::string new_revision_id();

// Whether `id` can name a revision in a file and the version table: 1 to 32 letters, digits and _.
QUARRY_DECL bool valid_revision_id(std::string_view id) noexcept;

}  // namespace quarry::migrate

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/impl/revision.ipp"
#endif
