// Loader options (joinedload, selectinload, ...) chained along relationship paths.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "quarry/errors.hpp"
#include "quarry/orm/detail/load_statements.hpp"
#include "quarry/orm/detail/relationships.hpp"

// Per-query loading strategies (SQLAlchemy's loader options), chained along paths:
//   select<User>().options(quarry::selectinload(&User::orders).joinedload(&Order::items))
namespace quarry {

namespace detail {
// A bit per column for the given members (a model's first 64 columns can be deferred).
template <class M, class... F>
std::uint64_t column_bits(F M::*... columns) {
  std::uint64_t bits = 0;
  (
      [&] {
        auto index = column_of_member_index(columns);
        if (index >= 64) throw ArgumentError("quarry: only a model's first 64 columns can be deferred");
        bits |= std::uint64_t{1} << index;
      }(),
      ...);
  return bits;
}
}  // namespace detail

class loader_option {
 public:
  explicit loader_option(detail::loader_step first) { path_.steps.push_back(first); }
  explicit loader_option(detail::loader_path path) : path_(std::move(path)) {}

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

  // Columns of the objects this path reaches: left out of the SELECT (defer),
  // selected (undefer), or only these and the key (load_only).
  template <class M, class... F>
  loader_option defer(F M::*... columns) const {
    return with_columns<M>(detail::column_bits(columns...), 0);
  }
  template <class M, class... F>
  loader_option undefer(F M::*... columns) const {
    return with_columns<M>(0, detail::column_bits(columns...));
  }
  template <class M, class... F>
  loader_option load_only(F M::*... columns) const {
    return with_columns<M>(~detail::column_bits(columns...), detail::column_bits(columns...));
  }

  // What select_statement::options() stores.
  std::shared_ptr<const void> quarry_loader_option() const { return std::make_shared<detail::loader_path>(path_); }

 private:
  template <class M>
  loader_option with_columns(std::uint64_t defer, std::uint64_t undefer) const {
    const auto& m = detail::mapper_of<M>();
    if (path_.columns_of) throw ArgumentError("quarry: a loader option's path takes one defer(), undefer() or load_only()");
    if (!path_.steps.empty() && &path_.steps.back().r->target() != &m)
      throw ArgumentError("quarry: defer() / load_only() names columns of a model this path does not reach");
    loader_option next = *this;
    next.path_.columns_of = &m;
    next.path_.defer = defer;
    next.path_.undefer = undefer;
    return next;
  }

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


namespace detail {
// A loader option on the columns of the statement's own objects.
template <class M>
loader_option own_columns(std::uint64_t defer, std::uint64_t undefer) {
  loader_path p;
  p.columns_of = &mapper_of<M>();
  p.defer = defer;
  p.undefer = undefer;
  return loader_option(std::move(p));
}
}  // namespace detail

// Columns of the statement's own objects: select<User>().options(quarry::defer(&User::bio)).
// A deferred member keeps its default value until a query that selects it (or
// refresh()) reads it; the flush never writes it unless it was changed.
template <class M, class... F>
loader_option defer(F M::*... columns) {
  return detail::own_columns<M>(detail::column_bits(columns...), 0);
}
template <class M, class... F>
loader_option undefer(F M::*... columns) {
  return detail::own_columns<M>(0, detail::column_bits(columns...));
}
template <class M, class... F>
loader_option load_only(F M::*... columns) {
  return detail::own_columns<M>(~detail::column_bits(columns...), detail::column_bits(columns...));
}

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
