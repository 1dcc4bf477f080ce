// Session::merge_one(): merge() of one object of the graph a merge() walks.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include "quarry/orm/session.hpp"

namespace quarry {

// The session's object for `object`'s key, found in the identity map or read,
// or a new pending one, with `object`'s values copied onto it; then its
// relationships, for the merge cascade.
template <class M>
std::shared_ptr<M> Session::merge_one(const M& object) {
  if (auto it = state_->merging.find(&object); it != state_->merging.end()) return detail::identity_map::handle<M>(*it->second);  // a cycle of the graph
  const auto& m = detail::mapper_of<M>();
  std::vector<bool> included;
  m.included(&object, included);
  bool has_key = std::all_of(m.key_columns.begin(), m.key_columns.end(), [&](std::size_t i) { return included[i]; });
  std::shared_ptr<M> existing;
  if (has_key) {
    entry* found = state_->objects.persistent.find(m.key_of(&object));
    if (found && found->state != object_state::deleted) {
      if (!found->expired || state_->loading.reload(*found, work_connection())) existing = detail::identity_map::handle<M>(*found);
    } else {
      existing = state_->loading.get_by_identity<M>(object, work_connection());
    }
  }
  if (existing) {
    detail::model_mapper<M>::copy(existing.get(), &object, 0);
  } else {
    auto fresh = std::make_shared<M>();
    detail::model_mapper<M>::copy(fresh.get(), &object, 0);
    existing = add(std::move(fresh));
  }
  if constexpr (detail::relationship_count<M>() > 0) {
    entry& e = state_->objects.entry_of(m, existing.get(), "merge()");
    state_->merging.emplace(&object, &e);
    merge_relationships(e, &object);
  }
  return existing;
}

}  // namespace quarry

namespace quarry::detail {
template <class T>
session_entry* merge_into_session(Session& session, const void* object) {
  auto merged = session.merge_one(*static_cast<const T*>(object));
  return &session.state_->objects.entry_of(mapper_of<T>(), merged.get(), "merge()");
}
}  // namespace quarry::detail
