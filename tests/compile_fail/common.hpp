// Quarry - SQLAlchemy for C++20. MIT License.
// Models for the compile-failure tests: each test is one misuse of them.
#pragma once

#include <quarry/quarry.hpp>

namespace misuse {
struct User {
  std::int64_t id{};
  std::string name;
};
QUARRY_MODEL(User, "users", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(name));

struct Address {
  std::int64_t id{};
  std::string email;
};
QUARRY_MODEL(Address, "addresses", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(email));

inline const auto& u = quarry::table<User>;
inline const auto& a = quarry::table<Address>;
}  // namespace misuse
