// The non-template implementation of quarry/reflect/detail/cpp_names.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/detail/cpp_names.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace quarry::detail {

QUARRY_DECL bool is_cpp_keyword(std::string_view word) {
  static constexpr std::string_view keywords[] = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
      "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
      "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
      "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
      "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      // Names the generated code uses itself, and macros a program may define.
      "quarry", "std", "NULL", "assert", "errno", "EOF"};
  return std::find(std::begin(keywords), std::end(keywords), word) != std::end(keywords);
}

QUARRY_DECL std::string cpp_identifier(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (ok) out += c;
    else if (!out.empty() && out.back() != '_') out += '_';  // one '_' per run: no "__", which C++ reserves
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty()) return "unnamed";
  if (out[0] >= '0' && out[0] <= '9') out = "c_" + out;
  if (is_cpp_keyword(out)) out += '_';
  return out;
}

QUARRY_DECL std::string snake_case(std::string_view name) {
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string spaced;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (upper(c) && i > 0) {
      char before = name[i - 1];
      bool next_lower = i + 1 < name.size() && lower(name[i + 1]);
      if (lower(before) || digit(before) || (upper(before) && next_lower)) spaced += '_';
    }
    spaced += upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return cpp_identifier(spaced);
}

QUARRY_DECL std::string pascal_case(std::string_view name) {
  std::string out;
  bool start = true;
  for (char c : name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      start = true;
      continue;
    }
    out += start && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    start = false;
  }
  if (out.empty()) return "Table";
  if (out[0] >= '0' && out[0] <= '9') out = "T" + out;
  if (is_cpp_keyword(out)) out += '_';
  return out;
}

QUARRY_DECL std::string plural(std::string_view word) {
  std::string w(word);
  auto ends = [&](std::string_view tail) { return w.size() >= tail.size() && w.compare(w.size() - tail.size(), tail.size(), tail) == 0; };
  if (ends("s") || ends("x") || ends("z") || ends("ch") || ends("sh")) return w + "es";
  if (w.size() > 1 && ends("y") && std::string_view("aeiou").find(w[w.size() - 2]) == std::string_view::npos)
    return w.substr(0, w.size() - 1) + "ies";
  return w + "s";
}

QUARRY_DECL std::string cpp_string_literal(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\%03o", static_cast<unsigned char>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace quarry::detail
