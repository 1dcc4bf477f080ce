// Compiled SQL per statement shape (SQLAlchemy's compiled cache).
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
  void statement(const statement_data& s) { hash_ = statement_hash(s); }

 private:
  static constexpr std::size_t basis = 0xcbf29ce484222325ull;
  static std::size_t mix(std::size_t h, std::size_t x) noexcept { return (h ^ x) * 0x100000001b3ull; }
  // A few characters stand for the whole text: cheap, and same_shape compares it in full.
  static std::size_t text(std::size_t h, std::string_view t) {
    h = mix(h, t.size());
    if (t.empty()) return h;
    return mix(h, static_cast<unsigned char>(t.front()) |
                      static_cast<std::size_t>(static_cast<unsigned char>(t[t.size() / 2])) << 8 |
                      static_cast<std::size_t>(static_cast<unsigned char>(t.back())) << 16);
  }

  std::size_t statement_hash(const statement_data& s) {
    std::size_t h = mix(basis, static_cast<std::size_t>(s.kind));
    h = nodes(h, s.columns.get());
    h = mix(h, s.froms.size());
    for (auto& entry : s.froms) {
      h = from(h, *entry.item);
      h = mix(h, entry.joins.size());
      for (auto& j : entry.joins) {
        h = mix(h, static_cast<std::size_t>(j.kind));
        h = from(h, *j.target);
        h = mix(h, node(j.on.get()));
      }
    }
    h = mix(h, node(s.where.get()));
    h = nodes(h, s.group_by);
    h = mix(h, node(s.having.get()));
    h = nodes(h, s.order_by);
    h = mix(h, node(s.limit.get()));
    h = mix(h, node(s.offset.get()));
    h = mix(h, static_cast<std::size_t>(s.distinct) | static_cast<std::size_t>(s.correlate) << 1 |
                   static_cast<std::size_t>(s.default_values) << 2 | static_cast<std::size_t>(s.on_conflict) << 3);
    h = mix(h, s.parts.size());
    for (auto& part : s.parts) h = mix(h, statement_hash(*part));
    for (auto& op : s.operators) h = text(h, op);
    if (s.target) h = from(h, *s.target);
    h = assignments(h, s.assignments);
    h = mix(h, s.more_rows.size());
    for (auto& row : s.more_rows) h = nodes(h, row);
    for (auto& c : s.insert_columns) h = text(h, c);
    h = mix(h, s.source != nullptr);
    if (s.source) h = mix(h, statement_hash(*s.source));
    h = nodes(h, s.returning);
    for (auto& c : s.conflict_columns) h = text(h, c);
    h = assignments(h, s.conflict_set);
    return mix(h, node(s.conflict_where.get()));
  }

  std::size_t nodes(std::size_t h, const std::vector<node_ptr>& list) {
    h = mix(h, list.size());
    for (auto& n : list) h = mix(h, node(n.get()));
    return h;
  }

  std::size_t assignments(std::size_t h, const std::vector<assignment_node>& set) {
    h = mix(h, set.size());
    for (auto& a : set) h = mix(text(h, a.column), node(a.value.get()));
    return h;
  }

  // A node's hash, with bit 0 set (worked out) and bit 1 set when the node holds
  // literals or a statement, whose walk must be repeated to collect them. One
  // without is remembered in the node and not walked again.
  std::size_t node(const detail::node* n) {
    if (!n) return 0x9e3779b9u;
    if (std::size_t known = n->shape.load(); (known & 3) == 1) return known;
    std::size_t h = mix(basis, static_cast<std::size_t>(n->kind) << 16 | static_cast<std::size_t>(n->precedence) << 8);
    h = mix(h, n->count);
    bool walk_again = n->kind == node_kind::literal;
    if (walk_again) {
      literals_.push(&n->literal);
    } else {
      h = text(h, n->text);
      if (n->kind == node_kind::cast) h = mix(h, static_cast<std::size_t>(n->type.kind) << 32 | n->type.length);
      if (n->from) {
        h = from(h, *n->from);
        walk_again = n->from->body != nullptr;
      }
      if (n->select) {
        h = mix(h, statement_hash(*n->select));
        walk_again = true;
      }
      auto operand = [&](const detail::node& c) {
        std::size_t child = node(&c);
        h = mix(h, child);
        walk_again = walk_again || (child & 2);
      };
      if (is_chain(*n)) {
        for_each_operand(*n, operand);
      } else {
        h = mix(h, n->children.size());
        for (auto& c : n->children) operand(*c);
      }
    }
    h = (h & ~std::size_t{3}) | (walk_again ? 3 : 1);
    if (!walk_again) n->shape.store(h);
    return h;
  }

  std::size_t from(std::size_t h, const from_item& f) {
    h = mix(h, static_cast<std::size_t>(f.kind));
    h = mix(h, reinterpret_cast<std::uintptr_t>(f.table.get()));
    h = text(h, f.alias);
    if (f.body) h = mix(h, statement_hash(*f.body));
    return h;
  }

  literal_list& literals_;
  std::size_t hash_ = basis;
};

// Whether two statements compile to the same SQL: equal in all but literal values.
class same_shape {
 public:
  static bool statements(const statement_data& a, const statement_data& b) {
    if (a.kind != b.kind || a.distinct != b.distinct || a.correlate != b.correlate ||
        a.default_values != b.default_values || a.on_conflict != b.on_conflict ||
        (!a.columns.shares(b.columns) && !lists(a.columns.get(), b.columns.get())) ||
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
    if (is_chain(*a)) return a->text == b->text && chains(*a, *b);
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

  // Chains match operand by operand, however each was nested.
  static bool chains(const node& a, const node& b) {
    chain_operands x(a), y(b);
    for (;;) {
      const node* p = x.next();
      const node* q = y.next();
      if (!p || !q) return p == q;
      if (!nodes(p, q)) return false;
    }
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
                                               const statement_data& s, const literal_list& literals) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(hash);
    if (it == entries_.end()) return nullptr;
    for (auto& [type, entry] : it->second)
      if (*type == dialect && entry->binds_literals_of(literals) && same_shape::statements(*entry->exemplar, s))
        return entry;
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
