// The row contract: reading columns into C++ types, tuples, models and aggregates; quarry::Row.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/errors.hpp"
#include "quarry/types/detail/aggregate.hpp"
#include "quarry/types/type_traits.hpp"
#include "quarry/types/value.hpp"

namespace quarry {

class Row;

namespace detail {

template <class T>
inline constexpr bool is_tuple = false;
template <class... Ts>
inline constexpr bool is_tuple<std::tuple<Ts...>> = true;

template <class T>
concept readable = requires(value_ref v) { type_traits<T>::from_db(v); };

// Models declared with QUARRY_MODEL read by column, not by field position;
// quarry/core/model.hpp defines these.
template <class T>
concept declared_model = requires { quarry_model_of(static_cast<T*>(nullptr)); };
template <class T>
constexpr std::size_t model_column_count();
template <class T, class Source>
T read_model(const Source& source, std::size_t& at);
template <class T, class Source>
void read_model_into(T& object, const Source& source, std::size_t& at);

// read_column()'s path for what the typed reads do not cover, kept out of line
// so that the typed reads inline into the row loop.
template <class T, class Source>
[[gnu::noinline]] T read_column_value(const Source& source, std::size_t index) {
  return read_value<T>(source.raw(index));
}

// Column `index` of `source` as T. A source that reads typed columns straight
// from the driver (RowView) does so for the built-in integer, floating-point and
// string types and their optionals. Any other kind, NULL, or an integer out of T's
// range goes through read_value(), which converts it or names the error.
template <class T, class Source>
T read_column(const Source& source, std::size_t index) {
  if constexpr (requires(std::int64_t& i) { source.raw_integer(index, i); }) {
    using U = typename without_optional<T>::type;
    if constexpr (std::is_integral_v<U> && !std::is_same_v<U, bool> && !std::is_same_v<U, char>) {
      std::int64_t i;
      if (source.raw_integer(index, i) && fits_integer<U>(i)) [[likely]]
        return T(static_cast<U>(i));
    } else if constexpr (std::is_floating_point_v<U>) {
      double d;
      if (source.raw_real(index, d)) [[likely]]
        return T(static_cast<U>(d));
    } else if constexpr (std::is_same_v<U, std::string> || std::is_same_v<U, std::string_view>) {
      std::string_view text;
      if (source.raw_text(index, text)) [[likely]]
        return T(U(text));
    }
    return read_column_value<T>(source, index);
  } else {
    return read_value<T>(source.raw(index));
  }
}

// Whether rows of type T can be read into a default-constructed T in place
// (what Result::all() does: no row is moved once read).
template <class T>
inline constexpr bool readable_in_place = false;
template <class... Ts>
inline constexpr bool readable_in_place<std::tuple<Ts...>> = (std::is_default_constructible_v<Ts> && ...);

// Whether reading a column into T runs Quarry's own conversions only, no
// type_traits<T> of the application's: only such reads may run while a driver
// holds a lock (a converter waiting on another thread would deadlock there).
template <class T>
inline constexpr bool reads_without_user_code =
    std::is_arithmetic_v<typename without_optional<T>::type> ||
    std::is_same_v<typename without_optional<T>::type, std::string>;

template <class T>
inline constexpr bool tuple_reads_without_user_code = false;
template <class... Ts>
inline constexpr bool tuple_reads_without_user_code<std::tuple<Ts...>> = (reads_without_user_code<Ts> && ...);

// The reads of one whole row, bracketed for the driver (see
// dbapi_statement::begin_row_read()) when the row comes from a cursor and
// `bracket` says that every column read runs no application code.
template <class Source>
class whole_row_read {
 public:
  whole_row_read(const Source& source, bool bracket) : source_(source), bracket_(bracket) {
    if constexpr (brackets) {
      if (bracket_) source_.begin_row_read();
    }
  }
  ~whole_row_read() {
    if constexpr (brackets) {
      if (bracket_) source_.end_row_read();
    }
  }
  whole_row_read(const whole_row_read&) = delete;
  whole_row_read& operator=(const whole_row_read&) = delete;

 private:
  static constexpr bool brackets = requires(const Source& s) { s.begin_row_read(); };
  const Source& source_;
  bool bracket_;
};

// Typed access shared by the row a cursor points at and a materialized Row.
// Derived provides column_count(), column_name(i) and raw(i).
template <class Derived>
class row_access {
 public:
  template <class T>
  T get(std::size_t index) const {
    auto& self = static_cast<const Derived&>(*this);
    if (index >= self.column_count())
      throw InvalidRequestError("quarry: column index " + std::to_string(index) + " is out of range; the row has " +
                                std::to_string(self.column_count()) + " columns");
    return read<T>(index);
  }

  template <class T>
  T get(std::string_view name) const {
    return get<T>(index_of(name));
  }

