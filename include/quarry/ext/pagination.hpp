// pagination and keyset_page: one page of a query's objects, and where the others are.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quarry::ext {

// What database::paginate() reads. Page and page size come from the request's
// query string (`page`, `per_page`) unless given here; without either, 1 and 20.
struct page_options {
  std::optional<std::int64_t> page{};
  std::optional<std::int64_t> per_page{};
  std::optional<std::int64_t> max_per_page{};  // a larger per_page is cut to this (the fallback 20 is not)
  // A page below 1, a per_page below 1, a value that is not a number, or an
  // empty page after the first is a 404; with false, page 1 and 20 stand in.
  bool error_out = true;
  // False: no COUNT query. `total` stays empty, and has_next() comes from
  // asking for one row more than a page.
  bool count = true;
};

// How iter_pages() shows pages around the current one (Flask-SQLAlchemy's defaults).
struct page_window {
  std::int64_t left_edge = 2;
  std::int64_t left_current = 2;
  std::int64_t right_current = 4;
  std::int64_t right_edge = 2;
};

namespace detail {
// The numbers a pager shows, with std::nullopt for each gap: 1 2 … 8 9 10 11 12 13 14 … 19 20.
QUARRY_DECL std::vector<std::optional<std::int64_t>> page_numbers(std::int64_t page, std::int64_t pages, const page_window& window);
}  // namespace detail

// Flask-SQLAlchemy's Pagination: one page of objects and the numbers around it.
template <class M>
struct pagination {
  std::vector<std::shared_ptr<M>> items;
  std::int64_t page = 1;
  std::int64_t per_page = 20;
  std::optional<std::int64_t> total{};  // empty when counting was turned off
  bool more = false;                    // a row follows this page (known whether or not counted)

  // The number of pages; 0 with no rows or no count.
  std::int64_t pages() const noexcept {
    return total && *total > 0 ? *total / per_page + (*total % per_page != 0 ? 1 : 0) : 0;
  }
  bool has_prev() const noexcept { return page > 1; }
  bool has_next() const noexcept { return total ? page < pages() : more; }
  std::optional<std::int64_t> prev_num() const noexcept { return has_prev() ? std::optional(page - 1) : std::nullopt; }
  std::optional<std::int64_t> next_num() const noexcept { return has_next() ? std::optional(page + 1) : std::nullopt; }
  // The 1-based numbers of the first and last item on this page; 0 when it is empty.
  std::int64_t first() const noexcept { return items.empty() ? 0 : (page - 1) * per_page + 1; }
  std::int64_t last() const noexcept {
    return items.empty() ? 0 : first() + static_cast<std::int64_t>(items.size()) - 1;
  }
  std::vector<std::optional<std::int64_t>> iter_pages(const page_window& window = {}) const {
    return detail::page_numbers(page, pages(), window);
  }

  auto begin() const { return items.begin(); }
  auto end() const { return items.end(); }
};

// What database::keyset_paginate() reads: the page size as for paginate(), and
// the key to start after from the query string's `after` unless given.
struct keyset_options {
  std::optional<std::int64_t> per_page{};
  std::optional<std::int64_t> max_per_page{};
  bool descending = false;     // newest first: the next page has smaller keys
  bool error_out = true;       // a key or size that does not parse is a 404 (else the first page)
};

// One page of a keyset ("seek") pagination: WHERE key > last ORDER BY key
// LIMIT n, which costs the same on the thousandth page as on the first.
template <class M, class K>
struct keyset_page {
  std::vector<std::shared_ptr<M>> items;
  std::int64_t per_page = 20;
  std::optional<K> after{};       // the key this page started after (empty: the first page)
  std::optional<K> next_after{};  // the key to ask for the next page with; empty on the last page

  bool has_next() const noexcept { return next_after.has_value(); }
  auto begin() const { return items.begin(); }
  auto end() const { return items.end(); }
};

}  // namespace quarry::ext

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/ext/impl/pagination.ipp"
#endif
