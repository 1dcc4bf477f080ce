// The non-template implementation of quarry/engine/result.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/result.hpp"

namespace quarry {

QUARRY_DECL auto Result::iterator::operator++() -> iterator& {
  result_->advance();
  return *this;
}

QUARRY_DECL auto Result::operator=(Result&& other) noexcept -> Result& {
  if (this != &other) {
    close();
    lease_ = std::move(other.lease_);
    probe_ = std::move(other.probe_);
    statement_ = std::exchange(other.statement_, nullptr);
    owned_ = std::move(other.owned_);
    entry_ = std::exchange(other.entry_, nullptr);
    names_ = std::move(other.names_);
    columns_ = other.columns_;
    rowcount_ = other.rowcount_;
    lastrowid_ = other.lastrowid_;
    on_row_ = std::exchange(other.on_row_, false);
    started_ = other.started_;
  }
  return *this;
}

QUARRY_DECL auto Result::keys() const -> const std::vector<std::string>& {
  if (!names_) {
    if (!statement_) throw ResourceClosedError("quarry: this result is closed; read keys() before its rows");
    auto names = std::make_shared<std::vector<std::string>>();
    for (std::size_t i = 0; i < columns_; ++i) names->emplace_back(statement_->column_name(i));
    names_ = std::move(names);
  }
  return *names_;
}

QUARRY_DECL auto Result::finish_probe() noexcept -> void {
  auto probe = std::move(probe_);
  try {
    probe->events->after_fetch.dispatch(fetch_event{probe->sql, probe->rows, probe->elapsed, probe->connection});
  } catch (...) {
    // A listener's failure must not keep the cursor open.
  }
}

QUARRY_DECL auto Result::close() noexcept -> void {
  if (probe_) finish_probe();
  if (statement_) statement_->close_cursor();
  if (entry_) entry_->release();
  statement_ = nullptr;
  entry_ = nullptr;
  owned_.reset();
  on_row_ = false;
  lease_.reset();
}

QUARRY_DECL auto Result::start() -> Result* {
  if (started_) return this;  // a second loop continues where the first stopped
  started_ = true;
  if (!statement_) {
    if (columns_ == 0) throw ResourceClosedError("quarry: this result does not return rows");
    throw ResourceClosedError("quarry: this result is closed");
  }
  advance();
  return this;
}

QUARRY_DECL auto Result::advance() -> void {
  if (probe_) [[unlikely]] {
    auto started = std::chrono::steady_clock::now();
    on_row_ = statement_ && statement_->next();
    auto step = std::chrono::steady_clock::now() - started;
    probe_->elapsed += step;
    detail::statement_nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(step).count();
    probe_->rows += on_row_;
  } else {
    on_row_ = statement_ && statement_->next();
  }
  if (!on_row_) close();
}

QUARRY_DECL Row RowView::materialize() const {
  std::vector<value> values;
  values.reserve(column_count());
  detail::whole_row_read reading(*this, true);  // values are copied, with no conversion
  for (std::size_t i = 0; i < column_count(); ++i) values.emplace_back(raw(i));
  result_->keys();
  return Row(std::move(values), result_->names_);
}

}  // namespace quarry
