// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "quarry/types/type_traits.hpp"
#include "quarry/types/value.hpp"

// Timestamps (std::chrono::sys_time, UTC) and dates (std::chrono::year_month_day).
// Both travel as ISO-8601 text: PostgreSQL converts it into `timestamptz` and
// `date` columns, and on SQLite it is what is stored, sorts in time order, and
// what SQLite's date functions read.
namespace quarry {

namespace detail {

inline void append_digits(std::string& out, long long value, int width) {
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value < 0 ? -value : value).ptr;
  if (value < 0) out += '-';
  for (auto digits = end - buffer; digits < width; ++digits) out += '0';
  out.append(buffer, end);
}

inline void append_date(std::string& out, std::chrono::year_month_day date) {
  append_digits(out, static_cast<int>(date.year()), 4);
  out += '-';
  append_digits(out, static_cast<unsigned>(date.month()), 2);
  out += '-';
  append_digits(out, static_cast<unsigned>(date.day()), 2);
}

// Reads `count` digits at `at`; false when they are not all digits.
inline bool read_digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

inline bool parse_date(std::string_view text, std::chrono::year_month_day& out) {
  int y, m, d;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !read_digits(text, 0, 4, y) ||
      !read_digits(text, 5, 2, m) || !read_digits(text, 8, 2, d))
    return false;
  out = std::chrono::year{y} / m / d;
  return out.ok();
}

// "YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z | ±HH[:MM[:SS]]]" to microseconds since
// the epoch, UTC. Without an offset the time is UTC (what Quarry writes on SQLite).
inline bool parse_timestamp(std::string_view text, std::chrono::sys_time<std::chrono::microseconds>& out) {
  using namespace std::chrono;
  year_month_day date;
  int h, m, s;
  if (!parse_date(text, date) || text.size() < 19 || (text[10] != ' ' && text[10] != 'T') ||
      !read_digits(text, 11, 2, h) || text[13] != ':' || !read_digits(text, 14, 2, m) || text[16] != ':' ||
      !read_digits(text, 17, 2, s) || h > 23 || m > 59 || s > 60)
    return false;
  std::size_t at = 19;
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
  if (at != text.size()) return false;
  out = sys_days{date} + hours{h} + minutes{m} + seconds{s} + microseconds{micros} - offset;
  return true;
}

}  // namespace detail

// A point in time, stored at microsecond precision (PostgreSQL's) as UTC.
template <class Duration>
struct type_traits<std::chrono::sys_time<Duration>> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::timestamp); }
  static value to_db(const std::chrono::sys_time<Duration>& t) {
    using namespace std::chrono;
    auto micros = floor<microseconds>(t);
    auto day = floor<days>(micros);
    hh_mm_ss time{micros - day};
    std::string out;
    out.reserve(27);
    detail::append_date(out, year_month_day{day});
    out += ' ';
    detail::append_digits(out, time.hours().count(), 2);
    out += ':';
    detail::append_digits(out, time.minutes().count(), 2);
    out += ':';
    detail::append_digits(out, time.seconds().count(), 2);
    out += '.';
    detail::append_digits(out, time.subseconds().count(), 6);
    out += 'Z';
    return value(std::move(out));
  }

  static std::chrono::sys_time<Duration> from_db(value_ref v) {
    std::chrono::sys_time<std::chrono::microseconds> parsed;
    if (v.kind() == value_kind::text && detail::parse_timestamp(v.as_text(), parsed))
      return std::chrono::floor<Duration>(parsed);
    detail::cannot_read(v, "a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff][offset])");
  }
};

// A calendar date: PostgreSQL `date`, "YYYY-MM-DD" text on SQLite.
template <>
struct type_traits<std::chrono::year_month_day> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::date); }
  static value to_db(const std::chrono::year_month_day& date) {
    if (!date.ok()) throw DataError("quarry: cannot store an invalid date", {});
    std::string out;
    detail::append_date(out, date);
    return value(std::move(out));
  }

  static std::chrono::year_month_day from_db(value_ref v) {
    std::chrono::year_month_day date;
    if (v.kind() == value_kind::text && v.as_text().size() == 10 && detail::parse_date(v.as_text(), date)) return date;
    detail::cannot_read(v, "a date (YYYY-MM-DD)");
  }
};

}  // namespace quarry
