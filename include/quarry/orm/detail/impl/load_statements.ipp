// The non-template implementation of quarry/orm/detail/load_statements.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/detail/load_statements.hpp"

namespace quarry::detail {

QUARRY_DECL bool leads_back(std::span<const relationship_info* const> path, const relationship_info& r) {
  if (&r.target() == (path.empty() ? &r.owner() : &path.front()->owner())) return true;
  return std::any_of(path.begin(), path.end(), [&](const relationship_info* p) { return &p->target() == &r.target(); });
}

QUARRY_DECL loading strategy_for(const loader_options& options, std::span<const relationship_info* const> path, const relationship_info& r) {
  loading s = r.lazy;
  bool chosen = false;
  for (auto& o : options) {
    const auto& steps = static_cast<const loader_path*>(o.get())->steps;
    if (steps.size() <= path.size() || steps[path.size()].r != &r) continue;
    if (std::equal(path.begin(), path.end(), steps.begin(), [](auto* p, const loader_step& st) { return p == st.r; })) {
      s = steps[path.size()].strategy;
      chosen = true;
    }
  }
  bool eager = s == loading::joined || s == loading::selectin || s == loading::subquery;
  if (eager && !chosen && leads_back(path, r)) s = loading::select;
  // A joined relationship back along the path would join forever.
  if (s == loading::joined && std::find(path.begin(), path.end(), &r) != path.end()) s = loading::select;
  return s;
}

QUARRY_DECL std::uint64_t deferred_columns(const loader_options& options, std::span<const relationship_info* const> path, const mapper& m) {
  std::uint64_t mask = m.deferred;
  for (auto& o : options) {
    const auto& p = *static_cast<const loader_path*>(o.get());
    if (p.columns_of != &m || p.steps.size() != path.size()) continue;
    if (std::equal(path.begin(), path.end(), p.steps.begin(), [](auto* r, const loader_step& st) { return r == st.r; }))
      mask = (mask | p.defer) & ~p.undefer;
  }
  return mask & ~m.always_loaded;
}

QUARRY_DECL std::shared_ptr<const statement_data> without_columns(std::shared_ptr<const statement_data> source, const mapper& m, std::uint64_t deferred) {
  if (!deferred) return source;
  auto data = std::make_shared<statement_data>(*source);
  data->compiled = compile_cache();
  auto& columns = data->columns.edit();
  for (std::size_t i = 0; i < m.column_count && i < columns.size(); ++i)
    if (is_deferred(deferred, i)) columns[i] = null_column();
  return data;
}

QUARRY_DECL std::string column_bytes(const mapper& m, const void* object, const std::vector<std::size_t>& columns) {
  identity_key k;
  for (auto c : columns) {
    value owned;
    k.append(m.bind(object, c, owned));
  }
  return std::move(k.bytes);
}

QUARRY_DECL bool any_null(const mapper& m, const void* object, const std::vector<std::size_t>& columns) {
  for (auto c : columns) {
    value owned;
    if (m.bind(object, c, owned).is_null()) return true;
  }
  return false;
}

QUARRY_DECL node_ptr key_filter(const std::vector<node_ptr>& columns, const std::vector<std::vector<value>>& keys) {
  if (columns.size() == 1) {
    if (keys.size() == 1)
      return make_node(node_kind::binary, precedence::comparison, " = ", columns[0], literal_node(keys[0][0]));
    auto n = std::make_shared<node>();
    n->kind = node_kind::in_list;
    n->precedence = precedence::comparison;
    n->text = " IN ";
    n->children.push_back(columns[0]);
    for (auto& k : keys) n->children.push_back(literal_node(k[0]));
    return n;
  }
  node_ptr any;
  for (auto& k : keys) {
    node_ptr all;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      auto equal = make_node(node_kind::binary, precedence::comparison, " = ", columns[i], literal_node(k[i]));
      all = all ? make_node(node_kind::binary, precedence::and_, " AND ", all, equal) : equal;
    }
    any = any ? make_node(node_kind::binary, precedence::or_, " OR ", any, all) : all;
  }
  return any;
}

QUARRY_DECL node_ptr rebase_columns(const node_ptr& n, const from_ptr& from, const from_ptr& to) {
  if (!n) return n;
  if (n->kind == node_kind::column && n->from == from) return column_node(to, n->text);
  bool changed = false;
  std::vector<node_ptr> children;
  for (auto& c : n->children) {
    children.push_back(rebase_columns(c, from, to));
    changed = changed || children.back() != c;
  }
  if (!changed) return n;
  auto copy = std::make_shared<node>(*n);
  copy->children.assign(std::make_move_iterator(children.begin()), std::make_move_iterator(children.end()));
  return copy;
}

