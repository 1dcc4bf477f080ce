// session_entry: the Session's bookkeeping of one object, and entry_index, the open-addressing index of entries.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/orm/detail/mapper.hpp"

namespace quarry::detail {

enum class object_state : std::uint8_t { pending, persistent, deleted };

struct session_entry {
  const mapper* m = nullptr;
  void* object = nullptr;
  void* snapshot = nullptr;         // the object's values as last read or written (an M)
  identity_key key;                 // the snapshot's identity, once persistent
  // Keeps the entry (and an object the session read, which shares its
  // allocation) alive while the session holds it; reset when it lets go.
  std::shared_ptr<void> self;
  std::shared_ptr<void> handle;  // an object the user made
  object_state state = object_state::pending;
  bool expired = false;  // read again before the session hands it out
  bool discard = false;  // expired by expire() or a rollback: changes made in memory are dropped
  bool from_add = false;  // came in through add(), not read from a row
  std::uint64_t unloaded = 0;  // deferred columns not read into the object yet (a bit per column)
  // Serial numbers (Session::serial_) of when it was added or read, INSERTed and last UPDATEd.
  std::uint64_t added = 0, inserted = 0, touched = 0;
};

template <class M>
struct model_entry : session_entry {
  M snapshot_value{};
};

// An object the session allocated (read, or added by value): the object, its
// entry and its snapshot in one allocation.
template <class M>
struct owned_object {
  M object{};
  model_entry<M> entry;
};

inline std::size_t mix_hash(std::size_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// An open-addressing index of entries by a key each entry carries (its
// identity, or its object's address): no allocation per entry, and a probe
// compares stored hashes before it touches an entry. `Traits` gives
// key_of(entry) and hash(key).
template <class Traits>
class entry_index {
 public:
  using key_type = std::remove_cvref_t<decltype(Traits::key_of(std::declval<const session_entry&>()))>;

  static std::size_t hash(const key_type& key) noexcept { return Traits::hash(key); }

  session_entry* find(const key_type& key) const noexcept { return find(key, Traits::hash(key)); }
  // find() with the key's hash(), which a caller that may insert next keeps.
  session_entry* find(const key_type& key, std::size_t h) const noexcept {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = h & mask(); slots_[i].entry; i = (i + 1) & mask())
      if (slots_[i].hash == h && slots_[i].entry != tombstone() && Traits::key_of(*slots_[i].entry) == key)
        return slots_[i].entry;
    return nullptr;
  }
  bool contains(const key_type& key) const noexcept { return find(key) != nullptr; }

  // Adds an entry whose key is not in the index.
  void insert(session_entry* e) { insert(e, Traits::hash(Traits::key_of(*e))); }
  // insert() given hash() of the entry's key, which it must be: a wrong one loses the entry.
  void insert(session_entry* e, std::size_t h) {
    if ((used_ + 1) * 4 > slots_.size() * 3) rehash(size_ + 1);
    place(e, h);
  }
  // Removes the entry with this key; false when there is none.
  bool erase(const key_type& key) noexcept {
    if (slots_.empty()) return false;
    std::size_t h = Traits::hash(key);
    for (std::size_t i = h & mask(); slots_[i].entry; i = (i + 1) & mask())
      if (slots_[i].hash == h && slots_[i].entry != tombstone() && Traits::key_of(*slots_[i].entry) == key) {
        slots_[i].entry = tombstone();
        --size_;
        return true;
      }
    return false;
  }
  // Room for `n` more entries without rehashing.
  void reserve(std::size_t n) {
    if ((used_ + n) * 4 > slots_.size() * 3) rehash(size_ + n);
  }
  void clear() noexcept {
    slots_.clear();
    size_ = used_ = 0;
  }
  std::size_t size() const noexcept { return size_; }

  // Calls fn(entry) for every entry; fn must not change the index.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (auto& slot : slots_)
      if (slot.entry && slot.entry != tombstone()) fn(*slot.entry);
  }
  // Whether pred(entry) holds for some entry; stops at the first.
  template <class Pred>
  bool any_of(Pred&& pred) const {
    for (auto& slot : slots_)
      if (slot.entry && slot.entry != tombstone() && pred(*slot.entry)) return true;
    return false;
  }

 private:
  struct slot {
    std::size_t hash;
    session_entry* entry;
  };
  // A static member rather than a function's static: its address is taken
  // without a guard check on every probe.
  static inline session_entry removed_;
  static session_entry* tombstone() noexcept { return &removed_; }
  std::size_t mask() const noexcept { return slots_.size() - 1; }
  void place(session_entry* e, std::size_t h) {
    std::size_t i = h & mask();
    while (slots_[i].entry && slots_[i].entry != tombstone()) i = (i + 1) & mask();
    if (!slots_[i].entry) ++used_;
    slots_[i] = {h, e};
    ++size_;
  }
  // A table at most half full with `entries` entries, without tombstones.
  void rehash(std::size_t entries) {
    std::size_t capacity = 16;
    while (capacity < entries * 2) capacity *= 2;
    std::vector<slot> old = std::move(slots_);
    slots_.assign(capacity, slot{0, nullptr});
    size_ = used_ = 0;
    for (auto& s : old)
      if (s.entry && s.entry != tombstone()) place(s.entry, s.hash);
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;  // entries
  std::size_t used_ = 0;  // entries and tombstones
};

struct by_identity {
  static const identity_key& key_of(const session_entry& e) noexcept { return e.key; }
  static std::size_t hash(const identity_key& k) noexcept { return mix_hash(identity_key_hash{}(k)); }
};
struct by_object {
  static const void* key_of(const session_entry& e) noexcept { return e.object; }
  static std::size_t hash(const void* p) noexcept { return mix_hash(reinterpret_cast<std::uintptr_t>(p)); }
};

}  // namespace quarry::detail
