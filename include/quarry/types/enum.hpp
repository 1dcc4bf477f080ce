// Enumerations stored by name (SQLAlchemy's Enum).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "quarry/types/type_traits.hpp"
#include "quarry/types/value.hpp"

// Enumerations stored by name (SQLAlchemy's Enum): a native enum type on
// PostgreSQL, text on SQLite.
//
//   QUARRY_ENUM(Mood, sad, ok, happy);   // at namespace scope
//
// declares `enum class Mood { sad, ok, happy }` and lets Quarry find its names.
// Enumerators take no explicit values: a value is its position in the list.
namespace quarry::detail {

constexpr std::size_t count_enum_names(std::string_view list) {
  std::size_t count = 1;
  for (char c : list)
    if (c == ',') ++count;
  return count;
}

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

template <std::size_t N>
constexpr std::array<std::string_view, N> split_enum_names(std::string_view list) {
  std::array<std::string_view, N> names{};
  for (std::size_t i = 0; i < N; ++i) {
    auto comma = list.find(',');
    auto name = list.substr(0, comma);
    while (!name.empty() && is_space(name.front())) name.remove_prefix(1);
    while (!name.empty() && is_space(name.back())) name.remove_suffix(1);
    names[i] = name;
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return names;
}

template <class Enum>
concept named_enum = std::is_enum_v<Enum> && requires { quarry_enum_names(Enum{}); };

template <named_enum Enum>
inline constexpr auto enum_names = quarry_enum_names(Enum{});

}  // namespace quarry::detail

// The closing static_assert lets the macro be followed by a semicolon.
#define QUARRY_ENUM(Name, ...)                                                                                \
  enum class Name { __VA_ARGS__ };                                                                            \
  constexpr auto quarry_enum_names(Name) noexcept {                                                           \
    return ::quarry::detail::split_enum_names<::quarry::detail::count_enum_names(#__VA_ARGS__)>(#__VA_ARGS__); \
  }                                                                                                           \
  constexpr std::string_view quarry_enum_type_name(Name) noexcept { return #Name; }                            \
  static_assert(true, "")

namespace quarry {

// The names of a QUARRY_ENUM's values, in declaration order.
template <detail::named_enum Enum>
constexpr const auto& enum_names() noexcept {
  return detail::enum_names<Enum>;
}

template <detail::named_enum Enum>
struct type_traits<Enum> {
  // PostgreSQL: a type named after the C++ enum, lower case; SQLite: text.
  static constexpr sql_type column_type() noexcept {
    return {sql_type_kind::enumeration, 0, quarry_enum_type_name(Enum{}), detail::enum_names<Enum>};
  }
  static value_ref to_db(Enum e) {
    auto index = static_cast<std::size_t>(e);
    const auto& names = detail::enum_names<Enum>;
    if (index >= names.size())
      throw DataError("quarry: enum value " + std::to_string(index) + " has no name to store", {});
    return value_ref::text(names[index]);
  }
  static Enum from_db(value_ref v) {
    const auto& names = detail::enum_names<Enum>;
    if (v.kind() == value_kind::text)
      for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == v.as_text()) return static_cast<Enum>(i);
    std::string allowed;
    for (auto name : names) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
    detail::cannot_read(v, "an enum of " + allowed);
  }
};

}  // namespace quarry
