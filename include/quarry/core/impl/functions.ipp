// The non-template implementation of quarry/core/functions.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/functions.hpp"

namespace quarry::detail {

QUARRY_DECL void check_function_name(std::string_view name) {
  bool ok = !name.empty();
  bool start = true;
  for (char c : name) {
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (c == '.' && !start) {
      start = true;
      continue;
    }
    ok = ok && (letter || (digit && !start));
    start = false;
  }
  if (!ok || start)
    throw ArgumentError("quarry: '" + std::string(name) +
                        "' is not a function name; func::call() takes letters, digits, '_' and '.' only");
}


}  // namespace quarry::detail

namespace quarry::func {

QUARRY_DECL expr<std::int64_t> count() {
  return expr<std::int64_t>(detail::make_node(detail::node_kind::function, detail::precedence::atom, "count",
                                              detail::make_node(detail::node_kind::star, detail::precedence::atom, "")));
}

}  // namespace quarry::func
