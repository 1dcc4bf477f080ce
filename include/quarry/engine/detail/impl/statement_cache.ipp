// The non-template implementation of quarry/engine/detail/statement_cache.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/detail/statement_cache.hpp"

namespace quarry::detail {

QUARRY_DECL auto statement_cache::find(sql_key key) -> entry* {
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, it->second);
  return &*it->second;
}

QUARRY_DECL auto statement_cache::insert(sql_key key, std::unique_ptr<dbapi_statement>& statement) -> entry* {
  if (capacity_ == 0) return nullptr;
  if (entries_.size() >= capacity_ && !evict_one()) return nullptr;
  entries_.emplace_front(std::string(key.sql), key.hash, std::move(statement));
  index_.emplace(sql_key{entries_.front().sql, key.hash}, entries_.begin());
  return &entries_.front();
}

QUARRY_DECL auto statement_cache::clear() noexcept -> void {
  index_.clear();
  entries_.clear();
}

QUARRY_DECL auto statement_cache::evict_one() -> bool {
  for (auto it = entries_.end(); it != entries_.begin();) {
    --it;
    if (it->in_use()) continue;
    index_.erase(sql_key{it->sql, it->hash});
    entries_.erase(it);
    return true;
  }
  return false;
}

}  // namespace quarry::detail
