// Engine and create_engine(): a URL, a dialect and a pool of connections.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"


#include <charconv>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "quarry/engine/connection.hpp"
#include "quarry/engine/detail/engine_state.hpp"
#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/engine/events.hpp"
#include "quarry/engine/pool.hpp"
#include "quarry/dbapi/registry.hpp"
#include "quarry/dbapi/url.hpp"

namespace quarry {

// The starting point: a URL, a dialect and a pool of connections. Copies share
// the same pool; an Engine may be used from many threads at once.
class Engine {
 public:
  explicit Engine(std::shared_ptr<detail::engine_state> state) : state_(std::move(state)) {}

  Connection connect() const { return Connection(state_); }

  // Runs `fn(Connection&)` in a transaction: committed when fn returns, rolled
  // back when it throws. Returns what fn returns.
  template <class Fn>
  decltype(auto) begin(Fn&& fn) const {
    Connection connection = connect();
    Transaction transaction = connection.begin();
    if constexpr (std::is_void_v<std::invoke_result_t<Fn, Connection&>>) {
      std::forward<Fn>(fn)(connection);
      transaction.commit();
    } else {
      decltype(auto) out = std::forward<Fn>(fn)(connection);
      transaction.commit();
      return out;
    }
  }

  // Closes every pooled connection; connections in use close when returned.
  void dispose() const { state_->connections->dispose(); }
  quarry::pool_status pool_status() const { return state_->connections->status(); }

  const URL& url() const noexcept { return state_->url; }
  const engine_options& options() const noexcept { return state_->options; }
  const quarry::dialect& dialect() const noexcept { return *state_->sql_dialect; }
  engine_events& events() const noexcept { return *state_->events; }

  // event.listen(engine, "before_execute", fn) in SQLAlchemy.
  template <class Event, class Fn>
  listener_id listen(Event event, Fn&& fn) const {
    return state_->events->listen(event, std::forward<Fn>(fn));
  }
  bool remove_listener(listener_id id) const { return state_->events->remove(id); }

  // "Engine(postgresql://user:***@host/db)"; the password never shows.
  std::string repr() const { return "Engine(" + state_->url.render() + ")"; }

  // What the engine shares with its connections, for the layers above (testing) that make engines of their own.
  const std::shared_ptr<detail::engine_state>& shared_state() const noexcept { return state_; }

 private:
  std::shared_ptr<detail::engine_state> state_;
};

namespace detail {
QUARRY_DECL void install_echo(engine_state& state);

// An Engine over a dialect object rather than one found by the URL's scheme:
// with `single_connection` every checkout shares one connection; with `events`
// the engine shares another engine's listeners (and its echo) instead of its own.
QUARRY_DECL Engine make_engine(std::shared_ptr<const dialect> sql_dialect, const URL& url, engine_options options,
                               bool single_connection, std::shared_ptr<engine_events> events = nullptr);
}  // namespace detail

QUARRY_DECL Engine create_engine(const URL& url, engine_options options = {});

// create_engine("postgresql://user:pw@127.0.0.1:5432/app", {.pool_size = 10}).
inline Engine create_engine(std::string_view url, engine_options options = {}) {
  return create_engine(make_url(url), std::move(options));
}

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/engine.ipp"
#endif
