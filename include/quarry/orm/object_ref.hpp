// object_ref: an object of the session whose model is known only at run time.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "quarry/errors.hpp"
#include "quarry/orm/detail/mapper.hpp"
#include "quarry/types/value.hpp"

namespace quarry {

// An object of the session whose model is known only at run time: what the
// session-wide views (session.new_objects(), dirty_objects(), deleted_objects())
// give, as SQLAlchemy's session.new / dirty / deleted give objects of any class.
//
//   for (auto& o : session.dirty_objects())
//     if (o.is<User>()) audit(o.as<User>()->name);
class object_ref {
 public:
  object_ref(const detail::mapper& m, std::shared_ptr<void> object) : mapper_(&m), object_(std::move(object)) {}

  template <class M>
  bool is() const noexcept {
    return mapper_ == &detail::mapper_of<M>();
  }
  // The object as its model; InvalidRequestError when it is of another model.
  template <class M>
  std::shared_ptr<M> as() const {
    if (!is<M>()) throw InvalidRequestError("quarry: this object is of table '" + table_name() + "', not of the model as<>() names");
    return std::static_pointer_cast<M>(object_);
  }
  const std::string& table_name() const noexcept { return mapper_->table->name; }
  // The primary key's values, in key order (unset keys of a pending object as they are).
  std::vector<value> key() const;
  const void* address() const noexcept { return object_.get(); }

 private:
  const detail::mapper* mapper_;
  std::shared_ptr<void> object_;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/object_ref.ipp"
#endif
