// The non-template implementation of quarry/engine/retry.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/retry.hpp"

namespace quarry {

QUARRY_DECL bool is_transient(const DBAPIError& e) noexcept {
  std::string_view state = e.sqlstate();
  if (state == "40001" || state == "40P01") return true;  // serialization_failure, deadlock_detected
  int primary = e.code() & 0xff;                          // SQLite's primary result code
  return state.empty() && (primary == 5 || primary == 6);  // SQLITE_BUSY, SQLITE_LOCKED
}

}  // namespace quarry
