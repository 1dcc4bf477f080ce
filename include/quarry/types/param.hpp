// bindable and param: what type_traits knows how to send to the database.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <optional>
#include <type_traits>
#include <utility>

#include "quarry/types/type_traits.hpp"
#include "quarry/types/value.hpp"

namespace quarry {

namespace detail {
template <class T>
using bindable_t = std::decay_t<const T&>;
}

// Something `type_traits` knows how to send to the database.
template <class T>
concept bindable = requires(const detail::bindable_t<T>& t) {
  type_traits<detail::bindable_t<T>>::to_db(t);
};

// One bound parameter as passed to execute(): it borrows the caller's data when
// it can (no copy of strings or blobs) and owns the converted value when a
// user-defined type_traits has to build one. Borrowed data must outlive the call,
// which holds for the braced lists execute() takes.
class param {
 public:
  param() = default;

  template <bindable T>
  param(const T& v) {  // NOLINT(google-explicit-constructor): braced parameter lists
    using traits = type_traits<detail::bindable_t<T>>;
    if constexpr (std::is_same_v<decltype(traits::to_db(v)), value>) {
      owned_.emplace(traits::to_db(v));
      ref_ = owned_->ref();
    } else {
      ref_ = traits::to_db(v);
    }
  }

  param(const param& other) : owned_(other.owned_) { ref_ = owned_ ? owned_->ref() : other.ref_; }
  param& operator=(const param& other);

  value_ref ref() const noexcept { return ref_; }

 private:
  value_ref ref_;
  std::optional<value> owned_;
};

// A named parameter: `{"name", value}` inside execute()'s braced list.
struct named_param {
  std::string_view name;
  param value;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/types/impl/param.ipp"
#endif