QUARRY_DECL node_ptr and_all(node_ptr a, node_ptr b) {
  if (!a) return b;
  if (!b) return a;
  return make_node(node_kind::binary, precedence::and_, " AND ", std::move(a), std::move(b));
}

QUARRY_DECL std::shared_ptr<statement_data> target_select(const relationship_info& r) {
  const mapper& t = r.target();
  auto data = std::make_shared<statement_data>();
  for (std::size_t i = 0; i < t.column_count; ++i) data->columns.push_back(t.column(i));
  data->where = r.criteria;
  for (auto& [column, descending] : r.order_by)
    data->order_by.push_back(descending ? make_node(node_kind::postfix, precedence::unary, " DESC", t.column(column))
                                        : t.column(column));
  return data;
}

QUARRY_DECL node_ptr equal_all(const std::vector<node_ptr>& left, const std::vector<node_ptr>& right) {
  node_ptr on;
  for (std::size_t i = 0; i < left.size(); ++i) {
    auto equal = make_node(node_kind::binary, precedence::comparison, " = ", left[i], right[i]);
    on = on ? make_node(node_kind::binary, precedence::and_, " AND ", on, equal) : equal;
  }
  return on;
}

QUARRY_DECL std::vector<node_ptr> columns_of(const from_ptr& from, const mapper& m, const std::vector<std::size_t>& positions) {
  std::vector<node_ptr> out;
  for (auto p : positions) out.push_back(column_node(from, m.table->columns[p].name));
  return out;
}

QUARRY_DECL std::vector<node_ptr> parent_key_columns(const relationship_info& r) {
  if (r.kind == relationship_kind::many_to_many) return columns_of(r.secondary().from(), r.secondary(), r.secondary_local);
  return columns_of(r.target().from(), r.target(), r.remote);
}

QUARRY_DECL void join_association(statement_data& data, const relationship_info& r) {
  if (r.kind != relationship_kind::many_to_many) return;
  const auto& association = r.secondary().from();
  auto on = equal_all(columns_of(r.target().from(), r.target(), r.remote), columns_of(association, r.secondary(), r.secondary_remote));
  data.froms.push_back({r.target().from(), {{join_kind::inner, association, on}}});
  for (auto& c : columns_of(association, r.secondary(), r.secondary_local)) data.columns.push_back(c);
}

QUARRY_DECL std::shared_ptr<statement_data> select_by_remote(const relationship_info& r, const std::vector<std::vector<value>>& keys, const loader_options& options) {
  auto data = target_select(r);
  join_association(*data, r);
  data->where = and_all(key_filter(parent_key_columns(r), keys), data->where);
  data->orm_options = options;
  return data;
}

QUARRY_DECL std::shared_ptr<const statement_data> select_by_one_key(const relationship_info& r) {
  auto& cache = r.lazy_select;
  std::lock_guard lock(cache.mutex);
  if (!cache.statement) {
    auto data = target_select(r);
    auto key = make_node(node_kind::bind, precedence::atom, parent_key_parameter);
    data->where = and_all(make_node(node_kind::binary, precedence::comparison, " = ", parent_key_columns(r)[0], key), data->where);
    cache.statement = std::move(data);
  }
  return cache.statement;
}

QUARRY_DECL std::shared_ptr<statement_data> select_by_subquery(const relationship_info& r, const statement_data& source, const loader_options& options) {
  const mapper& owner = r.owner();
  auto inner = std::make_shared<statement_data>(source);
  inner->compiled = compile_cache();
  inner->orm_options.clear();
  inner->columns.clear();
  for (auto c : r.local) inner->columns.push_back(owner.column(c));
  // Without LIMIT the parents' order does not matter, and DISTINCT keeps the join small.
  if (!inner->limit && !inner->offset) {
    inner->order_by.clear();
    inner->distinct = true;
  }
  auto anon = std::make_shared<from_item>();
  anon->kind = from_item::kind_t::subquery;
  anon->alias = "anon_parents";
  anon->body = inner;
  anon->columns = output_names(*inner);
  auto data = target_select(r);
  join_association(*data, r);
  std::vector<node_ptr> anon_columns;
  for (auto& name : anon->columns) anon_columns.push_back(column_node(anon, name));
  auto on = equal_all(parent_key_columns(r), anon_columns);
  if (data->froms.empty()) data->froms.push_back({r.target().from(), {}});
  data->froms.front().joins.push_back({join_kind::inner, anon, on});
  data->orm_options = options;
  return data;
}

