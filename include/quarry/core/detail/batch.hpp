// executemany()'s parameter sets over user ranges, converted one at a time into reused buffers.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <iterator>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "quarry/dbapi/interfaces.hpp"
#include "quarry/dbapi/row.hpp"
#include "quarry/errors.hpp"
#include "quarry/types/detail/aggregate.hpp"
#include "quarry/types/param.hpp"

namespace quarry::detail {

template <class T>
concept name_keyed = requires(const T& t) {
  typename T::key_type;
  typename T::mapped_type;
  t.find(std::string());
  requires std::is_convertible_v<typename T::key_type, std::string_view>;
};

template <class T>
concept value_sequence = std::ranges::random_access_range<T> && bindable<std::ranges::range_value_t<T>> &&
                         !bindable<T>;

// executemany()'s parameter sets, converted one at a time into reused buffers.
template <std::ranges::input_range Rows>
class range_batch final : public parameter_batch {
 public:
  range_batch(const Rows& rows, const std::vector<std::string>& names) : rows_(rows), names_(names) {
    params_.resize(names.size());
    refs_.resize(names.size());
    size_ = static_cast<std::size_t>(std::ranges::distance(rows_));
    position_ = std::ranges::begin(rows_);
  }

  std::size_t size() const override { return size_; }

  std::span<const value_ref> parameters(std::size_t index) override {
    // Sets are requested in order; random access ranges may also be revisited.
    if constexpr (std::ranges::random_access_range<Rows>) {
      fill(std::ranges::begin(rows_)[static_cast<std::ptrdiff_t>(index)]);
    } else {
      while (index_ < index) {
        ++position_;
        ++index_;
      }
      fill(*position_);
    }
    for (std::size_t i = 0; i < params_.size(); ++i) refs_[i] = params_[i].ref();
    return refs_;
  }

 private:
  using row_type = std::ranges::range_value_t<Rows>;

  void check_width(std::size_t given) const {
    if (given != names_.size())
      throw ArgumentError("quarry: executemany() got a parameter set of " + std::to_string(given) +
                          " values for a statement with " + std::to_string(names_.size()) + " parameters");
  }

  void fill(const row_type& row) {
    if constexpr (name_keyed<row_type>) {
      for (std::size_t i = 0; i < names_.size(); ++i) {
        auto it = row.find(names_[i]);
        if (it == row.end()) throw ArgumentError("quarry: a value is required for bind parameter '" + names_[i] + "'");
        params_[i] = param(it->second);
      }
    } else if constexpr (is_tuple<row_type>) {
      check_width(std::tuple_size_v<row_type>);
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((params_[I] = param(std::get<I>(row))), ...);
      }(std::make_index_sequence<std::tuple_size_v<row_type>>{});
    } else if constexpr (value_sequence<row_type>) {
      check_width(std::ranges::size(row));
      std::size_t i = 0;
      for (auto& v : row) params_[i++] = param(v);
    } else {
      static_assert(std::is_aggregate_v<row_type>,
                    "quarry: executemany() takes rows that are tuples, aggregates, sequences of values, or maps "
                    "from parameter name to value");
      check_width(detail::field_count<row_type>);
      detail::for_each_field(row, [&](const auto& field, std::size_t i) { params_[i] = param(field); });
    }
  }

  const Rows& rows_;
  const std::vector<std::string>& names_;
  std::vector<param> params_;
  std::vector<value_ref> refs_;
  std::size_t size_ = 0;
  std::ranges::iterator_t<const Rows> position_;
  std::size_t index_ = 0;
};

}  // namespace quarry::detail
