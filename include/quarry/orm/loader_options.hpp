// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "quarry/errors.hpp"
#include "quarry/orm/detail/loading.hpp"
#include "quarry/orm/detail/relationships.hpp"

// Per-query loading strategies (SQLAlchemy's loader options), chained along paths:
//   select<User>().options(quarry::selectinload(&User::orders).joinedload(&Order::items))
namespace quarry {

class loader_option {
 public:
  explicit loader_option(detail::loader_step first) { path_.steps.push_back(first); }

  template <class M, class Member>
  loader_option joinedload(Member M::*member) const {
    return then(member, loading::joined);
  }
  template <class M, class Member>
  loader_option selectinload(Member M::*member) const {
    return then(member, loading::selectin);
  }
  template <class M, class Member>
  loader_option subqueryload(Member M::*member) const {
    return then(member, loading::subquery);
  }
  template <class M, class Member>
  loader_option lazyload(Member M::*member) const {
    return then(member, loading::select);
  }
  template <class M, class Member>
  loader_option raiseload(Member M::*member, bool sql_only = false) const {
    return then(member, sql_only ? loading::raise_on_sql : loading::raise);
  }
  template <class M, class Member>
  loader_option noload(Member M::*member) const {
    return then(member, loading::noload);
  }
  template <class M, class Member>
  loader_option contains_eager(Member M::*member) const {
    return then(member, loading::contains_eager);
  }

  // What select_statement::options() stores.
  std::shared_ptr<const void> quarry_loader_option() const { return std::make_shared<detail::loader_path>(path_); }

 private:
  template <class M, class Member>
  loader_option then(Member M::*member, loading strategy) const {
    const auto& r = detail::relationship_of(member);
    const auto* last = path_.steps.back().r;
    if (&r.owner() != &last->target())
      throw ArgumentError("quarry: a loader option's path goes from " + last->qualified_name + " to " + r.qualified_name +
                          ", which does not start at its target");
    loader_option next = *this;
    next.path_.steps.push_back({&r, strategy});
    return next;
  }

  detail::loader_path path_;
};

template <class M, class Member>
loader_option joinedload(Member M::*member) {
  return loader_option({&detail::relationship_of(member), loading::joined});
}
template <class M, class Member>
loader_option selectinload(Member M::*member) {
  return loader_option({&detail::relationship_of(member), loading::selectin});
}
template <class M, class Member>
loader_option subqueryload(Member M::*member) {
  return loader_option({&detail::relationship_of(member), loading::subquery});
}
template <class M, class Member>
loader_option lazyload(Member M::*member) {
  return loader_option({&detail::relationship_of(member), loading::select});
}
// An error instead of a lazy load; with sql_only, only when the load would need SQL (raiseload(..., True)).
template <class M, class Member>
loader_option raiseload(Member M::*member, bool sql_only = false) {
  return loader_option({&detail::relationship_of(member), sql_only ? loading::raise_on_sql : loading::raise});
}
template <class M, class Member>
loader_option noload(Member M::*member) {
  return loader_option({&detail::relationship_of(member), loading::noload});
}
// The targets come from a join the statement wrote itself (select<User>().join(&User::addresses)):
// their columns are added to the SELECT and read into the collection.
template <class M, class Member>
loader_option contains_eager(Member M::*member) {
  return loader_option({&detail::relationship_of(member), loading::contains_eager});
}

}  // namespace quarry