QUARRY_DECL void plan_joins(statement_data& data, from_entry& entry, const mapper& m, const from_ptr& parent, std::vector<const relationship_info*>& path, const loader_options& options, std::vector<joined_load>& out, std::size_t& aliases) {
  for (auto& r : m.relationships()) {
    auto strategy = strategy_for(options, path, r);
    if (strategy != loading::joined && strategy != loading::contains_eager) continue;
    const mapper& t = r.target();
    joined_load j;
    j.r = &r;
    j.one_parent_per_target = strategy == loading::joined && r.kind == relationship_kind::one_to_many &&
                              !r.criteria && r.local == m.key_columns;
    path.push_back(&r);
    j.deferred = deferred_columns(options, path, t);
    path.pop_back();
    auto column_or_null = [&](const from_ptr& from, std::size_t i) {
      return is_deferred(j.deferred, i) ? null_column() : column_node(from, t.table->columns[i].name);
    };
    if (strategy == loading::contains_eager) {
      // The statement joined the target's table itself: read its columns from there.
      j.alias = t.from();
      j.offset = data.columns.size();
      for (std::size_t i = 0; i < t.column_count; ++i) data.columns.push_back(column_or_null(j.alias, i));
      path.push_back(&r);
      plan_joins(data, entry, t, j.alias, path, options, j.children, aliases);
      path.pop_back();
      out.push_back(std::move(j));
      continue;
    }
    j.alias = alias_of(t.from()->table, t.table->name + "_" + std::to_string(++aliases));
    auto parent_columns = columns_of(parent, m, r.local);
    if (r.kind == relationship_kind::many_to_many) {
      auto association = alias_of(r.secondary().from()->table, r.secondary().table->name + "_" + std::to_string(++aliases));
      entry.joins.push_back({join_kind::left, association, equal_all(parent_columns, columns_of(association, r.secondary(), r.secondary_local))});
      entry.joins.push_back({join_kind::left, j.alias, equal_all(columns_of(association, r.secondary(), r.secondary_remote), columns_of(j.alias, t, r.remote))});
    } else {
      auto on = and_all(equal_all(parent_columns, columns_of(j.alias, t, r.remote)), rebase_columns(r.criteria, t.from(), j.alias));
      entry.joins.push_back({join_kind::left, j.alias, on});
    }
    j.offset = data.columns.size();
    for (std::size_t i = 0; i < t.column_count; ++i) data.columns.push_back(column_or_null(j.alias, i));
    for (auto& [column, descending] : r.order_by) {
      auto term = column_node(j.alias, t.table->columns[column].name);
      data.order_by.push_back(descending ? make_node(node_kind::postfix, precedence::unary, " DESC", term) : term);
    }
    path.push_back(&r);
    plan_joins(data, entry, t, j.alias, path, options, j.children, aliases);
    path.pop_back();
    out.push_back(std::move(j));
  }
}

QUARRY_DECL std::shared_ptr<const statement_data> with_joins(std::shared_ptr<const statement_data> source, const mapper& m, std::vector<const relationship_info*>& path, const loader_options& options, std::vector<joined_load>& out) {
  bool joined = false, by_hand = false;
  for (auto& r : m.relationships()) {
    auto strategy = strategy_for(options, path, r);
    joined = joined || strategy == loading::joined;
    by_hand = by_hand || strategy == loading::contains_eager;
  }
  if (!joined && !by_hand) return source;
  std::size_t aliases = 0;
  // A join written by hand is the statement's own: its LIMIT counts its rows.
  if ((source->limit || source->offset) && !by_hand) {
    auto inner = std::make_shared<statement_data>(*source);
    inner->compiled = compile_cache();
    inner->orm_options.clear();
    auto anon = std::make_shared<from_item>();
    anon->kind = from_item::kind_t::subquery;
    anon->alias = "anon_parents";
    anon->body = inner;
    anon->columns = output_names(*inner);
    auto data = std::make_shared<statement_data>();
    for (std::size_t i = 0; i < m.column_count; ++i)
      data->columns.push_back(inner->columns[i]->kind == node_kind::raw ? null_column()  // deferred
                                                                        : column_node(anon, anon->columns[i]));
    for (auto& term : source->order_by) data->order_by.push_back(rebase_columns(term, m.from(), anon));
    data->froms.push_back({anon, {}});
    plan_joins(*data, data->froms.back(), m, anon, path, options, out, aliases);
    return data;
  }
  auto data = std::make_shared<statement_data>(*source);
  data->compiled = compile_cache();
  from_entry* entry = nullptr;
  for (auto& f : data->froms)
    if (f.item == m.from()) entry = &f;
  if (!entry) {
    data->froms.insert(data->froms.begin(), {m.from(), {}});
    entry = &data->froms.front();
  }
  plan_joins(*data, *entry, m, m.from(), path, options, out, aliases);
  return data;
}

}  // namespace quarry::detail
