// The non-template implementation of quarry/types/uuid.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <random>

#include "quarry/types/uuid.hpp"

namespace quarry {

QUARRY_DECL auto uuid::parse(std::string_view text) -> uuid {
  uuid out;
  if (!try_parse(text, out))
    throw ArgumentError("quarry: '" + std::string(text.substr(0, 40)) +
                        "' is not a UUID; expected 8-4-4-4-12 hexadecimal digits");
  return out;
}

QUARRY_DECL auto uuid::try_parse(std::string_view text, uuid& out) noexcept -> bool {
  if (text.size() != 36) return false;
  std::size_t byte = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i++] != '-') return false;
      continue;
    }
    int high = hex_value(text[i]), low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) return false;
    out.bytes_[byte++] = static_cast<std::byte>(high * 16 + low);
    i += 2;
  }
  return true;
}

QUARRY_DECL auto uuid::random() -> uuid {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  uuid out;
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = generator();
    std::memcpy(out.bytes_.data() + half * 8, &bits, 8);
  }
  out.bytes_[6] = (out.bytes_[6] & std::byte{0x0f}) | std::byte{0x40};
  out.bytes_[8] = (out.bytes_[8] & std::byte{0x3f}) | std::byte{0x80};
  return out;
}

QUARRY_DECL auto uuid::to_string() const -> std::string {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    auto b = std::to_integer<unsigned>(bytes_[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

}  // namespace quarry
