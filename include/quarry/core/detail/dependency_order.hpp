// The order tables are created and rows written in: each after the tables its foreign keys point at.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "quarry/core/schema.hpp"

// Shared by DDL (MetaData::sorted_tables) and the ORM's flush (table order).
namespace quarry::detail {

// Tables in creation order: a table after those its foreign keys point at.
// A cycle keeps the declared order for the tables in it.
inline std::vector<std::shared_ptr<const table_info>> sort_by_dependency(
    const std::vector<std::shared_ptr<const table_info>>& tables) {
  std::vector<std::shared_ptr<const table_info>> sorted;
  std::vector<bool> done(tables.size(), false);
  auto ready = [&](const table_info& t) {
    for (auto& fk : t.foreign_keys) {
      if (fk.target_table == t.name) continue;
      for (std::size_t k = 0; k < tables.size(); ++k)
        if (!done[k] && tables[k]->name == fk.target_table) return false;
    }
    return true;
  };
  while (sorted.size() < tables.size()) {
    bool progressed = false;
    for (std::size_t i = 0; i < tables.size(); ++i) {
      if (done[i] || !ready(*tables[i])) continue;
      done[i] = true;
      sorted.push_back(tables[i]);
      progressed = true;
    }
    if (!progressed) {
      for (std::size_t i = 0; i < tables.size(); ++i)
        if (!done[i]) {
          done[i] = true;
          sorted.push_back(tables[i]);
        }
    }
  }
  return sorted;
}

}  // namespace quarry::detail
