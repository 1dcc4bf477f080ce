// The non-template implementation of quarry/orm/detail/evaluator.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/orm/detail/evaluator.hpp"

namespace quarry::detail {

QUARRY_DECL auto object_evaluator::eval(const node& n) -> value {
  switch (n.kind) {
    case node_kind::column: {
      if (!n.from || n.from->kind != from_item::kind_t::table || n.from->table.get() != m_.table || !n.from->alias.empty())
        throw cannot_evaluate{"a column of another table or alias"};
      value owned;
      value_ref v = m_.bind(object_, m_.table->column_index(n.text), owned);
      return value(v);
    }
    case node_kind::literal: return n.literal;
    case node_kind::binary: return binary(n);
    case node_kind::prefix:
      if (n.text == "NOT ") return negate(truth(*n.children[0]));
      break;
    case node_kind::postfix:
      if (n.text == " IS NULL") return value(eval(*n.children[0]).ref().is_null());
      if (n.text == " IS NOT NULL") return value(!eval(*n.children[0]).ref().is_null());
      break;
    case node_kind::in_list: {
      value subject = eval(*n.children[0]);
      if (subject.ref().is_null()) return {};
      bool found = false;
      for (std::size_t i = 1; i < n.children.size() && !found; ++i)
        found = compare(subject.ref(), eval(*n.children[i]).ref()) == 0;
      bool negated = n.text.find("NOT") != std::string::npos;
      return value(found != negated);
    }
    case node_kind::empty_set: return value(n.count == 1);
    default: break;
  }
  throw cannot_evaluate{"'" + n.text + "'"};
}

QUARRY_DECL auto object_evaluator::matches(const node& condition) -> bool {
  auto v = eval(condition);
  return !v.ref().is_null() && v.ref().as_bool();
}

QUARRY_DECL auto object_evaluator::truth(const node& n) -> std::optional<bool> {
  auto v = eval(n);
  if (v.ref().is_null()) return std::nullopt;
  return v.ref().as_bool();
}

QUARRY_DECL auto object_evaluator::binary(const node& n) -> value {
  if (is_chain(n)) {
    // SQL's three-valued logic: AND is false when any operand is, OR true when any is; else unknown if any is.
    // Every operand is evaluated, so that one the evaluator cannot handle is always reported.
    bool decisive = n.text == " OR ", unknown = false, decided = false;
    for_each_operand(n, [&](const node& operand) {
      auto t = truth(operand);
      if (!t) unknown = true;
      else if (*t == decisive) decided = true;
    });
    if (decided) return value(decisive);
    if (unknown) return {};
    return value(!decisive);
  }
  static constexpr const char* comparisons[] = {" = ", " != ", " < ", " <= ", " > ", " >= "};
  auto op = std::find(std::begin(comparisons), std::end(comparisons), n.text);
  if (op == std::end(comparisons)) throw cannot_evaluate{"'" + n.text + "'"};
  value a = eval(*n.children[0]), b = eval(*n.children[1]);
  if (a.ref().is_null() || b.ref().is_null()) return {};
  int c = compare(a.ref(), b.ref());
  switch (op - std::begin(comparisons)) {
    case 0: return value(c == 0);
    case 1: return value(c != 0);
    case 2: return value(c < 0);
    case 3: return value(c <= 0);
    case 4: return value(c > 0);
    default: return value(c >= 0);
  }
}

QUARRY_DECL auto object_evaluator::compare(value_ref a, value_ref b) -> int {
  if (numeric(a.kind()) && numeric(b.kind())) {
    if (a.kind() != value_kind::real && b.kind() != value_kind::real)
      return a.as_int64() < b.as_int64() ? -1 : a.as_int64() > b.as_int64();
    double x = real(a), y = real(b);
    return x < y ? -1 : x > y;
  }
  if (numeric(a.kind()) || numeric(b.kind())) throw cannot_evaluate{"a comparison of a number with text"};
  auto x = a.as_blob(), y = b.as_blob();
  int c = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  return x.size() < y.size() ? -1 : x.size() > y.size();
}

}  // namespace quarry::detail
