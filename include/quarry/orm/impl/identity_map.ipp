// The non-template implementation of quarry/orm/identity_map.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/identity_map.hpp"

namespace quarry::detail {

QUARRY_DECL std::vector<std::pair<void*, std::shared_ptr<void>>> targets_of(const relationship_info& r, relationship_state& s) {
  std::vector<std::pair<void*, std::shared_ptr<void>>> out;
  r.for_each(s, &out, [](void* c, void* object, const std::shared_ptr<void>& h) {
    static_cast<std::vector<std::pair<void*, std::shared_ptr<void>>>*>(c)->emplace_back(object, h);
  });
  return out;
}

QUARRY_DECL auto identity_map::clear() -> void {
  std::vector<entry*> all;
  all.reserve(persistent.size() + pending.size());
  persistent.for_each([&](entry& e) { all.push_back(&e); });
  all.insert(all.end(), pending.begin(), pending.end());
  pending.clear();
  persistent.clear();
  added.clear();
  deleted_marked = 0;
  // Freed newest first: objects read together were allocated together, in
  // rising addresses, and the allocator merges each into the free space above
  // it. Their serial numbers are unique, so a pass places them in that order.
  newest_first(all);
  for (auto* e : all) drop_weak_collections(*e);
  for (auto* e : all) release(*e);
}

QUARRY_DECL auto identity_map::newest_first(std::vector<entry*>& all) -> void {
  if (all.empty()) return;
  auto [oldest, newest] = std::minmax_element(all.begin(), all.end(), [](entry* a, entry* b) { return a->added < b->added; });
  const std::uint64_t high = (*newest)->added, span = high - (*oldest)->added + 1;
  auto sort = [&] { std::sort(all.begin(), all.end(), [](entry* a, entry* b) { return a->added > b->added; }); };
  if (span > 4 * all.size()) return sort();
  std::vector<entry*> by_serial(static_cast<std::size_t>(span), nullptr);
  for (entry* e : all) {
    auto& place = by_serial[static_cast<std::size_t>(high - e->added)];
    if (place) return sort();  // two entries of one serial: not made so, but sorting copes
    place = e;
  }
  std::size_t at = 0;
  for (entry* e : by_serial)
    if (e) all[at++] = e;
}

QUARRY_DECL auto identity_map::find_entry(const mapper& m, const void* object) const -> entry* {
  if (entry* e = added.find(object)) return e;
  if (entry* e = persistent.find(m.key_of(object)); e && e->object == object) return e;
  entry* found = nullptr;
  persistent.for_each([&](entry& e) {
    if (e.object == object) found = &e;
  });
  return found;
}

QUARRY_DECL auto identity_map::entry_of(const mapper& m, const void* object, const char* what) -> entry& {
  entry* e = find_entry(m, object);
  if (!e) throw InvalidRequestError(std::string("quarry: ") + what + " of an object that is not in this session");
  return *e;
}

QUARRY_DECL auto identity_map::in_session(const mapper& m, const void* object, std::unordered_map<const void*, entry*>& by_address) -> entry* {
  if (entry* e = added.find(object)) return e;
  if (entry* e = persistent.find(m.key_of(object)); e && e->object == object) return e;
  if (by_address.empty()) persistent.for_each([&](entry& e) { by_address.emplace(e.object, &e); });
  auto it = by_address.find(object);
  return it == by_address.end() ? nullptr : it->second;
}

QUARRY_DECL auto identity_map::find_target(const mapper& m, void* object) -> entry* {
  if (entry* e = added.find(object)) return e;
  auto key = m.key_of(object);
  if (entry* e = persistent.find(key); e && e->object == object) return e;
  bool plainly_new = m.has_relationships ? m.relationships().front().state(object).link_ != link
                                         : m.integer_key && key.integer == 0;
  return plainly_new ? nullptr : find_entry(m, object);
}

QUARRY_DECL auto identity_map::forget(entry& e) -> void {
  added.erase(e.object);
  if (e.state == object_state::pending) {
    std::erase(pending, &e);
    return;
  }
  if (e.state == object_state::deleted) --deleted_marked;
  persistent.erase(e.key);
}

QUARRY_DECL auto identity_map::expunge(entry& e) -> void {
  forget(e);
  drop_weak_collections(e);
  release(e);
}

QUARRY_DECL auto identity_map::drop_weak_collections(entry& e) -> void {
  if (!e.m->has_relationships) return;
  for (auto& r : e.m->relationships())
    if (r.dropped_on_release()) {
      auto& s = r.state(e.object);
      r.assign(s, r, {});
      s.loaded_ = false;
    }
}

QUARRY_DECL auto identity_map::release_deleted() -> void {
  auto gone = std::move(deleted);
  deleted.clear();
  for (auto* e : gone) release(*e);
}

QUARRY_DECL auto identity_map::restore(entry& e) -> void {
  e.state = object_state::persistent;
  expire_entry(e, true);
  persistent.insert(&e);
  if (e.from_add) added.insert(&e);
}

QUARRY_DECL auto identity_map::expire_entry(entry& e, bool discard) -> void {
  e.expired = true;
  if (discard) e.discard = true;
  if (e.m->has_relationships)
    for (auto& r : e.m->relationships()) r.state(e.object).loaded_ = false;
}

QUARRY_DECL auto identity_map::init_relationships(entry& e, bool read) -> void {
  for (auto& r : e.m->relationships()) {
    auto& s = r.state(e.object);
    s.link_ = link;
    s.owner_ = e.object;
    s.info_ = &r;
    if (read) {
      s.loaded_ = false;
      s.on_access_ = r.lazy;
    }
  }
}

QUARRY_DECL auto identity_map::add_erased(const mapper& m, std::shared_ptr<void> handle, void* object) -> entry* {
  auto owned = m.new_entry();
  entry* e = owned.get();
  e->object = object;
  e->handle = std::move(handle);
  e->added = ++serial;
  e->from_add = true;
  e->self = std::move(owned);
  added.insert(e);
  pending.push_back(e);
  if (m.has_relationships) init_relationships(*e);
  return e;
}

}  // namespace quarry::detail
