// The prepared statements of one connection, least recently used evicted first.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <atomic>
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
    // Made in use: by the caller that prepared it.
    entry(std::string text, std::size_t key_hash, std::unique_ptr<dbapi_statement> prepared)
        : sql(std::move(text)), hash(key_hash), statement(std::move(prepared)) {}

    // Marks it in use, unless it already is; true when it was free.
    bool take() noexcept { return !in_use_.exchange(true, std::memory_order_acquire); }
    // A Result may be read, and closed, on a thread other than the one that
    // executes the next statement on a shared in-memory connection: the store
    // orders its last use of the statement before the next user's.
    void release() noexcept { in_use_.store(false, std::memory_order_release); }
    bool in_use() const noexcept { return in_use_.load(std::memory_order_acquire); }

    std::string sql;
    std::size_t hash;
    std::unique_ptr<dbapi_statement> statement;

   private:
    std::atomic<bool> in_use_{true};
  };

  explicit statement_cache(std::size_t capacity) : capacity_(capacity) {}

  // The cached statement for this SQL, now the most recently used; null when absent.
  entry* find(sql_key key);

  // Caches a statement; returns its entry, in use by the caller, or null when
  // the cache cannot hold it (capacity 0, or every entry is in use) and the
  // caller keeps it instead.
  entry* insert(sql_key key, std::unique_ptr<dbapi_statement>& statement);

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }
  void clear() noexcept;

 private:
  bool evict_one();

  std::size_t capacity_;
  std::list<entry> entries_;  // most recently used first
  std::unordered_map<sql_key, std::list<entry>::iterator, sql_key_hash> index_;
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/detail/impl/statement_cache.ipp"
#endif
