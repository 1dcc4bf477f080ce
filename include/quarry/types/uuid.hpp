// uuid: PostgreSQL's native uuid, a 16-byte blob on SQLite.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "quarry/errors.hpp"
#include "quarry/types/type_traits.hpp"
#include "quarry/types/value.hpp"

namespace quarry {

// A UUID: PostgreSQL's native `uuid`, a 16-byte blob on SQLite.
class uuid {
 public:
  constexpr uuid() noexcept = default;  // the nil UUID
  constexpr explicit uuid(const std::array<std::byte, 16>& bytes) noexcept : bytes_(bytes) {}

  // Parses the canonical form (8-4-4-4-12 hex digits, either case); an ArgumentError otherwise.
  static uuid parse(std::string_view text);

  static bool try_parse(std::string_view text, uuid& out) noexcept;

  // A random (version 4) UUID.
  static uuid random();

  // Lower-case canonical form, as PostgreSQL prints it.
  std::string to_string() const;

  std::span<const std::byte, 16> bytes() const noexcept { return bytes_; }
  bool is_nil() const noexcept { return *this == uuid{}; }
  auto operator<=>(const uuid&) const = default;

 private:
  static constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::array<std::byte, 16> bytes_{};
};

template <>
struct type_traits<uuid> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::uuid); }
  static value_ref to_db(const uuid& u) noexcept { return value_ref::uuid(u.bytes()); }
  // PostgreSQL sends the text form; SQLite the 16 bytes it stored.
  static uuid from_db(value_ref v) {
    if ((v.kind() == value_kind::blob || v.kind() == value_kind::uuid) && v.as_blob().size() == 16) {
      std::array<std::byte, 16> bytes;
      std::memcpy(bytes.data(), v.as_blob().data(), 16);
      return uuid(bytes);
    }
    uuid out;
    if (v.kind() == value_kind::text && uuid::try_parse(v.as_text(), out)) return out;
    detail::cannot_read(v, "uuid");
  }
};

}  // namespace quarry

template <>
struct std::hash<quarry::uuid> {
  std::size_t operator()(const quarry::uuid& u) const noexcept {
    std::uint64_t halves[2];
    std::memcpy(halves, u.bytes().data(), 16);
    return std::hash<std::uint64_t>{}(halves[0] ^ (halves[1] * 0x9e3779b97f4a7c15ULL));
  }
};

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/types/impl/uuid.ipp"
#endif
