// retry_transaction(): running a transaction again when the database gave up on it for a transient reason.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "quarry/errors.hpp"

// Running a transaction again when the database gave up on it for a reason
// that another attempt can get past: a serialization failure or a deadlock
// (PostgreSQL SQLSTATE 40001, 40P01), or SQLite's busy database. The whole
// transaction is the unit of retry, so `attempt` begins and commits it itself.
namespace quarry {

struct retry_options {
  int max_attempts = 10;
  std::chrono::microseconds first_backoff{500};  // doubled each attempt, with random jitter
  std::chrono::microseconds max_backoff{50000};
};

// Whether an error ended a transaction that can simply be run again.
QUARRY_DECL bool is_transient(const DBAPIError& e) noexcept;

// Calls attempt() until it returns without a transient error, at most
// max_attempts times; other errors, and the last transient one, propagate.
// attempt() must roll its transaction back on error (engine.begin(fn), a
// Connection or Session destroyed at the end of attempt(), session.begin(fn)).
namespace detail {
// Sleeps about `backoff` (half of it plus random jitter up to all of it), then
// doubles it, up to the options' maximum.
QUARRY_DECL void sleep_before_retry(std::chrono::microseconds& backoff, const retry_options& options);
}  // namespace detail

template <class Attempt>
decltype(auto) retry_transaction(Attempt&& attempt, retry_options options = {}) {
  auto backoff = options.first_backoff;
  for (int tries = 1;; ++tries) {
    try {
      return attempt();
    } catch (const DBAPIError& e) {
      if (!is_transient(e) || tries >= options.max_attempts) throw;
    }
    detail::sleep_before_retry(backoff, options);
  }
}

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/retry.ipp"
#endif
