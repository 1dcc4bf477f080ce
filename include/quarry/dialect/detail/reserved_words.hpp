// The words each built-in dialect quotes when they name a table or column.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

// The words each built-in dialect quotes when they name a table or column:
// the lists SQLAlchemy's dialects keep, with every keyword the database itself
// lists (PostgreSQL's pg_get_keywords(), SQLite's sqlite3_keyword_name()) that
// breaks a statement Quarry writes when left bare; PostgreSQL's reserved and
// type-or-function-name keywords all. tests/dialect/test_keywords.cpp tries
// every keyword of both. Sorted, for binary search.
namespace quarry::detail {

inline constexpr std::array<std::string_view, 127> sqlite_reserved_words{
    "abort", "action", "add", "after", "all", "alter", "analyze", "and", "as", "asc", "attach", "autoincrement",
    "before", "begin", "between", "by", "cascade", "case", "cast", "check", "collate", "column", "commit",
    "conflict", "constraint", "create", "cross", "current_date", "current_time", "current_timestamp", "database",
    "default", "deferrable", "deferred", "delete", "desc", "detach", "distinct", "drop", "each", "else", "end",
    "escape", "except", "exclusive", "exists", "explain", "fail", "false", "for", "foreign", "from", "full", "glob",
    "group", "having", "if", "ignore", "immediate", "in", "index", "indexed", "initially", "inner", "insert",
    "instead", "intersect", "into", "is", "isnull", "join", "key", "left", "like", "limit", "match", "natural",
    "no", "not", "nothing", "notnull", "null", "of", "offset", "on", "or", "order", "outer", "over", "plan",
    "pragma", "primary", "query", "raise", "recursive", "references", "regexp", "reindex", "release", "rename",
    "replace", "restrict", "returning", "right", "rollback", "row", "savepoint", "select", "set", "table", "temp",
    "temporary", "then", "to", "transaction", "trigger", "true", "union", "unique", "update", "using", "vacuum",
    "values", "view", "virtual", "when", "where"};

inline constexpr std::array<std::string_view, 101> postgresql_reserved_words{
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between",
    "binary", "both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint",
    "create", "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
    "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end", "except",
    "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike", "in",
    "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like",
    "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
    "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
    "session_user", "similar", "some", "symmetric", "table", "tablesample", "then", "to", "trailing", "true",
    "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window", "with"};

template <std::size_t N>
constexpr bool is_sorted_list(const std::array<std::string_view, N>& words) {
  for (std::size_t i = 1; i < N; ++i)
    if (!(words[i - 1] < words[i])) return false;
  return true;
}
static_assert(is_sorted_list(sqlite_reserved_words));
static_assert(is_sorted_list(postgresql_reserved_words));

template <std::size_t N>
bool in_word_list(const std::array<std::string_view, N>& words, std::string_view word) {
  return std::binary_search(words.begin(), words.end(), word);
}

}  // namespace quarry::detail
