// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
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

  void statement(const statement_data& s) {
    mix(static_cast<std::size_t>(s.kind));
    nodes(s.columns);
    mix(s.froms.size());
    for (auto& entry : s.froms) {
      from(*entry.item);
      mix(entry.joins.size());
      for (auto& j : entry.joins) {
        mix(static_cast<std::size_t>(j.kind));
        from(*j.target);
        node(j.on.get());
      }
    }
    node(s.where.get());
    nodes(s.group_by);
    node(s.having.get());
    nodes(s.order_by);
    node(s.limit.get());
    node(s.offset.get());
    mix(static_cast<std::size_t>(s.distinct) | static_cast<std::size_t>(s.correlate) << 1 |
        static_cast<std::size_t>(s.default_values) << 2 | static_cast<std::size_t>(s.on_conflict) << 3);
    mix(s.parts.size());
    for (auto& part : s.parts) statement(*part);
    for (auto& op : s.operators) text(op);
    if (s.target) from(*s.target);
    assignments(s.assignments);
    mix(s.more_rows.size());
    for (auto& row : s.more_rows) nodes(row);
    for (auto& c : s.insert_columns) text(c);
    mix(s.source != nullptr);
    if (s.source) statement(*s.source);
    nodes(s.returning);
    for (auto& c : s.conflict_columns) text(c);
    assignments(s.conflict_set);
    node(s.conflict_where.get());
  }

 private:
  void mix(std::size_t x) noexcept { hash_ = (hash_ ^ x) * 0x100000001b3ull; }
  // A few characters stand for the whole text: cheap, and same_shape compares it in full.
  void text(std::string_view t) {
    mix(t.size());
    if (!t.empty())
      mix(static_cast<unsigned char>(t.front()) | static_cast<std::size_t>(static_cast<unsigned char>(t[t.size() / 2])) << 8 |
          static_cast<std::size_t>(static_cast<unsigned char>(t.back())) << 16);
  }

  void nodes(const std::vector<node_ptr>& list) {
    mix(list.size());
    for (auto& n : list) node(n.get());
  }

  void assignments(const std::vector<assignment_node>& set) {
    mix(set.size());
    for (auto& a : set) {
      text(a.column);
      node(a.value.get());
    }
  }

  void node(const detail::node* n) {
    if (!n) {
      mix(0x9e3779b9u);
      return;
    }
    mix(static_cast<std::size_t>(n->kind) << 16 | static_cast<std::size_t>(n->precedence) << 8);
    mix(n->count);
    if (n->kind == node_kind::literal) {
      literals_.push(&n->literal);
      return;
    }
    text(n->text);
    if (n->kind == node_kind::cast) mix(static_cast<std::size_t>(n->type.kind) << 32 | n->type.length);
    if (n->from) from(*n->from);
    if (n->select) statement(*n->select);
    mix(n->children.size());
    for (auto& c : n->children) node(c.get());
  }

  void from(const from_item& f) {
    mix(static_cast<std::size_t>(f.kind));
    mix(reinterpret_cast<std::uintptr_t>(f.table.get()));
    text(f.alias);
    if (f.body) statement(*f.body);
  }

  literal_list& literals_;
  std::size_t hash_ = 0xcbf29ce484222325ull;
};

