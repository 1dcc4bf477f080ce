// relationship_info: what the Session knows of one relationship, without templates.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "quarry/engine/call_site.hpp"
#include "quarry/errors.hpp"

// What the Session knows of one relationship, without templates, and the
// state every relationship member (quarry::many, quarry::one) carries.
namespace quarry {

class Session;

// How a relationship is loaded (SQLAlchemy's `lazy=`).
enum class loading : std::uint8_t {
  select,        // one SELECT when first used (lazy loading)
  joined,        // LEFT OUTER JOIN in the statement that loads the parents
  selectin,      // one more SELECT ... WHERE key IN (...) for all the parents
  subquery,      // one more SELECT joined to the parents' statement as a subquery
  raise,         // using it unloaded is an error (the N+1 guard)
  raise_on_sql,  // an error only when loading it would need SQL
  noload,        // never loaded: empty
  contains_eager,  // from a join the query wrote itself (quarry::contains_eager; not a `lazy` value)
};

namespace detail {

struct mapper;
struct node;
struct session_entry;
struct statement_data;

// The SELECT a lazy load of one parent runs (see select_by_one_key()), built
// at its first use and shared by every session and thread. A copied
// relationship_info may be changed after: it builds a statement of its own.
struct one_key_select {
  one_key_select() = default;
  one_key_select(const one_key_select&) noexcept {}
  one_key_select& operator=(const one_key_select&) = delete;

  std::mutex mutex;
  std::shared_ptr<const statement_data> statement;
};
struct relationship_info;
class relationship_state;
template <class M, std::size_t I>
struct relationship_ops;

enum class relationship_kind : std::uint8_t {
  one_to_many,   // the target's foreign key points at the owner
  many_to_one,   // the owner's foreign key points at the target
  many_to_many,  // rows of an association table point at both
};

struct cascade_flags {
  bool save_update = true;     // objects reachable from an added object are added
  bool merge = true;
  bool delete_ = false;        // deleting the owner deletes the targets
  bool delete_orphan = false;  // a target taken out of the collection is deleted
  bool expunge = false;
  bool refresh_expire = false;  // expire() and refresh() of the owner reach the targets
};

// How a relationship member reaches its session; the session owns it and
// empties `session` when it lets go of its objects (close()).
struct session_link {
  void* session = nullptr;
  // Loads relationship `r` of `owner` (an object of r's owner model).
  void (*load)(void* session, void* owner, const relationship_info& r) = nullptr;
  // `target` (an object of r's target model, or null) was put into (or taken
  // out of) relationship r of `owner`: the other side follows (back_populates).
  void (*changed)(void* session, void* owner, const relationship_info& r, const std::shared_ptr<void>& target,
                  bool added) = nullptr;
  // An eagerly loaded relationship r of `owner` that an N+1 detector watches was read.
  void (*used)(void* session, void* owner, const relationship_info& r) = nullptr;
};

// One QUARRY_RELATIONSHIP, resolved against the two tables.
struct relationship_info {
  std::string qualified_name;  // "User.addresses", for messages
  std::string name;
  const mapper& (*owner)() = nullptr;
  const mapper& (*target)() = nullptr;
  const std::vector<relationship_info>& (*target_relationships)() = nullptr;
  relationship_kind kind = relationship_kind::one_to_many;
  bool uselist = true;  // many<T>; one<T> otherwise
  // owner.local[i] = target.remote[i]: column positions in each model. For a
  // many-to-many, owner.local[i] = secondary.secondary_local[i] and
  // target.remote[j] = secondary.secondary_remote[j].
  std::vector<std::size_t> local, remote;
  const mapper& (*secondary)() = nullptr;  // the association table's model
  // primaryjoin(): the terms of the join condition besides owner.local = target.remote
  // (they name the target's columns only), or null.
  std::shared_ptr<const node> criteria;
  std::vector<std::size_t> secondary_local, secondary_remote;
  bool secondary_owner_first = true;  // the association table's first foreign key points at the owner
  loading lazy = loading::select;
  cascade_flags cascade;
  bool passive_deletes = false;
  std::string back_populates;
  std::vector<std::pair<std::size_t, bool>> order_by;  // target column, descending
  mutable one_key_select lazy_select;

