// The non-template implementation of quarry/orm/object_ref.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/object_ref.hpp"

namespace quarry {

QUARRY_DECL auto object_ref::key() const -> std::vector<value> {
  std::vector<value> out;
  out.reserve(mapper_->key_columns.size());
  for (auto column : mapper_->key_columns) {
    value owned;
    out.emplace_back(mapper_->bind(object_.get(), column, owned));
  }
  return out;
}

}  // namespace quarry
