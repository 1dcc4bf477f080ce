// The non-template implementation of quarry/migrate/revision.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/revision.hpp"

#include <random>

namespace quarry::migrate {

QUARRY_DECL std::vector<revision>& registered_revisions() {
  static std::vector<revision> all;
  return all;
}

QUARRY_DECL revision add_revision(revision r) {
  registered_revisions().push_back(r);
  return r;
}

QUARRY_DECL std::string new_revision_id() {
  static constexpr char digits[] = "0123456789abcdef";
  std::random_device entropy;
  std::mt19937_64 generator((static_cast<std::uint64_t>(entropy()) << 32) ^ entropy());
  std::string id;
  for (int i = 0; i < 12; ++i) id += digits[generator() % 16];
  return id;
}

QUARRY_DECL bool valid_revision_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace quarry::migrate
