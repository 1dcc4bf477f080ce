// URL: a database URL as SQLAlchemy writes it, parsed and rendered.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/errors.hpp"

namespace quarry {

// A database URL as SQLAlchemy writes it:
//   dialect[+driver]://[user[:password]@][host][:port][/database][?key=value&...]
// Components are percent-decoded; the password is masked whenever the URL is rendered.
class URL {
 public:
  std::string drivername;  // "postgresql+libpq", "sqlite"
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<std::string> database;
  std::vector<std::pair<std::string, std::string>> query;

  // The part of drivername before '+': the dialect family.
  std::string_view backend_name() const;

  // The value of a query parameter, if the URL has it.
  std::optional<std::string_view> query_value(std::string_view key) const;

  // The URL as text. The password shows as "***" unless `hide_password` is false.
  std::string render(bool hide_password = true) const;

  bool operator==(const URL&) const = default;

  static std::string encode(std::string_view raw, std::string_view also_safe = "");
};

namespace detail {

QUARRY_DECL std::string percent_decode(std::string_view in, std::string_view what);

// The URL with anything between "://" and the last '@' hidden, for error messages
// about URLs that could not be parsed (they may still hold a password).
QUARRY_DECL std::string mask_unparsed(std::string_view text);

}  // namespace detail

// Parses a URL string; a malformed one is an ArgumentError that names the problem.
QUARRY_DECL URL make_url(std::string_view text);

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dbapi/impl/url.ipp"
#endif
