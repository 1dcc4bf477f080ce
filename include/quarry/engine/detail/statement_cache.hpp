// The prepared statements of one connection, least recently used evicted first.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "quarry/engine/detail/sql_key.hpp"
#include "quarry/dbapi/interfaces.hpp"

namespace quarry::detail {

// Prepared statements of one connection, least recently used evicted first.
// A statement that an open result is still reading is never evicted.
class statement_cache {
 public:
  struct entry {
    std::string sql;
    std::size_t hash;
    std::unique_ptr<dbapi_statement> statement;
    bool in_use = false;
  };

  explicit statement_cache(std::size_t capacity) : capacity_(capacity) {}

  // The cached statement for this SQL, now the most recently used; null when absent.
  entry* find(sql_key key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &*it->second;
  }

  // Caches a statement; returns its entry, or null when the cache cannot hold it
  // (capacity 0, or every entry is in use) and the caller keeps it instead.
  entry* insert(sql_key key, std::unique_ptr<dbapi_statement>& statement) {
    if (capacity_ == 0) return nullptr;
    if (entries_.size() >= capacity_ && !evict_one()) return nullptr;
    entries_.push_front(entry{std::string(key.sql), key.hash, std::move(statement), false});
    index_.emplace(sql_key{entries_.front().sql, key.hash}, entries_.begin());
    return &entries_.front();
  }

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }
  void clear() noexcept {
    index_.clear();
    entries_.clear();
  }

 private:
  bool evict_one() {
    for (auto it = entries_.end(); it != entries_.begin();) {
      --it;
      if (it->in_use) continue;
      index_.erase(sql_key{it->sql, it->hash});
      entries_.erase(it);
      return true;
    }
    return false;
  }

  std::size_t capacity_;
  std::list<entry> entries_;  // most recently used first
  std::unordered_map<sql_key, std::list<entry>::iterator, sql_key_hash> index_;
};

}  // namespace quarry::detail
