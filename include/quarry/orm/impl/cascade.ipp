// The non-template implementation of quarry/orm/cascade.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/cascade.hpp"

namespace quarry::detail {

QUARRY_DECL auto cascades::expunge_cascade(entry& e) -> std::vector<entry*> {
  std::vector<entry*> work{&e};
  std::unordered_map<const void*, entry*> by_address;
  for (std::size_t i = 0; i < work.size(); ++i)
    for (auto& r : work[i]->m->relationships()) {
      auto& s = r.state(work[i]->object);
      if (!r.cascade.expunge || !s.loaded_) continue;
      for (auto& [target, handle] : targets_of(r, s))
        if (entry* t = map_.in_session(r.target(), target, by_address); t && std::find(work.begin(), work.end(), t) == work.end())
          work.push_back(t);
    }
  return work;
}

QUARRY_DECL auto cascades::cascade_save_update(std::vector<entry*> work) -> void {
  std::unordered_map<const void*, entry*> by_address;
  for (std::size_t i = 0; i < work.size(); ++i) {
    entry* e = work[i];
    if (e->state == object_state::deleted) continue;
    for (auto& r : e->m->relationships()) {
      if (!r.cascade.save_update) continue;
      auto& s = r.state(e->object);
      if (!s.loaded_) continue;
      for (auto& [object, handle] : targets_of(r, s)) {
        entry* t = map_.in_session(r.target(), object, by_address);
        if (!t) {
          t = map_.add_erased(r.target(), handle, object);
          if (t->m->has_relationships) work.push_back(t);
        }
        populate_back(*e, r, *t);
      }
    }
  }
}

QUARRY_DECL auto cascades::populate_back(entry& owner, const relationship& r, entry& target) -> void {
  const relationship* back = r.back();
  if (!back || target.state == object_state::deleted) return;
  auto& s = back->state(target.object);
  if (!s.loaded_) return;
  if (back->uselist) {
    back->append(s, *back, owner);
  } else {
    if (loader::referent(*back, s)) return;
    back->append(s, *back, owner);
  }
  target.touched = ++map_.serial;
}

QUARRY_DECL auto cascades::refresh_expire_cascade(entry& e) -> std::vector<entry*> {
  std::vector<entry*> out{&e};
  std::unordered_set<const entry*> seen{&e};
  std::unordered_map<const void*, entry*> by_address;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!out[i]->m->has_relationships) continue;
    for (auto& r : out[i]->m->relationships()) {
      auto& s = r.state(out[i]->object);
      if (!r.cascade.refresh_expire || !s.loaded_) continue;
      for (auto& target : targets_of(r, s))
        if (entry* t = map_.in_session(r.target(), target.first, by_address);
            t && t->state == object_state::persistent && seen.insert(t).second)
          out.push_back(t);
    }
  }
  return out;
}

QUARRY_DECL auto cascades::delete_cascade(entry& e, const std::function<Connection&()>& connection_for_load) -> std::vector<entry*> {
  std::vector<entry*> out{&e};
  std::unordered_set<const entry*> seen{&e};
  std::unordered_map<const void*, entry*> by_address;
  for (std::size_t i = 0; i < out.size(); ++i) {
    entry* owner = out[i];
    if (!owner->m->has_relationships) continue;
    for (auto& r : owner->m->relationships()) {
      if (!r.cascade.delete_ || r.kind == relationship_kind::many_to_many) continue;
      auto& s = r.state(owner->object);
      if (!s.loaded_) {
        if (r.passive_deletes || r.lazy == loading::noload) continue;
        relationship_path path;
        loading_.load_by_key(connection_for_load(), r, {owner}, {}, path);
      }
      for (auto& [object, handle] : targets_of(r, s))
        if (entry* t = map_.in_session(r.target(), object, by_address);
            t && t->state == object_state::persistent && seen.insert(t).second)
          out.push_back(t);
    }
  }
  return out;
}

QUARRY_DECL auto cascades::mark_deleted(entry& e) -> void {
  if (e.state == object_state::pending) {
    map_.forget(e);
    map_.retired.push_back(&e);
  } else if (e.state == object_state::persistent) {
    e.state = object_state::deleted;
    e.touched = ++map_.serial;  // a savepoint rolled back after this takes the mark back
    ++map_.deleted_marked;
  }
}

