// The non-template implementation of quarry/testing/statement_recorder.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/statement_recorder.hpp"

#include <chrono>

namespace quarry::testing {

QUARRY_DECL statement_recorder::statement_recorder(const Engine& engine) : engine_(engine) { listen(); }

QUARRY_DECL statement_recorder::statement_recorder(const Session& session) : engine_(session.get_bind()) {
  state_->session = &session;
  state_->session_thread = std::this_thread::get_id();
  listen();
}

QUARRY_DECL void statement_recorder::listen() {
  auto st = state_;
  before_ = engine_.listen(events::before_execute, [st](const execute_event& e) {
    if (!st->wanted(e)) return;
    recorded_statement s;
    s.sql = std::string(e.sql);
    s.params.reserve(e.parameters.size());
    for (auto& p : e.parameters) s.params.emplace_back(p);
    s.batch_size = e.batch_size;
    std::lock_guard lock(st->mutex);
    st->running[std::this_thread::get_id()] = st->statements.size();
    st->statements.push_back(std::move(s));
  });
  after_ = engine_.listen(events::after_execute, [st](const execute_event& e) {
    if (!st->wanted(e)) return;
    std::lock_guard lock(st->mutex);
    auto it = st->running.find(std::this_thread::get_id());
    if (it == st->running.end() || it->second >= st->statements.size()) return;
    auto& s = st->statements[it->second];
    s.completed = true;
    s.rowcount = e.rowcount;
    s.milliseconds = std::chrono::duration<double, std::milli>(e.elapsed).count();
    st->running.erase(it);
  });
}

QUARRY_DECL bool statement_recorder::shared_state::wanted(const execute_event& event) const {
  if (!session) return true;
  // A Session is used by one thread at a time: only that thread may read its state.
  return std::this_thread::get_id() == session_thread && event.connection && event.connection == session->current_connection();
}

QUARRY_DECL void statement_recorder::stop() noexcept {
  try {
    if (before_) engine_.remove_listener(before_);
    if (after_) engine_.remove_listener(after_);
  } catch (...) {
    // Out of memory copying the listener list: the listeners stay, writing to the shared state only.
  }
  before_ = after_ = 0;
}

QUARRY_DECL void statement_recorder::clear() {
  std::lock_guard lock(state_->mutex);
  state_->statements.clear();
  state_->running.clear();
}

QUARRY_DECL std::vector<recorded_statement> statement_recorder::statements() const {
  std::lock_guard lock(state_->mutex);
  return state_->statements;
}

QUARRY_DECL std::size_t statement_recorder::count() const {
  std::lock_guard lock(state_->mutex);
  return state_->statements.size();
}

QUARRY_DECL std::vector<std::string> statement_recorder::sql() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> out;
  for (auto& s : state_->statements) out.push_back(s.sql);
  return out;
}

QUARRY_DECL std::string statement_recorder::check_count(std::size_t expected) const {
  auto all = statements();
  if (all.size() == expected) return {};
  return "expected " + std::to_string(expected) + " statement(s), " + std::to_string(all.size()) + " were emitted:\n" +
         statement_listing(all);
}

QUARRY_DECL std::string statement_recorder::check_at_most(std::size_t limit) const {
  auto all = statements();
  if (all.size() <= limit) return {};
  return "expected at most " + std::to_string(limit) + " statement(s), " + std::to_string(all.size()) +
         " were emitted:\n" + statement_listing(all);
}

}  // namespace quarry::testing
