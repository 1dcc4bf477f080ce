// The non-template implementation of quarry/core/detail/compiler.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/detail/compiler.hpp"

namespace quarry::detail {

QUARRY_DECL std::vector<std::string> output_names(const statement_data& s) {
  const statement_data* first = &s;
  while (first->kind == statement_kind::compound) first = first->parts.front().get();
  const auto& columns = first->kind == statement_kind::select ? first->columns.get() : first->returning;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const node& n = *columns[i];
    // Appended piecewise: g++ 12 -O3 warns falsely (-Wrestrict) on "text" + std::string.
    std::string name;
    if (n.kind == node_kind::column || n.kind == node_kind::label) {
      name = n.text;
    } else {
      name = "anon_";
      name += std::to_string(i + 1);
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      name += '_';
      name += std::to_string(i + 1);
    }
    names.push_back(std::move(name));
  }
  return names;
}

QUARRY_DECL void collect_froms(const node& n, std::vector<from_ptr>& found) {
  if (n.kind == node_kind::column && n.from && n.from->alias != "excluded") {
    for (auto& f : found)
      if (f == n.from) return;
    found.push_back(n.from);
    return;
  }
  if (n.kind == node_kind::subquery) return;
  if (is_chain(n)) for_each_operand(n, [&](const node& operand) { collect_froms(operand, found); });
  else
    for (auto& child : n.children) collect_froms(*child, found);
}

QUARRY_DECL auto compiler::copy_from(const statement_data& s) -> std::optional<compiled_statement> {
  if (s.kind != statement_kind::insert || s.source || s.on_conflict || !s.returning.empty() ||
      !s.more_rows.empty() || s.assignments.empty())
    return std::nullopt;
  compiled_statement out;
  out.sql = "COPY " + dialect_.format_identifier(s.target->table->name) + " (";
  for (auto& a : s.assignments) {
    if (!a.value || a.value->kind != node_kind::bind) return std::nullopt;
    if (!out.binds.empty()) out.sql += ", ";
    out.sql += dialect_.format_identifier(a.column);
    out.binds.push_back({nullptr, a.value->text});
    out.names.push_back(a.value->text);
  }
  for (const column_info* c : left_to_defaults(s)) {
    out.sql += ", " + dialect_.format_identifier(c->name);
    out.binds.push_back({&*c->default_value, {}});
  }
  out.sql += ") FROM STDIN";
  out.hash = std::hash<std::string_view>{}(out.sql);
  return out;
}

QUARRY_DECL auto compiler::compile(const statement_data& s) -> compiled_statement {
  piece body;
  out_ = &body;
  statement(s, false);
  std::vector<piece> all;
  if (!ctes_.empty()) {
    piece with;
    with.text = recursive_ ? "WITH RECURSIVE " : "WITH ";
    for (std::size_t i = 0; i < ctes_.size(); ++i) {
      if (i) with.text += ", ";
      append(with, ctes_[i]);
    }
    with.text += ' ';
    all.push_back(std::move(with));
  }
  all.push_back(std::move(body));
  return assemble(all);
}

QUARRY_DECL auto compiler::append(piece& to, const piece& from) -> void {
  for (auto& [offset, slot] : from.binds) to.binds.emplace_back(offset + to.text.size(), slot);
  to.text += from.text;
}

QUARRY_DECL auto compiler::assemble(const std::vector<piece>& pieces) const -> compiled_statement {
  compiled_statement out;
  std::unordered_set<std::string_view> seen;  // bindparam names, listed once each
  bool numeric = dialect_.paramstyle() == paramstyle::numeric_dollar;
  for (auto& p : pieces) {
    std::size_t at = 0;
    for (auto& [offset, slot] : p.binds) {
      out.sql.append(p.text, at, offset - at);
      at = offset;
      out.binds.push_back(slot);
      if (numeric) {
        out.sql += '$';
        out.sql += std::to_string(out.binds.size());
      } else {
        out.sql += '?';
      }
      if (!slot.literal && seen.insert(slot.name).second) out.names.push_back(slot.name);
    }
    out.sql.append(p.text, at);
  }
  out.hash = std::hash<std::string_view>{}(out.sql);
  return out;
}

