// The connection pool: checkout, return, pre-ping, recycling and invalidation.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

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
  // The shared in-memory connection's alone: the Connections on it may be used
  // by two threads at once (the owner lends one), so its cache is locked.
  std::unique_ptr<std::mutex> statements_lock;
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

  pooled_connection* checkout();

  // Returns a connection: rolls back what it left open (reset on return), closes
  // it if it is invalidated, belongs to a disposed generation, or overflows.
  void checkin(pooled_connection* connection) noexcept;

  // Closes idle connections now and checked-out ones when they come back.
  void dispose() noexcept;

  pool_status status() const;

  const engine_options& options() const noexcept { return options_; }

 private:
  std::unique_ptr<pooled_connection> open();

  std::uint64_t current_generation() const;

  pooled_connection* checkout_queued();

  std::chrono::steady_clock::time_point now() const {
    return options_.pool_clock ? options_.pool_clock() : std::chrono::steady_clock::now();
  }

  // Recycles old connections and, with pool_pre_ping, replaces dead ones.
  bool fresh_enough(pooled_connection& connection) const;

  // The shared connection serves one thread at a time (the driver's serial lock
  // guards single calls, not a transaction or the statement cache): a thread may
  // check it out again while it holds it, other threads wait up to pool_timeout.
  pooled_connection* checkout_shared();

  void checkin_shared(pooled_connection* connection) noexcept;

  static bool reset(pooled_connection& connection) noexcept;

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

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/pool.ipp"
#endif
