// profiler: statements of an engine over a scope, timed and grouped (database, fetch, object building, pool, cache, slow ones), as text or JSON.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "quarry/engine/engine.hpp"
#include "quarry/engine/events.hpp"
#include "quarry/engine/explain.hpp"
#include "quarry/types/value.hpp"

namespace quarry {

struct profiler_options {
  // Statements that take longer are kept whole (SQL, parameters, call site) for explain_slow().
  std::chrono::nanoseconds slow_threshold = std::chrono::milliseconds(100);
  std::size_t max_slow = 50;
  // Only statements of the thread that made the profiler: one request of a server.
  bool this_thread_only = false;
};

// One SQL text (the statement as compiled: its values are bound, so calls
// with other values share it) and what its calls cost.
struct statement_profile {
  std::string sql;
  std::size_t calls = 0;
  double total_ms = 0;  // executing (the database's time to the first row)
  double max_ms = 0;
  double fetch_ms = 0;  // stepping through the rows
  std::int64_t rows = 0;  // rows read, or changed
  std::size_t distinct_parameters = 0;  // different parameter sets among the calls ("similar" statements)
  std::size_t duplicates = 0;           // calls with SQL and parameters seen before
  std::size_t cache_hits = 0;           // calls that reused the prepared statement
  std::vector<std::string> call_sites;  // "file.cpp:42 (function)", distinct, in order of first call
  double mean_ms() const noexcept { return calls ? total_ms / static_cast<double>(calls) : 0; }
};

struct slow_statement {
  std::string sql;
  std::vector<value> params;
  double ms = 0;
  std::string call_site;
  std::optional<query_plan> plan;  // after profiler::explain_slow()
};

struct profile_report {
  std::size_t statements = 0;
  double database_ms = 0;  // executing statements
  double fetch_ms = 0;     // stepping through their rows
  double build_ms = 0;     // the ORM turning rows into objects
  std::size_t objects = 0;
  double pool_wait_ms = 0;  // checkouts: waiting for (or opening) a connection
  std::size_t checkouts = 0;
  std::size_t cache_hits = 0, cache_misses = 0;  // prepared statements reused, or prepared anew
  std::vector<statement_profile> by_statement;   // most total time first
  std::vector<slow_statement> slow;

  // The statement whose SQL starts with `prefix`, or null.
  QUARRY_DECL const statement_profile* find(std::string_view prefix) const;
  QUARRY_DECL std::string text() const;
  QUARRY_DECL std::string json() const;
};

// Profiles what an engine runs from construction to stop() (or destruction):
// a block, a request (this_thread_only), a test. It listens to the engine's
// events, so an engine without a profiler pays nothing for it. Call sites are
// the user's lines that called execute(), scalars(), get(), flush(), commit()
// or first used an unloaded relationship.
class profiler {
 public:
  QUARRY_DECL explicit profiler(const Engine& engine, profiler_options options = {});
  profiler(const profiler&) = delete;
  profiler& operator=(const profiler&) = delete;
  ~profiler() { stop(); }

  QUARRY_DECL void stop() noexcept;
  QUARRY_DECL void reset();
  QUARRY_DECL profile_report report() const;
  // EXPLAINs each slow statement kept (on a connection of the engine's own), so
  // that report() shows its plan; with analyze, writes run in a rolled-back savepoint.
  QUARRY_DECL void explain_slow(const explain_options& options = {});

 private:
  struct statement_totals {
    statement_profile profile;
    std::set<std::string> parameter_sets;
  };
  // What the listeners update: shared with them, so that one still running on
  // another thread when the profiler stops does not outlive what it writes to.
  struct shared_state {
    profiler_options options;
    std::thread::id thread;
    std::mutex mutex;
    profile_report totals;
    std::map<std::string, statement_totals, std::less<>> statements;
    bool wanted() const { return !options.this_thread_only || std::this_thread::get_id() == thread; }
  };

  Engine engine_;
  std::shared_ptr<shared_state> state_;
  std::vector<listener_id> listeners_;
  bool stopped_ = false;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/profiler.ipp"
#endif
