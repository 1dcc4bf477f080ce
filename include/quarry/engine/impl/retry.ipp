// The non-template implementation of quarry/engine/retry.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstdint>
#include <random>
#include <thread>

#include "quarry/engine/retry.hpp"

namespace quarry {

QUARRY_DECL bool is_transient(const DBAPIError& e) noexcept {
  std::string_view state = e.sqlstate();
  if (state == "40001" || state == "40P01") return true;  // serialization_failure, deadlock_detected
  int primary = e.code() & 0xff;                          // SQLite's primary result code
  return state.empty() && (primary == 5 || primary == 6);  // SQLITE_BUSY, SQLITE_LOCKED
}

QUARRY_DECL void detail::sleep_before_retry(std::chrono::microseconds& backoff, const retry_options& options) {
  thread_local std::minstd_rand jitter{std::random_device{}()};
  auto spread = static_cast<std::uint64_t>(backoff.count()) + 1;
  std::this_thread::sleep_for(std::chrono::microseconds(jitter() % spread) + backoff / 2);
  backoff = backoff * 2 > options.max_backoff ? options.max_backoff : backoff * 2;
}

}  // namespace quarry
