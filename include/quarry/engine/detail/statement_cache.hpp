// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "quarry/engine/interfaces.hpp"

namespace quarry::detail {

// Prepared statements of one connection, least recently used evicted first.
// A statement that an open result is still reading is never evicted.
class statement_cache {
 public:
  struct entry {
    std::string sql;
    std::unique_ptr<dbapi_statement> statement;
    bool in_use = false;
  };

  explicit statement_cache(std::size_t capacity) : capacity_(capacity) {}

  // The cached statement for this SQL, now the most recently used; null when absent.
  entry* find(std::string_view sql) {
    auto it = index_.find(sql);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &*it->second;
  }

  // Caches a statement; returns its entry, or null when the cache cannot hold it
  // (capacity 0, or every entry is in use) and the caller keeps it instead.
  entry* insert(std::string_view sql, std::unique_ptr<dbapi_statement>& statement) {
    if (capacity_ == 0) return nullptr;
    if (entries_.size() >= capacity_ && !evict_one()) return nullptr;
    entries_.push_front(entry{std::string(sql), std::move(statement), false});
    index_.emplace(entries_.front().sql, entries_.begin());
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
      index_.erase(it->sql);
      entries_.erase(it);
      return true;
    }
    return false;
  }

  std::size_t capacity_;
  std::list<entry> entries_;  // most recently used first
  std::unordered_map<std::string_view, std::list<entry>::iterator> index_;
};

}  // namespace quarry::detail
