// PostgreSQL's wire formats: type OIDs, parameters as PQexecPrepared takes them, and rows of COPY FROM STDIN.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <libpq-fe.h>

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/types/value.hpp"

namespace quarry::postgresql {

namespace oid {
inline constexpr Oid unknown = 0, boolean = 16, bytea = 17, int8 = 20, int2 = 21, int4 = 23, oid = 26,
                     float4 = 700, float8 = 701, numeric = 1700, uuid = 2950;
}

// The text PostgreSQL reads for a boolean, an integer or a real.
QUARRY_DECL void append_number(std::string& out, value_ref v);

// A text value as sent. PostgreSQL text cannot hold NUL and libpq would cut the
// value at it: refuse, never truncate.
QUARRY_DECL std::string_view sendable_text(value_ref v, std::span<const value_ref> params, std::string_view sql);

// Parameters converted to what PQexecPrepared takes. Text goes in text format
// (with OID unknown, so the server infers its type from context), integers as
// the smallest of int2/int4/int8 that holds them (so they fit function
// arguments of any integer width), blobs in binary format as bytea.
class encoder {
 public:
  static Oid natural_type(value_ref v);

  // Whether a statement prepared with `type` accepts this value.
  static bool accepts(Oid type, value_ref v);

  void encode(std::span<const value_ref> params, std::string_view sql);

  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<std::size_t> offsets_;
  std::string buffer_;
};

// Rows of COPY ... FROM STDIN in its text format: tab between columns, \N for
// NULL, and the backslash, tab, newline and carriage return escaped in values.
class copy_encoder {
 public:
  // Appends one row; refuses text with NUL, as encoder does.
  static void append_row(std::string& out, std::span<const value_ref> params, std::string_view sql);

 private:
  static void append_escaped(std::string& out, std::string_view text);

  // Lower-case hex digits, with a dash before each byte index in `dashes` (a uuid's groups).
  static void append_hex(std::string& out, std::span<const std::byte> bytes, std::initializer_list<std::size_t> dashes);
};

}  // namespace quarry::postgresql

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dialect/postgresql/detail/impl/wire.ipp"
#endif
