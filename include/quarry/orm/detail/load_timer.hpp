// load_timer: around an ORM load, the time spent building objects (after_load) and what an N+1 detector needs to know.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <chrono>
#include <vector>

#include "quarry/dbapi/interfaces.hpp"
#include "quarry/engine/events.hpp"
#include "quarry/orm/detail/load_observer.hpp"

namespace quarry::detail {

struct statement_data;

// Made before a query of objects (or a lazy load) and told its objects after:
// after_load listeners get the load's time less its statements' execute and
// fetch time; an observer gets the objects and the relationships the query's
// options load eagerly (marked, so that their first use is reported).
class load_timer {
 public:
  QUARRY_DECL load_timer(engine_events& events, load_observer* observer, const mapper& m);
  load_timer(const load_timer&) = delete;
  load_timer& operator=(const load_timer&) = delete;
  QUARRY_DECL void done(const std::vector<session_entry*>& objects, const statement_data* statement, const dialect& d);

 private:
  engine_events& events_;
  load_observer* observer_;
  const mapper& mapper_;
  bool timing_;
  std::chrono::steady_clock::time_point started_;
  long long statement_ns_ = 0;
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/detail/impl/load_timer.ipp"
#endif
