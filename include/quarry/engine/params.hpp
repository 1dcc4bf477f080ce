// params: the bound parameters of one execution, named or positional.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <concepts>
#include <initializer_list>
#include <ranges>
#include <span>

#include "quarry/types/param.hpp"

namespace quarry {

// The parameters of one execution: named (`{{"id", 7}, {"name", "x"}}`) or
// positional (`{7, "x"}`), bound in the order of the statement's first use of
// each name. It refers to the caller's values, as a braced list does.
class params {
 public:
  params() = default;
  params(std::initializer_list<named_param> named) : named_(named.begin(), named.size()) {}
  params(std::initializer_list<param> positional) : positional_(positional.begin(), positional.size()) {}
  // Parameters built at run time: a vector (or any contiguous range) of either kind.
  template <std::ranges::contiguous_range Range>
    requires std::same_as<std::ranges::range_value_t<Range>, named_param>
  params(const Range& named) : named_(std::ranges::data(named), std::ranges::size(named)) {}
  template <std::ranges::contiguous_range Range>
    requires std::same_as<std::ranges::range_value_t<Range>, param>
  params(const Range& positional) : positional_(std::ranges::data(positional), std::ranges::size(positional)) {}

  std::span<const named_param> named() const noexcept { return named_; }
  std::span<const param> positional() const noexcept { return positional_; }
  bool empty() const noexcept { return named_.empty() && positional_.empty(); }

 private:
  std::span<const named_param> named_;
  std::span<const param> positional_;
};

}  // namespace quarry
