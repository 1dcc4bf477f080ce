// Parameters as errors and logs show them: long text cut, blobs summarized.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <charconv>
#include <span>
#include <string>
#include <string_view>

#include "quarry/types/value.hpp"

namespace quarry::detail {

// Parameters as shown in errors and logs: long text is cut, blobs are summarized,
// and at most `max_shown` values appear, so a 16 MiB blob or 30,000 parameters
// never flood a log.
QUARRY_DECL std::string render_params(std::span<const value_ref> params, std::size_t max_shown = 10);

// Text as a JSON string literal, quotes included (control characters as \\u escapes).
QUARRY_DECL std::string json_string(std::string_view text);

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dbapi/detail/impl/render_params.ipp"
#endif
