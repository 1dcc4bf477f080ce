// Relationships between models (many<T>, one<T>) and their options.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <vector>

#include "quarry/errors.hpp"
#include "quarry/orm/detail/relationship_info.hpp"

// Relationships between models (SQLAlchemy's relationship()):
//
//   struct User    { std::int64_t id{}; std::string name; quarry::many<Address> addresses; };
//   struct Address { std::int64_t id{}; std::int64_t user_id{}; std::string email; quarry::one<User> user; };
//   QUARRY_MODEL(User, "user_account", QUARRY_COLUMN(id, quarry::primary_key), QUARRY_COLUMN(name),
//                QUARRY_RELATIONSHIP(addresses, quarry::back_populates("user")));
//   QUARRY_MODEL(Address, "address", ..., QUARRY_COLUMN(user_id, quarry::foreign_key(&User::id)),
//                QUARRY_RELATIONSHIP(user, quarry::back_populates("addresses")));
//
// The foreign key between the two tables is found from the schema (name it
// with foreign_keys() when there are several). Targets are std::shared_ptr
// handles of the session's objects; a child's reference to a parent whose
// collection holds it is weak, so that the two do not keep each other alive.
namespace quarry {

// The "many" side of a relationship: a collection of the target model's objects.
// Reading it loads it if needed (see quarry::loading); changing it is written
// by the next flush (foreign keys set, new objects added).
template <class T>
class many : public detail::relationship_state {
 public:
  using value_type = std::shared_ptr<T>;
  using const_iterator = typename std::vector<std::shared_ptr<T>>::const_iterator;

  many() = default;
  many(std::initializer_list<std::shared_ptr<T>> items) : items_(items) {}
  explicit many(std::vector<std::shared_ptr<T>> items) : items_(std::move(items)) {}
  many(const many& other) : relationship_state(other), items_(other.items_) {}
  many(many&& other) noexcept : relationship_state(other), items_(std::move(other.items_)) {}
  // Assigning replaces the targets; the member stays the same relationship of the same object.
  many& operator=(const many& other) {
    if (this != &other) replace(other.items_);
    return *this;
  }
  many& operator=(many&& other) {
    if (this != &other) replace(std::move(other.items_));
    return *this;
  }
  many& operator=(std::initializer_list<std::shared_ptr<T>> items) {
    replace(std::vector<std::shared_ptr<T>>(items));
    return *this;
  }
  // Replaces the targets with these.
  void assign(std::vector<std::shared_ptr<T>> items) { replace(std::move(items)); }

  // Reading loads the collection if needed; `where`, the caller's line, is what a profiler reports.
  const std::vector<std::shared_ptr<T>>& items(source_location where = source_location::current()) const {
    ensure_loaded(where);
    return items_;
  }
  const_iterator begin(source_location where = source_location::current()) const { return items(where).begin(); }
  const_iterator end(source_location where = source_location::current()) const { return items(where).end(); }
  std::size_t size(source_location where = source_location::current()) const { return items(where).size(); }
  bool empty(source_location where = source_location::current()) const { return items(where).empty(); }
  const std::shared_ptr<T>& operator[](std::size_t i) const { return items({})[i]; }
  const std::shared_ptr<T>& front(source_location where = source_location::current()) const { return items(where).front(); }
  const std::shared_ptr<T>& back(source_location where = source_location::current()) const { return items(where).back(); }

  // Adds an object (once); with back_populates, its reference to the owner follows.
  void push_back(std::shared_ptr<T> object) {
    if (!object) throw ArgumentError("quarry: a relationship collection takes objects, not null");
    ensure_loaded();
    for (auto& item : items_)
      if (item == object) return;
    items_.push_back(object);
    notify(object, true);
  }
  void append(std::shared_ptr<T> object) { push_back(std::move(object)); }
  // Takes an object out; the next flush clears its foreign key, or deletes it (delete-orphan).
  bool remove(std::shared_ptr<T> object) {  // by value: it may be one of the items erased here
    ensure_loaded();
    for (auto it = items_.begin(); it != items_.end(); ++it)
      if (*it == object) {
        items_.erase(it);
        notify(object, false);
        return true;
      }
    return false;
  }
  void clear() { replace({}); }

 private:
  template <class M, std::size_t I>
  friend struct detail::relationship_ops;

  // Only what leaves or arrives is reported (as SQLAlchemy's bulk replace),
  // from copies: a report can change this collection (back_populates).
  void replace(std::vector<std::shared_ptr<T>> items) {
    load_if_attached();
    auto before = loaded() ? std::move(items_) : std::vector<std::shared_ptr<T>>{};
    items_ = std::move(items);
    mark_loaded();
    std::unordered_set<const T*> kept, was;
    for (auto& item : items_) kept.insert(item.get());
    for (auto& old : before) {
      was.insert(old.get());
      if (!kept.contains(old.get())) notify(old, false);
    }
    auto arrived = items_;
    for (auto& item : arrived)
      if (!was.contains(item.get())) notify(item, true);
  }

