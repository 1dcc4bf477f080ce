// The non-template implementation of quarry/orm/detail/relationship_info.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/detail/relationship_info.hpp"

namespace quarry::detail {

QUARRY_DECL auto relationship_info::back() const -> const relationship_info* {
  const relationship_info* found = back_.load(std::memory_order_relaxed);
  if (found || back_populates.empty()) return found;
  for (auto& r : target_relationships())
    if (r.name == back_populates) found = &r;
  back_.store(found, std::memory_order_relaxed);
  return found;
}

QUARRY_DECL auto relationship_info::weak() const -> bool {
  if (!back()) return false;
  return kind == relationship_kind::many_to_one || (kind == relationship_kind::many_to_many && !secondary_owner_first);
}

QUARRY_DECL auto relationship_info::dropped_on_release() const -> bool {
  return uselist && (weak() || (kind == relationship_kind::many_to_many && owner == target));
}

QUARRY_DECL auto relationship_state::load_or_note(source_location where) const -> void {
  if (loaded_) {
    watched_ = false;
    if (link_ && link_->session && link_->used && info_) link_->used(link_->session, owner_, *info_);
    return;
  }
  if (!link_ || !link_->session)
    throw_detached();
  if (where.line() == 0) {  // a use with no line of its own (operator->, operator[])
    link_->load(link_->session, owner_, *info_);
    return;
  }
  call_site_scope site(where);
  link_->load(link_->session, owner_, *info_);
}

QUARRY_DECL auto relationship_state::load_if_attached() const -> void {
  if (!loaded_ && link_ && link_->session) link_->load(link_->session, owner_, *info_);
}

QUARRY_DECL void relationship_state::throw_detached() const {
  throw DetachedInstanceError("quarry: " + (info_ ? info_->qualified_name : std::string("this relationship")) +
                              " is not loaded and its object is not in a Session (it was closed, or the object "
                              "expunged); load it while the session is open (selectinload(), joinedload())");
}

}  // namespace quarry::detail
