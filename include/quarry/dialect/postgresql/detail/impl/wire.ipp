// The non-template implementation of quarry/dialect/postgresql/detail/wire.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "quarry/dbapi/detail/render_params.hpp"
#include "quarry/dialect/postgresql/detail/wire.hpp"
#include "quarry/errors.hpp"

namespace quarry::postgresql {

QUARRY_DECL void append_number(std::string& out, value_ref v) {
  char digits[32];
  // append(pointer, length): the (iterator, iterator) form goes through replace().
  auto append_digits = [&](const char* end) { out.append(digits, static_cast<std::size_t>(end - digits)); };
  switch (v.kind()) {
    case value_kind::boolean: out += v.as_bool() ? 't' : 'f'; break;
    case value_kind::integer: append_digits(std::to_chars(digits, digits + sizeof digits, v.as_int64()).ptr); break;
    case value_kind::real: {
      double d = v.as_double();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
      else append_digits(std::to_chars(digits, digits + sizeof digits, d).ptr);
      break;
    }
    default: break;
  }
}

QUARRY_DECL std::string_view sendable_text(value_ref v, std::span<const value_ref> params, std::string_view sql) {
  auto text = v.as_text();
  if (text.find('\0') != std::string_view::npos)
    throw DataError("quarry: PostgreSQL text cannot contain NUL (0x00) bytes; store the value as a blob (bytea) instead",
                    {std::string(sql), detail::render_params(params), 0, "22021", false});
  return text;
}

QUARRY_DECL auto encoder::natural_type(value_ref v) -> Oid {
  switch (v.kind()) {
    case value_kind::boolean: return oid::boolean;
    case value_kind::integer: {
      auto i = v.as_int64();
      if (i >= -32768 && i <= 32767) return oid::int2;
      if (i >= INT32_MIN && i <= INT32_MAX) return oid::int4;
      return oid::int8;
    }
    case value_kind::real: return oid::float8;
    case value_kind::blob: return oid::bytea;
    case value_kind::uuid: return oid::uuid;
    default: return oid::unknown;
  }
}

QUARRY_DECL auto encoder::accepts(Oid type, value_ref v) -> bool {
  switch (v.kind()) {
    case value_kind::null: return true;
    case value_kind::blob: return type == oid::bytea;
    case value_kind::uuid: return type == oid::uuid;
    case value_kind::boolean: return type == oid::boolean || type == oid::unknown;
    case value_kind::real: return type == oid::float8 || type == oid::unknown;
    case value_kind::integer: {
      Oid natural = natural_type(v);
      return type == oid::unknown || type == oid::int8 || type == oid::float8 || type == oid::numeric ||
             (type == oid::int4 && natural != oid::int8) || (type == oid::int2 && natural == oid::int2);
    }
    case value_kind::text:
    case value_kind::decimal: return type == oid::unknown;
  }
  return false;
}

QUARRY_DECL auto encoder::encode(std::span<const value_ref> params, std::string_view sql) -> void {
  std::size_t n = params.size();
  values_.assign(n, nullptr);
  lengths_.assign(n, 0);
  formats_.assign(n, 0);
  offsets_.assign(n, 0);
  buffer_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    value_ref v = params[i];
    offsets_[i] = buffer_.size();
    switch (v.kind()) {
      case value_kind::null: break;
      case value_kind::boolean:
      case value_kind::integer:
      case value_kind::real: append_number(buffer_, v); break;
      case value_kind::text:
      case value_kind::decimal: buffer_ += sendable_text(v, params, sql); break;
      case value_kind::blob:
      case value_kind::uuid: formats_[i] = 1; break;  // binary: bytea's bytes, or uuid's 16 bytes
    }
    lengths_[i] = static_cast<int>(buffer_.size() - offsets_[i]);
    if (formats_[i] == 0 && v.kind() != value_kind::null) buffer_ += '\0';
  }
  for (std::size_t i = 0; i < n; ++i) {
    value_ref v = params[i];
    if (v.kind() == value_kind::null) continue;
    if (formats_[i] == 1) {
      auto bytes = v.as_blob();
      // A non-null pointer even for an empty blob: libpq reads null as SQL NULL.
      values_[i] = bytes.empty() ? "" : reinterpret_cast<const char*>(bytes.data());
      lengths_[i] = static_cast<int>(bytes.size());
    } else {
      values_[i] = buffer_.data() + offsets_[i];
    }
  }
}

QUARRY_DECL auto copy_encoder::append_row(std::string& out, std::span<const value_ref> params, std::string_view sql) -> void {
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i) out += '\t';
    value_ref v = params[i];
    switch (v.kind()) {
      case value_kind::null: out += "\\N"; break;
      case value_kind::boolean:
      case value_kind::integer:
      case value_kind::real: append_number(out, v); break;
      case value_kind::text:
      case value_kind::decimal: append_escaped(out, sendable_text(v, params, sql)); break;
      case value_kind::blob: {
        out += "\\\\x";  // bytea's hex form, its backslash escaped for COPY
        append_hex(out, v.as_blob(), {});
        break;
      }
      case value_kind::uuid: append_hex(out, v.as_blob(), {4, 6, 8, 10}); break;
    }
  }
  out += '\n';
}

QUARRY_DECL auto copy_encoder::append_escaped(std::string& out, std::string_view text) -> void {
  std::size_t from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char escaped;
    switch (text[i]) {
      case '\\': escaped = '\\'; break;
      case '\t': escaped = 't'; break;
      case '\n': escaped = 'n'; break;
      case '\r': escaped = 'r'; break;
      default: continue;
    }
    out.append(text.data() + from, i - from);
    out += '\\';
    out += escaped;
    from = i + 1;
  }
  out.append(text.data() + from, text.size() - from);
}

QUARRY_DECL auto copy_encoder::append_hex(std::string& out, std::span<const std::byte> bytes, std::initializer_list<std::size_t> dashes) -> void {
  constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (std::find(dashes.begin(), dashes.end(), i) != dashes.end()) out += '-';
    auto b = static_cast<unsigned>(bytes[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
}

}  // namespace quarry::postgresql
