// identity_map: the Session's objects, by identity and by address, with the pending, deleted and retired ones.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quarry/errors.hpp"
#include "quarry/orm/detail/mapper.hpp"
#include "quarry/orm/detail/relationship_info.hpp"
#include "quarry/orm/detail/session_entry.hpp"

// SQLAlchemy's identity map (orm/identity.py) with what the Session keeps
// beside it: one object per primary key, the objects added and not yet
// INSERTed, those marked for DELETE, and the serial numbers that say when
// each was added, INSERTed or changed (a savepoint's rollback reads them).
namespace quarry::detail {

// The objects a relationship of one object holds now (without loading it).
QUARRY_DECL std::vector<std::pair<void*, std::shared_ptr<void>>> targets_of(const relationship_info& r, relationship_state& s);

class identity_map {
 public:
  using entry = session_entry;
  using relationship = relationship_info;

  identity_map() = default;
  identity_map(const identity_map&) = delete;
  identity_map& operator=(const identity_map&) = delete;
  ~identity_map() { clear(); }

  // Entries own themselves (session_entry::self) while the map holds them.
  std::vector<entry*> pending;                // added, not INSERTed yet, in the order they were added
  entry_index<by_identity> persistent;        // persistent objects and those marked deleted
  entry_index<by_object> added;               // objects that came in through add()
  std::vector<entry*> deleted;                // DELETEd in the current transaction
  std::size_t deleted_marked = 0;             // marked by delete_(), not yet flushed
  std::vector<entry*> retired;                // left the session during a flush, released after it
  std::uint64_t serial = 0;                   // counts additions, INSERTs and changes (entry::added, ...)
  bool relationships_changed = false;         // since the last flush
  std::vector<bool> scratch;                  // diff() output, reused
  std::shared_ptr<session_link> link;         // what the objects' relationships load through

  entry* find(const identity_key& key) const noexcept { return persistent.find(key); }

  // Every entry, pending or not, leaves the map and is released.
  void clear();
  // Orders entries newest first (by the serial number of their arrival).
  static void newest_first(std::vector<entry*>& all);

  // A new pending entry for an object added by value: object, entry and snapshot in one allocation.
  template <class M>
  std::shared_ptr<M> add_owned(M object) {
    auto block = std::make_shared<owned_object<M>>();
    block->object = std::move(object);
    entry* e = &block->entry;
    e->m = &mapper_of<M>();
    e->object = &block->object;
    e->snapshot = &block->entry.snapshot_value;
    e->added = ++serial;
    e->from_add = true;
    e->self = block;
    added.insert(e);
    pending.push_back(e);
    auto out = std::shared_ptr<M>(std::move(block), static_cast<M*>(e->object));
    if (e->m->has_relationships) init_relationships(*e);
    return out;
  }

  template <class M>
  static std::shared_ptr<M> handle(const entry& e) {
    if (e.handle) return std::static_pointer_cast<M>(e.handle);
    return std::shared_ptr<M>(e.self, static_cast<M*>(e.object));
  }

  static std::shared_ptr<void> erased_handle(const entry& e) {
    return e.handle ? e.handle : std::shared_ptr<void>(e.self, e.object);
  }

  // The entry of an object: objects that came in through add() by their
  // address, objects the session read by their key (or, when their key was
  // changed in memory, by a pass over the identity map).
  entry* find_entry(const mapper& m, const void* object) const;

  entry& entry_of(const mapper& m, const void* object, const char* what);

  // The entry of an object, without the pass over the identity map that
  // find_entry() makes for a loaded object whose key changed: that pass is
  // made once, into `by_address`, when it is needed.
  entry* in_session(const mapper& m, const void* object, std::unordered_map<const void*, entry*>& by_address);

  // The entry of an object a relationship was given. What is plainly not in
  // the session skips find_entry()'s pass over the identity map (appending
  // new objects one by one would cost a pass each): an object whose
  // relationships are not tied to this session, or whose integer key is unset.
  entry* find_target(const mapper& m, void* object);

  bool is_dirty(entry& e) {
    return e.state == object_state::persistent && !e.discard && e.m->diff(e.object, e.snapshot, scratch);
  }

  template <class M, class Predicate>
  std::vector<std::shared_ptr<M>> persistent_where(Predicate&& keep) {
    std::vector<std::shared_ptr<M>> out;
    persistent.for_each([&](entry& e) {
      if (e.m == &mapper_of<M>() && keep(e)) out.push_back(handle<M>(e));
    });
    return out;
  }

  // Takes an entry out of the session's indexes; it stays alive until release().
  void forget(entry& e);

  // The session lets go of an entry (and of its object, unless the user holds it); e may be gone after.
  static void release(entry& e) {
    auto self = std::move(e.self);
  }

  void expunge(entry& e);

  // Collections that could hold each other's objects in a cycle are emptied
  // and unloaded when the session lets go of their object (see
  // relationship_info::dropped_on_release()); the cycle would live forever.
  static void drop_weak_collections(entry& e);

  void release_deleted();

  void release_retired() {
    for (auto* e : std::exchange(retired, {})) release(*e);
  }

  // An object whose DELETE was rolled back is persistent again, to be read again.
  void restore(entry& e);

  // An expired object's relationships load again on next use, as its columns do.
  static void expire_entry(entry& e, bool discard);

  // Ties an object's relationship members to this session; those of an
  // object just read are unloaded, to load as their `lazy` says.
  void init_relationships(entry& e, bool read = false);

  // A new pending entry for an object the user made.
  entry* add_erased(const mapper& m, std::shared_ptr<void> handle, void* object);
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/identity_map.ipp"
#endif