QUARRY_DECL auto cascades::cascade_deletes(const std::vector<entry*>& candidates, const std::function<Connection&()>& connection_for_load, std::vector<association_row>& associations) -> void {
  std::vector<entry*> work;
  for (auto* e : candidates)
    if (e->state == object_state::deleted) work.push_back(e);
  for (std::size_t i = 0; i < work.size(); ++i) {
    entry* e = work[i];
    for (auto& r : e->m->relationships()) {
      if (r.kind == relationship_kind::many_to_many) {
        if (!r.passive_deletes) associations.push_back({&r, e, nullptr, false});
        continue;
      }
      if (r.kind != relationship_kind::one_to_many) continue;
      auto& s = r.state(e->object);
      if (!s.loaded_) {
        if (r.passive_deletes || r.lazy == loading::noload) continue;  // noload: never loaded, as SQLAlchemy's
        relationship_path path;
        loading_.load_by_key(connection_for_load(), r, {e}, {}, path);
      }
      std::unordered_map<const void*, entry*> by_address;
      for (auto& [object, handle] : targets_of(r, s)) {
        entry* child = map_.in_session(r.target(), object, by_address);
        if (!child || child->state == object_state::deleted) continue;
        if (r.cascade.delete_) {
          bool was_persistent = child->state == object_state::persistent;
          mark_deleted(*child);
          if (was_persistent && child->m->has_relationships) work.push_back(child);
        } else {
          for (auto c : r.remote) child->m->assign_column(child->object, c, value_ref());
        }
      }
    }
  }
}

QUARRY_DECL auto cascades::orphans(entry& parent, const relationship& r, relationship_state& s, const std::vector<std::pair<void*, std::shared_ptr<void>>>& targets, std::unordered_map<const void*, entry*>& by_address, std::vector<left_parent>& left) -> void {
  if (s.committed_.empty()) return;
  std::unordered_set<const void*> now;
  for (auto& t : targets) now.insert(t.first);
  for (const void* old : s.committed_) {
    if (now.contains(old)) continue;
    entry* child = map_.in_session(r.target(), old, by_address);
    if (child && child->state != object_state::deleted) left.push_back({&parent, &r, child});
  }
}

QUARRY_DECL auto cascades::orphan_or_moved(const std::vector<left_parent>& left, const std::vector<entry*>& work) -> void {
  std::unordered_set<const relationship*> involved;
  for (auto& l : left) involved.insert(l.r);
  std::set<std::pair<const relationship*, const void*>> held;
  for (auto* e : work)
    for (auto& r : e->m->relationships()) {
      if (!involved.contains(&r) || !r.state(e->object).loaded_) continue;
      for (auto& target : targets_of(r, r.state(e->object))) held.emplace(&r, target.first);
    }
  for (const auto& [parent, r, child] : left) {
    if (child->state == object_state::deleted || held.contains({r, child->object})) continue;
    if (const relationship* back = r->back(); back && !back->uselist) {
      auto& s = back->state(child->object);
      if (s.loaded_ && loader::referent(*back, s) && loader::referent(*back, s) != parent->object) continue;
    }
    if (r->cascade.delete_orphan) {
      mark_deleted(*child);
    } else if (column_bytes(r->target(), child->object, r->remote) ==
               column_bytes(r->owner(), parent->object, r->local)) {
      for (auto c : r->remote) child->m->assign_column(child->object, c, value_ref());  // still points here: now nowhere
    }
  }
}

QUARRY_DECL auto cascades::relationship_changed(void* owner, const relationship& r, const std::shared_ptr<void>& handle, bool added) -> void {
  entry* o = map_.find_entry(r.owner(), owner);
  if (!o) return;
  o->touched = ++map_.serial;
  map_.relationships_changed = true;
  void* target = handle.get();
  if (!target) return;
  entry* t = map_.find_target(r.target(), target);
  if (!t && added && r.cascade.save_update && o->state != object_state::deleted) {
    t = map_.add_erased(r.target(), handle, target);
    if (t->m->has_relationships) cascade_save_update({t});
  }
  if (t) t->touched = ++map_.serial;
  if (const relationship* back = r.back()) populate_other_side(*o, r, *back, target, added);
  if (t && !added && r.cascade.delete_orphan && t->state == object_state::pending) map_.expunge(*t);
}

QUARRY_DECL auto cascades::populate_other_side(entry& o, const relationship& r, const relationship& back, void* target, bool added) -> void {
  auto& s = back.state(target);
  if (!back.uselist) {
    // The target's one reference: to the owner, or none when taken out.
    void* current = loader::referent(back, s);
    if (added) {
      if (current && current != o.object) {
        r.remove(r.state(current), target);  // it leaves its old parent's collection
        if (entry* old = map_.find_entry(r.owner(), current)) old->touched = ++map_.serial;
      }
      back.append(s, back, o);
    } else if (current == o.object) {
      back.remove(s, o.object);
    }
    return;
  }
  if (!s.loaded_) return;  // an unloaded collection loads with the change in it
  if (added) back.append(s, back, o);
  else back.remove(s, o.object);
}

QUARRY_DECL auto cascades::remember_collections() -> void {
  auto remember = [](entry& e) {
    if (!e.m->has_relationships) return;
    for (auto& r : e.m->relationships()) {
      auto& s = r.state(e.object);
      if (!s.loaded_ || !r.uselist) continue;
      s.committed_.clear();
      for (auto& [object, handle] : targets_of(r, s)) s.committed_.push_back(object);
    }
  };
  map_.persistent.for_each(remember);
}

}  // namespace quarry::detail
