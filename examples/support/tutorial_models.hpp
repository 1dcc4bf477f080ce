// Quarry - SQLAlchemy for C++20. MIT License.
// The two tables of SQLAlchemy's tutorials, shared by the Core and ORM tutorials.
#pragma once

#include <quarry/quarry.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace tutorial {

struct User {
  std::int64_t id{};
  std::string name;
  std::optional<std::string> fullname;
};
QUARRY_MODEL(User, "user_account",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(name, quarry::length(30), quarry::unique),
             QUARRY_COLUMN(fullname));

struct Address {
  std::int64_t id{};
  std::int64_t user_id{};
  std::string email_address;
};
QUARRY_MODEL(Address, "address",
             QUARRY_COLUMN(id, quarry::primary_key),
             QUARRY_COLUMN(user_id, quarry::foreign_key(&User::id, quarry::fk_action::cascade)),
             QUARRY_COLUMN(email_address, quarry::index));

// Drops and creates the two tables, in foreign-key order (address after user_account).
inline quarry::MetaData fresh_schema(quarry::Engine& engine) {
  quarry::MetaData metadata;
  metadata.add<User, Address>();
  metadata.drop_all(engine);
  metadata.create_all(engine);
  return metadata;
}

}  // namespace tutorial
