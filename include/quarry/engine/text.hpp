// text(): a textual SQL statement with :name bind parameters.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "quarry/engine/detail/sql_key.hpp"
#include "quarry/dbapi/interfaces.hpp"

namespace quarry {

// A textual SQL statement with `:name` bind parameters (SQLAlchemy's text()).
// It is parsed once, when built, into the SQL each dialect needs; keep it and
// execute it many times. A `:name` inside a quoted string, a quoted identifier,
// a comment, after `::` (a PostgreSQL cast) or escaped as `\:` is not a parameter.
class text_clause {
 public:
  explicit text_clause(std::string_view sql) : parsed_(std::make_shared<parsed>(parse(sql))) {}

  const std::string& source() const noexcept { return parsed_->source; }
  // Distinct parameter names in order of first appearance: positional values bind in this order.
  const std::vector<std::string>& parameter_names() const noexcept { return parsed_->names; }
  // The SQL in a dialect's parameter style: `?` (or `?N` when a name repeats) or `$N`.
  const std::string& sql(quarry::paramstyle style) const noexcept {
    return style == paramstyle::qmark ? parsed_->qmark : parsed_->numeric;
  }
  // That SQL with its hash, the key of the connection's statement cache.
  detail::sql_key key(quarry::paramstyle style) const noexcept;

 private:
  struct parsed {
    std::string source;
    std::vector<std::string> names;
    std::string qmark;
    std::string numeric;
    std::size_t qmark_hash = 0;
    std::size_t numeric_hash = 0;
  };

  static bool is_word(char c);

  static parsed parse(std::string_view sql);

  std::shared_ptr<const parsed> parsed_;
};

inline text_clause text(std::string_view sql) { return text_clause(sql); }

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/engine/impl/text.ipp"
#endif
