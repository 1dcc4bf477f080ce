// The non-template implementation of quarry/dbapi/url.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dbapi/url.hpp"

namespace quarry {

QUARRY_DECL auto URL::backend_name() const -> std::string_view {
  std::string_view name = drivername;
  return name.substr(0, name.find('+'));
}

QUARRY_DECL auto URL::query_value(std::string_view key) const -> std::optional<std::string_view> {
  for (auto& [k, v] : query)
    if (k == key) return std::string_view(v);
  return std::nullopt;
}

QUARRY_DECL auto URL::render(bool hide_password) const -> std::string {
  std::string out = drivername + "://";
  if (username) {
    out += encode(*username);
    if (password) out += ":" + (hide_password ? std::string("***") : encode(*password));
    out += "@";
  }
  if (host) out += host->find(':') != std::string::npos ? "[" + *host + "]" : encode(*host);
  if (port) out += ":" + std::to_string(*port);
  if (database) out += "/" + encode(*database, "/:");
  char separator = '?';
  for (auto& [k, v] : query) {
    out += separator + encode(k) + "=" + encode(v, "/");
    separator = '&';
  }
  return out;
}

QUARRY_DECL auto URL::encode(std::string_view raw, std::string_view also_safe) -> std::string {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : raw) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' ||
                      also_safe.find(static_cast<char>(c)) != std::string_view::npos;
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}


}  // namespace quarry

namespace quarry::detail {

QUARRY_DECL std::string percent_decode(std::string_view in, std::string_view what) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    unsigned value = 0;
    auto first = in.data() + i + 1;
    if (i + 2 >= in.size() || std::from_chars(first, first + 2, value, 16).ptr != first + 2)
      throw ArgumentError("quarry: bad percent-encoding in the " + std::string(what) +
                          " of a database URL; write '%' as %25");
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

QUARRY_DECL std::string mask_unparsed(std::string_view text) {
  auto scheme_end = text.find("://");
  auto at = text.rfind('@');
  if (scheme_end == std::string_view::npos || at == std::string_view::npos || at < scheme_end)
    return std::string(text);
  return std::string(text.substr(0, scheme_end + 3)) + "***" + std::string(text.substr(at));
}


}  // namespace quarry::detail

namespace quarry {

QUARRY_DECL URL make_url(std::string_view text) {
  auto fail = [&](std::string_view why) -> ArgumentError {
    return ArgumentError("quarry: could not parse database URL '" + detail::mask_unparsed(text) +
                         "': " + std::string(why));
  };
  URL url;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0)
    throw fail("expected dialect[+driver]://...");
  url.drivername = std::string(text.substr(0, scheme_end));
  for (char c : url.drivername) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '_';
    if (!ok) throw fail("the dialect name may hold only letters, digits, '_' and '+'");
  }
  std::string_view rest = text.substr(scheme_end + 3);

  if (auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
      if (pair.empty()) continue;
      auto eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) throw fail("query parameters must be key=value");
      url.query.emplace_back(detail::percent_decode(pair.substr(0, eq), "query"),
                             detail::percent_decode(pair.substr(eq + 1), "query"));
    }
  }

  std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.size() < rest.size()) url.database = detail::percent_decode(rest.substr(authority.size() + 1), "database");
  if (url.database && url.database->empty()) url.database.reset();

  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    url.username = detail::percent_decode(userinfo.substr(0, colon), "user name");
    if (colon != std::string_view::npos) url.password = detail::percent_decode(userinfo.substr(colon + 1), "password");
  }

  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw fail("an IPv6 host needs a closing ']'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw fail("unexpected text after the IPv6 host");
      port = after.substr(1);
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!host.empty()) url.host = detail::percent_decode(host, "host");
  if (!port.empty()) {
    int number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535)
      throw fail("the port must be a number from 1 to 65535");
    url.port = number;
  }
  return url;
}

}  // namespace quarry
