// type_traits<T>: the customization point between a C++ type and the database.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "quarry/errors.hpp"
#include "quarry/types/sql_type.hpp"
#include "quarry/types/value.hpp"

namespace quarry {

// The customization point between a C++ type and the database (SQLAlchemy's
// TypeDecorator). A specialization provides
//   static value_ref to_db(const T&)   (or `static value to_db(const T&)` when the
//                                       database form must be built, e.g. formatted text)
//   static T from_db(value_ref)        (throws DataError when the value does not fit)
//   static constexpr sql_type column_type()   (the column type, for tables of T)
// The primary template is left undefined: using an unmapped type names it in the error.
template <class T>
struct type_traits;

namespace detail {

[[noreturn]] inline void cannot_read(value_ref v, std::string_view target) {
  std::string shown;
  switch (v.kind()) {
    case value_kind::integer: shown = std::to_string(v.as_int64()); break;
    case value_kind::real: {
      char buffer[32];
      auto end = std::to_chars(buffer, buffer + sizeof buffer, v.as_double()).ptr;
      shown.assign(buffer, end);
      break;
    }
    case value_kind::boolean: shown = v.as_bool() ? "true" : "false"; break;
    case value_kind::decimal: shown = std::string(v.as_text().substr(0, 40)); break;
    case value_kind::text:
      shown = "'" + std::string(v.as_text().substr(0, 40)) + (v.as_text().size() > 40 ? "...'" : "'");
      break;
    default: break;
  }
  std::string message = "quarry: cannot read a " + std::string(to_string(v.kind())) + " value";
  if (!shown.empty()) message += " (" + shown + ")";
  message += " as " + std::string(target);
  if (v.is_null()) message += "; read it as std::optional<T> to accept NULL";
  throw DataError(message, {});
}

template <class Int>
constexpr std::string_view integer_name() {
  if constexpr (std::is_signed_v<Int>) {
    if constexpr (sizeof(Int) == 1) return "int8";
    else if constexpr (sizeof(Int) == 2) return "int16";
    else if constexpr (sizeof(Int) == 4) return "int32";
    else return "int64";
  } else {
    if constexpr (sizeof(Int) == 1) return "uint8";
    else if constexpr (sizeof(Int) == 2) return "uint16";
    else if constexpr (sizeof(Int) == 4) return "uint32";
    else return "uint64";
  }
}

// Whether a stored integer fits Int (any integral type, character types included).
template <class Int>
constexpr bool fits_integer(std::int64_t i) noexcept {
  if constexpr (std::is_signed_v<Int>)
    return i >= std::numeric_limits<Int>::min() && i <= std::numeric_limits<Int>::max();
  else
    return i >= 0 && static_cast<std::uint64_t>(i) <= std::numeric_limits<Int>::max();
}

template <class Int>
Int narrow_integer(std::int64_t i, value_ref original) {
  if (!fits_integer<Int>(i)) cannot_read(original, integer_name<Int>());
  return static_cast<Int>(i);
}

}  // namespace detail

template <>
struct type_traits<bool> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::boolean); }
  static constexpr value_ref to_db(bool b) noexcept { return value_ref::boolean(b); }
  static bool from_db(value_ref v) {
    if (v.kind() == value_kind::boolean) return v.as_bool();
    // SQLite has no boolean storage class: 0 and 1 are its booleans.
    if (v.kind() == value_kind::integer && (v.as_int64() == 0 || v.as_int64() == 1))
      return v.as_int64() == 1;
    detail::cannot_read(v, "bool");
  }
};

template <class Int>
  requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool> && !std::is_same_v<Int, char>)
