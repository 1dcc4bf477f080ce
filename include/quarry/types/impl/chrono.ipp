// The non-template implementation of quarry/types/chrono.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/types/chrono.hpp"

namespace quarry::detail {

QUARRY_DECL void append_digits(std::string& out, long long value, int width) {
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value < 0 ? -value : value).ptr;
  if (value < 0) out += '-';
  for (auto digits = end - buffer; digits < width; ++digits) out += '0';
  out.append(buffer, end);
}

QUARRY_DECL bool append_civil(std::string& out, civil_date date) {
  bool bc = date.year <= 0;
  append_digits(out, bc ? 1 - date.year : date.year, 4);
  out += '-';
  append_digits(out, date.month, 2);
  out += '-';
  append_digits(out, date.day, 2);
  return bc;
}

QUARRY_DECL void append_date(std::string& out, std::chrono::year_month_day date) {
  if (append_civil(out, {static_cast<int>(date.year()), static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day())}))
    out += " BC";
}

QUARRY_DECL bool read_digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

QUARRY_DECL bool parse_civil(std::string_view text, std::size_t& at, civil_date& out) {
  std::size_t digits = 0;
  std::int64_t y = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits < 9)
    y = y * 10 + (text[digits++] - '0');
  int m, d;
  if (digits < 4 || text.size() < digits + 6 || text[digits] != '-' || text[digits + 3] != '-' ||
      !read_digits(text, digits + 1, 2, m) || !read_digits(text, digits + 4, 2, d) || m < 1 || m > 12 || d < 1 ||
      y > 294246)  // past this, microseconds since 1970 overflow 64 bits (PostgreSQL goes to 294276)
    return false;
  out = {y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
  at = digits + 6;
  return true;
}

QUARRY_DECL bool read_bc(std::string_view text, std::size_t& at, civil_date& date) {
  if (text.substr(at) != " BC") return true;
  if (date.year == 0) return false;
  date.year = 1 - date.year;
  at += 3;
  return true;
}

QUARRY_DECL bool parse_date(std::string_view text, std::chrono::year_month_day& out) {
  civil_date c;
  std::size_t at;
  if (!parse_civil(text, at, c) || !read_bc(text, at, c) || at != text.size() || c.year < -32767 || c.year > 32767)
    return false;
  out = std::chrono::year{static_cast<int>(c.year)} / c.month / c.day;
  return out.ok();
}

QUARRY_DECL bool parse_timestamp(std::string_view text, std::chrono::sys_time<std::chrono::microseconds>& out) {
  using namespace std::chrono;
  civil_date date;
  std::size_t at;
  int h, m, s;
  if (!parse_civil(text, at, date) || text.size() < at + 9 || (text[at] != ' ' && text[at] != 'T') ||
      !read_digits(text, at + 1, 2, h) || text[at + 3] != ':' || !read_digits(text, at + 4, 2, m) ||
      text[at + 6] != ':' || !read_digits(text, at + 7, 2, s) || h > 23 || m > 59 || s > 60)
    return false;
  at += 9;
  long long micros = 0;
  if (at < text.size() && text[at] == '.') {
    int scale = 100000, digit;
    for (++at; at < text.size() && read_digits(text, at, 1, digit); ++at) {
      micros += digit * scale;
      scale /= 10;
    }
  }
  seconds offset{0};
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int sign = text[at] == '-' ? -1 : 1, oh, om = 0, os = 0;
    if (!read_digits(text, at + 1, 2, oh)) return false;
    at += 3;
    if (at < text.size() && text[at] == ':') {
      if (!read_digits(text, at + 1, 2, om)) return false;
      at += 3;
      if (at < text.size() && text[at] == ':') {
        if (!read_digits(text, at + 1, 2, os)) return false;
        at += 3;
      }
    }
    offset = sign * (hours{oh} + minutes{om} + seconds{os});
  }
  if (!read_bc(text, at, date) || at != text.size() || date.day > days_in_month(date.year, date.month)) return false;
  out = sys_time<microseconds>{days{days_from_civil(date.year, date.month, date.day)}} + hours{h} + minutes{m} +
        seconds{s} + microseconds{micros} - offset;
  return true;
}

}  // namespace quarry::detail
