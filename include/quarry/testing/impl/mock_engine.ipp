// The non-template implementation of quarry/testing/mock_engine.hpp and its driver.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/mock_engine.hpp"

#include "quarry/testing/compiles_to.hpp"
#include "quarry/testing/detail/mock_driver.hpp"

namespace quarry::testing {


QUARRY_DECL scripted_result& scripted_result::returns(std::vector<std::string> columns, std::vector<std::vector<value>> rows) {
  entry_->columns = std::move(columns);
  entry_->rows = std::move(rows);
  return *this;
}

QUARRY_DECL scripted_result& scripted_result::returns(std::vector<std::vector<value>> rows) {
  entry_->columns.clear();
  entry_->rows = std::move(rows);
  return *this;
}

QUARRY_DECL scripted_result& scripted_result::affects(std::int64_t rowcount) {
  entry_->rowcount = rowcount;
  return *this;
}

QUARRY_DECL scripted_result& scripted_result::lastrowid(std::int64_t id) {
  entry_->lastrowid = id;
  return *this;
}

QUARRY_DECL scripted_result& scripted_result::times(std::size_t n) {
  entry_->limit = n;
  return *this;
}

QUARRY_DECL scripted_result& scripted_result::set_error(std::function<void(const std::string&, const std::string&)> thrower) {
  entry_->error = std::move(thrower);
  return *this;
}

QUARRY_DECL mock_engine::mock_engine(std::string_view dialect_name, mock_options options)
    : state_(std::make_shared<detail::mock_state>()), engine_(detail::make_mock_engine(dialect_name, state_)) {
  state_->strict = options.strict;
  state_->accept_ddl = options.accept_ddl;
}

QUARRY_DECL scripted_result mock_engine::on(std::string sql) { return on(testing::sql(std::move(sql))); }

QUARRY_DECL scripted_result mock_engine::on(sql_rule rule) {
  auto entry = std::make_shared<detail::script_entry>();
  entry->rule = std::move(rule);
  if (entry->rule.is_group()) throw ArgumentError("quarry: a mock script answers one statement: use sql() or regex_sql(), not unordered()");
  std::lock_guard lock(state_->mutex);
  state_->scripts.push_back(entry);
  return scripted_result(entry);
}

QUARRY_DECL std::vector<recorded_statement> mock_engine::statements() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

QUARRY_DECL std::vector<std::string> mock_engine::sql() const {
  std::lock_guard lock(state_->mutex);
  std::vector<std::string> out;
  for (auto& s : state_->received) out.push_back(s.sql);
  return out;
}

QUARRY_DECL std::vector<std::string> mock_engine::transcript() const {
  std::lock_guard lock(state_->mutex);
  return state_->transcript;
}

QUARRY_DECL void mock_engine::clear() {
  std::lock_guard lock(state_->mutex);
  state_->received.clear();
  state_->transcript.clear();
}

QUARRY_DECL std::string mock_engine::check_scripts_used() const {
  std::lock_guard lock(state_->mutex);
  std::string out;
  for (auto& s : state_->scripts)
    if (s->limit && s->used < *s->limit)
      out += "\n  " + s->rule.describe() + ": answered " + std::to_string(s->used) + " of " + std::to_string(*s->limit);
  return out.empty() ? out : "scripts of the mock engine not used up:" + out;
}

}  // namespace quarry::testing
