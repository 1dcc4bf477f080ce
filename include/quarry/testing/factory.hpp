// factory<M>: model objects with defaults, sequences, computed values and related objects for tests (factory_boy's DSL).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/orm/relationship.hpp"
#include "quarry/orm/session.hpp"

namespace quarry::testing {

// What create() does after adding the object to the session.
enum class persist : unsigned char { add, flush, commit };

// factory_boy for QUARRY_MODEL structs. Each call returns a new factory, so a
// base factory can be refined per test; copies share the base's sequence
// counter, as a factory_boy subclass does.
//   auto users = factory<User>()
//                    .sequence(&User::name, [](std::size_t n) { return "user" + std::to_string(n); })
//                    .lazy(&User::email, [](const User& u) { return u.name + "@example.com"; });
//   auto posts = factory<Post>().with(&Post::title, "hello").sub_factory(&Post::author, users);
//   auto post = posts.create(session);  // the post and its new author, INSERTed (flushed)
template <class M>
class factory {
 public:
  factory() = default;

  // The member is set to this value.
  template <class T, class V>
    requires std::assignable_from<T&, V>
  factory with(T M::*member, V&& value) const {
    auto next = *this;
    next.values_.push_back([member, v = std::decay_t<V>(std::forward<V>(value))](M& object, std::size_t) { object.*member = v; });
    return next;
  }

  // The member is fn(n): n counts the objects this factory (and its copies) built, from 0.
  template <class T, class Fn>
    requires std::invocable<const Fn&, std::size_t> && std::assignable_from<T&, std::invoke_result_t<const Fn&, std::size_t>>
  factory sequence(T M::*member, Fn fn) const {
    auto next = *this;
    next.values_.push_back([member, fn = std::move(fn)](M& object, std::size_t n) { object.*member = fn(n); });
    return next;
  }

  // The member is computed from the object after every other value is set (factory_boy's LazyAttribute).
  template <class T, class Fn>
    requires std::invocable<const Fn&, const M&> && std::assignable_from<T&, std::invoke_result_t<const Fn&, const M&>>
  factory lazy(T M::*member, Fn fn) const {
    auto next = *this;
    next.lazies_.push_back([member, fn = std::move(fn)](M& object) { object.*member = fn(object); });
    return next;
  }

  // A many-to-one relationship holds a new object of `related` (factory_boy's
  // SubFactory); created with this object, by the save-update cascade.
  template <class R>
  factory sub_factory(one<R> M::*member, factory<R> related) const {
    auto next = *this;
    next.values_.push_back([member, related = std::move(related)](M& object, std::size_t) {
      object.*member = std::make_shared<R>(related.build());
    });
    return next;
  }

  // A one-to-many relationship holds `count` new objects of `related`.
  template <class R>
  factory related(many<R> M::*member, factory<R> related_factory, std::size_t count) const {
    auto next = *this;
    next.values_.push_back([member, related_factory = std::move(related_factory), count](M& object, std::size_t) {
      many<R> items;
      for (std::size_t i = 0; i < count; ++i) items.push_back(std::make_shared<R>(related_factory.build()));
      object.*member = std::move(items);
    });
    return next;
  }

  // Starts the sequence again at n.
  void reset_sequence(std::size_t n = 0) const { counter_->store(n); }

  // A new object, not in any session.
  M build() const {
    M object{};
    std::size_t n = counter_->fetch_add(1);
    for (auto& set : values_) set(object, n);
    for (auto& compute : lazies_) compute(object);
    return object;
  }
  std::vector<M> build_batch(std::size_t count) const {
    std::vector<M> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(build());
    return out;
  }

  // A new object added to the session and (by default) flushed, so it has its key.
  std::shared_ptr<M> create(Session& session, persist how = persist::flush) const {
    auto object = session.add(build());
    finish(session, how);
    return object;
  }
  std::vector<std::shared_ptr<M>> create_batch(Session& session, std::size_t count, persist how = persist::flush) const {
    std::vector<std::shared_ptr<M>> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(session.add(build()));
    finish(session, how);
    return out;
  }

 private:
  static void finish(Session& session, persist how) {
    if (how == persist::flush) session.flush();
    if (how == persist::commit) session.commit();
  }

  std::vector<std::function<void(M&, std::size_t)>> values_;
  std::vector<std::function<void(M&)>> lazies_;
  std::shared_ptr<std::atomic<std::size_t>> counter_ = std::make_shared<std::atomic<std::size_t>>(0);
};

}  // namespace quarry::testing
