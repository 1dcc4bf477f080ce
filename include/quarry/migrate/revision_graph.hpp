// revision_graph: the revisions as a graph (Alembic's ScriptDirectory): heads, bases, branch points, targets.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/errors.hpp"
#include "quarry/migrate/revision.hpp"

namespace quarry::migrate {

// A migration command that cannot do what it is asked (Alembic's CommandError):
// an unknown or ambiguous revision, several heads where one is needed, a
// downgrade to a revision that is not applied.
class CommandError : public Error {
 public:
  using Error::Error;
};

class revision_graph {
 public:
  // Checks the revisions: ids unique and non-empty, down revisions known, no cycle.
  explicit revision_graph(std::vector<revision> revisions);

  const std::vector<revision>& revisions() const noexcept { return revisions_; }
  // A revision by id or by an unambiguous prefix of it.
  const revision& get(std::string_view id_or_prefix) const;

  // Revisions no other revision follows; several until they are merged.
  std::vector<std::string> heads() const;
  std::vector<std::string> bases() const;
  // Revisions that more than one revision follows.
  std::vector<std::string> branch_points() const;
  // Every revision, each after the revisions it follows (ties in registration order).
  const std::vector<std::string>& ordered() const noexcept { return order_; }
  // The revisions and all they follow, transitively.
  std::set<std::string> ancestors(const std::vector<std::string>& ids) const;
  // Of `applied`, those no other applied revision follows: the database's current heads.
  std::vector<std::string> heads_of(const std::set<std::string>& applied) const;

  // "head" (the only head), "heads", an id or prefix, or several of them: the revisions named.
  std::vector<std::string> resolve(std::string_view target) const;

 private:
  std::size_t index_of(std::string_view id) const;

  std::vector<revision> revisions_;
  std::vector<std::string> order_;
};

}  // namespace quarry::migrate

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/migrate/impl/revision_graph.ipp"
#endif
