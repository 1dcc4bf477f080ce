// fmt formatters for URL (password masked) and Engine: include this where you format them with fmt.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <fmt/core.h>

#include <string_view>

#include "quarry/dbapi/url.hpp"
#include "quarry/engine/engine.hpp"

template <>
struct fmt::formatter<quarry::URL> : fmt::formatter<std::string_view> {
  auto format(const quarry::URL& url, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(url.render(), ctx);
  }
};

template <>
struct fmt::formatter<quarry::Engine> : fmt::formatter<std::string_view> {
  auto format(const quarry::Engine& engine, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(engine.repr(), ctx);
  }
};
