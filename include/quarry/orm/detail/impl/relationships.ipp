// The non-template implementation of quarry/orm/detail/relationships.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/detail/relationships.hpp"

namespace quarry::detail {

QUARRY_DECL cascade_flags parse_cascade(std::string_view spec, const std::string& relationship) {
  cascade_flags c{};
  c.save_update = c.merge = false;
  while (!spec.empty()) {
    auto comma = spec.find(',');
    auto word = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
    if (word == "all") c.save_update = c.merge = c.delete_ = c.expunge = c.refresh_expire = true;
    else if (word == "save-update") c.save_update = true;
    else if (word == "merge") c.merge = true;
    else if (word == "delete") c.delete_ = true;
    else if (word == "delete-orphan") c.delete_orphan = true;
    else if (word == "expunge") c.expunge = true;
    else if (word == "refresh-expire") c.refresh_expire = true;
    else if (!word.empty())
      throw ArgumentError("quarry: " + relationship + ": unknown cascade '" + std::string(word) +
                          "' (save-update, merge, delete, delete-orphan, expunge, refresh-expire, all)");
  }
  if (c.delete_orphan && !c.delete_)
    throw ArgumentError("quarry: " + relationship + ": delete-orphan cascade needs the delete cascade too");
  return c;
}

QUARRY_DECL void resolve_primaryjoin(relationship_info& r, const node_ptr& condition, const from_ptr& owner, const from_ptr& target) {
  std::vector<node_ptr> terms, extra;
  std::vector<node_ptr> pending{condition};
  while (!pending.empty()) {
    auto n = pending.back();
    pending.pop_back();
    if (n->kind == node_kind::binary && n->text == " AND ") {
      pending.push_back(n->children[1]);
      pending.push_back(n->children[0]);
    } else {
      terms.push_back(n);
    }
  }
  auto side = [&](const node_ptr& n) -> int {
    if (n->kind != node_kind::column) return 0;
    return n->from == owner ? 1 : n->from == target ? 2 : 0;
  };
  std::function<bool(const node&)> names_owner = [&](const node& n) {
    if (n.kind == node_kind::column && n.from == owner) return true;
    for (auto& c : n.children)
      if (c && names_owner(*c)) return true;
    return false;
  };
  const mapper& o = r.owner();
  const mapper& t = r.target();
  for (auto& term : terms) {
    if (term->kind == node_kind::binary && term->text == " = " && side(term->children[0]) + side(term->children[1]) == 3) {
      const auto& a = side(term->children[0]) == 1 ? term->children[0] : term->children[1];
      const auto& b = side(term->children[0]) == 1 ? term->children[1] : term->children[0];
      r.local.push_back(o.table->column_index(a->text));
      r.remote.push_back(t.table->column_index(b->text));
      continue;
    }
    if (names_owner(*term))
      throw ArgumentError("quarry: " + r.qualified_name +
                          ": a primaryjoin term other than owner.column == target.column may name the target's columns only");
    extra.push_back(term);
  }
  if (r.local.empty())
    throw ArgumentError("quarry: " + r.qualified_name + ": a primaryjoin needs at least one owner.column == target.column");
  node_ptr criteria;
  for (auto& e : extra) {
    auto term = rebase_columns(e, target, t.from());
    criteria = criteria ? make_node(node_kind::binary, precedence::and_, " AND ", criteria, term) : term;
  }
  r.criteria = criteria;
  // Matching the owner's primary key: the target holds the reference (one-to-many); else many-to-one.
  auto local = r.local, key = o.key_columns;
  std::sort(local.begin(), local.end());
  std::sort(key.begin(), key.end());
  r.kind = local == key ? relationship_kind::one_to_many : relationship_kind::many_to_one;
  if (r.uselist && r.kind == relationship_kind::many_to_one)
    throw ArgumentError("quarry: " + r.qualified_name + ": a many<T> primaryjoin matches the owner's primary key");
}

QUARRY_DECL void resolve_secondary(relationship_info& r, const std::vector<named_column>& named) {
  const table_info& owner = *r.owner().table;
  const table_info& target = *r.target().table;
  const table_info& association = *r.secondary().table;
  auto has_column = [](const foreign_key_info& fk, const std::string& column) {
    return std::find(fk.columns.begin(), fk.columns.end(), column) != fk.columns.end();
  };
  std::vector<std::size_t> to_owner, to_target;
  for (std::size_t i = 0; i < association.foreign_keys.size(); ++i) {
    const auto& fk = association.foreign_keys[i];
    if (fk.target_table == owner.name && (named.empty() || has_column(fk, named[0].second))) to_owner.push_back(i);
    if (fk.target_table == target.name && (named.empty() || has_column(fk, named[1].second))) to_target.push_back(i);
  }
  if (to_owner.size() != 1 || to_target.size() != 1 || to_owner[0] == to_target[0])
    throw ArgumentError("quarry: " + r.qualified_name + ": the association table '" + association.name +
                        "' needs one foreign key to '" + owner.name + "' and one to '" + target.name +
                        "'; when both point at the same table, name them: quarry::secondary(&A::owner_column, &A::target_column)");
  const auto& fk_owner = association.foreign_keys[to_owner[0]];
  const auto& fk_target = association.foreign_keys[to_target[0]];
  r.kind = relationship_kind::many_to_many;
  r.secondary_owner_first = to_owner[0] < to_target[0];
  for (auto& c : fk_owner.columns) r.secondary_local.push_back(association.column_index(c));
  for (auto& c : fk_owner.target_columns) r.local.push_back(owner.column_index(c));
  for (auto& c : fk_target.columns) r.secondary_remote.push_back(association.column_index(c));
  for (auto& c : fk_target.target_columns) r.remote.push_back(target.column_index(c));
}

QUARRY_DECL void resolve_foreign_key(relationship_info& r, const std::vector<named_column>& named) {
  if (r.secondary) {
    if (!r.uselist) throw ArgumentError("quarry: " + r.qualified_name + ": a many-to-many relationship is a quarry::many<T>");
    resolve_secondary(r, named);
    return;
  }
  const table_info& owner = *r.owner().table;
  const table_info& target = *r.target().table;
  struct candidate {
    const foreign_key_info* fk;
    relationship_kind kind;
  };
  auto matches_named = [&](const foreign_key_info& fk, const table_info& holder) {
    if (named.empty()) return true;
    if (named.size() != fk.columns.size()) return false;
    for (auto& [table, column] : named)
      if (table != holder.name || std::find(fk.columns.begin(), fk.columns.end(), column) == fk.columns.end()) return false;
    return true;
  };
  std::vector<candidate> found;
  for (auto& fk : owner.foreign_keys)
    if (fk.target_table == target.name && matches_named(fk, owner)) found.push_back({&fk, relationship_kind::many_to_one});
  if (r.uselist || found.empty())
    for (auto& fk : target.foreign_keys)
      if (fk.target_table == owner.name && matches_named(fk, target)) found.push_back({&fk, relationship_kind::one_to_many});
  if (r.uselist) std::erase_if(found, [](const candidate& c) { return c.kind == relationship_kind::many_to_one; });
  if (found.empty())
    throw ArgumentError("quarry: " + r.qualified_name + ": no foreign key between '" + owner.name + "' and '" +
                        target.name + "' fits it; add quarry::foreign_key(...) to the column that points at the other table");
  if (found.size() > 1)
    throw ArgumentError("quarry: " + r.qualified_name + ": '" + owner.name + "' and '" + target.name +
                        "' have several foreign keys between them; name the one to use with quarry::foreign_keys(...)");
  const auto& fk = *found.front().fk;
  r.kind = found.front().kind;
  const table_info& holder = r.kind == relationship_kind::many_to_one ? owner : target;
  const table_info& referred = r.kind == relationship_kind::many_to_one ? target : owner;
  std::vector<std::size_t> holding, referring;
  for (auto& c : fk.columns) holding.push_back(holder.column_index(c));
  for (auto& c : fk.target_columns) referring.push_back(referred.column_index(c));
  if (r.kind == relationship_kind::many_to_one) {
    r.local = std::move(holding);
    r.remote = std::move(referring);
  } else {
    r.local = std::move(referring);
    r.remote = std::move(holding);
  }
}

}  // namespace quarry::detail
