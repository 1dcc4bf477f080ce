// The non-template implementation of quarry/engine/text.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/text.hpp"

namespace quarry {

QUARRY_DECL auto text_clause::key(quarry::paramstyle style) const noexcept -> detail::sql_key {
  return style == paramstyle::qmark ? detail::sql_key{parsed_->qmark, parsed_->qmark_hash}
                                    : detail::sql_key{parsed_->numeric, parsed_->numeric_hash};
}

QUARRY_DECL auto text_clause::is_word(char c) -> bool {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

QUARRY_DECL auto text_clause::parse(std::string_view sql) -> parsed {
  parsed out;
  out.source = std::string(sql);
  // Pieces of SQL between parameters, and which distinct name each parameter is.
  std::vector<std::string> pieces(1);
  std::vector<std::size_t> occurrences;
  std::unordered_map<std::string, std::size_t> index_of;  // hashed: IN lists may bind thousands
  bool repeated = false;
  std::size_t i = 0;
  auto copy_until = [&](std::string_view terminator, std::size_t skip) {
    // Copies a quoted or commented span verbatim, including its delimiters.
    auto end = sql.find(terminator, i + skip);
    end = end == std::string_view::npos ? sql.size() : end + terminator.size();
    pieces.back().append(sql.substr(i, end - i));
    i = end;
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'') {
      // '' inside a literal is an escaped quote: the scan resumes at the next quote either way.
      copy_until("'", 1);
    } else if (c == '"') {
      copy_until("\"", 1);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      copy_until("\n", 2);
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      copy_until("*/", 2);
    } else if (c == '$' && (i == 0 || !is_word(sql[i - 1]))) {
      // A PostgreSQL dollar-quoted string: $$...$$ or $tag$...$tag$.
      auto close = sql.find('$', i + 1);
      bool tag_ok = close != std::string_view::npos;
      for (std::size_t k = i + 1; tag_ok && k < close; ++k)
        tag_ok = is_word(sql[k]) && !(k == i + 1 && sql[k] >= '0' && sql[k] <= '9');
      if (tag_ok) {
        std::string tag(sql.substr(i, close - i + 1));
        auto end = sql.find(tag, close + 1);
        end = end == std::string_view::npos ? sql.size() : end + tag.size();
        pieces.back().append(sql.substr(i, end - i));
        i = end;
      } else {
        pieces.back() += c;
        ++i;
      }
    } else if (c == '\\' && i + 1 < sql.size() && sql[i + 1] == ':') {
      pieces.back() += ':';
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      pieces.back() += "::";
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() && is_word(sql[i + 1]) && !(i > 0 && is_word(sql[i - 1]))) {
      std::size_t end = i + 1;
      while (end < sql.size() && is_word(sql[end])) ++end;
      std::string name(sql.substr(i + 1, end - i - 1));
      auto [found, added] = index_of.try_emplace(name, out.names.size());
      std::size_t index = found->second;
      if (added) out.names.push_back(std::move(name));
      else repeated = true;
      occurrences.push_back(index);
      pieces.emplace_back();
      i = end;
    } else {
      pieces.back() += c;
      ++i;
    }
  }
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    out.qmark += pieces[k];
    out.numeric += pieces[k];
    if (k < occurrences.size()) {
      std::string number = std::to_string(occurrences[k] + 1);
      out.qmark += repeated ? "?" + number : "?";
      out.numeric += "$" + number;
    }
  }
  out.qmark_hash = detail::sql_key::of(out.qmark).hash;
  out.numeric_hash = detail::sql_key::of(out.numeric).hash;
  return out;
}

}  // namespace quarry
