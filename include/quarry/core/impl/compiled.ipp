// The non-template implementation of quarry/core/compiled.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/compiled.hpp"

namespace quarry::detail {

QUARRY_DECL auto compile_cache::operator=(const compile_cache&) -> compile_cache& {
  clear();
  return *this;
}

QUARRY_DECL auto compile_cache::clear() -> void {
  if (!first_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(mutex_);
  first_.store(nullptr, std::memory_order_release);
  entries_.clear();
}

QUARRY_DECL auto compile_cache::find(const std::type_info& dialect) -> std::shared_ptr<const compiled_statement> {
  const entry* first = first_.load(std::memory_order_acquire);
  // None yet (a statement built for one execution): no lock to take. One
  // another thread is adding now is as good as not there.
  if (!first) return nullptr;
  if (*first->dialect == dialect) return first->compiled;
  std::lock_guard lock(mutex_);
  for (auto& e : entries_)
    if (*e->dialect == dialect) return e->compiled;
  return nullptr;
}

QUARRY_DECL auto literal_list::push(const value* v) -> void {
  if (size_ < small_.size()) small_[size_] = v;
  else {
    if (large_.empty()) large_.assign(small_.begin(), small_.end());
    large_.push_back(v);
  }
  ++size_;
}

QUARRY_DECL auto shaped_statement::binds_literals_of(const literal_list& literals) const -> bool {
  for (auto [first, again] : shared_literals)
    if (literals[first] != literals[again]) return false;
  return true;
}

QUARRY_DECL auto execution_plan::literal(std::size_t i) const -> const value* {
  if (shape) {
    auto ordinal = shape->literal_of_bind[i];
    return ordinal == not_a_literal ? compiled->binds[i].literal : literals[ordinal];
  }
  return compiled->binds[i].literal;
}

}  // namespace quarry::detail
