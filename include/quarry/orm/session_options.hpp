// session_options and synchronize_session: how a Session flushes, expires and begins, and how ORM UPDATE/DELETE sync.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstdint>

namespace quarry {

// How an ORM-enabled UPDATE or DELETE brings the session's objects in line
// with what it changed (SQLAlchemy's synchronize_session).
enum class synchronize_session : std::uint8_t {
  auto_,     // evaluate, or fetch when the statement cannot be evaluated in C++
  evaluate,  // the WHERE and the new values evaluated on the objects in memory
  fetch,     // RETURNING the changed rows, which update (or remove) the objects
  none,      // the objects are left as they are
};

struct session_options {
  bool autoflush = true;         // flush pending changes before a query runs
  bool expire_on_commit = true;  // objects are read again the next time the session hands them out
  bool autobegin = true;         // false: work outside begin() is an InvalidRequestError
};

}  // namespace quarry
