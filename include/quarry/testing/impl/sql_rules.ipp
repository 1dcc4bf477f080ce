// The non-template implementation of quarry/testing/sql_rules.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/sql_rules.hpp"

#include <regex>

#include "quarry/errors.hpp"
#include "quarry/testing/compiles_to.hpp"

namespace quarry::testing {

QUARRY_DECL bool sql_rule::matches(const recorded_statement& statement) const {
  if (params_ && *params_ != statement.params) return false;
  if (kind_ == kind::exact) return detail::normalize_sql(text_) == detail::normalize_sql(statement.sql);
  if (kind_ == kind::regex) return std::regex_match(detail::normalize_sql(statement.sql), std::regex(text_, std::regex::ECMAScript));
  return false;
}

QUARRY_DECL std::string sql_rule::describe() const {
  std::string params = params_ ? " " + detail::render_values(*params_) : "";
  switch (kind_) {
    case kind::exact:
      return detail::normalize_sql(text_) + params;
    case kind::regex:
      return "regex /" + text_ + "/" + params;
    case kind::unordered: {
      std::string out = "in any order {";
      for (auto& r : group_) out += "\n      " + r.describe();
      return out + "\n    }";
    }
  }
  return {};
}

QUARRY_DECL sql_rule sql(std::string text, std::optional<std::vector<value>> params) {
  sql_rule r;
  r.kind_ = sql_rule::kind::exact;
  r.text_ = std::move(text);
  r.params_ = std::move(params);
  return r;
}

QUARRY_DECL sql_rule regex_sql(std::string pattern, std::optional<std::vector<value>> params) {
  try {
    std::regex check(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw ArgumentError("quarry: regex_sql() of a pattern that is not a regular expression: " + pattern + " (" + e.what() + ")");
  }
  sql_rule r;
  r.kind_ = sql_rule::kind::regex;
  r.text_ = std::move(pattern);
  r.params_ = std::move(params);
  return r;
}

QUARRY_DECL sql_rule unordered(std::vector<sql_rule> rules) {
  for (auto& r : rules)
    if (r.kind_ == sql_rule::kind::unordered) throw ArgumentError("quarry: unordered() inside unordered(); list the statements in one");
  sql_rule r;
  r.kind_ = sql_rule::kind::unordered;
  r.group_ = std::move(rules);
  return r;
}

QUARRY_DECL std::string statement_listing(std::span<const recorded_statement> statements) {
  std::string out;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    auto& s = statements[i];
    out += "  " + std::to_string(i + 1) + ". " + detail::normalize_sql(s.sql);
    if (!s.params.empty()) out += "  " + detail::render_values(s.params);
    if (s.batch_size > 1) out += "  (" + std::to_string(s.batch_size) + " parameter sets)";
    if (!s.completed) out += "  (failed)";
    out += "\n";
  }
  if (statements.empty()) out = "  (no statements)\n";
  return out;
}

QUARRY_DECL std::string check_statements(std::span<const recorded_statement> statements, std::span<const sql_rule> rules) {
  auto failure = [&](const std::string& what) { return what + "\nstatements emitted:\n" + statement_listing(statements); };
  std::size_t next = 0;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const sql_rule& rule = rules[r];
    if (next + rule.width() > statements.size())
      return failure("expected statement " + std::to_string(next + 1) + " to be " + rule.describe() +
                     ", but only " + std::to_string(statements.size()) + " were emitted");
    if (rule.kind_ != sql_rule::kind::unordered) {
      if (!rule.matches(statements[next]))
        return failure("statement " + std::to_string(next + 1) + " does not match:\n  expected: " + rule.describe() +
                       "\n  actual:   " + detail::normalize_sql(statements[next].sql) + " " +
                       detail::render_values(statements[next].params));
      ++next;
      continue;
    }
    // Each statement of the group matches a distinct rule: a small bipartite
    // matching, by augmenting paths (a first-fit could pair a loose regex with
    // the statement an exact rule needed).
    std::size_t n = rule.group_.size();
    std::vector<std::ptrdiff_t> owner(n, -1);  // rule index -> statement offset
    auto assign = [&](auto& self, std::size_t statement, std::vector<bool>& seen) -> bool {
      for (std::size_t k = 0; k < n; ++k) {
        if (seen[k] || !rule.group_[k].matches(statements[next + statement])) continue;
        seen[k] = true;
        if (owner[k] < 0 || self(self, static_cast<std::size_t>(owner[k]), seen)) {
          owner[k] = static_cast<std::ptrdiff_t>(statement);
          return true;
        }
      }
      return false;
    };
    for (std::size_t s = 0; s < n; ++s) {
      std::vector<bool> seen(n, false);
      if (!assign(assign, s, seen))
        return failure("statement " + std::to_string(next + s + 1) + " (" + detail::normalize_sql(statements[next + s].sql) +
                       ") matches none of the statements expected in any order:\n    " + rule.describe());
    }
    next += n;
  }
  if (next < statements.size())
    return failure(std::to_string(statements.size() - next) + " more statement(s) than expected, from statement " +
                   std::to_string(next + 1));
  return {};
}

}  // namespace quarry::testing
