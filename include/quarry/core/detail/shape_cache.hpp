// Compiled SQL per statement shape (SQLAlchemy's compiled cache).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quarry/core/compiled.hpp"
#include "quarry/core/detail/compiler.hpp"
#include "quarry/core/detail/node.hpp"

// Compiled SQL per statement *shape* (SQLAlchemy's compiled cache): statements
// built anew for each execution, that differ only in the values they bind,
// compile once. A statement's shape is everything but its literal values; a
// walk hashes the shape and collects the literals in a fixed order, and a
// cached compilation says which literal each placeholder takes.
namespace quarry::detail {

class shape_walk {
 public:
  explicit shape_walk(literal_list& literals) : literals_(literals) {}
  std::size_t hash() const noexcept { return hash_; }
  void statement(const statement_data& s) { hash_ = statement_hash(s); }
  // A statement of a known shape (statement_data::known), without a walk.
  void known(const statement_data& s);

 private:
  static constexpr std::size_t basis = 0xcbf29ce484222325ull;
  static std::size_t mix(std::size_t h, std::size_t x) noexcept { return (h ^ x) * 0x100000001b3ull; }
  // A few characters stand for the whole text: cheap, and same_shape compares it in full.
  static std::size_t text(std::size_t h, std::string_view t);

  std::size_t statement_hash(const statement_data& s);

  std::size_t nodes(std::size_t h, const std::vector<node_ptr>& list);

  std::size_t assignments(std::size_t h, const std::vector<assignment_node>& set);

  // A node's hash, with bit 0 set (worked out) and bit 1 set when the node holds
  // literals or a statement, whose walk must be repeated to collect them. One
  // without is remembered in the node and not walked again.
  std::size_t node(const detail::node* n);

  std::size_t from(std::size_t h, const from_item& f);

  literal_list& literals_;
  std::size_t hash_ = basis;
};

// `column op value`: a column of a table (or an alias of one) compared with a literal.
QUARRY_DECL bool is_keyed_condition(const node* condition);

// Marks `d` as of the keyed shape (statement_data::known) when it is one.
QUARRY_DECL void know_keyed_shape(statement_data& d);

// Whether two statements compile to the same SQL: equal in all but literal values.
class same_shape {
 public:
  static bool statements(const statement_data& a, const statement_data& b);

 private:
  // Most parts are empty in both statements: those are told apart without a call.
  [[gnu::always_inline]] static bool same_nodes(const node_ptr& x, const node_ptr& y) {
    return x == y || nodes(x.get(), y.get());
  }
  [[gnu::always_inline]] static bool same_lists(const std::vector<node_ptr>& x, const std::vector<node_ptr>& y) {
    return x.size() == y.size() && (x.empty() || lists(x, y));
  }
  [[gnu::always_inline]] static bool same_names(const std::vector<std::string>& x, const std::vector<std::string>& y) {
    return x.size() == y.size() && (x.empty() || x == y);
  }
  [[gnu::always_inline]] static bool same_assignments(const std::vector<assignment_node>& x,
                                                      const std::vector<assignment_node>& y) {
    return x.size() == y.size() && (x.empty() || assignments(x, y));
  }

  static bool rows(const std::vector<std::vector<node_ptr>>& a, const std::vector<std::vector<node_ptr>>& b);

  static bool lists(const std::vector<node_ptr>& a, const std::vector<node_ptr>& b);

  static bool assignments(const std::vector<assignment_node>& a, const std::vector<assignment_node>& b);

  static bool nodes(const node* a, const node* b);

  // Chains match operand by operand, however each was nested.
  static bool chains(const node& a, const node& b);

  static bool optional_froms(const from_item* a, const from_item* b);

  static bool froms(const from_item& a, const from_item& b);
};

class shape_cache {
 public:
  // Bounded: when full it starts over (what SQLAlchemy's LRU cache does, without the bookkeeping).
  static constexpr std::size_t capacity = 1000;

  static shape_cache& instance();

  std::shared_ptr<const shaped_statement> find(const std::type_info& dialect, std::size_t hash, const statement_data& s, const literal_list& literals) const;

  void add(const std::type_info& dialect, std::size_t hash, std::shared_ptr<const shaped_statement> entry);

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::size_t, std::vector<std::pair<const std::type_info*, std::shared_ptr<const shaped_statement>>>>
      entries_;
  std::size_t size_ = 0;
};

// The statement compiled for the dialect, once (a non-template, so that each
// statement type does not compile its own copy of it).
inline std::shared_ptr<const compiled_statement> compile_once(const statement_data& data, const dialect& d) {
  return data.compiled.get(typeid(d), [&] { return compiler(d).compile(data); });
}

// The statement's own compilation when it has one; else a compilation of the
// same shape; else a new compilation, kept for both.
template <class Data>
void plan_execution(const Data& data, const dialect& d, execution_plan& plan) {
  const auto& type = typeid(d);
  if (auto own = data->compiled.find(type)) {
    plan.compiled = std::move(own);
    return;
  }
  shape_walk walk(plan.literals);
  if (data->known.form != known_shape::form_t::none) walk.known(*data);
  else walk.statement(*data);
  auto& cache = shape_cache::instance();
  if (auto shaped = cache.find(type, walk.hash(), *data, plan.literals)) {
    plan.compiled = shaped->compiled;
    plan.shape = std::move(shaped);
    return;
  }
  plan.compiled = compile_once(*data, d);
  // Map each placeholder to the literal it binds; a pointer the walk did not
  // see must be a column default (which the statement's table keeps), or the
  // shape is not cached at all.
  auto entry = std::make_shared<shaped_statement>();
  entry->exemplar = data;
  entry->compiled = plan.compiled;
  std::unordered_map<const value*, std::uint32_t> ordinal_of;
  for (std::size_t i = 0; i < plan.literals.size(); ++i) {
    auto [it, first] = ordinal_of.emplace(plan.literals[i], static_cast<std::uint32_t>(i));
    if (!first) entry->shared_literals.emplace_back(it->second, static_cast<std::uint32_t>(i));
  }
  for (auto& slot : plan.compiled->binds) {
    if (!slot.literal) {
      entry->literal_of_bind.push_back(not_a_literal);
      continue;
    }
    auto it = ordinal_of.find(slot.literal);
    if (it != ordinal_of.end()) {
      entry->literal_of_bind.push_back(it->second);
      continue;
    }
    bool column_default = false;
    if (data->target)
      for (auto& c : data->target->table->columns) column_default = column_default || (c.default_value && &*c.default_value == slot.literal);
    if (!column_default) return;
    entry->literal_of_bind.push_back(not_a_literal);
  }
  cache.add(type, walk.hash(), std::move(entry));
}

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/detail/impl/shape_cache.ipp"
#endif