QUARRY_DECL auto compiler::statement(const statement_data& s, bool nested) -> void {
  switch (s.kind) {
    case statement_kind::select: select(s, nested); break;
    case statement_kind::compound: compound(s, nested); break;
    case statement_kind::insert: insert(s); break;
    case statement_kind::update: update(s); break;
    case statement_kind::delete_: delete_(s); break;
  }
}

QUARRY_DECL auto compiler::compound(const statement_data& s, bool nested) -> void {
  for (std::size_t i = 0; i < s.parts.size(); ++i) {
    if (i) write(" " + s.operators[i - 1] + " ");
    const auto& part = *s.parts[i];
    if (!part.order_by.empty() || part.limit || part.offset)
      throw ArgumentError("quarry: a SELECT inside union/intersect/except cannot have its own order_by, limit or "
                          "offset; put them on the compound statement or wrap the part in a subquery");
    statement(part, nested);
  }
  // The ORDER BY of a compound names result columns, which have no table.
  bool qualified = qualify_;
  qualify_ = false;
  tail(s);
  qualify_ = qualified;
}

QUARRY_DECL auto compiler::select(const statement_data& s, bool nested) -> void {
  auto froms = from_list(s, nested);
  // Subqueries anywhere in this statement correlate to its FROM items.
  std::vector<const from_item*> scope;
  for (auto& entry : froms) {
    scope.push_back(entry.item.get());
    for (auto& j : entry.joins) scope.push_back(j.target.get());
  }
  scopes_.push_back(&scope);
  write(s.distinct ? "SELECT DISTINCT " : "SELECT ");
  if (s.columns.empty()) throw ArgumentError("quarry: a SELECT needs at least one column");
  std::vector<std::string> names;
  if (nested) names = output_names(s);
  for (std::size_t i = 0; i < s.columns.size(); ++i) {
    if (i) write(", ");
    const node& column = *s.columns[i];
    // A subquery's columns need names its users can refer to.
    if (!result_column(column) && nested && column.kind != node_kind::star &&
        !(column.kind == node_kind::column && column.text == names[i])) {
      write(" AS ");
      identifier(names[i]);
    }
  }
  if (!froms.empty()) {
    write(" FROM ");
    for (std::size_t i = 0; i < froms.size(); ++i) {
      if (i) write(", ");
      from_reference(*froms[i].item);
      for (auto& j : froms[i].joins) {
        static constexpr std::string_view joins[] = {" JOIN ", " LEFT OUTER JOIN ", " RIGHT OUTER JOIN ",
                                                     " FULL OUTER JOIN "};
        write(joins[static_cast<int>(j.kind)]);
        from_reference(*j.target);
        write(" ON ");
        expression(*j.on, precedence::lowest);
      }
    }
  }
  if (s.where) {
    write(" WHERE ");
    expression(*s.where, precedence::lowest);
  }
  if (!s.group_by.empty()) {
    write(" GROUP BY ");
    list(s.group_by, true);
  }
  if (s.having) {
    write(" HAVING ");
    expression(*s.having, precedence::lowest);
  }
  tail(s);
  scopes_.pop_back();
}

QUARRY_DECL auto compiler::result_column(const node& column) -> bool {
  if (column.kind != node_kind::label) {
    expression(column, precedence::lowest);
    return false;
  }
  expression(*column.children[0], precedence::lowest);
  write(" AS ");
  identifier(column.text);
  return true;
}

QUARRY_DECL auto compiler::tail(const statement_data& s) -> void {
  if (!s.order_by.empty()) {
    write(" ORDER BY ");
    list(s.order_by, true);
  }
  if (s.limit) {
    write(" LIMIT ");
    expression(*s.limit, precedence::lowest);
  } else if (s.offset && !dialect_.limit_for_offset_only().empty()) {
    write(" LIMIT ");
    write(dialect_.limit_for_offset_only());
  }
  if (s.offset) {
    write(" OFFSET ");
    expression(*s.offset, precedence::lowest);
  }
}

QUARRY_DECL auto compiler::list(const std::vector<node_ptr>& nodes, bool labels_by_name) -> void {
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (i) write(", ");
    if (labels_by_name && nodes[i]->kind == node_kind::label) identifier(nodes[i]->text);
    else if (labels_by_name && nodes[i]->kind == node_kind::postfix && nodes[i]->children[0]->kind == node_kind::label) {
      identifier(nodes[i]->children[0]->text);
      write(nodes[i]->text);
    } else {
      expression(*nodes[i], precedence::lowest);
    }
  }
}

