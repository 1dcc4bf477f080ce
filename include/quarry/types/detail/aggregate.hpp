// The fields of an aggregate struct by position: the one place Quarry uses Boost.PFR.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <boost/pfr/core.hpp>
#include <boost/pfr/tuple_size.hpp>

#include <cstddef>
#include <utility>

// Rows read into plain structs (as<T>()), executemany() of structs, and the
// check that QUARRY_MODEL names every field all see a struct as a sequence of fields.
namespace quarry::detail {

template <class T>
inline constexpr std::size_t field_count = boost::pfr::tuple_size_v<T>;

template <std::size_t I, class T>
using field_type = boost::pfr::tuple_element_t<I, T>;

// fn(field, index) for each field of `object`, in order.
template <class T, class Fn>
void for_each_field(const T& object, Fn&& fn) {
  boost::pfr::for_each_field(object, std::forward<Fn>(fn));
}

}  // namespace quarry::detail