  // The member in an owner object.
  relationship_state& (*state)(void* owner) = nullptr;
  // Sets the targets: session entries of the target model (for one<T>, the first or none).
  void (*assign)(relationship_state& s, const relationship_info& r, std::span<session_entry* const> targets) = nullptr;
  // Adds one target unless it is there (one<T>: sets it).
  void (*append)(relationship_state& s, const relationship_info& r, const session_entry& target) = nullptr;
  // Takes a target out (one<T>: clears it when it is that one).
  void (*remove)(relationship_state& s, const void* target) = nullptr;
  // Calls fn(context, object, handle) for each target held now, loaded or not.
  void (*for_each)(relationship_state& s, void* context,
                   void (*fn)(void* context, void* object, const std::shared_ptr<void>& handle)) = nullptr;
  // A strong reference of a one<T> becomes weak (see weak()).
  void (*weaken)(relationship_state& s) = nullptr;
  // Session::merge() of a target object: the session's entry of the merged object.
  session_entry* (*merge)(Session& session, const void* target) = nullptr;

  // The relationship on the other side named by back_populates, or null.
  const relationship_info* back() const;
  // Two strong references would keep each other alive forever, so in a
  // two-way relationship one side is weak: a child's reference to its parent
  // (the side with the foreign key), and of a two-way many-to-many the side
  // whose owner the association table's second foreign key points at. That
  // collection is emptied (unloaded) when the session lets go of its object.
  bool weak() const;
  // Collections the session empties (and unloads) when it lets go of their
  // object: the weak side of a two-way many-to-many, and both sides of a
  // self-referential many-to-many, whose one side alone can go round in a
  // cycle (two users who follow each other).
  bool dropped_on_release() const;


 private:
  // A cache that copies with the info (infos are built in a vector once).
  struct cached_pointer : std::atomic<const relationship_info*> {
    cached_pointer() noexcept : atomic(nullptr) {}
    cached_pointer(const cached_pointer& other) noexcept : atomic(other.load(std::memory_order_relaxed)) {}
  };
  mutable cached_pointer back_;
};

// The state a relationship member carries besides its targets: whether they
// are loaded, and how to load them.
class relationship_state {
 public:
  bool loaded() const noexcept { return loaded_; }

 protected:
  relationship_state() = default;
  // A copy holds the same targets but belongs to no session.
  relationship_state(const relationship_state& other) noexcept : loaded_(other.loaded_) {}
  relationship_state& operator=(const relationship_state&) noexcept { return *this; }
  ~relationship_state() = default;

  // Loads the targets if they are not, through the session that read the owner;
  // `where` is the user's line, for profilers.
  void ensure_loaded(source_location where = {}) const {
    if (loaded_ && !watched_) return;
    load_or_note(where);
  }
  void load_or_note(source_location where) const;
  // Loads the targets first when the owner is in a session, so that a change
  // replaces what the database holds (not an empty collection never read).
  void load_if_attached() const;
  void mark_loaded() noexcept { loaded_ = true; }
  std::string info_name() const { return info_ ? info_->qualified_name : std::string("this relationship"); }
  // Tells the session a target came in or went out, for the other side.
  template <class T>
  void notify(const std::shared_ptr<T>& target, bool added) const {
    if (link_ && link_->session && info_) link_->changed(link_->session, owner_, *info_, target, added);
  }
  [[noreturn]] void throw_detached() const;

 private:
  template <class M, std::size_t I>
  friend struct relationship_ops;
  friend class quarry::Session;
  friend class identity_map;
  friend class loader;
  friend class load_timer;
  friend class cascades;
  friend class unit_of_work;

  std::shared_ptr<session_link> link_;
  void* owner_ = nullptr;
  const relationship_info* info_ = nullptr;
  std::vector<const void*> committed_;  // the collection's targets as last loaded or flushed
  bool loaded_ = true;                  // a new object's relationships hold what the user put there
  mutable bool watched_ = false;        // eagerly loaded, and an N+1 detector waits for its first use
  loading on_access_ = loading::select;
};


}  // namespace detail
}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/detail/impl/relationship_info.ipp"
#endif
