// The non-template implementation of quarry/orm/events.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/events.hpp"

namespace quarry::detail {

QUARRY_DECL listener_id next_orm_listener_id() {
  static std::atomic<listener_id> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}


}  // namespace quarry::detail

namespace quarry {

QUARRY_DECL auto session_listeners::add(session_event event, std::function<void(Session&)> fn) -> listener_id {
  auto id = detail::next_orm_listener_id();
  entries_.push_back({id, event, std::move(fn)});
  return id;
}

QUARRY_DECL auto session_listeners::dispatch(session_event event, Session& session) const -> void {
  for (std::size_t i = 0; i < entries_.size(); ++i)  // listeners may add listeners
    if (entries_[i].event == event) {
      auto fn = entries_[i].fn;
      fn(session);
    }
}

}  // namespace quarry
