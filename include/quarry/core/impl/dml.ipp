// The non-template implementation of quarry/core/dml.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/dml.hpp"

namespace quarry::detail {

QUARRY_DECL slot_batch::slot_batch(std::shared_ptr<const compiled_statement> compiled, std::unique_ptr<parameter_batch> rows)
    : compiled_(std::move(compiled)), rows_(std::move(rows)), refs_(compiled_->binds.size()) {
  std::unordered_map<std::string_view, std::size_t> index_of;
  for (std::size_t i = 0; i < compiled_->names.size(); ++i) index_of.emplace(compiled_->names[i], i);
  for (auto& slot : compiled_->binds) {
    std::size_t at = slot.literal ? 0 : index_of.at(slot.name);
    direct_ = direct_ && !slot.literal && at == position_.size();
    position_.push_back(at);
  }
}

QUARRY_DECL auto slot_batch::parameters(std::size_t index) -> std::span<const value_ref> {
  auto row = rows_->parameters(index);
  if (direct_) return row;  // each placeholder takes the row's next value
  for (std::size_t i = 0; i < refs_.size(); ++i) {
    auto& slot = compiled_->binds[i];
    refs_[i] = slot.literal ? slot.literal->ref() : row[position_[i]];
  }
  return refs_;
}

}  // namespace quarry::detail
