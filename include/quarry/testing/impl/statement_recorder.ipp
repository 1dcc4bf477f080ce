// The non-template implementation of quarry/testing/statement_recorder.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/statement_recorder.hpp"

#include <chrono>

namespace quarry::testing {

QUARRY_DECL statement_recorder::statement_recorder(const Engine& engine) : engine_(engine) { listen(); }

QUARRY_DECL statement_recorder::statement_recorder(const Session& session)
    : engine_(session.get_bind()), session_(&session), session_thread_(std::this_thread::get_id()) {
  listen();
}

QUARRY_DECL void statement_recorder::listen() {
  before_ = engine_.listen(events::before_execute, [this](const execute_event& e) {
    if (!wanted(e)) return;
    recorded_statement s;
    s.sql = std::string(e.sql);
    s.params.reserve(e.parameters.size());
    for (auto& p : e.parameters) s.params.emplace_back(p);
    s.batch_size = e.batch_size;
    std::lock_guard lock(mutex_);
    running_[std::this_thread::get_id()] = statements_.size();
    statements_.push_back(std::move(s));
  });
  after_ = engine_.listen(events::after_execute, [this](const execute_event& e) {
    if (!wanted(e)) return;
    std::lock_guard lock(mutex_);
    auto it = running_.find(std::this_thread::get_id());
    if (it == running_.end() || it->second >= statements_.size()) return;
    auto& s = statements_[it->second];
    s.completed = true;
    s.rowcount = e.rowcount;
    s.milliseconds = std::chrono::duration<double, std::milli>(e.elapsed).count();
    running_.erase(it);
  });
}

QUARRY_DECL bool statement_recorder::wanted(const execute_event& event) const {
  if (!session_) return true;
  // A Session is used by one thread at a time: only that thread may read its state.
  return std::this_thread::get_id() == session_thread_ && event.connection && event.connection == session_->current_connection();
}

QUARRY_DECL void statement_recorder::stop() noexcept {
  if (before_) engine_.remove_listener(before_);
  if (after_) engine_.remove_listener(after_);
  before_ = after_ = 0;
}

QUARRY_DECL void statement_recorder::clear() {
  std::lock_guard lock(mutex_);
  statements_.clear();
  running_.clear();
}

QUARRY_DECL std::vector<recorded_statement> statement_recorder::statements() const {
  std::lock_guard lock(mutex_);
  return statements_;
}

QUARRY_DECL std::size_t statement_recorder::count() const {
  std::lock_guard lock(mutex_);
  return statements_.size();
}

QUARRY_DECL std::vector<std::string> statement_recorder::sql() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (auto& s : statements_) out.push_back(s.sql);
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
