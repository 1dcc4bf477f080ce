// The non-template implementation of quarry/testing/transaction_fixture.hpp and its driver.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/transaction_fixture.hpp"

#include "quarry/testing/detail/joined_connection.hpp"

namespace quarry::testing {


QUARRY_DECL transaction_fixture::transaction_fixture(const Engine& engine)
    : joined_(std::make_shared<detail::joined_transaction>(engine)),
      joined_engine_([&] {
        joined_->transaction.emplace(joined_->outer.begin());
        joined_->marker.emplace(joined_->outer.begin_nested());
        const auto& state = engine.shared_state();
        engine_options options = state->options;
        // One joined connection per checkout (each its own transaction), all on the outer one.
        options.pool_size = 4;
        options.max_overflow = 1000;
        options.pool_pre_ping = false;
        options.pool_recycle = std::chrono::seconds(-1);
        auto joined = joined_;
        options.creator = [joined](const quarry::dialect&, const URL&, const engine_options&) -> std::unique_ptr<dbapi_connection> {
          return std::make_unique<detail::joined_connection>(joined);
        };
        return quarry::detail::make_engine(state->sql_dialect, state->url, std::move(options), false, state->events);
      }()) {}

QUARRY_DECL void transaction_fixture::bind(sessionmaker& factory) {
  bound_factories_.emplace_back(&factory, factory.get_bind());
  factory.configure(joined_engine_);
}

QUARRY_DECL void transaction_fixture::bind(scoped_session& registry) {
  bound_registries_.emplace_back(&registry, registry.get_bind());
  registry.remove();
  registry.configure(joined_engine_);
}

QUARRY_DECL void transaction_fixture::rollback() noexcept {
  if (joined_->ended) return;
  for (auto& [registry, original] : bound_registries_) {
    registry->remove();
    registry->configure(original);
  }
  for (auto& [factory, original] : bound_factories_) factory->configure(original);
  bound_registries_.clear();
  bound_factories_.clear();
  joined_engine_.dispose();  // idle joined connections close; their savepoints are settled
  std::lock_guard lock(joined_->mutex);
  joined_->ended = true;
  joined_->stack.clear();
  try {
    joined_->marker.reset();
    if (joined_->transaction) joined_->transaction->rollback();
  } catch (...) {
    // A connection that cannot roll back is discarded by the pool, which rolls back by closing it.
    try {
      joined_->outer.invalidate();
    } catch (...) {
    }
  }
  joined_->transaction.reset();
  // The outer connection goes back to the pool when the last joined connection
  // is gone (~joined_transaction): a statement of it still cached by a
  // session the test left open is finalized on it, not on a connection another test uses.
}

}  // namespace quarry::testing
