// The connection pool: checkout, return, pre-ping, recycling and invalidation.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "quarry/engine/detail/statement_cache.hpp"
#include "quarry/engine/events.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/dbapi/options.hpp"
#include "quarry/errors.hpp"

namespace quarry {

// A driver connection with what the pool and the engine keep beside it.
struct pooled_connection {
  pooled_connection(std::unique_ptr<dbapi_connection> connection, std::size_t cache_size, std::uint64_t gen)
      : dbapi(std::move(connection)), statements(cache_size), created(std::chrono::steady_clock::now()),
        generation(gen) {}
  ~pooled_connection() { dbapi->prepare_to_close(); }
  pooled_connection(const pooled_connection&) = delete;
  pooled_connection& operator=(const pooled_connection&) = delete;

  std::unique_ptr<dbapi_connection> dbapi;
  detail::statement_cache statements;  // declared after dbapi: statements are finalized first
  std::chrono::steady_clock::time_point created;
  std::uint64_t generation;
  bool invalidated = false;  // dead or broken: closed at checkin instead of reused
};

struct pool_status {
  std::size_t size = 0;         // pool_size: connections kept open when idle
  std::size_t checked_in = 0;   // idle connections
  std::size_t checked_out = 0;  // connections in use
  std::ptrdiff_t overflow = 0;  // open connections beyond pool_size (negative: room left)
  std::size_t total = 0;        // open connections
};

// SQLAlchemy's QueuePool: up to pool_size idle connections are kept, up to
// max_overflow more are opened under load and closed when returned, and a
// checkout waits up to pool_timeout for a connection. With `single_connection`
// it behaves as StaticPool: every checkout shares one connection.
class pool {
 public:
  using connector = std::function<std::unique_ptr<dbapi_connection>()>;

  pool(connector connect, engine_options options, std::shared_ptr<engine_events> events, bool single_connection)
      : connect_(std::move(connect)), options_(std::move(options)), events_(std::move(events)),
        single_(single_connection) {}

  ~pool() { dispose(); }
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  pooled_connection* checkout() {
    pooled_connection* connection = single_ ? checkout_shared() : checkout_queued();
    try {
      events_->checkout.dispatch(pool_event{*connection->dbapi});
    } catch (...) {
      checkin(connection);
      throw;
    }
    return connection;
  }

  // Returns a connection: rolls back what it left open (reset on return), closes
  // it if it is invalidated, belongs to a disposed generation, or overflows.
  void checkin(pooled_connection* connection) noexcept {
    try {
      events_->checkin.dispatch(pool_event{*connection->dbapi});
    } catch (...) {
      // A failing checkin listener must not leak the connection.
    }
    if (single_) return checkin_shared(connection);
    bool keep = reset(*connection);
    std::unique_ptr<pooled_connection> owned(connection);
    std::unique_lock lock(mutex_);
    --checked_out_;
    if (keep && connection->generation == generation_ && idle_.size() < options_.pool_size) {
      idle_.push_back(std::move(owned));
    } else {
      --total_;
      lock.unlock();
      owned.reset();
      lock.lock();
    }
    available_.notify_one();
  }

  // Closes idle connections now and checked-out ones when they come back.
  void dispose() noexcept {
    std::vector<std::unique_ptr<pooled_connection>> closing;
    {
      std::lock_guard lock(mutex_);
      ++generation_;
      closing.swap(idle_);
      total_ -= closing.size();
      if (shared_ && shared_users_ == 0) {
        closing.push_back(std::move(shared_));
        total_ -= 1;
      }
    }
  }

  pool_status status() const {
    std::lock_guard lock(mutex_);
    pool_status s;
    s.size = options_.pool_size;
    s.checked_in = single_ ? (shared_ && shared_users_ == 0 ? 1 : 0) : idle_.size();
    s.checked_out = single_ ? shared_users_ : checked_out_;
    s.total = total_;
    s.overflow = static_cast<std::ptrdiff_t>(total_) - static_cast<std::ptrdiff_t>(options_.pool_size);
    return s;
  }

  const engine_options& options() const noexcept { return options_; }

