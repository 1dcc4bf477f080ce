// What an Engine shares with its connections: URL, options, dialect, listeners, pool.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdio>
#include <memory>
#include <string_view>

#include "quarry/engine/events.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/dbapi/options.hpp"
#include "quarry/engine/pool.hpp"
#include "quarry/dbapi/url.hpp"

namespace quarry::detail {

// What an Engine shares with its connections: URL, options, dialect, listeners, pool.
struct engine_state {
  URL url;
  engine_options options;
  std::shared_ptr<const dialect> sql_dialect;
  std::shared_ptr<engine_events> events;
  std::unique_ptr<quarry::pool> connections;

  void log(std::string_view line) const;
};

// One checked-out connection, shared by a Connection and the Results it made:
// the connection goes back to the pool when the last of them lets go.
struct connection_lease {
  connection_lease(std::shared_ptr<engine_state> owner) : engine(std::move(owner)) {
    pooled = engine->connections->checkout();
  }
  ~connection_lease() { engine->connections->checkin(pooled); }
  connection_lease(const connection_lease&) = delete;
  connection_lease& operator=(const connection_lease&) = delete;

  std::shared_ptr<engine_state> engine;
  pooled_connection* pooled = nullptr;
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/detail/impl/engine_state.ipp"
#endif
