// Session and mapper events: before_flush, after_commit, before_insert, ...
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "quarry/engine/events.hpp"

// The ORM's events: SQLAlchemy's SessionEvents (on a Session or a
// sessionmaker) and MapperEvents (on a model, for every session).
namespace quarry {

class Session;
class Connection;

enum class session_event : std::uint8_t {
  after_begin,           // the session's transaction began; its first statement follows
  before_flush,          // listeners may add, change or delete objects: that joins this flush
  after_flush,           // after the flush's statements, before the session's bookkeeping settles
  after_flush_postexec,  // after the flush, with the session's state updated
  before_commit,
  after_commit,
  after_rollback,       // the database transaction rolled back
  after_soft_rollback,  // any rollback() of the session or of a savepoint, after after_rollback
};

namespace detail {
QUARRY_DECL listener_id next_orm_listener_id();
}  // namespace detail

// Session listeners: a session copies its sessionmaker's when it is made.
class session_listeners {
 public:
  listener_id add(session_event event, std::function<void(Session&)> fn);
  bool remove(listener_id id) { return std::erase_if(entries_, [&](const entry& e) { return e.id == id; }) > 0; }

  // A listener that throws stops the dispatch; the error propagates to what the session was doing.
  void dispatch(session_event event, Session& session) const;

 private:
  struct entry {
    listener_id id;
    session_event event;
    std::function<void(Session&)> fn;
  };
  std::vector<entry> entries_;
};

enum class mapper_event : std::uint8_t {
  before_insert,
  after_insert,
  before_update,  // the object has changes to write; listeners may change more
  after_update,
  before_delete,
  after_delete,
  load,  // an object was built from a row (not when an existing one is refreshed)
};

// What a mapper listener sees: the session's connection and the object.
template <class M>
struct instance_event {
  Connection& connection;
  M& target;
};

namespace detail {

template <class M>
struct model_listeners {
  static constexpr std::size_t count = 7;
  listener_list<instance_event<M>> lists[count];

  static model_listeners& instance() {
    static model_listeners listeners;
    return listeners;
  }
  void dispatch(mapper_event event, Connection& connection, M& target) const {
    auto& list = lists[static_cast<std::size_t>(event)];
    if (!list.empty()) list.dispatch(instance_event<M>{connection, target});
  }
  bool any(mapper_event event) const { return !lists[static_cast<std::size_t>(event)].empty(); }
};

}  // namespace detail

// event.listen(User, "before_insert", fn) in SQLAlchemy: fn runs for every
// User object at that point of any session's flush. Thread-safe.
template <class M>
listener_id listen(mapper_event event, std::function<void(const instance_event<M>&)> fn) {
  auto id = detail::next_orm_listener_id();
  detail::model_listeners<M>::instance().lists[static_cast<std::size_t>(event)].add(id, std::move(fn));
  return id;
}

// Removes a listener listen<M>() returned; false when there is none.
template <class M>
bool remove_listener(listener_id id) {
  bool removed = false;
  for (auto& list : detail::model_listeners<M>::instance().lists) removed = list.remove(id) || removed;
  return removed;
}

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/events.ipp"
#endif
