// Engine events: execute, connect, checkout and transaction listeners.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "quarry/dbapi/interfaces.hpp"
#include "quarry/engine/call_site.hpp"
#include "quarry/types/value.hpp"

namespace quarry {

class dbapi_connection;
class Connection;

// What an execute listener sees. `parameters` is the first (or only) parameter
// set; `batch_size` says how many sets an executemany() sent.
struct execute_event {
  std::string_view sql;
  std::span<const value_ref> parameters;
  std::size_t batch_size = 1;
  std::chrono::nanoseconds elapsed{0};  // after_execute only
  std::int64_t rowcount = -1;          // after_execute only
  const Connection* connection = nullptr;  // the Connection that runs it
  const source_location* call_site = nullptr;  // the user's line, while a profiler wants call sites
  bool cached = false;  // the prepared statement was reused from the connection's cache
  bool returns_rows = false;  // after_execute: the statement has result columns (its rows are fetched next)
};

// What an after_fetch listener sees when a result's rows are all read (or it is closed).
struct fetch_event {
  std::string_view sql;
  std::size_t rows = 0;
  std::chrono::nanoseconds elapsed{0};  // time spent stepping through the rows
  const Connection* connection = nullptr;
};

// What an after_load listener sees when the ORM has turned rows into objects.
struct load_event {
  std::string_view model;
  std::size_t objects = 0;
  std::chrono::nanoseconds building{0};  // the load's time less its statements' execute and fetch time
  const source_location* call_site = nullptr;
};

// What a pool listener sees: the raw connection being connected, checked out or in.
struct pool_event {
  dbapi_connection& connection;
  std::chrono::nanoseconds waited{0};  // checkout: time the checkout took (waiting, opening), when listened to
};

// Tags naming the events, as `event.listen(engine, "before_execute", fn)` names them in SQLAlchemy.
namespace events {
inline constexpr struct before_execute_t {
  using argument = execute_event;
} before_execute;
inline constexpr struct after_execute_t {
  using argument = execute_event;
} after_execute;
inline constexpr struct after_fetch_t {
  using argument = fetch_event;
} after_fetch;
inline constexpr struct after_load_t {
  using argument = load_event;
} after_load;
inline constexpr struct connect_t {
  using argument = pool_event;
} connect;
inline constexpr struct checkout_t {
  using argument = pool_event;
} checkout;
inline constexpr struct checkin_t {
  using argument = pool_event;
} checkin;
}  // namespace events

using listener_id = std::uint64_t;

namespace detail {

// Listeners of one event. Dispatch copies a snapshot pointer under a lock only
// when listeners exist, so an engine without listeners pays one atomic load.
template <class Argument>
class listener_list {
 public:
  using function = std::function<void(const Argument&)>;

  void add(listener_id id, function fn) {
    std::lock_guard lock(mutex_);
    auto next = std::make_shared<std::vector<entry>>(snapshot_ ? *snapshot_ : std::vector<entry>{});
    next->push_back({id, std::move(fn)});
    snapshot_ = std::move(next);
    count_.store(snapshot_->size(), std::memory_order_release);
  }

  bool remove(listener_id id) {
    std::lock_guard lock(mutex_);
    if (!snapshot_) return false;
    auto next = std::make_shared<std::vector<entry>>(*snapshot_);
    auto old_size = next->size();
    std::erase_if(*next, [&](const entry& e) { return e.id == id; });
    bool removed = next->size() != old_size;
    snapshot_ = std::move(next);
    count_.store(snapshot_->size(), std::memory_order_release);
    return removed;
  }

  bool empty() const noexcept { return count_.load(std::memory_order_acquire) == 0; }

  void dispatch(const Argument& argument) const {
    if (empty()) return;
    std::shared_ptr<const std::vector<entry>> listeners;
    {
      std::lock_guard lock(mutex_);
      listeners = snapshot_;
    }
    if (listeners)
      for (auto& e : *listeners) e.fn(argument);
  }

 private:
  struct entry {
    listener_id id;
    function fn;
  };
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<entry>> snapshot_;
  std::atomic<std::size_t> count_{0};
};

}  // namespace detail

// The engine's listeners, shared by its connections and its pool.
class engine_events {
 public:
  listener_id listen(events::before_execute_t, std::function<void(const execute_event&)> fn) {
    return add(before_execute, std::move(fn));
  }
  listener_id listen(events::after_execute_t, std::function<void(const execute_event&)> fn) {
    return add(after_execute, std::move(fn));
  }
  listener_id listen(events::after_fetch_t, std::function<void(const fetch_event&)> fn) {
    return add(after_fetch, std::move(fn));
  }
  listener_id listen(events::after_load_t, std::function<void(const load_event&)> fn) {
    return add(after_load, std::move(fn));
  }
  listener_id listen(events::connect_t, std::function<void(const pool_event&)> fn) { return add(connect, std::move(fn)); }
  listener_id listen(events::checkout_t, std::function<void(const pool_event&)> fn) {
    return add(checkout, std::move(fn));
  }
  listener_id listen(events::checkin_t, std::function<void(const pool_event&)> fn) { return add(checkin, std::move(fn)); }

  // Removes a listener by the id listen() returned; false when there is none.
  // Ids are unique across events, so the first list that had it is the only one.
  bool remove(listener_id id);

  detail::listener_list<execute_event> before_execute;
  detail::listener_list<execute_event> after_execute;
  detail::listener_list<fetch_event> after_fetch;
  detail::listener_list<load_event> after_load;
  detail::listener_list<pool_event> connect;
  detail::listener_list<pool_event> checkout;
  detail::listener_list<pool_event> checkin;

 private:
  template <class List, class Fn>
  listener_id add(List& list, Fn fn) {
    listener_id id = next_id_.fetch_add(1) + 1;
    list.add(id, std::move(fn));
    return id;
  }
  std::atomic<listener_id> next_id_{0};
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/events.ipp"
#endif
