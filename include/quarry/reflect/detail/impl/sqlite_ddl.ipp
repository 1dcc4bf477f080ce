// The non-template implementation of quarry/reflect/detail/sqlite_ddl.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/detail/sqlite_ddl.hpp"

namespace quarry::detail {

QUARRY_DECL bool sql_token::is_keyword(std::string_view keyword) const noexcept {
  if (kind != word || text.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != keyword[i]) return false;
  }
  return true;
}

QUARRY_DECL std::vector<sql_token> tokenize_sql(std::string_view sql) {
  std::vector<sql_token> out;
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  std::size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      auto close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      char close = c == '[' ? ']' : c;
      sql_token t{c == '\'' ? sql_token::string : sql_token::quoted, {}, i, i};
      std::size_t j = i + 1;
      std::string text;
      while (j < sql.size()) {
        if (sql[j] == close) {
          if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
            text += close;
            j += 2;
            continue;
          }
          ++j;
          break;
        }
        text += sql[j++];
      }
      t.text = c == '\'' ? std::string(sql.substr(i, j - i)) : std::move(text);
      t.end = j;
      out.push_back(std::move(t));
      i = j;
    } else if (word_char(c)) {
      std::size_t j = i;
      while (j < sql.size() && word_char(sql[j])) ++j;
      bool digits = c >= '0' && c <= '9';
      out.push_back({digits ? sql_token::number : sql_token::word, std::string(sql.substr(i, j - i)), i, j});
      i = j;
    } else {
      out.push_back({sql_token::symbol, std::string(1, c), i, i + 1});
      ++i;
    }
  }
  return out;
}

namespace sqlite_ddl {

// The index of the ')' that closes the '(' at `open`, or the token count.
QUARRY_DECL std::size_t closing_paren(const std::vector<sql_token>& tokens, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    if (tokens[i].is('(')) ++depth;
    if (tokens[i].is(')') && --depth == 0) return i;
  }
  return tokens.size();
}

QUARRY_DECL std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t' || text.front() == '\r'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == ';'))
    text.remove_suffix(1);
  return std::string(text);
}

// The source between the parentheses opened at `open`.
QUARRY_DECL std::string inside(std::string_view sql, const std::vector<sql_token>& tokens, std::size_t open, std::size_t close) {
  if (close >= tokens.size()) return trimmed(sql.substr(tokens[open].end));
  return trimmed(sql.substr(tokens[open].end, tokens[close].begin - tokens[open].end));
}

// The top-level comma-separated items in (open, close), as token ranges.
QUARRY_DECL std::vector<std::pair<std::size_t, std::size_t>> items(const std::vector<sql_token>& tokens, std::size_t open,
                                                       std::size_t close) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  int depth = 0;
  std::size_t start = open + 1;
  for (std::size_t i = open + 1; i < close; ++i) {
    if (tokens[i].is('(')) ++depth;
    if (tokens[i].is(')')) --depth;
    if (depth == 0 && tokens[i].is(',')) {
      out.emplace_back(start, i);
      start = i + 1;
    }
  }
  if (start < close) out.emplace_back(start, close);
  return out;
}

// The column names of a parenthesized list: the first token of each item.
QUARRY_DECL std::vector<std::string> name_list(const std::vector<sql_token>& tokens, std::size_t open) {
  std::vector<std::string> out;
  for (auto [from, to] : items(tokens, open, closing_paren(tokens, open)))
    if (from < to) out.push_back(tokens[from].text);
  return out;
}

// DEFERRABLE INITIALLY DEFERRED and friends, from `from` up to `to`.
QUARRY_DECL void read_deferrable(const std::vector<sql_token>& tokens, std::size_t from, std::size_t to, parsed_foreign_key& fk) {
  for (std::size_t i = from; i < to; ++i) {
    if (tokens[i].is_keyword("DEFERRABLE")) fk.deferrable = !(i > from && tokens[i - 1].is_keyword("NOT"));
    if (tokens[i].is_keyword("INITIALLY") && i + 1 < to) fk.initially_deferred = tokens[i + 1].is_keyword("DEFERRED");
  }
}

