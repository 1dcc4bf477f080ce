// Timestamps (std::chrono::sys_time, UTC) and dates (std::chrono::year_month_day).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <ratio>
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

QUARRY_DECL void append_digits(std::string& out, long long value, int width);

// Days since 1970-01-01 of a proleptic Gregorian date, for any year a database
// holds (std::chrono::year stops at 32767; PostgreSQL's timestamps reach 294276).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;  // astronomical: 0 is 1 BC
  unsigned month, day;
};
constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

// YYYY-MM-DD, with more digits after year 9999 and, for years before 1 AD, the
// year counted back and " BC" (PostgreSQL's ISO style) added by the caller.
QUARRY_DECL bool append_civil(std::string& out, civil_date date);

QUARRY_DECL void append_date(std::string& out, std::chrono::year_month_day date);

// Reads `count` digits at `at`; false when they are not all digits.
QUARRY_DECL bool read_digits(std::string_view text, std::size_t at, std::size_t count, int& out);

// "Y...Y-MM-DD" at the start of `text`, four or more year digits; `at` is left after it.
QUARRY_DECL bool parse_civil(std::string_view text, std::size_t& at, civil_date& out);

constexpr unsigned days_in_month(std::int64_t year, unsigned month) noexcept {
  if (month != 2) return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
  std::int64_t y = ((year % 400) + 400) % 400;
  return (y % 4 == 0 && y % 100 != 0) || y == 0 ? 29 : 28;
}

// " BC" at `at`: the year counts back from 1 AD.
QUARRY_DECL bool read_bc(std::string_view text, std::size_t& at, civil_date& date);

QUARRY_DECL bool parse_date(std::string_view text, std::chrono::year_month_day& out);

// "Y...Y-MM-DD[T ]HH:MM:SS[.fraction][Z | ±HH[:MM[:SS]]][ BC]" to microseconds
// since the epoch, UTC. Without an offset the time is UTC (what Quarry writes on SQLite).
QUARRY_DECL bool parse_timestamp(std::string_view text, std::chrono::sys_time<std::chrono::microseconds>& out);

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
    bool bc = detail::append_civil(out, detail::civil_from_days(day.time_since_epoch().count()));
    out += ' ';
    detail::append_digits(out, time.hours().count(), 2);
    out += ':';
    detail::append_digits(out, time.minutes().count(), 2);
    out += ':';
    detail::append_digits(out, time.seconds().count(), 2);
    out += '.';
    detail::append_digits(out, time.subseconds().count(), 6);
    out += 'Z';
    if (bc) out += " BC";
    return value(std::move(out));
  }

  static std::chrono::sys_time<Duration> from_db(value_ref v) {
    std::chrono::sys_time<std::chrono::microseconds> parsed;
    if (v.kind() == value_kind::text && detail::parse_timestamp(v.as_text(), parsed)) {
      using namespace std::chrono;
      // A finer Duration (nanoseconds) spans fewer years than the databases do.
      if constexpr (std::ratio_less_v<typename Duration::period, std::micro>) {
        if (parsed < floor<microseconds>(sys_time<Duration>::min()) + microseconds{1} ||
            parsed > floor<microseconds>(sys_time<Duration>::max()) - microseconds{1})
          throw DataError("quarry: the timestamp " + std::string(v.as_text()) + " is out of the range of this "
                          "std::chrono::sys_time; read it with microseconds",
                          {});
      }
      return floor<Duration>(parsed);
    }
    detail::cannot_read(v, "a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff][offset][ BC])");
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
    if (v.kind() == value_kind::text && detail::parse_date(v.as_text(), date)) return date;
    detail::cannot_read(v, "a date (YYYY-MM-DD[ BC], years -32767 to 32767)");
  }
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/types/impl/chrono.ipp"
#endif
