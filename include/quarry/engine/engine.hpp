// Engine and create_engine(): a URL, a dialect and a pool of connections.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <fmt/core.h>

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

 private:
  std::shared_ptr<detail::engine_state> state_;
};

namespace detail {
inline void install_echo(engine_state& state) {
  auto* owner = &state;
  state.events->listen(events::after_execute, [owner](const execute_event& e) {
    // Built by hand: fmt::format here would be compiled into every program that includes Quarry.
    double ms = std::chrono::duration<double, std::milli>(e.elapsed).count();
    char elapsed[32];
    auto end = std::to_chars(elapsed, elapsed + sizeof elapsed, ms, std::chars_format::fixed, 3).ptr;
    std::string params = e.batch_size > 1 ? "[" + std::to_string(e.batch_size) + " parameter sets]"
                                          : render_params(e.parameters);
    owner->log(std::string(e.sql) + "\n[" + std::string(elapsed, end) + " ms] " + params +
               " rowcount=" + std::to_string(e.rowcount));
  });
}
}  // namespace detail

inline Engine create_engine(const URL& url, engine_options options = {}) {
  auto state = std::make_shared<detail::engine_state>();
  state->url = url;
  state->sql_dialect = dialect_registry::instance().find(url.drivername);
  if (options.isolation_level && *options.isolation_level != isolation_level::autocommit)
    state->sql_dialect->begin_statement(options.isolation_level, options);  // rejects unknown levels now
  state->options = std::move(options);
  state->events = std::make_shared<engine_events>();
  const dialect* dialect = state->sql_dialect.get();
  const URL* target = &state->url;
  const engine_options* opts = &state->options;
  state->connections = std::make_unique<pool>(
      [dialect, target, opts] { return opts->creator ? opts->creator(*dialect, *target, *opts) : dialect->connect(*target, *opts); },
                                              state->options, state->events, dialect->single_connection(url));
  if (state->options.echo) detail::install_echo(*state);
  return Engine(std::move(state));
}

// create_engine("postgresql://user:pw@127.0.0.1:5432/app", {.pool_size = 10}).
inline Engine create_engine(std::string_view url, engine_options options = {}) {
  return create_engine(make_url(url), std::move(options));
}

}  // namespace quarry

template <>
struct fmt::formatter<quarry::URL> : fmt::formatter<std::string_view> {
  auto format(const quarry::URL& url, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(url.render(), ctx);
  }
};

template <>
struct fmt::formatter<quarry::Engine> : fmt::formatter<std::string_view> {
  auto format(const quarry::Engine& engine, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(engine.repr(), ctx);
  }
};