// REFERENCES table [(columns)] ...: the rest of a foreign key, from the token after REFERENCES.
QUARRY_DECL std::size_t read_references(const std::vector<sql_token>& tokens, std::size_t at, std::size_t to,
                            parsed_foreign_key& fk) {
  if (at >= to) return to;
  fk.referred_table = tokens[at].text;
  ++at;
  if (at + 1 < to && tokens[at].is('.')) {  // schema.table
    fk.referred_table = tokens[at + 1].text;
    at += 2;
  }
  if (at < to && tokens[at].is('(')) {
    fk.referred_columns = name_list(tokens, at);
    at = closing_paren(tokens, at) + 1;
  }
  std::size_t end = at;
  // ON DELETE / ON UPDATE / MATCH / DEFERRABLE belong to this key, up to the next constraint keyword.
  while (end < to && !tokens[end].is_keyword("CONSTRAINT") && !tokens[end].is_keyword("CHECK") &&
         !tokens[end].is_keyword("UNIQUE") && !tokens[end].is_keyword("PRIMARY") && !tokens[end].is_keyword("DEFAULT") &&
         !tokens[end].is_keyword("COLLATE") && !tokens[end].is_keyword("GENERATED") && !tokens[end].is_keyword("AS") &&
         !(tokens[end].is_keyword("NOT") && end + 1 < to && tokens[end + 1].is_keyword("NULL")))
    ++end;
  read_deferrable(tokens, at, end, fk);
  return end;
}

QUARRY_DECL void read_table_constraint(std::string_view sql, const std::vector<sql_token>& tokens, std::size_t at, std::size_t to,
                           parsed_create_table& out) {
  std::string name;
  if (tokens[at].is_keyword("CONSTRAINT") && at + 1 < to) {
    name = tokens[at + 1].text;
    at += 2;
  }
  if (at >= to) return;
  auto open_after = [&](std::size_t from) {
    while (from < to && !tokens[from].is('(')) ++from;
    return from;
  };
  if (tokens[at].is_keyword("PRIMARY")) {
    out.primary_key_name = name;
  } else if (tokens[at].is_keyword("UNIQUE")) {
    auto open = open_after(at);
    if (open < to) out.uniques.push_back({name, name_list(tokens, open)});
  } else if (tokens[at].is_keyword("CHECK")) {
    auto open = open_after(at);
    if (open < to) out.checks.push_back({name, inside(sql, tokens, open, closing_paren(tokens, open))});
  } else if (tokens[at].is_keyword("FOREIGN")) {
    auto open = open_after(at);
    if (open >= to) return;
    parsed_foreign_key fk;
    fk.name = name;
    fk.columns = name_list(tokens, open);
    std::size_t i = closing_paren(tokens, open) + 1;
    while (i < to && !tokens[i].is_keyword("REFERENCES")) ++i;
    read_references(tokens, i + 1, to, fk);
    read_deferrable(tokens, i, to, fk);
    out.foreign_keys.push_back(std::move(fk));
  }
}

