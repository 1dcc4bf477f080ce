// C++ names and literals for generated code: identifiers from database names, keywords, plurals, string literals.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <string>
#include <string_view>

namespace quarry::detail {

QUARRY_DECL bool is_cpp_keyword(std::string_view word);

// A valid C++ identifier for a database name: other characters (spaces, quotes,
// non-ASCII) become '_', a leading digit gets a prefix, a keyword a trailing '_'.
QUARRY_DECL std::string cpp_identifier(std::string_view name);

// snake_case: AlbumId -> album_id, HTTPCode -> http_code, "Unit Price" -> unit_price.
QUARRY_DECL std::string snake_case(std::string_view name);

// PascalCase for a type: invoice_line -> InvoiceLine, Album -> Album.
QUARRY_DECL std::string pascal_case(std::string_view name);

// An English plural, good enough for relationship names: track -> tracks, category -> categories.
QUARRY_DECL std::string plural(std::string_view word);

// A C++ string literal holding `text` exactly (UTF-8 kept, quotes and controls escaped).
QUARRY_DECL std::string cpp_string_literal(std::string_view text);

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/detail/impl/cpp_names.ipp"
#endif
