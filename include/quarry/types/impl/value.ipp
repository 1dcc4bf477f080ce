// The non-template implementation of quarry/types/value.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/types/value.hpp"

namespace quarry {

QUARRY_DECL auto value_ref::bytes(std::span<const std::byte> b) noexcept -> value_ref {
  value_ref v; v.kind_ = value_kind::blob;
  v.bytes_ = {reinterpret_cast<const char*>(b.data()), b.size()};
  return v;
}

QUARRY_DECL auto value_ref::uuid(std::span<const std::byte, 16> b) noexcept -> value_ref {
  value_ref v = bytes(b);
  v.kind_ = value_kind::uuid;
  return v;
}

QUARRY_DECL value::value(value_ref ref) {
  switch (ref.kind()) {
    case value_kind::null: break;
    case value_kind::boolean: data_ = ref.as_bool(); break;
    case value_kind::integer: data_ = ref.as_int64(); break;
    case value_kind::real: data_ = ref.as_double(); break;
    case value_kind::text: data_ = std::string(ref.as_text()); break;
    case value_kind::decimal: data_ = decimal_text{std::string(ref.as_text())}; break;
    case value_kind::blob: {
      auto b = ref.as_blob();
      data_ = blob(b.begin(), b.end());
      break;
    }
    case value_kind::uuid: {
      uuid_bytes u;
      std::memcpy(u.bytes.data(), ref.as_blob().data(), u.bytes.size());
      data_ = u;
      break;
    }
  }
}

QUARRY_DECL auto value::ref() const noexcept -> value_ref {
  switch (kind()) {
    case value_kind::null: return {};
    case value_kind::boolean: return value_ref::boolean(std::get<bool>(data_));
    case value_kind::integer: return value_ref::integer(std::get<std::int64_t>(data_));
    case value_kind::real: return value_ref::real(std::get<double>(data_));
    case value_kind::text: return value_ref::text(std::get<std::string>(data_));
    case value_kind::blob: return value_ref::bytes(std::get<blob>(data_));
    case value_kind::decimal: return value_ref::decimal(std::get<decimal_text>(data_).digits);
    case value_kind::uuid: return value_ref::uuid(std::get<uuid_bytes>(data_).bytes);
  }
  return {};
}

}  // namespace quarry
