// The implementation of quarry/orm/detail/load_timer.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/detail/load_timer.hpp"

#include "quarry/core/detail/shape_cache.hpp"
#include "quarry/orm/detail/load_statements.hpp"
#include "quarry/orm/detail/mapper.hpp"
#include "quarry/orm/identity_map.hpp"

namespace quarry::detail {

QUARRY_DECL load_timer::load_timer(engine_events& events, load_observer* observer, const mapper& m)
    : events_(events), observer_(observer), mapper_(m), timing_(!events.after_load.empty()) {
  if (!timing_) return;
  started_ = std::chrono::steady_clock::now();
  statement_ns_ = statement_nanoseconds;
}

QUARRY_DECL void load_timer::done(const std::vector<session_entry*>& objects, const statement_data* statement, const dialect& d) {
  if (observer_ && statement) {
    std::vector<const relationship_info*> eager;
    const loader_options& options = statement->orm_options;
    for (auto& r : mapper_.relationships()) {
      auto strategy = strategy_for(options, {}, r);
      if (strategy == loading::joined || strategy == loading::selectin || strategy == loading::subquery) eager.push_back(&r);
    }
    for (auto* e : objects)
      for (auto* r : eager) r->state(e->object).watched_ = true;
    observer_->queried(mapper_, compile_once(*statement, d)->sql, call_site(), objects, eager);
  }
  if (!timing_) return;
  auto elapsed = std::chrono::steady_clock::now() - started_;
  auto building = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed) -
                  std::chrono::nanoseconds(statement_nanoseconds - statement_ns_);
  events_.after_load.dispatch(load_event{mapper_.table->name, objects.size(), building, call_site()});
}

}  // namespace quarry::detail