QUARRY_DECL auto compiler::from_list(const statement_data& s, bool nested) -> std::vector<from_entry> {
  std::vector<from_entry> froms = s.froms;
  auto present = [&](const from_item* item) {
    for (auto& entry : froms) {
      if (entry.item.get() == item) return true;
      for (auto& j : entry.joins)
        if (j.target.get() == item) return true;
    }
    return false;
  };
  std::vector<from_ptr> found;
  for (auto& c : s.columns) collect_froms(*c, found);
  if (s.where) collect_froms(*s.where, found);
  if (s.having) collect_froms(*s.having, found);
  for (auto& g : s.group_by) collect_froms(*g, found);
  std::vector<from_entry> derived;
  for (auto& item : found)
    if (!present(item.get())) derived.push_back({item, {}});
  if (nested && s.correlate && !scopes_.empty()) {
    std::vector<from_entry> kept;
    for (auto& entry : derived)
      if (!enclosing(entry.item.get())) kept.push_back(entry);
    if (!kept.empty() || !froms.empty()) derived = std::move(kept);
  }
  froms.insert(froms.end(), derived.begin(), derived.end());
  return froms;
}

QUARRY_DECL auto compiler::enclosing(const from_item* item) const -> bool {
  for (auto* scope : scopes_)
    for (auto* f : *scope)
      if (f == item) return true;
  return false;
}

QUARRY_DECL auto compiler::from_reference(const from_item& item) -> void {
  switch (item.kind) {
    case from_item::kind_t::table:
      identifier(item.table->name);
      if (!item.alias.empty()) {
        write(" AS ");
        identifier(item.alias);
      }
      break;
    case from_item::kind_t::subquery: {
      write("(");
      nested_body(*item.body);
      write(") AS ");
      identifier(item.alias);
      break;
    }
    case from_item::kind_t::cte:
      define_cte(item);
      identifier(item.alias);
      break;
  }
}

QUARRY_DECL auto compiler::nested_body(const statement_data& body) -> void {
  auto saved = std::move(scopes_);
  scopes_.clear();
  statement(body, true);
  scopes_ = std::move(saved);
}

QUARRY_DECL auto compiler::define_cte(const from_item& item) -> void {
  for (std::size_t i = 0; i < cte_names_.size(); ++i) {
    if (cte_names_[i] != item.alias) continue;
    if (related_ctes(*cte_items_[i], item)) return;
    throw ArgumentError("quarry: two different CTEs are named '" + item.alias +
                        "' in one statement; give each its own name in cte()");
  }
  cte_names_.push_back(item.alias);
  cte_items_.push_back(&item);
  recursive_ = recursive_ || item.recursive;
  piece definition;
  piece* saved = out_;
  out_ = &definition;
  identifier(item.alias);
  write("(");
  for (std::size_t i = 0; i < item.columns.size(); ++i) {
    if (i) write(", ");
    identifier(item.columns[i]);
  }
  write(") AS (");
  nested_body(*item.body);
  write(")");
  out_ = saved;
  ctes_.push_back(std::move(definition));
}

QUARRY_DECL auto compiler::related_ctes(const from_item& a, const from_item& b) -> bool {
  auto leads_to = [](const statement_data* body, const statement_data* anchor) {
    for (; body; body = body->kind == statement_kind::compound && !body->parts.empty() ? body->parts[0].get() : nullptr)
      if (body == anchor) return true;
    return false;
  };
  return &a == &b || leads_to(a.body.get(), b.body.get()) || leads_to(b.body.get(), a.body.get());
}

QUARRY_DECL auto compiler::child(const node& n, std::uint8_t parent, bool right) -> void {
  bool parens = n.precedence < parent || (right && n.precedence == parent && parent >= precedence::comparison);
  if (parens) write("(");
  expression(n, precedence::lowest);
  if (parens) write(")");
}

