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

QUARRY_DECL auto Result::close() noexcept -> void {
  if (statement_) statement_->close_cursor();
  if (entry_) entry_->in_use = false;
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
  on_row_ = statement_ && statement_->next();
  if (!on_row_) close();
}

QUARRY_DECL Row RowView::materialize() const {
  std::vector<value> values;
  values.reserve(column_count());
  for (std::size_t i = 0; i < column_count(); ++i) values.emplace_back(raw(i));
  result_->keys();
  return Row(std::move(values), result_->names_);
}

}  // namespace quarry
