// object_result: the objects an ORM query returned, through the identity map.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "quarry/errors.hpp"

namespace quarry {

// The objects an ORM query returned, through the session's identity map
// (SQLAlchemy's ScalarResult of ORM entities).
template <class M>
class object_result {
 public:
  object_result() = default;
  explicit object_result(std::vector<std::shared_ptr<M>> objects) : objects_(std::move(objects)) {}

  const std::vector<std::shared_ptr<M>>& all() const& { return objects_; }
  std::vector<std::shared_ptr<M>> all() && { return std::move(objects_); }
  // The first object, or nullptr.
  std::shared_ptr<M> first() const { return objects_.empty() ? nullptr : objects_.front(); }
  // Exactly one object: NoResultFound or MultipleResultsFound otherwise.
  std::shared_ptr<M> one() const {
    if (objects_.empty()) throw NoResultFound("quarry: no object was found where one() needs exactly one");
    return one_or_none();
  }
  // One object or nullptr: MultipleResultsFound when there are more.
  std::shared_ptr<M> one_or_none() const {
    if (objects_.size() > 1)
      throw MultipleResultsFound("quarry: " + std::to_string(objects_.size()) +
                                 " objects were found where one_or_none() needs at most one");
    return first();
  }

  // Each object once, where it first came (SQLAlchemy's Result.unique()): a
  // select<M>() joined to a collection returns its object once per joined row.
  object_result unique() const& { return object_result(*this).unique(); }
  object_result unique() && {
    std::unordered_set<const M*> seen;
    std::erase_if(objects_, [&](const std::shared_ptr<M>& o) { return !seen.insert(o.get()).second; });
    return std::move(*this);
  }

  auto begin() const { return objects_.begin(); }
  auto end() const { return objects_.end(); }
  std::size_t size() const noexcept { return objects_.size(); }
  bool empty() const noexcept { return objects_.empty(); }
  const std::shared_ptr<M>& operator[](std::size_t i) const { return objects_[i]; }
  const std::shared_ptr<M>& front() const { return objects_.front(); }

 private:
  std::vector<std::shared_ptr<M>> objects_;
};

}  // namespace quarry
