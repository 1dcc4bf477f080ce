// The non-template implementation of quarry/engine/pool.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/pool.hpp"

namespace quarry {

QUARRY_DECL auto pool::checkout() -> pooled_connection* {
  bool timed = !events_->checkout.empty();
  auto started = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  pooled_connection* connection = single_ ? checkout_shared() : checkout_queued();
  try {
    if (timed) events_->checkout.dispatch(pool_event{*connection->dbapi, std::chrono::steady_clock::now() - started});
  } catch (...) {
    checkin(connection);
    throw;
  }
  return connection;
}

QUARRY_DECL auto pool::checkin(pooled_connection* connection) noexcept -> void {
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

QUARRY_DECL auto pool::dispose() noexcept -> void {
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

QUARRY_DECL auto pool::status() const -> pool_status {
  std::lock_guard lock(mutex_);
  pool_status s;
  s.size = options_.pool_size;
  s.checked_in = single_ ? (shared_ && shared_users_ == 0 ? 1 : 0) : idle_.size();
  s.checked_out = single_ ? shared_users_ : checked_out_;
  s.total = total_;
  s.overflow = static_cast<std::ptrdiff_t>(total_) - static_cast<std::ptrdiff_t>(options_.pool_size);
  return s;
}

QUARRY_DECL auto pool::open() -> std::unique_ptr<pooled_connection> {
  auto connection =
      std::make_unique<pooled_connection>(connect_(), options_.statement_cache_size, current_generation());
  connection->created = now();
  events_->connect.dispatch(pool_event{*connection->dbapi});
  return connection;
}

QUARRY_DECL auto pool::current_generation() const -> std::uint64_t {
  std::lock_guard lock(mutex_);
  return generation_;
}

QUARRY_DECL auto pool::checkout_queued() -> pooled_connection* {
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

QUARRY_DECL auto pool::fresh_enough(pooled_connection& connection) const -> bool {
  if (options_.pool_recycle.count() >= 0 &&
      now() - connection.created > options_.pool_recycle)
    return false;
  if (options_.pool_pre_ping && !connection.dbapi->ping()) return false;
  return true;
}

QUARRY_DECL auto pool::checkout_shared() -> pooled_connection* {
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
  fresh->statements_lock = std::make_unique<std::mutex>();
  lock.lock();
  shared_ = std::move(fresh);
  ++total_;
  return shared_.get();
}

QUARRY_DECL auto pool::checkin_shared(pooled_connection* connection) noexcept -> void {
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

QUARRY_DECL auto pool::reset(pooled_connection& connection) noexcept -> bool {
  if (connection.invalidated || !connection.dbapi->is_usable()) return false;
  try {
    if (connection.dbapi->in_transaction()) connection.dbapi->execute_simple("ROLLBACK");
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace quarry
