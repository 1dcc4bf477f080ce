// synchronize_session::evaluate: a WHERE clause and SET values evaluated on objects in memory.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>

#include "quarry/core/detail/node.hpp"
#include "quarry/errors.hpp"
#include "quarry/orm/detail/mapper.hpp"

// synchronize_session::evaluate: a WHERE clause and SET values evaluated on
// objects in memory, as SQLAlchemy's evaluator does in Python. What it cannot
// evaluate (functions, subqueries, other tables) throws cannot_evaluate.
namespace quarry::detail {

struct cannot_evaluate {
  std::string what;
};

class object_evaluator {
 public:
  object_evaluator(const mapper& m, const void* object) : m_(m), object_(object) {}

  value eval(const node& n);

  // NULL (unknown) counts as false, as in a WHERE clause.
  bool matches(const node& condition);

 private:
  std::optional<bool> truth(const node& n);
  static value negate(std::optional<bool> b) { return b ? value(!*b) : value(); }

  value binary(const node& n);

  static double real(value_ref v) {
    return v.kind() == value_kind::real ? v.as_double() : static_cast<double>(v.as_int64());
  }
  static bool numeric(value_kind k) {
    return k == value_kind::integer || k == value_kind::real || k == value_kind::boolean;
  }
  static int compare(value_ref a, value_ref b);

  const mapper& m_;
  const void* object_;
};

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/detail/impl/evaluator.ipp"
#endif
