// The non-template implementation of quarry/core/detail/shape_cache.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/detail/shape_cache.hpp"

namespace quarry::detail {

QUARRY_DECL auto shape_walk::text(std::size_t h, std::string_view t) -> std::size_t {
  h = mix(h, t.size());
  if (t.empty()) return h;
  return mix(h, static_cast<unsigned char>(t.front()) |
                    static_cast<std::size_t>(static_cast<unsigned char>(t[t.size() / 2])) << 8 |
                    static_cast<std::size_t>(static_cast<unsigned char>(t.back())) << 16);
}

// Each part is mixed with a tag of its own, and an empty part is skipped: most
// statements use few of the parts a statement_data has.
QUARRY_DECL auto shape_walk::statement_hash(const statement_data& s) -> std::size_t {
  std::size_t h = mix(basis, static_cast<std::size_t>(s.kind));
  h = mix(h, static_cast<std::size_t>(s.distinct) | static_cast<std::size_t>(s.correlate) << 1 |
                 static_cast<std::size_t>(s.default_values) << 2 | static_cast<std::size_t>(s.on_conflict) << 3);
  // A table's column list holds no literals: its address stands for it.
  if (const void* table_columns = s.columns.table_columns()) h = mix(h, reinterpret_cast<std::uintptr_t>(table_columns));
  else if (!s.columns.empty()) h = nodes(mix(h, 1), s.columns.get());
  if (!s.froms.empty()) {
    h = mix(h, 2);
    for (auto& entry : s.froms) {
      h = from(h, *entry.item);
      h = mix(h, entry.joins.size());
      for (auto& j : entry.joins) {
        h = mix(h, static_cast<std::size_t>(j.kind));
        h = from(h, *j.target);
        h = mix(h, node(j.on.get()));
      }
    }
  }
  if (s.where) h = mix(mix(h, 3), node(s.where.get()));
  if (!s.group_by.empty()) h = nodes(mix(h, 4), s.group_by);
  if (s.having) h = mix(mix(h, 5), node(s.having.get()));
  if (!s.order_by.empty()) h = nodes(mix(h, 6), s.order_by);
  if (s.limit) h = mix(mix(h, 7), node(s.limit.get()));
  if (s.offset) h = mix(mix(h, 8), node(s.offset.get()));
  if (!s.parts.empty()) {
    h = mix(h, 9);
    for (auto& part : s.parts) h = mix(h, statement_hash(*part));
    for (auto& op : s.operators) h = text(h, op);
  }
  if (s.target) h = from(mix(h, 10), *s.target);
  if (!s.assignments.empty()) h = assignments(mix(h, 11), s.assignments);
  if (!s.more_rows.empty()) {
    h = mix(h, 12);
    for (auto& row : s.more_rows) h = nodes(h, row);
  }
  if (!s.insert_columns.empty()) {
    h = mix(h, 13);
    for (auto& c : s.insert_columns) h = text(h, c);
  }
  if (s.source) h = mix(mix(h, 14), statement_hash(*s.source));
  if (!s.returning.empty()) h = nodes(mix(h, 15), s.returning);
  if (!s.conflict_columns.empty()) {
    h = mix(h, 16);
    for (auto& c : s.conflict_columns) h = text(h, c);
  }
  if (!s.conflict_set.empty()) h = assignments(mix(h, 17), s.conflict_set);
  if (s.conflict_where) h = mix(mix(h, 18), node(s.conflict_where.get()));
  return h;
}

QUARRY_DECL auto shape_walk::known(const statement_data& s) -> void {
  if (s.known.form == known_shape::form_t::object_insert) {
    hash_ = mix(mix(mix(basis, reinterpret_cast<std::uintptr_t>(s.target->table.get())), s.known.columns), 0x6f626a);
    for (auto& a : s.assignments) literals_.push(&a.literal);
    return;
  }
  const detail::node& condition = *s.where;
  const detail::node& column = *condition.children[0];
  std::size_t h = mix(mix(basis, static_cast<std::size_t>(s.kind)), 0x6b6579);
  if (s.target) h = from(h, *s.target);
  else h = mix(h, reinterpret_cast<std::uintptr_t>(s.columns.table_columns()));
  h = from(text(text(h, condition.text), column.text), *column.from);
  literals_.push(&condition.children[1]->literal);
  for (auto& a : s.assignments) {
    h = text(h, a.column);
    literals_.push(a.value ? &a.value->literal : &a.literal);
  }
  hash_ = h;
}

QUARRY_DECL bool is_keyed_condition(const node* condition) {
  if (!condition || condition->kind != node_kind::binary || condition->precedence != precedence::comparison ||
      condition->children.size() != 2 || condition->children[1]->kind != node_kind::literal)
    return false;
  const node& column = *condition->children[0];
  return column.kind == node_kind::column && column.from && column.from->kind == from_item::kind_t::table;
}

QUARRY_DECL void know_keyed_shape(statement_data& d) {
  d.known.form = known_shape::form_t::none;
  if (!is_keyed_condition(d.where.get())) return;
  switch (d.kind) {
    case statement_kind::select:
      if (!d.columns.table_columns() || d.target || !d.assignments.empty()) return;
      break;
    case statement_kind::update:
      if (!d.target || d.target->kind != from_item::kind_t::table || !d.columns.empty() || d.assignments.empty()) return;
      for (auto& a : d.assignments)
        if (a.value && a.value->kind != node_kind::literal) return;
      break;
    case statement_kind::delete_:
      if (!d.target || d.target->kind != from_item::kind_t::table || !d.columns.empty() || !d.assignments.empty()) return;
      break;
    default:
      return;
  }
  // Nothing else may be set: the shape stands for the parts above and the defaults.
  if (!d.froms.empty() || !d.group_by.empty() || d.having || !d.order_by.empty() || d.limit || d.offset ||
      d.distinct || !d.correlate || !d.parts.empty() || !d.operators.empty() || !d.more_rows.empty() ||
      !d.insert_columns.empty() || d.source || !d.returning.empty() || d.default_values || d.on_conflict ||
      !d.conflict_columns.empty() || !d.conflict_set.empty() || d.conflict_where)
    return;
  d.known.form = known_shape::form_t::keyed;
}

QUARRY_DECL auto shape_walk::nodes(std::size_t h, const std::vector<node_ptr>& list) -> std::size_t {
  h = mix(h, list.size());
  for (auto& n : list) h = mix(h, node(n.get()));
  return h;
}

QUARRY_DECL auto shape_walk::assignments(std::size_t h, const std::vector<assignment_node>& set) -> std::size_t {
  h = mix(h, set.size());
  for (auto& a : set) {
    h = text(h, a.column);
    if (a.value) {
      h = mix(h, node(a.value.get()));
    } else {
      h = mix(h, static_cast<std::size_t>(node_kind::literal));
      literals_.push(&a.literal);
    }
  }
  return h;
}

QUARRY_DECL auto shape_walk::node(const detail::node* n) -> std::size_t {
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

QUARRY_DECL auto shape_walk::from(std::size_t h, const from_item& f) -> std::size_t {
  h = mix(h, static_cast<std::size_t>(f.kind));
  h = mix(h, reinterpret_cast<std::uintptr_t>(f.table.get()));
  h = text(h, f.alias);
  if (f.body) h = mix(h, statement_hash(*f.body));
  return h;
}

QUARRY_DECL auto same_shape::statements(const statement_data& a, const statement_data& b) -> bool {
  if (a.known.form == b.known.form && a.known.form == known_shape::form_t::object_insert)
    return a.target->table == b.target->table && a.known.columns == b.known.columns;
  if (a.known.form == b.known.form && a.known.form == known_shape::form_t::keyed) {
    const node& x = *a.where;
    const node& y = *b.where;
    const node& x_column = *x.children[0];
    const node& y_column = *y.children[0];
    if (a.kind != b.kind || x.text != y.text || x.count != y.count || x_column.text != y_column.text ||
        !froms(*x_column.from, *y_column.from) || a.assignments.size() != b.assignments.size())
      return false;
    for (std::size_t i = 0; i < a.assignments.size(); ++i)
      if (a.assignments[i].column != b.assignments[i].column) return false;
    return a.target ? b.target && froms(*a.target, *b.target) : a.columns.shares(b.columns);
  }
  if (a.kind != b.kind || a.distinct != b.distinct || a.correlate != b.correlate ||
      a.default_values != b.default_values || a.on_conflict != b.on_conflict ||
      (!a.columns.shares(b.columns) && !lists(a.columns.get(), b.columns.get())) ||
      a.froms.size() != b.froms.size() || !same_nodes(a.where, b.where) || !same_lists(a.group_by, b.group_by) ||
      !same_nodes(a.having, b.having) || !same_lists(a.order_by, b.order_by) || !same_nodes(a.limit, b.limit) ||
      !same_nodes(a.offset, b.offset) || a.parts.size() != b.parts.size() || !same_names(a.operators, b.operators) ||
      !optional_froms(a.target.get(), b.target.get()) || !same_assignments(a.assignments, b.assignments) ||
      a.more_rows.size() != b.more_rows.size() || (!a.more_rows.empty() && !rows(a.more_rows, b.more_rows)) ||
      !same_names(a.insert_columns, b.insert_columns) || (a.source == nullptr) != (b.source == nullptr) ||
      !same_lists(a.returning, b.returning) || !same_names(a.conflict_columns, b.conflict_columns) ||
      !same_assignments(a.conflict_set, b.conflict_set) || !same_nodes(a.conflict_where, b.conflict_where))
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

QUARRY_DECL auto same_shape::rows(const std::vector<std::vector<node_ptr>>& a, const std::vector<std::vector<node_ptr>>& b) -> bool {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!lists(a[i], b[i])) return false;
  return true;
}

QUARRY_DECL auto same_shape::lists(const std::vector<node_ptr>& a, const std::vector<node_ptr>& b) -> bool {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!nodes(a[i].get(), b[i].get())) return false;
  return true;
}

QUARRY_DECL auto same_shape::assignments(const std::vector<assignment_node>& a, const std::vector<assignment_node>& b) -> bool {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].column != b[i].column || (a[i].value == nullptr) != (b[i].value == nullptr) ||
        !nodes(a[i].value.get(), b[i].value.get()))
      return false;
  return true;
}

