// The web integration's shared state: binds, model assignments, and each thread's open requests.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "quarry/core/ddl.hpp"
#include "quarry/engine/engine.hpp"
#include "quarry/ext/config.hpp"
#include "quarry/ext/request.hpp"
#include "quarry/orm/session.hpp"

namespace quarry::ext::detail {

struct bind_entry {
  std::string key;  // empty for the default database
  Engine engine;
  MetaData metadata{};
  listener_id recorder = 0;  // the after_execute listener of record_queries
};

struct database_state {
  database_config config;
  std::vector<bind_entry> binds;  // the default database first, when there is one
  bool has_default = false;
  std::unordered_map<const quarry::table_info*, std::size_t> model_binds;
  std::unordered_map<std::string, std::size_t> table_binds;  // the same, by table name (for object_ref)
};

// One request of one database on this thread. Requests of several databases,
// or nested ones, form a chain through `outer`.
struct request_context {
  const database_state* owner = nullptr;
  request_info info;
  std::vector<std::unique_ptr<Session>> sessions;  // by bind, made on first use
  std::vector<recorded_query> queries;
  request_context* outer = nullptr;
};

// The innermost request of each thread. Requests a thread never ended (a server
// whose end-of-request hook was replaced) are closed when the thread exits, so
// their connections go back to the pool.
struct request_chain {
  request_context* innermost = nullptr;

  request_chain() = default;
  request_chain(const request_chain&) = delete;
  request_chain& operator=(const request_chain&) = delete;
  ~request_chain() {
    while (innermost != nullptr) {
      std::unique_ptr<request_context> request(innermost);
      innermost = request->outer;
    }
  }
};
inline thread_local request_chain current_request;

// The innermost request of `owner` on this thread, or null.
inline request_context* request_of(const database_state* owner) noexcept {
  for (request_context* c = current_request.innermost; c != nullptr; c = c->outer)
    if (c->owner == owner) return c;
  return nullptr;
}

}  // namespace quarry::ext::detail
