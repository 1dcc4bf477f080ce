// The non-template implementation of quarry/ext/pagination.hpp.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/ext/pagination.hpp"

#include <algorithm>

namespace quarry::ext::detail {

// Flask-SQLAlchemy's iter_pages: the left edge, a window around the current
// page, the right edge, and one gap marker wherever numbers are skipped.
QUARRY_DECL std::vector<std::optional<std::int64_t>> page_numbers(std::int64_t page, std::int64_t pages, const page_window& window) {
  std::vector<std::optional<std::int64_t>> out;
  if (pages <= 0) return out;
  const std::int64_t pages_end = pages + 1;
  page = std::clamp<std::int64_t>(page, 1, pages);  // a page past the end (error_out off) cannot overflow the window
  const std::int64_t left_end = std::min(1 + std::max<std::int64_t>(window.left_edge, 0), pages_end);
  for (std::int64_t n = 1; n < left_end; ++n) out.emplace_back(n);
  if (left_end == pages_end) return out;
  const std::int64_t mid_start = std::max(left_end, page - window.left_current);
  const std::int64_t mid_end = std::min(page + window.right_current + 1, pages_end);
  if (mid_start - left_end > 0) out.emplace_back(std::nullopt);
  for (std::int64_t n = mid_start; n < mid_end; ++n) out.emplace_back(n);
  if (mid_end == pages_end) return out;
  const std::int64_t right_start = std::max(mid_end, pages_end - window.right_edge);
  if (right_start - mid_end > 0) out.emplace_back(std::nullopt);
  for (std::int64_t n = right_start; n < pages_end; ++n) out.emplace_back(n);
  return out;
}

}  // namespace quarry::ext::detail