  std::vector<std::shared_ptr<T>> items_;
};

// The "one" side: a reference to one object of the target model, or none.
template <class T>
class one : public detail::relationship_state {
 public:
  one() = default;
  one(std::shared_ptr<T> object) : strong_(std::move(object)) {}  // NOLINT: reads as the assignment it is
  one(std::nullptr_t) {}
  one(const one& other) : relationship_state(other), strong_(other.strong_), weak_(other.weak_) {}
  one(one&& other) noexcept : relationship_state(other), strong_(std::move(other.strong_)), weak_(std::move(other.weak_)) {}
  one& operator=(const one& other) {
    if (this != &other) set(other.get_loaded());
    return *this;
  }
  one& operator=(std::shared_ptr<T> object) {
    set(std::move(object));
    return *this;
  }
  one& operator=(std::nullptr_t) {
    set(nullptr);
    return *this;
  }

  // The target (loaded first if needed), or nullptr.
  std::shared_ptr<T> get(source_location where = source_location::current()) const {
    ensure_loaded(where);
    return get_loaded();
  }
  T* operator->() const {
    auto target = get({});
    if (!target) throw InvalidRequestError("quarry: " + name() + " is empty; check it before using ->");
    return target.get();
  }
  T& operator*() const { return *operator->(); }
  explicit operator bool() const { return get({}) != nullptr; }
  friend bool operator==(const one& a, std::nullptr_t) { return a.get({}) == nullptr; }
  friend bool operator==(const one& a, const std::shared_ptr<T>& b) { return a.get({}) == b; }

 private:
  template <class M, std::size_t I>
  friend struct detail::relationship_ops;

  std::string name() const { return info_name(); }
  std::shared_ptr<T> get_loaded() const {
    if (strong_) return strong_;
    auto target = weak_.lock();
    bool was_set = weak_.owner_before(std::weak_ptr<T>{}) || std::weak_ptr<T>{}.owner_before(weak_);
    if (!target && was_set) throw DetachedInstanceError("quarry: the object " + name() +
                                             " points at was released with its session; keep a handle to it");
    return target;
  }

  void set(std::shared_ptr<T> object) {
    load_if_attached();
    auto old = loaded() ? get_loaded() : nullptr;
    if (old == object && loaded()) return;
    strong_ = std::move(object);
    weak_.reset();
    mark_loaded();
    if (old) notify(old, false);
    if (strong_) notify(strong_, true);
  }

  std::shared_ptr<T> strong_;
  std::weak_ptr<T> weak_;  // set instead of strong_ for a child's reference to its parent
};

// --- relationship options (QUARRY_RELATIONSHIP(member, options...)) ---------------------

// The relationship on the target model that mirrors this one: changing one side changes the other.
struct back_populates {
  std::string_view member;
  constexpr explicit back_populates(std::string_view m) : member(m) {}
};

// The loading strategy when a query does not choose one (default: loading::select).
struct lazy {
  loading strategy;
  constexpr explicit lazy(loading s) : strategy(s) {}
};

// SQLAlchemy's cascade string: "save-update, merge, delete, delete-orphan,
// expunge, refresh-expire", or "all" (all but delete-orphan).
struct cascade {
  std::string_view spec;
  constexpr explicit cascade(std::string_view s) : spec(s) {}
};

// A many-to-many relationship through an association table, declared as a
// model (its primary key is usually both columns): quarry::secondary<PostTag>().
// When the association table has two foreign keys to the same table
// (followers), name the column that points at the owner and the one that
// points at the target: quarry::secondary(&Follow::follower_id, &Follow::followed_id).
template <class Association, class OwnerColumn = void, class TargetColumn = void>
struct secondary_option {
  OwnerColumn owner_column;
  TargetColumn target_column;
};
template <class Association>
struct secondary_option<Association, void, void> {};
template <class Association>
constexpr secondary_option<Association> secondary() {
  return {};
}
template <class Association, class F1, class F2>
constexpr secondary_option<Association, F1 Association::*, F2 Association::*> secondary(F1 Association::*owner_column,
                                                                                        F2 Association::*target_column) {
  return {owner_column, target_column};
}

// A join condition that is not a foreign key's (SQLAlchemy's primaryjoin):
// a function of the owner's table and the target's, called once, whose
// equalities between the two give the columns that match, and whose other
// terms (on the target's columns) filter the targets:
//   QUARRY_RELATIONSHIP(boston_addresses, quarry::primaryjoin([](const auto& user, const auto& address) {
//     return user.id == address.user_id && address.city == "Boston"; }))
template <class Fn>
struct primaryjoin_option {
  Fn condition;
};
template <class Fn>
primaryjoin_option<Fn> primaryjoin(Fn condition) {
  return {std::move(condition)};
}

// Rely on the database's ON DELETE CASCADE: deleting the owner does not load its collection.
struct passive_deletes_option {};
inline constexpr passive_deletes_option passive_deletes{};

// The foreign-key columns (of either model) this relationship goes through,
// when the two tables have more than one foreign key between them.
template <class... Members>
struct foreign_keys_option {
  std::tuple<Members...> members;
};
template <class... Members>
foreign_keys_option<Members...> foreign_keys(Members... members) {
  return {{members...}};
}

// The order of a collection: order_by_column(&Address::email), or with quarry::descending.
template <class M, class F>
struct collection_order {
  F M::*member;
  bool descending = false;
};
struct descending_t {};
inline constexpr descending_t descending{};
template <class M, class F>
collection_order<M, F> order_by_column(F M::*member) {
  return {member, false};
}
template <class M, class F>
collection_order<M, F> order_by_column(F M::*member, descending_t) {
  return {member, true};
}

}  // namespace quarry
