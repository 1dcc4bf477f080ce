// The non-template implementation of quarry/dbapi/detail/render_params.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dbapi/detail/render_params.hpp"

#include <cstdio>

namespace quarry::detail {

QUARRY_DECL std::string render_params(std::span<const value_ref> params, std::size_t max_shown) {
  std::string out = "(";
  for (std::size_t i = 0; i < params.size() && i < max_shown; ++i) {
    if (i) out += ", ";
    value_ref v = params[i];
    switch (v.kind()) {
      case value_kind::null: out += "NULL"; break;
      case value_kind::boolean: out += v.as_bool() ? "true" : "false"; break;
      case value_kind::integer: out += std::to_string(v.as_int64()); break;
      case value_kind::real: {
        char buffer[32];
        out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, v.as_double()).ptr);
        break;
      }
      case value_kind::decimal: out += std::string(v.as_text()); break;
      case value_kind::text: {
        std::string_view text = v.as_text();
        out += '\'';
        for (char c : text.substr(0, 60)) {
          if (c == '\0') out += "\\0";
          else if (c == '\'') out += "''";
          else out += c;
        }
        out += text.size() > 60 ? "'... (" + std::to_string(text.size()) + " characters)" : "'";
        break;
      }
      case value_kind::blob: out += "<" + std::to_string(v.as_blob().size()) + " bytes>"; break;
      case value_kind::uuid: out += "<uuid>"; break;
    }
  }
  if (params.size() > max_shown) out += ", ... " + std::to_string(params.size() - max_shown) + " more";
  return out + ")";
}

QUARRY_DECL std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace quarry::detail