QUARRY_DECL auto compiler::expression(const node& n, std::uint8_t) -> void {
  switch (n.kind) {
    case node_kind::column:
      if (qualify_ || n.from->alias == "excluded") {
        identifier(n.from->name());
        write(".");
      }
      identifier(n.text);
      break;
    case node_kind::literal: placeholder({&n.literal, {}}); break;
    case node_kind::bind: placeholder({nullptr, n.text}); break;
    case node_kind::binary:
      if (n.text == " ILIKE " && !dialect_.supports_ilike()) {
        write("lower(");
        expression(*n.children[0], precedence::lowest);
        write(") LIKE lower(");
        expression(*n.children[1], precedence::lowest);
        write(")");
        if (n.children.size() > 2) like_escape(*n.children[2]);
        break;
      }
      if (is_chain(n)) {
        bool first = true;
        for_each_operand(n, [&](const node& operand) {
          if (!first) write(n.text);
          first = false;
          child(operand, n.precedence);
        });
        break;
      }
      child(*n.children[0], n.precedence);
      write(n.text);
      child(*n.children[1], n.precedence, true);
      if (n.children.size() > 2) like_escape(*n.children[2]);
      break;
    case node_kind::prefix:
      write(n.text);
      child(*n.children[0], n.precedence);
      break;
    case node_kind::postfix:
      child(*n.children[0], n.precedence);
      write(n.text);
      break;
    case node_kind::function:
      write(n.text);
      write("(");
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) write(", ");
        expression(*n.children[i], precedence::lowest);
      }
      write(")");
      break;
    case node_kind::label: expression(*n.children[0], precedence::lowest); break;
    case node_kind::case_: {
      write("CASE");
      for (std::size_t i = 0; i < n.count; ++i) {
        write(" WHEN ");
        expression(*n.children[2 * i], precedence::lowest);
        write(" THEN ");
        expression(*n.children[2 * i + 1], precedence::lowest);
      }
      if (n.children.size() > 2 * n.count) {
        write(" ELSE ");
        expression(*n.children.back(), precedence::lowest);
      }
      write(" END");
      break;
    }
    case node_kind::cast:
      write("CAST(");
      expression(*n.children[0], precedence::lowest);
      write(" AS ");
      write(dialect_.type_name(n.type));
      write(")");
      break;
    case node_kind::in_list:
      child(*n.children[0], n.precedence);
      write(n.text);
      write("(");
      for (std::size_t i = 1; i < n.children.size(); ++i) {
        if (i > 1) write(", ");
        expression(*n.children[i], precedence::lowest);
      }
      write(")");
      break;
    case node_kind::subquery: {
      write("(");
      statement(*n.select, true);
      write(")");
      break;
    }
    case node_kind::between:
      child(*n.children[0], n.precedence);
      write(n.text);
      child(*n.children[1], n.precedence, true);
      write(" AND ");
      child(*n.children[2], n.precedence, true);
      break;
    case node_kind::over: {
      expression(*n.children[0], precedence::lowest);
      write(" OVER (");
      std::size_t partitions = n.count;
      if (partitions) {
        write("PARTITION BY ");
        for (std::size_t i = 0; i < partitions; ++i) {
          if (i) write(", ");
          expression(*n.children[1 + i], precedence::lowest);
        }
      }
      if (n.children.size() > 1 + partitions) {
        write(partitions ? " ORDER BY " : "ORDER BY ");
        for (std::size_t i = 1 + partitions; i < n.children.size(); ++i) {
          if (i > 1 + partitions) write(", ");
          expression(*n.children[i], precedence::lowest);
        }
      }
      write(")");
      break;
    }
    case node_kind::grouping:
      write("(");
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) write(", ");
        expression(*n.children[i], precedence::lowest);
      }
      write(")");
      break;
    case node_kind::star: write("*"); break;
    case node_kind::raw: write(n.text); break;
    case node_kind::json_get: {
      // as_string() is text on every database, also where ->> keeps numbers numeric.
      bool cast = n.count && dialect_.json_text_keeps_type();
      if (cast) write("CAST(");
      child(*n.children[0], precedence::unary);
      write(n.count ? " ->> " : " -> ");
      expression(*n.children[dialect_.json_element_as_path() ? 2 : 1], precedence::lowest);
      if (cast) write(" AS TEXT)");
      break;
    }
    case node_kind::empty_set: write(n.count ? "1 = 1" : "1 != 1"); break;
  }
}

}  // namespace quarry::detail
