// The non-template implementation of quarry/engine/events.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/events.hpp"

namespace quarry {

QUARRY_DECL auto engine_events::remove(listener_id id) -> bool {
  return before_execute.remove(id) || after_execute.remove(id) || after_fetch.remove(id) || after_load.remove(id) ||
         connect.remove(id) || checkout.remove(id) ||
         checkin.remove(id);
}

}  // namespace quarry
