// The non-template implementation of quarry/ext/config.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/ext/config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "quarry/errors.hpp"

namespace quarry::ext {

namespace detail {

QUARRY_DECL std::optional<std::string> environment(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  return std::string(text);
}

QUARRY_DECL bool environment_flag(const char* name, const std::string& text) {
  if (text == "1" || text == "true" || text == "True" || text == "yes" || text == "on") return true;
  if (text == "0" || text == "false" || text == "False" || text == "no" || text == "off" || text.empty()) return false;
  throw ArgumentError(std::string("quarry: ") + name + "='" + text + "' is not a flag: write 1 or 0 (true or false)");
}

QUARRY_DECL std::size_t environment_count(const char* name, const std::string& text) {
  std::size_t out = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw ArgumentError(std::string("quarry: ") + name + "='" + text + "' is not a whole number of zero or more");
  return out;
}

// Seconds: a finite number of zero or more (or -1, "never", where `never_allowed`).
QUARRY_DECL std::chrono::duration<double> environment_seconds(const char* name, const std::string& text,
                                                              bool never_allowed) {
  double out = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  bool valid = !text.empty() && error == std::errc() && end == text.data() + text.size() && std::isfinite(out) &&
               (out >= 0 || (never_allowed && out == -1));
  if (!valid)
    throw ArgumentError(std::string("quarry: ") + name + "='" + text + "' is not a number of seconds of zero or more" +
                        (never_allowed ? " (or -1 for never)" : ""));
  return std::chrono::duration<double>(out);
}

QUARRY_DECL URL web_engine_url(std::string_view text, const std::filesystem::path& instance_path) {
  URL url = make_url(text);
  if (url.backend_name() != "sqlite" || !url.database || url.database->empty() || *url.database == ":memory:" ||
      url.database->starts_with("file:") || std::filesystem::path(*url.database).is_absolute())
    return url;
  std::filesystem::path folder = instance_path.empty() ? std::filesystem::current_path() / "instance" : instance_path;
  std::filesystem::create_directories(folder);
  url.database = (folder / *url.database).string();
  return url;
}

}  // namespace detail

QUARRY_DECL database_config database_config::from_env(database_config out) {
  using detail::environment;
  if (auto v = environment("QUARRY_DATABASE_URL")) out.url = *v;
  // Binds from the environment join those from code; one of the same key replaces it.
  if (auto v = environment("QUARRY_DATABASE_BINDS")) {
    std::string_view rest = *v;
    while (!rest.empty()) {
      auto space = rest.find_first_of(" \t\n");
      std::string_view item = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
      if (item.empty()) continue;
      auto equals = item.find('=');
      if (equals == 0 || equals == std::string_view::npos)
        throw ArgumentError("quarry: QUARRY_DATABASE_BINDS takes key=url items separated by spaces, not '" +
                            std::string(item) + "'");
      std::string key(item.substr(0, equals));
      std::string url(item.substr(equals + 1));
      auto same = std::find_if(out.binds.begin(), out.binds.end(), [&](const auto& b) { return b.first == key; });
      if (same != out.binds.end())
        same->second = std::move(url);
      else
        out.binds.emplace_back(std::move(key), std::move(url));
    }
  }
  if (auto v = environment("QUARRY_ECHO")) out.engine.echo = detail::environment_flag("QUARRY_ECHO", *v);
  if (auto v = environment("QUARRY_POOL_SIZE")) out.engine.pool_size = detail::environment_count("QUARRY_POOL_SIZE", *v);
  if (auto v = environment("QUARRY_MAX_OVERFLOW"))
    out.engine.max_overflow = detail::environment_count("QUARRY_MAX_OVERFLOW", *v);
  if (auto v = environment("QUARRY_POOL_TIMEOUT"))
    out.engine.pool_timeout = detail::environment_seconds("QUARRY_POOL_TIMEOUT", *v, false);
  if (auto v = environment("QUARRY_POOL_RECYCLE"))
    out.engine.pool_recycle = detail::environment_seconds("QUARRY_POOL_RECYCLE", *v, true);
  if (auto v = environment("QUARRY_POOL_PRE_PING"))
    out.engine.pool_pre_ping = detail::environment_flag("QUARRY_POOL_PRE_PING", *v);
  if (auto v = environment("QUARRY_AUTOFLUSH")) out.session.autoflush = detail::environment_flag("QUARRY_AUTOFLUSH", *v);
  if (auto v = environment("QUARRY_EXPIRE_ON_COMMIT"))
    out.session.expire_on_commit = detail::environment_flag("QUARRY_EXPIRE_ON_COMMIT", *v);
  if (auto v = environment("QUARRY_INSTANCE_PATH")) out.instance_path = *v;
  if (auto v = environment("QUARRY_RECORD_QUERIES"))
    out.record_queries = detail::environment_flag("QUARRY_RECORD_QUERIES", *v);
  return out;
}

}  // namespace quarry::ext
