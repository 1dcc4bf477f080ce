// The non-template implementation of quarry/orm/n_plus_one.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/n_plus_one.hpp"

#include <cstdio>

namespace quarry {

QUARRY_DECL std::string n_plus_one_finding::describe() const {
  std::string out = "N+1: " + relationship + " loaded lazily for " + std::to_string(count) + " objects of one query";
  if (!first_call_site.empty()) out += ", first at " + first_call_site;
  out += "\n  the query: " + parent_query;
  if (!parent_call_site.empty()) out += "  (" + parent_call_site + ")";
  return out + "\n  load it with the query: .options(" + suggestion + ")";
}

QUARRY_DECL std::string unused_eager_load::describe() const {
  std::string out = "unused eager load: " + relationship + " was loaded and never read";
  if (!call_site.empty()) out += ", by the query at " + call_site;
  return out + "\n  the query: " + query;
}

QUARRY_DECL n_plus_one_detector::n_plus_one_detector(Session& session, n_plus_one_options options)
    : session_(session), options_(std::move(options)) {
  if (session_.state_->observer) throw InvalidRequestError("quarry: this Session already has an n_plus_one_detector");
  session_.state_->observer = this;
  detail::call_sites_wanted.fetch_add(1);
}

QUARRY_DECL n_plus_one_detector::~n_plus_one_detector() {
  if (session_.state_->observer == this) session_.state_->observer = nullptr;
  detail::call_sites_wanted.fetch_sub(1);
}

QUARRY_DECL void n_plus_one_detector::queried(const detail::mapper&, const std::string& sql, const source_location* site,
                                              const std::vector<detail::session_entry*>& objects,
                                              const std::vector<const detail::relationship_info*>& eager) {
  std::lock_guard lock(mutex_);
  std::size_t index = queries_.size();
  if (sql.starts_with("lazy load of ")) {
    auto [it, fresh] = lazy_queries_.emplace(sql, queries_.size());
    index = it->second;
    if (fresh) queries_.push_back({sql, {}, 0, {}, {}});
  } else {
    queries_.push_back({sql, site ? detail::describe_call_site(*site) : std::string(), 0, eager, {}});
  }
  queries_[index].objects += objects.size();
  for (auto* e : objects) {
    query_of_[e->object] = index;
    for (auto* r : eager) eager_query_[{e->object, r}] = index;
  }
}

QUARRY_DECL void n_plus_one_detector::lazy_loading(const void* owner, const detail::relationship_info& r, const source_location* site) {
  std::unique_lock lock(mutex_);
  auto parent = query_of_.find(owner);
  if (parent == query_of_.end()) return;  // an object no query of this session returned (added, merged)
  auto& lazy = lazy_[{parent->second, &r}];
  if (!lazy.parents.insert(owner).second) return;
  if (lazy.first_call_site.empty() && site) lazy.first_call_site = detail::describe_call_site(*site);
  if (lazy.parents.size() < options_.threshold) return;
  bool first_time = !lazy.reported;
  lazy.reported = true;
  if (options_.mode == n_plus_one_mode::warn_once && !first_time) return;
  auto message = finding(parent->second, r, lazy).describe();
  lock.unlock();
  if (options_.mode == n_plus_one_mode::raise) throw NPlusOneError("quarry: " + message);
  emit(message);
}

QUARRY_DECL void n_plus_one_detector::used(const void* owner, const detail::relationship_info& r) {
  std::lock_guard lock(mutex_);
  // The use counts for the query that loaded the relationship, not for a later one that returned the object again.
  if (auto it = eager_query_.find({owner, &r}); it != eager_query_.end()) queries_[it->second].used.insert(&r);
}

QUARRY_DECL n_plus_one_finding n_plus_one_detector::finding(std::size_t query, const detail::relationship_info& r, const lazy_record& lazy) const {
  n_plus_one_finding out;
  out.relationship = r.qualified_name;
  out.parent_query = queries_[query].sql;
  out.parent_call_site = queries_[query].call_site;
  out.count = lazy.parents.size();
  out.first_call_site = lazy.first_call_site;
  std::string member = r.qualified_name;
  if (auto dot = member.rfind('.'); dot != std::string::npos) member.replace(dot, 1, "::");
  out.suggestion = std::string(r.uselist ? "selectinload" : "joinedload") + "(&" + member + ")";
  return out;
}

QUARRY_DECL void n_plus_one_detector::emit(const std::string& message) const {
  if (options_.sink) options_.sink(message);
  else std::fprintf(stderr, "quarry: %s\n", message.c_str());
}

QUARRY_DECL std::vector<n_plus_one_finding> n_plus_one_detector::findings() const {
  std::lock_guard lock(mutex_);
  std::vector<n_plus_one_finding> out;
  for (auto& [key, lazy] : lazy_)
    if (lazy.parents.size() >= options_.threshold) out.push_back(finding(key.first, *key.second, lazy));
  return out;
}

QUARRY_DECL std::vector<unused_eager_load> n_plus_one_detector::unused_eager_loads() const {
  std::lock_guard lock(mutex_);
  std::vector<unused_eager_load> out;
  for (auto& q : queries_) {
    if (q.objects == 0) continue;  // nothing to read it on
    for (auto* r : q.eager)
      if (!q.used.contains(r)) out.push_back({r->qualified_name, q.sql, q.call_site});
  }
  return out;
}

QUARRY_DECL std::string n_plus_one_detector::report() const {
  std::string out;
  for (auto& f : findings()) out += f.describe() + "\n";
  for (auto& u : unused_eager_loads()) out += u.describe() + "\n";
  return out;
}

}  // namespace quarry