QUARRY_DECL auto same_shape::nodes(const node* a, const node* b) -> bool {
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

QUARRY_DECL auto same_shape::chains(const node& a, const node& b) -> bool {
  chain_operands x(a), y(b);
  for (;;) {
    const node* p = x.next();
    const node* q = y.next();
    if (!p || !q) return p == q;
    if (!nodes(p, q)) return false;
  }
}

QUARRY_DECL auto same_shape::optional_froms(const from_item* a, const from_item* b) -> bool {
  if (a == b) return true;
  return a && b && froms(*a, *b);
}

QUARRY_DECL auto same_shape::froms(const from_item& a, const from_item& b) -> bool {
  if (&a == &b) return true;
  if (a.kind != b.kind || a.table != b.table || a.alias != b.alias || a.columns != b.columns ||
      a.recursive != b.recursive || (a.body == nullptr) != (b.body == nullptr))
    return false;
  return !a.body || statements(*a.body, *b.body);
}

QUARRY_DECL auto shape_cache::instance() -> shape_cache& {
  static shape_cache cache;
  return cache;
}

QUARRY_DECL auto shape_cache::find(const std::type_info& dialect, std::size_t hash, const statement_data& s, const literal_list& literals) const -> std::shared_ptr<const shaped_statement> {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(hash);
  if (it == entries_.end()) return nullptr;
  for (auto& [type, entry] : it->second)
    if (*type == dialect && entry->binds_literals_of(literals) && same_shape::statements(*entry->exemplar, s))
      return entry;
  return nullptr;
}

QUARRY_DECL auto shape_cache::add(const std::type_info& dialect, std::size_t hash, std::shared_ptr<const shaped_statement> entry) -> void {
  std::unique_lock lock(mutex_);
  if (size_ >= capacity) {
    entries_.clear();
    size_ = 0;
  }
  entries_[hash].emplace_back(&dialect, std::move(entry));
  ++size_;
}

}  // namespace quarry::detail
