// compiled_statement: SQL text with where each placeholder's value comes from.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <array>
#include <atomic>
#include <concepts>
#include <mutex>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "quarry/types/value.hpp"

namespace quarry {

class dialect;
namespace detail {
struct statement_data;
}

// Where the value of one placeholder comes from: a value the statement holds,
// or a named bindparam() given at execution.
struct bind_slot {
  const value* literal = nullptr;
  std::string name;
};

// A statement compiled for one dialect: SQL with that dialect's placeholders,
// and for each placeholder, in order, where its value comes from. Literal
// slots point into the statement, which keeps them alive.
struct compiled_statement {
  std::string sql;
  std::size_t hash = 0;
  std::vector<bind_slot> binds;
  std::vector<std::string> names;  // the distinct bindparam() names
};

// What quarry::compile() returns: the SQL and the values it binds, owned.
struct compiled_sql {
  std::string sql;
  std::vector<value> params;
  std::vector<std::string> bind_names;  // bindparam() names still to be given at execution
};

namespace detail {

// Compiled forms of one statement, one per dialect type: a statement built
// once and executed many times is compiled once. The first form is read
// without a lock.
class compile_cache {
 public:
  compile_cache() = default;
  // A copied statement is edited next: it starts with nothing compiled.
  compile_cache(const compile_cache&) {}
  compile_cache& operator=(const compile_cache&);

  // Forgets every compilation: the statement is about to change. Called only
  // by the statement's one owner.
  void clear();

  // The compiled form for this dialect, if there is one yet.
  std::shared_ptr<const compiled_statement> find(const std::type_info& dialect);

  template <class Compile>
  std::shared_ptr<const compiled_statement> get(const std::type_info& dialect, Compile&& compile) {
    if (const entry* e = first_.load(std::memory_order_acquire); e && *e->dialect == dialect) return e->compiled;
    std::lock_guard lock(mutex_);
    for (auto& e : entries_)
      if (*e->dialect == dialect) return e->compiled;
    entries_.push_back(std::make_unique<entry>(entry{&dialect, std::make_shared<const compiled_statement>(compile())}));
    if (!first_.load(std::memory_order_relaxed)) first_.store(entries_.front().get(), std::memory_order_release);
    return entries_.back()->compiled;
  }

 private:
  struct entry {
    const std::type_info* dialect;
    std::shared_ptr<const compiled_statement> compiled;
  };
  std::atomic<const entry*> first_{nullptr};
  std::mutex mutex_;
  std::vector<std::unique_ptr<entry>> entries_;
};


inline constexpr std::uint32_t not_a_literal = 0xffffffffu;

// The literal values of one statement, in walk order; small statements need no allocation.
class literal_list {
 public:
  void push(const value* v);
  const value* operator[](std::size_t i) const { return size_ <= small_.size() ? small_[i] : large_[i]; }
  std::size_t size() const noexcept { return size_; }

 private:
  std::array<const value*, 16> small_{};
  std::vector<const value*> large_;
  std::size_t size_ = 0;
};

// One compiled shape: the statement it was compiled from (which keeps every
// pointer of the compilation alive) and, per placeholder, the literal it takes.
struct shaped_statement {
  std::shared_ptr<const statement_data> exemplar;
  std::shared_ptr<const compiled_statement> compiled;
  std::vector<std::uint32_t> literal_of_bind;  // not_a_literal: a named bindparam, or a column default
  // Pairs of literal positions that held one value object in the exemplar (a
  // sub-expression used twice): its placeholders name the first, so only a
  // statement whose literals at those positions are one object too may share it.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> shared_literals;

  bool binds_literals_of(const literal_list& literals) const;
};

// How to execute a statement: its compiled SQL and where each placeholder's value is.
struct execution_plan {
  std::shared_ptr<const compiled_statement> compiled;
  std::shared_ptr<const shaped_statement> shape;  // set when the SQL was compiled from another statement
  literal_list literals;

  // The value of placeholder i when it is a literal or a column default (else null: a bindparam).
  const value* literal(std::size_t i) const;
};

}  // namespace detail

// A statement the engine can run: it compiles itself for a dialect (once per
// dialect) and names the type of its rows (void when it returns none).
template <class S>
concept executable = requires(const S& s, const dialect& d) {
  { s.compiled(d) } -> std::same_as<std::shared_ptr<const compiled_statement>>;
  typename S::row_type;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/compiled.ipp"
#endif