QUARRY_DECL void read_column(std::string_view sql, const std::vector<sql_token>& tokens, std::size_t at, std::size_t to,
                 parsed_create_table& out) {
  std::string column = tokens[at].text;
  std::string name;  // of the constraint being read (CONSTRAINT name)
  std::size_t i = at + 1;
  while (i < to) {
    const auto& t = tokens[i];
    if (t.is_keyword("CONSTRAINT") && i + 1 < to) {
      name = tokens[i + 1].text;
      i += 2;
      continue;
    }
    if (t.is_keyword("PRIMARY")) {
      out.primary_key_name = name;
      name.clear();
    } else if (t.is_keyword("UNIQUE")) {
      out.uniques.push_back({name, {column}});
      name.clear();
    } else if (t.is_keyword("CHECK") && i + 1 < to && tokens[i + 1].is('(')) {
      auto close = closing_paren(tokens, i + 1);
      out.checks.push_back({name, inside(sql, tokens, i + 1, close)});
      name.clear();
      i = close + 1;
      continue;
    } else if (t.is_keyword("REFERENCES")) {
      parsed_foreign_key fk;
      fk.name = name;
      fk.columns = {column};
      name.clear();
      i = read_references(tokens, i + 1, to, fk);
      out.foreign_keys.push_back(std::move(fk));
      continue;
    } else if (t.is_keyword("AS") && i + 1 < to && tokens[i + 1].is('(')) {
      auto close = closing_paren(tokens, i + 1);
      parsed_generated generated{column, inside(sql, tokens, i + 1, close), false};
      if (close + 1 < to) generated.stored = tokens[close + 1].is_keyword("STORED");
      out.generated.push_back(std::move(generated));
      i = close + 1;
      continue;
    } else if (t.is_keyword("DEFAULT") && i + 1 < to) {
      // The value is one term: a literal, a signed number, or a parenthesized expression.
      std::size_t v = i + 1;
      if (tokens[v].is('-') || tokens[v].is('+')) ++v;
      i = v < to && tokens[v].is('(') ? closing_paren(tokens, v) + 1 : v + 1;
      continue;
    } else if (t.is('(')) {
      i = closing_paren(tokens, i) + 1;  // a type's length, or a conflict clause's argument
      continue;
    }
    ++i;
  }
}

}  // namespace sqlite_ddl

QUARRY_DECL parsed_create_table parse_create_table(std::string_view sql) {
  parsed_create_table out;
  auto tokens = tokenize_sql(sql);
  std::size_t open = 0;
  while (open < tokens.size() && !tokens[open].is('(')) ++open;
  if (open >= tokens.size()) return out;  // CREATE TABLE ... AS SELECT: no constraints
  auto close = sqlite_ddl::closing_paren(tokens, open);
  static constexpr std::string_view constraint_words[] = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"};
  for (auto [from, to] : sqlite_ddl::items(tokens, open, close)) {
    if (from >= to) continue;
    bool constraint = false;
    for (auto word : constraint_words) constraint = constraint || tokens[from].is_keyword(word);
    if (constraint) sqlite_ddl::read_table_constraint(sql, tokens, from, to, out);
    else sqlite_ddl::read_column(sql, tokens, from, to, out);
  }
  for (std::size_t i = close + 1; i + 1 < tokens.size(); ++i)
    if (tokens[i].is_keyword("WITHOUT") && tokens[i + 1].is_keyword("ROWID")) out.without_rowid = true;
  return out;
}

QUARRY_DECL parsed_create_index parse_create_index(std::string_view sql) {
  parsed_create_index out;
  auto tokens = tokenize_sql(sql);
  std::size_t on = 0;
  while (on < tokens.size() && !tokens[on].is_keyword("ON")) ++on;
  std::size_t open = on;
  while (open < tokens.size() && !tokens[open].is('(')) ++open;
  if (open >= tokens.size()) return out;
  auto close = sqlite_ddl::closing_paren(tokens, open);
  for (auto [from, to] : sqlite_ddl::items(tokens, open, close)) {
    if (from >= to) continue;
    std::size_t last = to;
    if (last - 1 > from && (tokens[last - 1].is_keyword("ASC") || tokens[last - 1].is_keyword("DESC"))) --last;
    out.keys.push_back(sqlite_ddl::trimmed(sql.substr(tokens[from].begin, tokens[last - 1].end - tokens[from].begin)));
  }
  if (close + 1 < tokens.size() && tokens[close + 1].is_keyword("WHERE"))
    out.where = sqlite_ddl::trimmed(sql.substr(tokens[close + 1].end));
  return out;
}

}  // namespace quarry::detail
