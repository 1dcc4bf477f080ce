// cascades: what an add, delete, expire, expunge or relationship change of one object does to the objects it reaches.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "quarry/engine/connection.hpp"
#include "quarry/orm/identity_map.hpp"
#include "quarry/orm/loading.hpp"

// SQLAlchemy's cascades (save-update, delete, delete-orphan, refresh-expire,
// expunge) and back_populates, followed along loaded relationships; a
// collection the delete cascade needs is loaded first (connection_for_load).
namespace quarry::detail {

class cascades {
 public:
  using entry = session_entry;
  using relationship = relationship_info;
  using relationship_path = std::vector<const relationship*>;

  cascades(identity_map& map, loader& loading) : map_(map), loading_(loading) {}
  cascades(const cascades&) = delete;
  cascades& operator=(const cascades&) = delete;

  // The objects expunge() takes out with `e`: those its expunge-cascade relationships reach (`e` first).
  std::vector<entry*> expunge_cascade(entry& e) {
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

  // Rows of an association table to write: one per (owner, target) pair
  // added to or taken out of a many-to-many collection, or all the rows of a
  // deleted owner (target null).
  struct association_row {
    const relationship* r;
    entry* owner;
    entry* target;
    bool insert;
  };

  // Adds the objects reachable from `work` through save-update relationships.
  void cascade_save_update(std::vector<entry*> work) {
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

  // A graph the user built before adding it gets its other sides: a child in
  // a collection points at its parent, a parent's loaded collection holds its child.
  // The target is touched: a savepoint rolled back after this expires it.
  void populate_back(entry& owner, const relationship& r, entry& target) {
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

  // The objects expire() and refresh() reach from `e` along loaded
  // refresh-expire relationships (`e` first), each once.
  std::vector<entry*> refresh_expire_cascade(entry& e) {
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

  // `e` and the persistent objects its delete-cascade relationships reach,
  // each once; unloaded collections are loaded first, unless passive_deletes.
  std::vector<entry*> delete_cascade(entry& e, const std::function<Connection&()>& connection_for_load) {
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

  // Deletes an object at this flush; a pending one leaves the session (once the flush has done with it).
  void mark_deleted(entry& e) {
    if (e.state == object_state::pending) {
      map_.forget(e);
      map_.retired.push_back(&e);
    } else if (e.state == object_state::persistent) {
      e.state = object_state::deleted;
      e.touched = ++map_.serial;  // a savepoint rolled back after this takes the mark back
      ++map_.deleted_marked;
    }
  }

  // Deleting a parent deletes its children (cascade delete), or clears their
  // foreign keys; an unloaded collection is loaded first, unless passive_deletes.
  void cascade_deletes(const std::vector<entry*>& candidates, const std::function<Connection&()>& connection_for_load,
                       std::vector<association_row>& associations) {
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

  // A child that left a one-to-many collection since it was loaded or flushed.
  struct left_parent {
    entry* parent;
    const relationship* r;
    entry* child;
  };

  void orphans(entry& parent, const relationship& r, relationship_state& s,
               const std::vector<std::pair<void*, std::shared_ptr<void>>>& targets,
               std::unordered_map<const void*, entry*>& by_address, std::vector<left_parent>& left) {
    if (s.committed_.empty()) return;
    std::unordered_set<const void*> now;
    for (auto& t : targets) now.insert(t.first);
    for (const void* old : s.committed_) {
      if (now.contains(old)) continue;
      entry* child = map_.in_session(r.target(), old, by_address);
      if (child && child->state != object_state::deleted) left.push_back({&parent, &r, child});
    }
  }

  // A child is an orphan only when no parent holds it now (SQLAlchemy's
  // "has parent"): one that moved to another parent's collection, or whose
  // reference names another parent, is re-parented by its foreign key instead.
  // Orphans are deleted (delete-orphan) or lose their foreign key.
  void orphan_or_moved(const std::vector<left_parent>& left, const std::vector<entry*>& work) {
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

  // The other side of a relationship follows a change of this side (back_populates).
  // Objects whose relationships change are touched: a savepoint rolled back
  // after the change expires them, as SQLAlchemy expires modified objects.
  // A target put into a save-update relationship joins the session at once
  // (SQLAlchemy's cascade on append and set), with what it reaches; a new
  // (pending) target taken out of a delete-orphan collection leaves it again.
  void relationship_changed(void* owner, const relationship& r, const std::shared_ptr<void>& handle, bool added) {
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

  // The other side of a change follows it (back_populates).
  void populate_other_side(entry& o, const relationship& r, const relationship& back, void* target, bool added) {
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

  // After a flush, collections remember what they hold, for the next one's orphans.
  void remember_collections() {
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

 private:
  identity_map& map_;
  loader& loading_;
};

}  // namespace quarry::detail
