// The non-template implementation of quarry/orm/relationship_criteria.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/relationship_criteria.hpp"

namespace quarry::detail {

QUARRY_DECL std::vector<std::pair<from_ptr, node_ptr>> relationship_joins(const relationship_info& r) {
  const mapper& owner = r.owner();
  const mapper& target = r.target();
  if (r.kind != relationship_kind::many_to_many)
    return {{target.from(), and_all(equal_all(columns_of(owner.from(), owner, r.local), columns_of(target.from(), target, r.remote)),
                                    r.criteria)}};
  const mapper& a = r.secondary();
  return {{a.from(), equal_all(columns_of(owner.from(), owner, r.local), columns_of(a.from(), a, r.secondary_local))},
          {target.from(), equal_all(columns_of(a.from(), a, r.secondary_remote), columns_of(target.from(), target, r.remote))}};
}

QUARRY_DECL expr<bool> relationship_exists(const relationship_info& r, node_ptr condition) {
  auto data = std::make_shared<statement_data>();
  data->columns.push_back(literal_node(value(std::int64_t{1})));
  auto joins = relationship_joins(r);  // [association,] target: the first ON names the owner
  if (joins.size() == 2) data->froms.push_back({joins[1].first, {{join_kind::inner, joins[0].first, joins[1].second}}});
  else data->froms.push_back({joins[0].first, {}});
  data->where = joins[0].second;
  if (condition) data->where = make_node(node_kind::binary, precedence::and_, " AND ", data->where, condition);
  auto sub = std::make_shared<node>();
  sub->kind = node_kind::subquery;
  sub->select = std::move(data);
  return expr<bool>(make_node(node_kind::prefix, precedence::unary, "EXISTS ", node_ptr(std::move(sub))));
}

}  // namespace quarry::detail
