// The non-template implementation of quarry/dbapi/options.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dbapi/options.hpp"

namespace quarry {

QUARRY_DECL isolation_level parse_isolation_level(std::string_view text) {
  for (auto level : {isolation_level::read_uncommitted, isolation_level::read_committed,
                     isolation_level::repeatable_read, isolation_level::serializable,
                     isolation_level::autocommit})
    if (to_string(level) == text) return level;
  throw ArgumentError("quarry: unknown isolation level '" + std::string(text) +
                      "'; expected READ UNCOMMITTED, READ COMMITTED, REPEATABLE READ, SERIALIZABLE or AUTOCOMMIT");
}

}  // namespace quarry
