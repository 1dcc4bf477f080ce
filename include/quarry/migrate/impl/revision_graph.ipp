// The non-template implementation of quarry/migrate/revision_graph.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/revision_graph.hpp"

#include <algorithm>

namespace quarry::migrate {

QUARRY_DECL revision_graph::revision_graph(std::vector<revision> revisions) : revisions_(std::move(revisions)) {
  for (std::size_t i = 0; i < revisions_.size(); ++i) {
    auto& r = revisions_[i];
    if (r.id.empty()) throw CommandError("quarry: a revision has no id (message: '" + r.message + "')");
    for (std::size_t j = 0; j < i; ++j)
      if (revisions_[j].id == r.id) throw CommandError("quarry: two revisions have the id '" + r.id + "'");
  }
  for (auto& r : revisions_)
    for (auto& down : r.down_revisions)
      if (index_of(down) == revisions_.size())
        throw CommandError("quarry: revision '" + r.id + "' follows '" + down + "', which is not a known revision");
  // Each revision after those it follows; what cannot be placed is a cycle.
  std::set<std::string> placed;
  while (order_.size() < revisions_.size()) {
    bool progress = false;
    for (auto& r : revisions_) {
      if (placed.count(r.id)) continue;
      if (std::all_of(r.down_revisions.begin(), r.down_revisions.end(), [&](auto& d) { return placed.count(d) > 0; })) {
        order_.push_back(r.id);
        placed.insert(r.id);
        progress = true;
      }
    }
    if (!progress) {
      std::string cycle;
      for (auto& r : revisions_)
        if (!placed.count(r.id)) cycle += (cycle.empty() ? "" : ", ") + r.id;
      throw CommandError("quarry: the revisions " + cycle + " follow each other in a cycle");
    }
  }
}

QUARRY_DECL std::size_t revision_graph::index_of(std::string_view id) const {
  for (std::size_t i = 0; i < revisions_.size(); ++i)
    if (revisions_[i].id == id) return i;
  return revisions_.size();
}

QUARRY_DECL const revision& revision_graph::get(std::string_view id_or_prefix) const {
  if (auto exact = index_of(id_or_prefix); exact < revisions_.size()) return revisions_[exact];
  std::vector<const revision*> found;
  for (auto& r : revisions_)
    if (!id_or_prefix.empty() && r.id.rfind(id_or_prefix, 0) == 0) found.push_back(&r);
  if (found.size() == 1) return *found.front();
  if (found.empty()) throw CommandError("quarry: no revision '" + std::string(id_or_prefix) + "'");
  std::string matches;
  for (auto* r : found) matches += (matches.empty() ? "" : ", ") + r->id;
  throw CommandError("quarry: '" + std::string(id_or_prefix) + "' could be any of the revisions " + matches);
}

QUARRY_DECL std::vector<std::string> revision_graph::heads() const {
  std::set<std::string> all(order_.begin(), order_.end());
  return heads_of(all);
}

QUARRY_DECL std::vector<std::string> revision_graph::bases() const {
  std::vector<std::string> out;
  for (auto& id : order_)
    if (revisions_[index_of(id)].down_revisions.empty()) out.push_back(id);
  return out;
}

QUARRY_DECL std::vector<std::string> revision_graph::branch_points() const {
  std::vector<std::string> out;
  for (auto& id : order_) {
    auto children = std::count_if(revisions_.begin(), revisions_.end(), [&](const revision& r) {
      return std::find(r.down_revisions.begin(), r.down_revisions.end(), id) != r.down_revisions.end();
    });
    if (children > 1) out.push_back(id);
  }
  return out;
}

QUARRY_DECL std::set<std::string> revision_graph::ancestors(const std::vector<std::string>& ids) const {
  std::set<std::string> out;
  std::vector<std::string> stack(ids.begin(), ids.end());
  while (!stack.empty()) {
    auto id = stack.back();
    stack.pop_back();
    if (!out.insert(id).second) continue;
    for (auto& down : revisions_[index_of(id)].down_revisions) stack.push_back(down);
  }
  return out;
}

QUARRY_DECL std::vector<std::string> revision_graph::heads_of(const std::set<std::string>& applied) const {
  std::vector<std::string> out;
  for (auto& id : order_) {
    if (!applied.count(id)) continue;
    bool followed = std::any_of(revisions_.begin(), revisions_.end(), [&](const revision& r) {
      return applied.count(r.id) && std::find(r.down_revisions.begin(), r.down_revisions.end(), id) != r.down_revisions.end();
    });
    if (!followed) out.push_back(id);
  }
  return out;
}

QUARRY_DECL std::vector<std::string> revision_graph::resolve(std::string_view target) const {
  if (target == "heads") return heads();
  if (target == "head") {
    auto all = heads();
    if (all.size() > 1) {
      std::string names;
      for (auto& h : all) names += (names.empty() ? "" : ", ") + h;
      throw CommandError("quarry: there are several heads (" + names +
                         "): name the one to reach, use 'heads' for all of them, or merge them");
    }
    return all;
  }
  if (target == "base") return {};
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= target.size()) {  // "a,b": several revisions
    auto comma = target.find(',', start);
    auto part = target.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (!part.empty()) out.push_back(get(part).id);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace quarry::migrate