 private:
  std::unique_ptr<pooled_connection> open() {
    auto connection =
        std::make_unique<pooled_connection>(connect_(), options_.statement_cache_size, current_generation());
    connection->created = now();
    events_->connect.dispatch(pool_event{*connection->dbapi});
    return connection;
  }

  std::uint64_t current_generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  pooled_connection* checkout_queued() {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.pool_timeout);
    std::unique_ptr<pooled_connection> connection;
    {
      std::unique_lock lock(mutex_);
      while (idle_.empty() && total_ >= options_.pool_size + options_.max_overflow) {
        if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
            total_ >= options_.pool_size + options_.max_overflow)
          throw TimeoutError("quarry: QueuePool limit of size " + std::to_string(options_.pool_size) +
                             " overflow " + std::to_string(options_.max_overflow) +
                             " reached, connection timed out, timeout " +
                             std::to_string(options_.pool_timeout.count()) + "s");
      }
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++total_;  // reserve the slot; connect outside the lock
      }
      ++checked_out_;
    }
    try {
      if (connection && !fresh_enough(*connection)) connection.reset();
      if (!connection) connection = open();
    } catch (...) {
      std::lock_guard lock(mutex_);
      --total_;
      --checked_out_;
      available_.notify_one();
      throw;
    }
    return connection.release();
  }

  std::chrono::steady_clock::time_point now() const {
    return options_.pool_clock ? options_.pool_clock() : std::chrono::steady_clock::now();
  }

  // Recycles old connections and, with pool_pre_ping, replaces dead ones.
  bool fresh_enough(pooled_connection& connection) const {
    if (options_.pool_recycle.count() >= 0 &&
        now() - connection.created > options_.pool_recycle)
      return false;
    if (options_.pool_pre_ping && !connection.dbapi->ping()) return false;
    return true;
  }

  // The shared connection serves one thread at a time (SQLite's own mutex
  // guards single calls, not a transaction or the statement cache): a thread may
  // check it out again while it holds it, other threads wait up to pool_timeout.
  pooled_connection* checkout_shared() {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.pool_timeout);
    auto self = std::this_thread::get_id();
    std::unique_lock lock(mutex_);
    while (shared_users_ > 0 && shared_owner_ != self) {
      if (available_.wait_until(lock, deadline) == std::cv_status::timeout && shared_users_ > 0 &&
          shared_owner_ != self)
        throw TimeoutError("quarry: the shared in-memory connection stayed in use by another thread for " +
                           std::to_string(options_.pool_timeout.count()) + "s");
    }
    shared_owner_ = self;
    ++shared_users_;
    if (shared_) return shared_.get();
    // Connect outside the lock; owning the slot keeps other threads out meanwhile.
    lock.unlock();
    std::unique_ptr<pooled_connection> fresh;
    try {
      fresh = open();
    } catch (...) {
      lock.lock();
      if (--shared_users_ == 0) {
        shared_owner_ = {};
        available_.notify_all();
      }
      throw;
    }
    lock.lock();
    shared_ = std::move(fresh);
    ++total_;
    return shared_.get();
  }

  void checkin_shared(pooled_connection* connection) noexcept {
    std::unique_ptr<pooled_connection> closing;
    std::lock_guard lock(mutex_);
    if (--shared_users_ > 0) return;
    shared_owner_ = {};
    // The last user is gone: reset, or drop a dead connection so the next checkout opens another.
    if (!reset(*connection) || connection->generation != generation_) {
      closing = std::move(shared_);
      --total_;
    }
    available_.notify_all();
  }

  static bool reset(pooled_connection& connection) noexcept {
    if (connection.invalidated || !connection.dbapi->is_usable()) return false;
    try {
      if (connection.dbapi->in_transaction()) connection.dbapi->execute_simple("ROLLBACK");
      return true;
    } catch (...) {
      return false;
    }
  }

  connector connect_;
  engine_options options_;
  std::shared_ptr<engine_events> events_;
  bool single_;

  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<pooled_connection>> idle_;
  std::size_t total_ = 0;
  std::size_t checked_out_ = 0;
  std::uint64_t generation_ = 0;
  std::unique_ptr<pooled_connection> shared_;  // single_connection mode
  std::size_t shared_users_ = 0;
  std::thread::id shared_owner_;  // the thread holding shared_ while shared_users_ > 0
};

}  // namespace quarry
