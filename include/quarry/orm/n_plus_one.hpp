// n_plus_one_detector: lazy loads repeated over the objects of one query (N+1), and eager loads never used, reported or raised.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quarry/errors.hpp"
#include "quarry/orm/detail/load_observer.hpp"
#include "quarry/orm/session.hpp"

namespace quarry {

// What the detector does when it finds an N+1.
enum class n_plus_one_mode : std::uint8_t {
  log,        // a message for every lazy load from the threshold on
  warn_once,  // one message per query and relationship
  raise,      // NPlusOneError from the lazy load that reaches the threshold (for tests)
};

struct n_plus_one_options {
  n_plus_one_mode mode = n_plus_one_mode::warn_once;
  // Lazy loads of one relationship for this many objects of one query make an N+1.
  std::size_t threshold = 2;
  // Where messages go; standard error when empty.
  std::function<void(const std::string&)> sink{};
};

// One relationship loaded lazily, object after object, for the objects one query returned.
struct n_plus_one_finding {
  std::string relationship;      // "Author.books"
  std::string parent_query;      // the SQL that returned the objects (or "lazy load of Book.author")
  std::string parent_call_site;  // where that query ran, when known
  std::size_t count = 0;         // lazy loads, one per object
  std::string first_call_site;   // the line whose use of the relationship loaded it first
  std::string suggestion;        // "selectinload(&Author::books)"
  QUARRY_DECL std::string describe() const;
};

// A relationship a query loaded eagerly that nothing read.
struct unused_eager_load {
  std::string relationship;
  std::string query;
  std::string call_site;
  QUARRY_DECL std::string describe() const;
};

class NPlusOneError : public InvalidRequestError {
 public:
  using InvalidRequestError::InvalidRequestError;
};

// Watches one Session (which must outlive it): each query's objects, each
// lazy load, and the first use of each eagerly loaded relationship. One lazy
// load per object of a query that returned one object is never an N+1.
class n_plus_one_detector : private detail::load_observer {
 public:
  QUARRY_DECL explicit n_plus_one_detector(Session& session, n_plus_one_options options = {});
  n_plus_one_detector(const n_plus_one_detector&) = delete;
  n_plus_one_detector& operator=(const n_plus_one_detector&) = delete;
  QUARRY_DECL ~n_plus_one_detector() override;

  QUARRY_DECL std::vector<n_plus_one_finding> findings() const;
  QUARRY_DECL std::vector<unused_eager_load> unused_eager_loads() const;
  // Every finding and unused eager load, one per line; empty when there is none.
  QUARRY_DECL std::string report() const;

 private:
  struct query_record {
    std::string sql;
    std::string call_site;
    std::size_t objects = 0;
    std::vector<const detail::relationship_info*> eager;
    std::set<const detail::relationship_info*> used;
  };
  struct lazy_record {
    std::set<const void*> parents;
    std::string first_call_site;
    bool reported = false;
  };

  void queried(const detail::mapper& m, const std::string& sql, const source_location* site,
               const std::vector<detail::session_entry*>& objects,
               const std::vector<const detail::relationship_info*>& eager) override;
  void lazy_loading(const void* owner, const detail::relationship_info& r, const source_location* site) override;
  void used(const void* owner, const detail::relationship_info& r) override;
  QUARRY_DECL n_plus_one_finding finding(std::size_t query, const detail::relationship_info& r, const lazy_record& lazy) const;
  QUARRY_DECL void emit(const std::string& message) const;

  Session& session_;
  n_plus_one_options options_;
  mutable std::mutex mutex_;
  std::vector<query_record> queries_;
  std::unordered_map<const void*, std::size_t> query_of_;  // object -> the last query that returned it
  std::map<std::pair<const void*, const detail::relationship_info*>, std::size_t> eager_query_;  // -> the query that loaded it
  std::map<std::string, std::size_t, std::less<>> lazy_queries_;  // "lazy load of X.y" -> its record
  std::map<std::pair<std::size_t, const detail::relationship_info*>, lazy_record> lazy_;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/impl/n_plus_one.ipp"
#endif
