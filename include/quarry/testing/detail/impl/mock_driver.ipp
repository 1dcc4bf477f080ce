// The implementation of quarry/testing/detail/mock_driver.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/detail/mock_driver.hpp"

#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/dbapi/registry.hpp"
#include "quarry/testing/assertion_error.hpp"
#include "quarry/testing/compiles_to.hpp"

namespace quarry::testing {

namespace detail {

QUARRY_DECL std::shared_ptr<script_entry> mock_state::answer(const recorded_statement& statement) {
  for (auto& s : scripts) {
    if (s->limit && s->used >= *s->limit) continue;
    if (!s->rule.matches(statement)) continue;
    ++s->used;
    return s;
  }
  return nullptr;
}

QUARRY_DECL void mock_statement::run(std::span<const value_ref> parameters, std::size_t batch_size) {
  close_cursor();
  recorded_statement statement;
  statement.sql = sql_;
  for (auto& p : parameters) statement.params.emplace_back(p);
  statement.batch_size = batch_size;
  statement.completed = true;
  std::shared_ptr<script_entry> script;
  {
    std::lock_guard lock(state_->mutex);
    state_->received.push_back(statement);
    state_->transcript.push_back(sql_);
    script = state_->answer(statement);
    if (!script) {
      auto word = first_word(sql_);
      bool ddl = word == "CREATE" || word == "DROP" || word == "ALTER" || word == "COMMENT";
      if (state_->strict && !(ddl && state_->accept_ddl)) {
        state_->received.back().completed = false;
        std::string scripted;
        for (auto& s : state_->scripts) scripted += "\n  " + s->rule.describe();
        throw assertion_error("quarry: the mock engine has no script for this statement:\n  " + normalize_sql(sql_) + "  " +
                              render_values(statement.params) + "\nscripts:" + (scripted.empty() ? " (none)" : scripted) +
                              "\nadd one with mock.on(\"...\").returns(...)");
      }
    }
    if (script && script->error) state_->received.back().completed = false;
  }
  if ((!script || (!script->error && script->columns.empty() && script->rows.empty())) && is_readonly()) {
    // Not strict, or scripted to return nothing: a query gets an empty result
    // (of one column, since its columns are unknown).
    static const auto empty = [] {
      auto e = std::make_shared<script_entry>();
      e->columns = {"?"};
      return e;
    }();
    script = empty;
  }
  if (script && script->error) script->error(sql_, quarry::detail::render_params(parameters));
  script_ = script;
  row_ = 0;
  if (!script) {
    rowcount_ = 0;
    lastrowid_.reset();
    return;
  }
  rowcount_ = script->rowcount ? *script->rowcount : static_cast<std::int64_t>(script->rows.size());
  lastrowid_ = script->lastrowid;
  positional_names_.clear();
  if (script->columns.empty())
    for (std::size_t i = 0; i < width(); ++i) positional_names_.push_back("c" + std::to_string(i));
}

QUARRY_DECL void mock_statement::execute(std::span<const value_ref> parameters) { run(parameters, 1); }

QUARRY_DECL std::int64_t mock_statement::execute_many(parameter_batch& batch, row_sink* rows) {
  std::size_t sets = batch.size();
  run(sets ? batch.parameters(0) : std::span<const value_ref>{}, sets);
  if (!script_) return 0;
  auto script = script_;
  if (rows) {
    // RETURNING: row i answers parameter set i; otherwise a last row id numbers the sets.
    bool returning = sql_.find(" RETURNING ") != std::string::npos;
    for (std::size_t set = 0; set < sets; ++set) {
      if (returning && set < script->rows.size()) {
        row_ = set + 1;
        rows->row(set, *this);
      } else if (!returning && script->lastrowid) {
        rows->inserted(set, *script->lastrowid + static_cast<std::int64_t>(set));
      }
    }
  }
  std::int64_t total = script->rowcount ? *script->rowcount : static_cast<std::int64_t>(sets);
  close_cursor();
  rowcount_ = total;
  if (script->lastrowid && sets) lastrowid_ = *script->lastrowid + static_cast<std::int64_t>(sets) - 1;
  return total;
}

QUARRY_DECL bool mock_statement::next() {
  if (!script_ || row_ >= script_->rows.size()) return false;
  ++row_;
  if (script_->rows[row_ - 1].size() != width())
    throw ArgumentError("quarry: scripted row " + std::to_string(row_) + " for " + normalize_sql(sql_) + " has " +
                        std::to_string(script_->rows[row_ - 1].size()) + " values for " + std::to_string(width()) + " columns");
  return true;
}

QUARRY_DECL std::string_view mock_statement::column_name(std::size_t index) const {
  if (!script_ || index >= width()) return {};
  return script_->columns.empty() ? std::string_view(positional_names_[index]) : std::string_view(script_->columns[index]);
}

QUARRY_DECL value_ref mock_statement::column(std::size_t index) {
  if (!script_ || row_ == 0 || row_ > script_->rows.size() || index >= script_->rows[row_ - 1].size()) return value_ref();
  return script_->rows[row_ - 1][index].ref();
}

QUARRY_DECL bool mock_statement::is_readonly() const {
  auto word = first_word(sql_);
  return word == "SELECT" || word == "WITH" || word == "VALUES" || word == "EXPLAIN";
}

QUARRY_DECL void mock_connection::execute_simple(std::string_view sql) {
  auto word = first_word(sql);
  if (word == "BEGIN" || word == "START") {
    depth_ = 1;
  } else if (word == "COMMIT" || word == "END") {
    depth_ = 0;
  } else if (word == "ROLLBACK") {
    if (sql.find("SAVEPOINT") == std::string_view::npos && sql.find(" TO ") == std::string_view::npos) depth_ = 0;
  } else if (word == "SAVEPOINT") {
    ++depth_;
  } else if (word == "RELEASE") {
    if (depth_ > 1) --depth_;
  }
  std::lock_guard lock(state_->mutex);
  state_->transcript.emplace_back(sql);
  if (word == "SAVEPOINT" || word == "RELEASE" || (word == "ROLLBACK" && sql.find(" TO ") != std::string_view::npos)) {
    recorded_statement s;
    s.sql = std::string(sql);
    s.completed = true;
    state_->received.push_back(std::move(s));
  }
}

QUARRY_DECL Engine make_mock_engine(std::string_view dialect_name, const std::shared_ptr<mock_state>& state) {
  // A URL ("postgresql://", as create_mock_engine takes) names its dialect by its scheme.
  if (auto scheme = dialect_name.find("://"); scheme != std::string_view::npos) dialect_name = dialect_name.substr(0, scheme);
  auto sql_dialect = dialect_registry::instance().find(dialect_name);
  engine_options options;
  options.creator = [state](const quarry::dialect&, const URL&, const engine_options&) -> std::unique_ptr<dbapi_connection> {
    return std::make_unique<mock_connection>(state);
  };
  return quarry::detail::make_engine(std::move(sql_dialect), make_url(std::string(dialect_name) + "://"), std::move(options), true);
}

}  // namespace detail

}  // namespace quarry::testing