  std::size_t index_of(std::string_view name) const {
    auto& self = static_cast<const Derived&>(*this);
    for (std::size_t i = 0; i < self.column_count(); ++i)
      if (self.column_name(i) == name) return i;
    std::string known;
    for (std::size_t i = 0; i < self.column_count(); ++i)
      known += (i ? ", " : "") + std::string(self.column_name(i));
    throw InvalidRequestError("quarry: the row has no column named '" + std::string(name) + "' (columns: " + known +
                              ")");
  }

  // The whole row read into `out`, a std::tuple or a model (see readable_in_place).
  template <class T>
  void read_into(T& out) const {
    auto& self = static_cast<const Derived&>(*this);
    std::size_t at = 0;  // the column being read, for the error message
    try {
      if constexpr (is_tuple<T>) {
        check_width<T>(std::tuple_size_v<T>);
        whole_row_read row(self, tuple_reads_without_user_code<T>);
        [&]<std::size_t... I>(std::index_sequence<I...>) {
          ((at = I, std::get<I>(out) = read_column<std::tuple_element_t<I, T>>(self, I)), ...);
        }(std::make_index_sequence<std::tuple_size_v<T>>{});
      } else {
        check_width<T>(model_column_count<T>());
        read_model_into(out, self, at);
      }
    } catch (const DataError& e) {
      throw column_error(at, e);
    }
  }

  // The whole row as a std::tuple, an aggregate (fields in column order, via
  // Boost.PFR), a Row, or, for a one-column row, any readable type.
  template <class T>
  T as() const {
    auto& self = static_cast<const Derived&>(*this);
    if constexpr (std::is_same_v<T, Row>) {
      return self.materialize();
    } else if constexpr (is_tuple<T>) {
      check_width<T>(std::tuple_size_v<T>);
      std::size_t at = 0;  // the column being read, for the error message
      whole_row_read row(self, tuple_reads_without_user_code<T>);
      try {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
          return T{read_tracked<std::tuple_element_t<I, T>>(I, at)...};
        }(std::make_index_sequence<std::tuple_size_v<T>>{});
      } catch (const DataError& e) {
        throw column_error(at, e);
      }
    } else if constexpr (readable<T>) {
      check_width<T>(1);
      return read<T>(0);
    } else if constexpr (declared_model<T>) {
      check_width<T>(model_column_count<T>());
      std::size_t at = 0;
      try {
        return read_model<T>(self, at);
      } catch (const DataError& e) {
        throw column_error(at, e);
      }
    } else {
      static_assert(std::is_aggregate_v<T>,
                    "quarry: as<T>() maps a row onto a std::tuple, an aggregate struct, or a readable type");
      check_width<T>(detail::field_count<T>);
      // Aggregate initialization builds each field in place from its column.
      std::size_t at = 0;
      whole_row_read row(self, [&]<std::size_t... I>(std::index_sequence<I...>) {
        return (reads_without_user_code<detail::field_type<I, T>> && ...);
      }(std::make_index_sequence<detail::field_count<T>>{}));
      try {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
          return T{read_tracked<detail::field_type<I, T>>(I, at)...};
        }(std::make_index_sequence<detail::field_count<T>>{});
      } catch (const DataError& e) {
        throw column_error(at, e);
      }
    }
  }

 private:
  // get() without the bounds check, for as<T>() which checked the width once.
  template <class T>
  T read(std::size_t index) const {
    try {
      return read_column<T>(static_cast<const Derived&>(*this), index);
    } catch (const DataError& e) {
      throw column_error(index, e);
    }
  }

  // Reads a column of a whole-row conversion, noting which one for the error message.
  template <class T>
  T read_tracked(std::size_t index, std::size_t& at) const {
    at = index;
    return read_column<T>(static_cast<const Derived&>(*this), index);
  }

  // A conversion error, naming the column it happened in.
  DataError column_error(std::size_t index, const DataError& e) const {
    return DataError("column " + std::to_string(index) + " ('" +
                         std::string(static_cast<const Derived&>(*this).column_name(index)) + "'): " + e.what(),
                     {});
  }

  template <class T>
  void check_width(std::size_t fields) const {
    auto columns = static_cast<const Derived&>(*this).column_count();
    if (columns != fields)
      throw InvalidRequestError("quarry: the row has " + std::to_string(columns) + " columns but the target type has " +
                                std::to_string(fields) + " fields");
  }
};

}  // namespace detail

// A row that owns its values: what all(), first() and one() return.
class Row : public detail::row_access<Row> {
 public:
  Row() = default;
  Row(std::vector<value> values, std::shared_ptr<const std::vector<std::string>> names)
      : values_(std::move(values)), names_(std::move(names)) {}

  std::size_t column_count() const noexcept { return values_.size(); }
  std::size_t size() const noexcept { return values_.size(); }
  std::string_view column_name(std::size_t i) const { return names_ ? std::string_view((*names_)[i]) : ""; }
  value_ref raw(std::size_t i) const { return values_[i].ref(); }
  const value& operator[](std::size_t i) const { return values_[i]; }
  const std::vector<std::string>& keys() const;
  Row materialize() const { return *this; }

 private:
  std::vector<value> values_;
  std::shared_ptr<const std::vector<std::string>> names_;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dbapi/impl/row.ipp"
#endif
