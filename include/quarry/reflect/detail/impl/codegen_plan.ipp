// The non-template implementation of quarry/reflect/detail/codegen_plan.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/detail/codegen_plan.hpp"

#include <algorithm>

#include "quarry/reflect/codegen.hpp"
#include "quarry/reflect/detail/cpp_names.hpp"

namespace quarry::detail::codegen {

QUARRY_DECL std::size_t find_model(const plan& p, const std::string& table) {
  for (std::size_t i = 0; i < p.models.size(); ++i)
    if (p.models[i].table->name == table) return i;
  return p.models.size();
}

QUARRY_DECL std::string take_member(model_plan& m, const std::string& base) {
  std::string name = base;
  for (int n = 2; m.taken.count(name) || name == m.type; ++n) name = base + "_" + std::to_string(n);
  m.taken.insert(name);
  return name;
}

QUARRY_DECL std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

QUARRY_DECL bool enum_expressible(const reflected_enum& e) {
  if (e.name != cpp_identifier(e.name) || e.name != lower(e.name) || e.labels.empty()) return false;
  return std::all_of(e.labels.begin(), e.labels.end(), [](const std::string& l) { return l == cpp_identifier(l); });
}

QUARRY_DECL const reflected_enum* enum_of(const plan& p, const reflected_column& c) {
  if (c.type.type.kind != sql_type_kind::enumeration) return nullptr;
  for (auto* e : p.enums)
    if (e->name == c.type.type.name) return e;
  return nullptr;
}

// The member's C++ type, and the options the column needs for its database type.
QUARRY_DECL void choose_type(plan& p, model_plan& m, const reflected_column& c, bool in_key) {
  const auto& overrides = p.options->type_overrides;
  std::string spelling_key = lower(c.type.spelling);
  std::string base_key = spelling_key.substr(0, spelling_key.find('('));
  std::string cpp;
  std::string options;
  auto db_type = [&] { options += ", quarry::db_type(" + cpp_string_literal(c.type.spelling) + ")"; };
  if (auto o = overrides.find(m.table->name + "." + c.name); o != overrides.end()) {
    cpp = o->second;
    db_type();
  } else if (auto s = overrides.find(spelling_key); s != overrides.end()) {
    cpp = s->second;
    db_type();
  } else if (auto b = overrides.find(base_key); b != overrides.end()) {
    cpp = b->second;
    db_type();
  } else {
    switch (c.type.type.kind) {
      case sql_type_kind::boolean: cpp = "bool"; break;
      case sql_type_kind::small_integer: cpp = "std::int16_t"; break;
      case sql_type_kind::integer: cpp = "std::int32_t"; break;
      case sql_type_kind::big_integer: cpp = "std::int64_t"; break;
      case sql_type_kind::real: cpp = "float"; break;
      case sql_type_kind::double_precision: cpp = "double"; break;
      case sql_type_kind::numeric:
        cpp = "double";  // Quarry has no decimal type: NUMERIC reads as the nearest double
        db_type();
        break;
      case sql_type_kind::text:
        cpp = "std::string";
        if (c.type.type.length) options += ", quarry::length(" + std::to_string(c.type.type.length) + ")";
        break;
      case sql_type_kind::blob: cpp = "quarry::blob"; break;
      case sql_type_kind::date:
        cpp = "std::chrono::year_month_day";
        p.uses_chrono = true;
        break;
      case sql_type_kind::timestamp:
        cpp = "std::chrono::sys_time<std::chrono::microseconds>";
        p.uses_chrono = true;
        if (lower(c.type.spelling) == "timestamp without time zone") db_type();
        break;
      case sql_type_kind::uuid: cpp = "quarry::uuid"; break;
      case sql_type_kind::json:
        cpp = "nlohmann::json";
        p.uses_json = true;
        if (lower(c.type.spelling) == "json") db_type();  // Quarry writes JSONB on PostgreSQL
        break;
      case sql_type_kind::enumeration:
        if (auto* e = enum_of(p, c)) {
          cpp = p.prefix + e->name;
        } else {
          cpp = "std::string";
          db_type();
          p.notes.push_back(m.table->name + "." + c.name + ": enum type " + c.type.spelling +
                            " has a name or labels that are not C++ identifiers: read as text");
        }
        break;
      case sql_type_kind::custom:
        if (c.type.spelling.empty()) {  // SQLite: no declared type; any value
          m.cpp_types.push_back("quarry::value");
          m.column_options.push_back({});
          return;
        }
        cpp = "std::string";
        db_type();
        p.notes.push_back(m.table->name + "." + c.name + ": Quarry has no type for '" + c.type.spelling +
                          "': read as text");
        break;
    }
    if (!c.type.built_in && c.type.type.kind != sql_type_kind::custom &&
        options.find("quarry::db_type") == std::string::npos) {
      options.clear();
      db_type();  // SQLite's affinity chose the C++ type; DDL keeps the declared name
    }
  }
  if (c.nullable && !in_key) cpp = "std::optional<" + cpp + ">";
  m.cpp_types.push_back(cpp);
  m.column_options.push_back(options);
}

QUARRY_DECL bool in(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

QUARRY_DECL bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

// The foreign key's columns are unique in their table: one-to-one.
QUARRY_DECL bool unique_columns(const reflected_table& t, const std::vector<std::string>& columns) {
  if (same_set(t.primary_key.columns, columns)) return true;
  for (auto& u : t.unique_constraints)
    if (same_set(u.columns, columns)) return true;
  for (auto& i : t.indexes)
    if (i.unique && i.where.empty() && same_set(i.column_names(), columns)) return true;
  return false;
}

// "artist" for a key on artist_id / ArtistId; empty when the column says nothing more.
QUARRY_DECL std::string key_stem(const reflected_foreign_key& fk) {
  if (fk.columns.size() != 1) return {};
  std::string s = snake_case(fk.columns[0]);
  if (s.size() > 3 && s.compare(s.size() - 3, 3, "_id") == 0) return s.substr(0, s.size() - 3);
  return {};
}

QUARRY_DECL std::string member_list(const model_plan& m, const std::vector<std::string>& columns) {
  std::string out;
  for (auto& column : columns)
    for (std::size_t i = 0; i < m.table->columns.size(); ++i)
      if (m.table->columns[i].name == column) out += (out.empty() ? "&" : ", &") + m.type + "::" + m.members[i];
  return out;
}

QUARRY_DECL bool is_association(const plan& p, const model_plan& m) {
  auto& t = *m.table;
  if (t.foreign_keys.size() != 2) return false;
  for (auto& fk : t.foreign_keys) {
    auto target = find_model(p, fk.referred_table);
    if (!fk.referred_schema.empty() || target == p.models.size() || !p.models[target].keyed) return false;
  }
  for (auto& c : t.columns)
    if (!in(t.foreign_keys[0].columns, c.name) && !in(t.foreign_keys[1].columns, c.name)) return false;
  return true;
}

QUARRY_DECL void infer_relationships(plan& p) {
  for (std::size_t ti = 0; ti < p.models.size(); ++ti) {
    auto& t = p.models[ti];
    if (!t.keyed) continue;
    if (is_association(p, t)) {
      // In the order of their columns in the table (follower_id before followed_id).
      auto position = [&](const reflected_foreign_key& fk) {
        for (std::size_t i = 0; i < t.table->columns.size(); ++i)
          if (in(fk.columns, t.table->columns[i].name)) return i;
        return t.table->columns.size();
      };
      bool swap = position(t.table->foreign_keys[1]) < position(t.table->foreign_keys[0]);
      auto& fk1 = t.table->foreign_keys[swap ? 1 : 0];
      auto& fk2 = t.table->foreign_keys[swap ? 0 : 1];
      auto a = find_model(p, fk1.referred_table), b = find_model(p, fk2.referred_table);
      if (a != b) {
        auto name_a = take_member(p.models[a], plural(snake_case(p.models[b].type)));
        auto name_b = take_member(p.models[b], plural(snake_case(p.models[a].type)));
        std::string secondary = ", quarry::secondary<" + t.type + ">()";
        p.models[a].relationships.push_back({name_a, b, true, name_b, secondary});
        p.models[b].relationships.push_back({name_b, a, true, name_a, secondary});
      } else if (fk1.columns.size() == 1 && fk2.columns.size() == 1) {
        auto forward = take_member(p.models[a], plural(snake_case(p.models[a].type)));
        auto reverse = take_member(p.models[a], plural(snake_case(p.models[a].type)) + "_reverse");
        auto c1 = member_list(t, fk1.columns), c2 = member_list(t, fk2.columns);
        p.models[a].relationships.push_back({forward, a, true, reverse, ", quarry::secondary(" + c1 + ", " + c2 + ")"});
        p.models[a].relationships.push_back({reverse, a, true, forward, ", quarry::secondary(" + c2 + ", " + c1 + ")"});
      }
      continue;
    }
    for (auto& fk : t.table->foreign_keys) {
      auto pi = find_model(p, fk.referred_table);
      if (!fk.referred_schema.empty() || pi == p.models.size() || !p.models[pi].keyed) continue;
      auto& parent = p.models[pi];
      bool self = pi == ti;
      auto between = std::count_if(t.table->foreign_keys.begin(), t.table->foreign_keys.end(),
                                   [&](const reflected_foreign_key& k) { return k.referred_table == fk.referred_table; });
      std::string stem = key_stem(fk);
      std::string many_to_one = stem.empty() ? (self ? "parent_" : "") + snake_case(parent.type) : stem;
      bool one_to_one = unique_columns(*t.table, fk.columns);
      std::string reverse = one_to_one ? snake_case(t.type) : plural(snake_case(t.type));
      if (self) reverse = "child_" + reverse;
      if (between > 1) {
        std::string by;
        for (auto& c : fk.columns) by += (by.empty() ? "" : "_") + snake_case(c);
        reverse += "_by_" + (stem.empty() ? by : stem);
      }
      auto m2o = take_member(t, many_to_one);
      auto back = take_member(parent, reverse);
      std::string keys = between > 1 ? ", quarry::foreign_keys(" + member_list(t, fk.columns) + ")" : "";
      t.relationships.push_back({m2o, pi, false, back, keys});
      p.models[pi].relationships.push_back({back, ti, !one_to_one, m2o, keys});
    }
  }
}

QUARRY_DECL std::string action(fk_action a) {
  switch (a) {
    case fk_action::restrict: return "quarry::fk_action::restrict";
    case fk_action::cascade: return "quarry::fk_action::cascade";
    case fk_action::set_null: return "quarry::fk_action::set_null";
    case fk_action::set_default: return "quarry::fk_action::set_default";
    case fk_action::no_action: break;
  }
  return "quarry::fk_action::no_action";
}

QUARRY_DECL std::string actions(const reflected_foreign_key& fk) {
  if (fk.on_delete == fk_action::no_action && fk.on_update == fk_action::no_action) return {};
  std::string out = ", " + action(fk.on_delete);
  if (fk.on_update != fk_action::no_action) out += ", " + action(fk.on_update);
  return out;
}

}  // namespace quarry::detail::codegen
