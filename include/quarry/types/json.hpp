// JSON documents (nlohmann::json): jsonb on PostgreSQL, text on SQLite.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "quarry/types/type_traits.hpp"
#include "quarry/types/value.hpp"

// JSON documents (nlohmann::json): `jsonb` on PostgreSQL, text on SQLite. This
// header is separate so that only code that uses JSON pays for nlohmann's header.
namespace quarry {

template <>
struct type_traits<nlohmann::json> {
  static constexpr sql_type column_type() noexcept { return sql_type::of(sql_type_kind::json); }
  static value to_db(const nlohmann::json& document) { return value(document.dump()); }
  static nlohmann::json from_db(value_ref v) {
    if (v.kind() == value_kind::text) {
      auto parsed = nlohmann::json::parse(v.as_text(), nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) return parsed;
    }
    detail::cannot_read(v, "JSON");
  }
};

}  // namespace quarry
