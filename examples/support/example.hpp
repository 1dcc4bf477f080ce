// Quarry - SQLAlchemy for C++20. MIT License.
// What every example shares: the database URL it runs on and a check that ends
// the program with a failure when a result is not what the example expects.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace example {

// The URL from the command line, or the given default (an SQLite file).
inline std::string database_url(int argc, char* argv[], const char* fallback) {
  return argc > 1 ? argv[1] : fallback;
}

inline void expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "example failed: %s\n", what);
  std::exit(1);
}

}  // namespace example
