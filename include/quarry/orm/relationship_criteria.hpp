// Queries across relationships: join(&User::addresses), any(), has(), with_parent().
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <memory>
#include <utility>
#include <vector>

#include "quarry/core/detail/node.hpp"
#include "quarry/core/expression.hpp"
#include "quarry/core/select.hpp"
#include "quarry/errors.hpp"
#include "quarry/orm/detail/load_statements.hpp"
#include "quarry/orm/detail/relationships.hpp"

// Queries across relationships: select<User>().join(&User::addresses),
// quarry::any(&User::addresses, cond), quarry::has(&Address::user, cond),
// quarry::with_parent(user, &User::addresses).
namespace quarry {

namespace detail {

// The ON conditions between the owner's table and the target's: through the
// association table for a many-to-many.
QUARRY_DECL std::vector<std::pair<from_ptr, node_ptr>> relationship_joins(const relationship_info& r);

// EXISTS (SELECT 1 FROM target [JOIN ...] WHERE <owner matches> [AND cond]), correlated to the owner's table.
QUARRY_DECL expr<bool> relationship_exists(const relationship_info& r, node_ptr condition);

}  // namespace detail

// Found by select_statement::join(&M::member) (argument-dependent lookup).
template <class M, class T>
std::vector<std::pair<detail::from_ptr, detail::node_ptr>> quarry_relationship_join(many<T> M::*member) {
  return detail::relationship_joins(detail::relationship_of(member));
}
template <class M, class T>
std::vector<std::pair<detail::from_ptr, detail::node_ptr>> quarry_relationship_join(one<T> M::*member) {
  return detail::relationship_joins(detail::relationship_of(member));
}

// The owner has at least one target in the collection (for which `condition` holds).
template <class M, class T>
expr<bool> any(many<T> M::*member) {
  return detail::relationship_exists(detail::relationship_of(member), nullptr);
}
template <class M, class T, class C>
expr<bool> any(many<T> M::*member, const C& condition) {
  static_assert(detail::is_boolean<detail::value_type_of_t<C>>, "quarry: any() needs a boolean condition");
  return detail::relationship_exists(detail::relationship_of(member), detail::operand<bool>(condition));
}

// The owner's reference points at a target (for which `condition` holds).
template <class M, class T>
expr<bool> has(one<T> M::*member) {
  return detail::relationship_exists(detail::relationship_of(member), nullptr);
}
template <class M, class T, class C>
expr<bool> has(one<T> M::*member, const C& condition) {
  static_assert(detail::is_boolean<detail::value_type_of_t<C>>, "quarry: has() needs a boolean condition");
  return detail::relationship_exists(detail::relationship_of(member), detail::operand<bool>(condition));
}

// The targets of `parent`'s relationship, as a condition on the target's
// table: select<Address>().where(quarry::with_parent(*user, &User::addresses)).
template <class M, class Member>
expr<bool> with_parent(const M& parent, Member M::*member) {
  const auto& r = detail::relationship_of(member);
  const auto& owner = r.owner();
  std::vector<std::vector<value>> key(1);
  for (auto c : r.local) {
    value owned;
    key[0].emplace_back(owner.bind(&parent, c, owned));
  }
  if (r.kind != detail::relationship_kind::many_to_many)
    return expr<bool>(detail::and_all(detail::key_filter(detail::columns_of(r.target().from(), r.target(), r.remote), key), r.criteria));
  // target.remote IN (SELECT association.remote FROM association WHERE association.local = parent's key)
  const auto& a = r.secondary();
  auto data = std::make_shared<detail::statement_data>();
  for (auto& c : detail::columns_of(a.from(), a, r.secondary_remote)) data->columns.push_back(c);
  data->froms.push_back({a.from(), {}});
  data->where = detail::key_filter(detail::columns_of(a.from(), a, r.secondary_local), key);
  data->correlate = false;
  auto sub = std::make_shared<detail::node>();
  sub->kind = detail::node_kind::subquery;
  sub->select = std::move(data);
  auto targets = detail::columns_of(r.target().from(), r.target(), r.remote);
  if (targets.size() != 1)
    throw ArgumentError("quarry: with_parent() of a many-to-many over a composite key is not supported; join the association table");
  return expr<bool>(detail::make_node(detail::node_kind::binary, detail::precedence::comparison, " IN ", targets[0],
                                      detail::node_ptr(std::move(sub))));
}

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/relationship_criteria.ipp"
#endif
