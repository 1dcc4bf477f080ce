// cascades: what an add, delete, expire, expunge or relationship change of one object does to the objects it reaches.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

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
  std::vector<entry*> expunge_cascade(entry& e);

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
  void cascade_save_update(std::vector<entry*> work);

  // A graph the user built before adding it gets its other sides: a child in
  // a collection points at its parent, a parent's loaded collection holds its child.
  // The target is touched: a savepoint rolled back after this expires it.
  void populate_back(entry& owner, const relationship& r, entry& target);

  // The objects expire() and refresh() reach from `e` along loaded
  // refresh-expire relationships (`e` first), each once.
  std::vector<entry*> refresh_expire_cascade(entry& e);

  // `e` and the persistent objects its delete-cascade relationships reach,
  // each once; unloaded collections are loaded first, unless passive_deletes.
  std::vector<entry*> delete_cascade(entry& e, const std::function<Connection&()>& connection_for_load);

  // Deletes an object at this flush; a pending one leaves the session (once the flush has done with it).
  void mark_deleted(entry& e);

  // Deleting a parent deletes its children (cascade delete), or clears their
  // foreign keys; an unloaded collection is loaded first, unless passive_deletes.
  void cascade_deletes(const std::vector<entry*>& candidates, const std::function<Connection&()>& connection_for_load, std::vector<association_row>& associations);

  // A child that left a one-to-many collection since it was loaded or flushed.
  struct left_parent {
    entry* parent;
    const relationship* r;
    entry* child;
  };

  void orphans(entry& parent, const relationship& r, relationship_state& s, const std::vector<std::pair<void*, std::shared_ptr<void>>>& targets, std::unordered_map<const void*, entry*>& by_address, std::vector<left_parent>& left);

  // A child is an orphan only when no parent holds it now (SQLAlchemy's
  // "has parent"): one that moved to another parent's collection, or whose
  // reference names another parent, is re-parented by its foreign key instead.
  // Orphans are deleted (delete-orphan) or lose their foreign key.
  void orphan_or_moved(const std::vector<left_parent>& left, const std::vector<entry*>& work);

  // The other side of a relationship follows a change of this side (back_populates).
  // Objects whose relationships change are touched: a savepoint rolled back
  // after the change expires them, as SQLAlchemy expires modified objects.
  // A target put into a save-update relationship joins the session at once
  // (SQLAlchemy's cascade on append and set), with what it reaches; a new
  // (pending) target taken out of a delete-orphan collection leaves it again.
  void relationship_changed(void* owner, const relationship& r, const std::shared_ptr<void>& handle, bool added);

  // The other side of a change follows it (back_populates).
  void populate_other_side(entry& o, const relationship& r, const relationship& back, void* target, bool added);

  // After a flush, collections remember what they hold, for the next one's orphans.
  void remember_collections();

 private:
  identity_map& map_;
  loader& loading_;
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/cascade.ipp"
#endif
