// Reading SQLite's stored CREATE TABLE / CREATE INDEX text: constraint names, checks, generated columns, index expressions.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// SQLite's PRAGMAs give columns, keys and indexes, but not constraint names,
// CHECK constraints, generated expressions or index expressions: those live
// only in the SQL text sqlite_master keeps, which these read (SQLAlchemy reads
// it with regular expressions; a tokenizer also gets quoting and nesting right).
namespace quarry::detail {

struct sql_token {
  enum kind_t : unsigned char { word, quoted, string, number, symbol };
  kind_t kind = symbol;
  std::string text;  // a quoted identifier unquoted, a string literal as written
  std::size_t begin = 0, end = 0;  // where it is in the source

  bool is_keyword(std::string_view keyword) const noexcept;
  bool is(char c) const noexcept { return kind == symbol && text.size() == 1 && text[0] == c; }
};

// Tokens of SQL text; comments and white space are dropped.
QUARRY_DECL std::vector<sql_token> tokenize_sql(std::string_view sql);

struct parsed_check {
  std::string name;
  std::string sql;
};

struct parsed_foreign_key {
  std::string name;
  std::vector<std::string> columns;
  std::string referred_table;
  std::vector<std::string> referred_columns;
  bool deferrable = false;
  bool initially_deferred = false;
};

struct parsed_unique {
  std::string name;
  std::vector<std::string> columns;
};

struct parsed_generated {
  std::string column;
  std::string sql;
  bool stored = false;
};

struct parsed_create_table {
  bool without_rowid = false;  // WITHOUT ROWID: an INTEGER PRIMARY KEY is then no rowid alias
  std::string primary_key_name;
  std::vector<parsed_unique> uniques;
  std::vector<parsed_check> checks;
  std::vector<parsed_foreign_key> foreign_keys;
  std::vector<parsed_generated> generated;
};

QUARRY_DECL parsed_create_table parse_create_table(std::string_view sql);

struct parsed_create_index {
  std::vector<std::string> keys;  // each key's SQL, without ASC / DESC
  std::string where;
};

QUARRY_DECL parsed_create_index parse_create_index(std::string_view sql);

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/detail/impl/sqlite_ddl.ipp"
#endif
