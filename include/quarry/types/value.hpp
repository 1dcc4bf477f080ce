// value and value_ref: the kinds of value that cross the driver boundary.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "quarry/errors.hpp"

namespace quarry {

using blob = std::vector<std::byte>;

// The kinds of value that cross the driver boundary. Every C++ type maps onto one.
// A uuid is 16 bytes that each driver binds its own way (a native uuid on
// PostgreSQL, a 16-byte blob on SQLite).
enum class value_kind : std::uint8_t { null, boolean, integer, real, text, blob, decimal, uuid };

constexpr std::string_view to_string(value_kind kind) noexcept {
  switch (kind) {
    case value_kind::null: return "NULL";
    case value_kind::boolean: return "boolean";
    case value_kind::integer: return "integer";
    case value_kind::real: return "real";
    case value_kind::text: return "text";
    case value_kind::blob: return "blob";
    case value_kind::decimal: return "decimal";
    case value_kind::uuid: return "uuid";
  }
  return "?";
}

// Every integer width converts to the 64-bit integer that both databases store;
// an unsigned value that does not fit is refused rather than wrapped.
template <class Int>
constexpr std::int64_t checked_int64(Int i) {
  if constexpr (std::is_unsigned_v<Int> && sizeof(Int) >= sizeof(std::int64_t)) {
    if (i > static_cast<Int>(INT64_MAX))
      throw DataError("quarry: unsigned value " + std::to_string(i) +
                          " exceeds the largest storable integer (INT64_MAX); store it as text or blob",
                      {});
  }
  return static_cast<std::int64_t>(i);
}

// A non-owning view of one value: what drivers bind and what result rows expose.
// Text and blob views point into storage owned by someone else (the caller's
// argument, or the driver's current row) and live only as long as that storage.
class value_ref {
 public:
  constexpr value_ref() noexcept : kind_(value_kind::null), integer_(0) {}
  constexpr value_ref(std::nullptr_t) noexcept : value_ref() {}

  static constexpr value_ref boolean(bool b) noexcept {
    value_ref v; v.kind_ = value_kind::boolean; v.integer_ = b ? 1 : 0; return v;
  }
  static constexpr value_ref integer(std::int64_t i) noexcept {
    value_ref v; v.kind_ = value_kind::integer; v.integer_ = i; return v;
  }
  static constexpr value_ref real(double d) noexcept {
    value_ref v; v.kind_ = value_kind::real; v.real_ = d; return v;
  }
  static constexpr value_ref text(std::string_view s) noexcept {
    value_ref v; v.kind_ = value_kind::text; v.bytes_ = {s.data(), s.size()}; return v;
  }
  static constexpr value_ref decimal(std::string_view s) noexcept {
    value_ref v; v.kind_ = value_kind::decimal; v.bytes_ = {s.data(), s.size()}; return v;
  }
  static value_ref bytes(std::span<const std::byte> b) noexcept;
  static value_ref uuid(std::span<const std::byte, 16> b) noexcept;

  constexpr value_kind kind() const noexcept { return kind_; }
  constexpr bool is_null() const noexcept { return kind_ == value_kind::null; }
  constexpr bool as_bool() const noexcept { return integer_ != 0; }
  constexpr std::int64_t as_int64() const noexcept { return integer_; }
  constexpr double as_double() const noexcept { return real_; }
  // Text and decimal values as characters (not NUL-terminated).
  constexpr std::string_view as_text() const noexcept { return {bytes_.data, bytes_.size}; }
  // Blob and uuid values as bytes.
  std::span<const std::byte> as_blob() const noexcept {
    return {reinterpret_cast<const std::byte*>(bytes_.data), bytes_.size};
  }

 private:
  struct byte_view {
    const char* data;
    std::size_t size;
  };
  value_kind kind_;
  union {
    std::int64_t integer_;
    double real_;
    byte_view bytes_;
  };
};

// An owning value: what a materialized row holds and what user conversions return.
class value {
 public:
  struct decimal_text {
    std::string digits;
    bool operator==(const decimal_text&) const = default;
  };
  struct uuid_bytes {
    std::array<std::byte, 16> bytes;
    bool operator==(const uuid_bytes&) const = default;
  };
  // In value_kind's order: kind() is the index of the alternative.
  using storage =
      std::variant<std::monostate, bool, std::int64_t, double, std::string, blob, decimal_text, uuid_bytes>;

  value() = default;
  value(std::nullptr_t) {}
  value(std::nullopt_t) {}
  value(bool b) : data_(b) {}
  template <class Int>
    requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool> && !std::is_same_v<Int, char>)
  value(Int i) : data_(checked_int64(i)) {}
  value(double d) : data_(d) {}
  value(float f) : data_(static_cast<double>(f)) {}
  value(std::string s) : data_(std::move(s)) {}
  value(const char* s) : data_(std::string(s)) {}
  value(std::string_view s) : data_(std::string(s)) {}
  value(blob b) : data_(std::move(b)) {}
  value(decimal_text d) : data_(std::move(d)) {}
  value(uuid_bytes u) : data_(u) {}
  explicit value(value_ref ref);

  value_kind kind() const noexcept { return static_cast<value_kind>(data_.index()); }
  bool is_null() const noexcept { return data_.index() == 0; }
  const storage& data() const noexcept { return data_; }

  value_ref ref() const noexcept;

  bool operator==(const value&) const = default;

 private:
  storage data_;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/types/impl/value.ipp"
#endif
