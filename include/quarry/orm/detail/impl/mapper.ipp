// The non-template implementation of quarry/orm/detail/mapper.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/detail/mapper.hpp"

namespace quarry::detail {

QUARRY_DECL auto identity_key::append(value_ref v) -> void {
  auto kind = static_cast<char>(v.kind());
  bytes.push_back(kind);
  switch (v.kind()) {
    case value_kind::null: break;
    case value_kind::boolean:
    case value_kind::integer: append_raw(v.as_int64()); break;
    case value_kind::real: append_raw(v.as_double()); break;
    default: {
      auto b = v.as_blob();
      append_raw(b.size());
      bytes.append(reinterpret_cast<const char*>(b.data()), b.size());
    }
  }
}

QUARRY_DECL auto identity_key_hash::operator()(const identity_key& k) const noexcept -> std::size_t {
  std::size_t h = std::hash<const void*>{}(k.table) ^ (static_cast<std::size_t>(k.integer) * 0x9E3779B97F4A7C15ull);
  if (!k.bytes.empty()) h ^= std::hash<std::string_view>{}(k.bytes) + 0x9E3779B9 + (h << 6) + (h >> 2);
  return h;
}

QUARRY_DECL auto mapper::key_from(std::span<const value_ref> values) const -> identity_key {
  identity_key k;
  k.table = table;
  for (value_ref v : values) {
    if (integer_key && v.kind() == value_kind::integer) k.integer = v.as_int64();
    else k.append(v);
  }
  return k;
}

QUARRY_DECL auto mapper::key_of(const void* object) const -> identity_key {
  identity_key k;
  key(*this, object, k);
  return k;
}

}  // namespace quarry::detail