// Whether two statements compile to the same SQL: equal in all but literal values.
class same_shape {
 public:
  static bool statements(const statement_data& a, const statement_data& b) {
    if (a.kind != b.kind || a.distinct != b.distinct || a.correlate != b.correlate ||
        a.default_values != b.default_values || a.on_conflict != b.on_conflict || !lists(a.columns, b.columns) ||
        a.froms.size() != b.froms.size() || !nodes(a.where.get(), b.where.get()) || !lists(a.group_by, b.group_by) ||
        !nodes(a.having.get(), b.having.get()) || !lists(a.order_by, b.order_by) || !nodes(a.limit.get(), b.limit.get()) ||
        !nodes(a.offset.get(), b.offset.get()) || a.parts.size() != b.parts.size() || a.operators != b.operators ||
        !optional_froms(a.target.get(), b.target.get()) || !assignments(a.assignments, b.assignments) ||
        !rows(a.more_rows, b.more_rows) ||
        a.insert_columns != b.insert_columns || (a.source == nullptr) != (b.source == nullptr) ||
        !lists(a.returning, b.returning) || a.conflict_columns != b.conflict_columns ||
        !assignments(a.conflict_set, b.conflict_set) || !nodes(a.conflict_where.get(), b.conflict_where.get()))
      return false;
    for (std::size_t i = 0; i < a.froms.size(); ++i) {
      auto& x = a.froms[i];
      auto& y = b.froms[i];
      if (!froms(*x.item, *y.item) || x.joins.size() != y.joins.size()) return false;
      for (std::size_t k = 0; k < x.joins.size(); ++k)
        if (x.joins[k].kind != y.joins[k].kind || !froms(*x.joins[k].target, *y.joins[k].target) ||
            !nodes(x.joins[k].on.get(), y.joins[k].on.get()))
          return false;
    }
    for (std::size_t i = 0; i < a.parts.size(); ++i)
      if (!statements(*a.parts[i], *b.parts[i])) return false;
    return !a.source || statements(*a.source, *b.source);
  }

 private:
  static bool rows(const std::vector<std::vector<node_ptr>>& a, const std::vector<std::vector<node_ptr>>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!lists(a[i], b[i])) return false;
    return true;
  }

  static bool lists(const std::vector<node_ptr>& a, const std::vector<node_ptr>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!nodes(a[i].get(), b[i].get())) return false;
    return true;
  }

  static bool assignments(const std::vector<assignment_node>& a, const std::vector<assignment_node>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].column != b[i].column || !nodes(a[i].value.get(), b[i].value.get())) return false;
    return true;
  }

  static bool nodes(const node* a, const node* b) {
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->kind != b->kind || a->precedence != b->precedence || a->count != b->count) return false;
    if (a->kind == node_kind::literal) return true;
    if (a->text != b->text || a->children.size() != b->children.size()) return false;
    if (a->kind == node_kind::cast && (a->type.kind != b->type.kind || a->type.length != b->type.length ||
                                       a->type.name != b->type.name))
      return false;
    if (!optional_froms(a->from.get(), b->from.get())) return false;
    if ((a->select == nullptr) != (b->select == nullptr) || (a->select && !statements(*a->select, *b->select)))
      return false;
    for (std::size_t i = 0; i < a->children.size(); ++i)
      if (!nodes(a->children[i].get(), b->children[i].get())) return false;
    return true;
  }

  static bool optional_froms(const from_item* a, const from_item* b) {
    if (a == b) return true;
    return a && b && froms(*a, *b);
  }

  static bool froms(const from_item& a, const from_item& b) {
    if (&a == &b) return true;
    if (a.kind != b.kind || a.table != b.table || a.alias != b.alias || a.columns != b.columns ||
        a.recursive != b.recursive || (a.body == nullptr) != (b.body == nullptr))
      return false;
    return !a.body || statements(*a.body, *b.body);
  }
};

class shape_cache {
 public:
  // Bounded: when full it starts over (what SQLAlchemy's LRU cache does, without the bookkeeping).
  static constexpr std::size_t capacity = 1000;

  static shape_cache& instance() {
    static shape_cache cache;
    return cache;
  }

  std::shared_ptr<const shaped_statement> find(const std::type_info& dialect, std::size_t hash,
                                               const statement_data& s) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(hash);
    if (it == entries_.end()) return nullptr;
    for (auto& [type, entry] : it->second)
      if (*type == dialect && same_shape::statements(*entry->exemplar, s)) return entry;
    return nullptr;
  }

  void add(const std::type_info& dialect, std::size_t hash, std::shared_ptr<const shaped_statement> entry) {
    std::unique_lock lock(mutex_);
    if (size_ >= capacity) {
      entries_.clear();
      size_ = 0;
    }
    entries_[hash].emplace_back(&dialect, std::move(entry));
    ++size_;
  }

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
  walk.statement(*data);
  auto& cache = shape_cache::instance();
  if (auto shaped = cache.find(type, walk.hash(), *data)) {
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
  for (std::size_t i = 0; i < plan.literals.size(); ++i) ordinal_of.emplace(plan.literals[i], static_cast<std::uint32_t>(i));
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
