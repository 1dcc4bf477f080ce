// load_observer: what the Session tells an N+1 detector about queries, lazy loads and the use of eager loads.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <string>
#include <vector>

#include "quarry/engine/call_site.hpp"
#include "quarry/orm/detail/relationship_info.hpp"

namespace quarry::detail {

struct session_entry;
struct mapper;

// Set on a Session by n_plus_one_detector; a Session without one pays one
// null check per query and per lazy load.
class load_observer {
 public:
  virtual ~load_observer() = default;
  // A query returned `objects` of model m; `eager` are the relationships its options load eagerly.
  virtual void queried(const mapper& m, const std::string& sql, const source_location* site,
                       const std::vector<session_entry*>& objects, const std::vector<const relationship_info*>& eager) = 0;
  // Relationship r of `owner` loads lazily now (a statement follows).
  virtual void lazy_loading(const void* owner, const relationship_info& r, const source_location* site) = 0;
  // An eagerly loaded relationship of `owner` was read for the first time.
  virtual void used(const void* owner, const relationship_info& r) = 0;
};

}  // namespace quarry::detail