struct type_traits<Int> {
  // Unsigned types take the next wider column so that every value fits.
  static constexpr sql_type column_type() noexcept {
    constexpr std::size_t bytes = sizeof(Int) * (std::is_unsigned_v<Int> && sizeof(Int) < 8 ? 2 : 1);
    return sql_type::of(bytes <= 2 ? sql_type_kind::small_integer
                                   : bytes <= 4 ? sql_type_kind::integer : sql_type_kind::big_integer);
  }
  static constexpr value_ref to_db(Int i) { return value_ref::integer(checked_int64(i)); }
  static Int from_db(value_ref v) {
    switch (v.kind()) {
      case value_kind::integer: return detail::narrow_integer<Int>(v.as_int64(), v);
      case value_kind::real: {
        // An integral real (SQLite's avg(), a float8 column) reads as an integer; 3.5 does not.
        double d = v.as_double();
        if (std::trunc(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
          return detail::narrow_integer<Int>(static_cast<std::int64_t>(d), v);
        break;
      }
      case value_kind::decimal: {
        auto text = v.as_text();
        std::int64_t parsed = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (ec == std::errc{} && end == text.data() + text.size())
          return detail::narrow_integer<Int>(parsed, v);
        break;
      }
      default: break;
    }
    detail::cannot_read(v, detail::integer_name<Int>());
  }
};

template <std::floating_point Float>
struct type_traits<Float> {
  static constexpr sql_type column_type() noexcept {
    return sql_type::of(sizeof(Float) <= 4 ? sql_type_kind::real : sql_type_kind::double_precision);
  }
  static constexpr value_ref to_db(Float f) noexcept { return value_ref::real(static_cast<double>(f)); }
  static Float from_db(value_ref v) {
    switch (v.kind()) {
      case value_kind::real: return static_cast<Float>(v.as_double());
      case value_kind::integer: return static_cast<Float>(v.as_int64());
      case value_kind::decimal: {
        auto text = v.as_text();
        double parsed = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (ec == std::errc{} && end == text.data() + text.size()) return static_cast<Float>(parsed);
        if (text == "NaN") return std::numeric_limits<Float>::quiet_NaN();
        break;
      }
      default: break;
    }
    detail::cannot_read(v, std::is_same_v<Float, float> ? "float" : "double");
  }
};

template <>
struct type_traits<std::string_view> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::text); }
  static constexpr value_ref to_db(std::string_view s) noexcept { return value_ref::text(s); }
  // The view points into the current row and is valid until the cursor moves.
  static std::string_view from_db(value_ref v) {
    if (v.kind() == value_kind::text || v.kind() == value_kind::decimal) return v.as_text();
    detail::cannot_read(v, "text");
  }
};

template <>
struct type_traits<std::string> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::text); }
  static value_ref to_db(const std::string& s) noexcept { return value_ref::text(s); }
  static std::string from_db(value_ref v) { return std::string(type_traits<std::string_view>::from_db(v)); }
};

template <>
struct type_traits<const char*> {
  static value_ref to_db(const char* s) noexcept {
    return s == nullptr ? value_ref{} : value_ref::text(s);
  }
};

template <>
struct type_traits<std::span<const std::byte>> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::blob); }
  static value_ref to_db(std::span<const std::byte> b) noexcept { return value_ref::bytes(b); }
  // The view points into the current row and is valid until the cursor moves.
  static std::span<const std::byte> from_db(value_ref v) {
    if (v.kind() == value_kind::blob) return v.as_blob();
    detail::cannot_read(v, "blob");
  }
};

template <>
struct type_traits<blob> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::blob); }
  static value_ref to_db(const blob& b) noexcept { return value_ref::bytes(b); }
  static blob from_db(value_ref v) {
    auto bytes = type_traits<std::span<const std::byte>>::from_db(v);
    return blob(bytes.begin(), bytes.end());
  }
};

template <>
struct type_traits<std::nullptr_t> {
  static constexpr value_ref to_db(std::nullptr_t) noexcept { return {}; }
};

template <>
struct type_traits<std::nullopt_t> {
  static constexpr value_ref to_db(std::nullopt_t) noexcept { return {}; }
};

// A column of any type, NULL included: what SQLite's typeless columns (a view's
// computed columns) hold. Its DDL names no type, which SQLite alone accepts.
template <>
struct type_traits<value> {
  static constexpr sql_type column_type() noexcept { return sql_type::custom(""); }
  static value_ref to_db(const value& v) noexcept { return v.ref(); }
  static value from_db(value_ref v) { return value(v); }
};

template <>
struct type_traits<value_ref> {
  static constexpr value_ref to_db(value_ref v) noexcept { return v; }
  static constexpr value_ref from_db(value_ref v) noexcept { return v; }
};

template <class T>
struct type_traits<std::optional<T>> {
  static constexpr sql_type column_type() noexcept { return type_traits<T>::column_type(); }
  static auto to_db(const std::optional<T>& o) -> decltype(type_traits<T>::to_db(*o)) {
    if (!o) return {};
    return type_traits<T>::to_db(*o);
  }
  static std::optional<T> from_db(value_ref v) {
    if (v.is_null()) return std::nullopt;
    return type_traits<T>::from_db(v);
  }
};

namespace detail {
// The type a std::optional holds, or T itself.
template <class T>
struct without_optional {
  using type = T;
};
template <class T>
struct without_optional<std::optional<T>> {
  using type = T;
};

template <class T>
inline constexpr bool accepts_null = false;
template <class T>
inline constexpr bool accepts_null<std::optional<T>> = true;
template <>
inline constexpr bool accepts_null<value> = true;
template <>
inline constexpr bool accepts_null<value_ref> = true;
}  // namespace detail

// A type that can be a column's type.
template <class T>
concept has_column_type = requires {
  { type_traits<T>::column_type() } -> std::same_as<sql_type>;
};

// Reads a value into T; NULL into a type that cannot hold it is an error with a hint.
template <class T>
T read_value(value_ref v) {
  if constexpr (!detail::accepts_null<T>) {
    if (v.is_null()) detail::cannot_read(v, "a non-optional type");
  }
  return type_traits<T>::from_db(v);
}

}  // namespace quarry
