// The non-template implementation of quarry/engine/engine.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/engine.hpp"

namespace quarry::detail {

QUARRY_DECL void install_echo(engine_state& state) {
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


}  // namespace quarry::detail

namespace quarry {

QUARRY_DECL Engine detail::make_engine(std::shared_ptr<const dialect> sql_dialect, const URL& url, engine_options options,
                                       bool single_connection, std::shared_ptr<engine_events> events) {
  auto state = std::make_shared<detail::engine_state>();
  state->url = url;
  state->sql_dialect = std::move(sql_dialect);
  if (options.isolation_level && *options.isolation_level != isolation_level::autocommit)
    state->sql_dialect->begin_statement(options.isolation_level, options);  // rejects unknown levels now
  state->options = std::move(options);
  bool own_events = !events;
  state->events = own_events ? std::make_shared<engine_events>() : std::move(events);
  const dialect* dialect = state->sql_dialect.get();
  const URL* target = &state->url;
  const engine_options* opts = &state->options;
  state->connections = std::make_unique<pool>(
      [dialect, target, opts] { return opts->creator ? opts->creator(*dialect, *target, *opts) : dialect->connect(*target, *opts); },
      state->options, state->events, single_connection);
  if (state->options.echo && own_events) detail::install_echo(*state);
  return Engine(std::move(state));
}

QUARRY_DECL Engine create_engine(const URL& url, engine_options options) {
  auto sql_dialect = dialect_registry::instance().find(url.drivername);
  bool single = sql_dialect->single_connection(url);
  return detail::make_engine(std::move(sql_dialect), url, std::move(options), single);
}

}  // namespace quarry
