// call_site_scope: the C++ line that called the public API, kept for profilers while one is attached.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <atomic>
#include <string>

namespace quarry {

// source_location's role, written with the compilers' builtins because
// clang 14 with libstdc++ 12 has no source_location. A defaulted
// `source_location where = source_location::current()` parameter is the line
// that called the function.
class source_location {
 public:
  static constexpr source_location current(const char* file = __builtin_FILE(), const char* function = __builtin_FUNCTION(),
                                           unsigned line = __builtin_LINE()) noexcept {
    source_location out;
    out.file_ = file;
    out.function_ = function;
    out.line_ = line;
    return out;
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr unsigned line() const noexcept { return line_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  unsigned line_ = 0;
};

}  // namespace quarry

namespace quarry::detail {

// Profilers and detectors attached anywhere in the process: while none is,
// the public API keeps no call site (one relaxed load per call).
inline std::atomic<int> call_sites_wanted{0};

struct thread_call_site {
  source_location where;
  bool set = false;
};
inline thread_local thread_call_site current_call_site;

// Set by the public entry points (execute, scalars, a relationship's first
// use, ...) from a defaulted source_location argument: the outermost one
// on the thread wins, so a statement the ORM sends for a user's call is
// charged to the user's line.
class call_site_scope {
 public:
  explicit call_site_scope(const source_location& where) noexcept {
    if (call_sites_wanted.load(std::memory_order_relaxed) == 0 || current_call_site.set) return;
    current_call_site.where = where;
    current_call_site.set = true;
    owner_ = true;
  }
  call_site_scope(const call_site_scope&) = delete;
  call_site_scope& operator=(const call_site_scope&) = delete;
  ~call_site_scope() {
    if (owner_) current_call_site.set = false;
  }

 private:
  bool owner_ = false;
};

// Nanoseconds this thread spent executing statements and stepping through
// their rows, counted while a listener times them: the ORM subtracts it from a
// load's time to leave the time spent building objects.
inline thread_local long long statement_nanoseconds = 0;

// The thread's call site now, or null.
inline const source_location* call_site() noexcept {
  if (call_sites_wanted.load(std::memory_order_relaxed) == 0 || !current_call_site.set) return nullptr;
  return &current_call_site.where;
}

// The thread's call site, or else `where` (a Connection's own entry point, which
// passes its line down instead of keeping it in a scope), while one is wanted.
inline const source_location* call_site_or(const source_location* where) noexcept {
  if (call_sites_wanted.load(std::memory_order_relaxed) == 0) return nullptr;
  return current_call_site.set ? &current_call_site.where : where;
}

// "file.cpp:42 (function)", the file without its directories.
inline std::string describe_call_site(const source_location& where) {
  std::string file = where.file_name();
  if (auto slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
  return file + ":" + std::to_string(where.line()) + " (" + where.function_name() + ")";
}

}  // namespace quarry::detail
