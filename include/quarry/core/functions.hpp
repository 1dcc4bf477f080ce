// SQL functions (func::count, ...) and the expression forms that are not operators (case, cast, ...).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "quarry/core/expression.hpp"
#include "quarry/errors.hpp"

// SQL functions and the expression forms that are not operators: func::count
// and friends, case_, cast, coalesce, distinct, literals, bind parameters,
// exists and scalar subqueries.
namespace quarry {

namespace detail {

// Function and type names become SQL text, so they must be plain (dotted) identifiers.
QUARRY_DECL void check_function_name(std::string_view name);

template <class... Args>
node_ptr function_node(std::string_view name, const Args&... args) {
  return make_node(node_kind::function, precedence::atom, name, operand<value_type_of_t<Args>>(args)...);
}

}  // namespace detail

// A value bound as a parameter where an expression is wanted: literal(5), literal("x").
template <class T>
expr<detail::plain_t<T>> literal(const T& v) {
  return expr<detail::plain_t<T>>(detail::literal_node(detail::owned_value(v)));
}

// A parameter whose value is given at execution: conn.execute(stmt, {{"name", v}}).
template <class T>
expr<T> bindparam(std::string_view name) {
  return expr<T>(detail::make_node(detail::node_kind::bind, detail::precedence::atom, std::string(name)));
}

// SQL text used as is, typed T. Never pass user input: it is not escaped.
template <class T>
expr<T> literal_column(std::string_view sql) {
  return expr<T>(detail::make_node(detail::node_kind::raw, detail::precedence::atom, std::string(sql)));
}

// The same expression read as std::optional: for columns an outer join may fill with NULL.
template <expression E>
auto nullable(const E& e) {
  using T = typename E::value_type;
  return expr<std::conditional_t<detail::is_optional<T>, T, std::optional<T>>>(e.node());
}

// ORDER BY terms as free functions, as SQLAlchemy's asc() and desc().
template <expression E>
ordering asc(const E& e) {
  return e.asc();
}
template <expression E>
ordering desc(const E& e) {
  return e.desc();
}

// DISTINCT inside an aggregate: func::count(distinct(u.name)).
template <expression E>
expr<typename E::value_type> distinct(const E& e) {
  return expr<typename E::value_type>(
      detail::make_node(detail::node_kind::prefix, detail::precedence::unary, "DISTINCT ", e.node()));
}

// CAST(e AS <T's column type>).
template <class T, expression E>
expr<T> cast(const E& e) {
  static_assert(has_column_type<detail::plain_t<T>>, "quarry: cast<T>() needs a T with a column type");
  auto n = detail::make_node(detail::node_kind::cast, detail::precedence::atom, "", e.node());
  auto writable = std::const_pointer_cast<detail::node>(n);
  writable->type = type_traits<detail::plain_t<T>>::column_type();
  return expr<T>(std::move(n));
}

// COALESCE(a, b, ...): the first argument that is not NULL.
template <class First, class... Rest>
auto coalesce(const First& first, const Rest&... rest) {
  using T = detail::value_type_of_t<First>;
  static_assert((detail::comparable<T, detail::value_type_of_t<Rest>> && ...),
                "quarry: coalesce() arguments must have one type");
  constexpr bool any_required = ((!detail::is_optional<detail::value_type_of_t<Rest>>) || ...);
  using result = std::conditional_t<any_required, detail::plain_t<T>, T>;
  return expr<result>(detail::function_node("coalesce", first, rest...));
}

// One WHEN ... THEN ... of a case_().
template <class T>
struct when_clause {
  detail::node_ptr condition;
  detail::node_ptr result;
};

template <class C, class V>
auto when(const C& condition, const V& result) {
  static_assert(detail::is_boolean<detail::value_type_of_t<C>>, "quarry: when() needs a boolean condition");
  using T = detail::value_type_of_t<V>;
  return when_clause<T>{detail::operand<bool>(condition), detail::operand<T>(result)};
}

// CASE WHEN ... THEN ... [ELSE ...] END. Without else_() the result may be NULL.
template <class T>
class case_expression : public expression_methods<case_expression<T>, std::optional<detail::plain_t<T>>> {
 public:
  using value_type = std::optional<detail::plain_t<T>>;
  explicit case_expression(std::vector<when_clause<T>> whens) : whens_(std::move(whens)) {}

  template <class V>
  expr<detail::plain_t<T>> else_(const V& otherwise) const {
    static_assert(detail::comparable<T, detail::value_type_of_t<V>>, "quarry: else_() must have the type of the THEN values");
    auto n = build();
    std::const_pointer_cast<detail::node>(n)->children.push_back(detail::operand<T>(otherwise));
    return expr<detail::plain_t<T>>(std::move(n));
  }
  detail::node_ptr node() const { return build(); }

 private:
  detail::node_ptr build() const {
    auto n = std::make_shared<detail::node>();
    n->kind = detail::node_kind::case_;
    n->count = static_cast<std::uint32_t>(whens_.size());
    for (auto& w : whens_) {
      n->children.push_back(w.condition);
      n->children.push_back(w.result);
    }
    return n;
  }
  std::vector<when_clause<T>> whens_;
};

template <class T, class... More>
case_expression<T> case_(when_clause<T> first, More... more) {
  static_assert((std::is_same_v<More, when_clause<T>> && ...), "quarry: every when() of a case_ must give the same type");
  return case_expression<T>({std::move(first), std::move(more)...});
}

// EXISTS (select ...) and NOT EXISTS, correlated like any subquery.
template <selectable S>
expr<bool> exists(const S& statement) {
  auto sub = std::make_shared<detail::node>();
  sub->kind = detail::node_kind::subquery;
  sub->select = statement.data();
  return expr<bool>(detail::make_node(detail::node_kind::prefix, detail::precedence::unary, "EXISTS ",
                                      detail::node_ptr(std::move(sub))));
}
template <selectable S>
expr<bool> not_exists(const S& statement) {
  return !exists(statement);
}

namespace func {

// count(*)
QUARRY_DECL expr<std::int64_t> count();
template <expression E>
expr<std::int64_t> count(const E& e) {
  return expr<std::int64_t>(detail::function_node("count", e));
}

// sum, min and max are NULL over no rows, so they read as optional.
template <expression E>
auto sum(const E& e) {
  static_assert(detail::is_numeric<typename E::value_type>, "quarry: sum() needs a numeric expression");
  return expr<std::optional<detail::plain_t<typename E::value_type>>>(detail::function_node("sum", e));
}
template <expression E>
expr<std::optional<double>> avg(const E& e) {
  static_assert(detail::is_numeric<typename E::value_type>, "quarry: avg() needs a numeric expression");
  return expr<std::optional<double>>(detail::function_node("avg", e));
}
template <expression E>
auto min(const E& e) {
  return expr<std::optional<detail::plain_t<typename E::value_type>>>(detail::function_node("min", e));
}
template <expression E>
auto max(const E& e) {
  return expr<std::optional<detail::plain_t<typename E::value_type>>>(detail::function_node("max", e));
}

inline expr<std::int64_t> row_number() { return expr<std::int64_t>(detail::function_node("row_number")); }
inline expr<std::int64_t> rank() { return expr<std::int64_t>(detail::function_node("rank")); }
inline expr<std::int64_t> dense_rank() { return expr<std::int64_t>(detail::function_node("dense_rank")); }

template <expression E>
expr<detail::plain_t<typename E::value_type>> lower(const E& e) {
  static_assert(detail::is_text<typename E::value_type>, "quarry: lower() needs text");
  return expr<detail::plain_t<typename E::value_type>>(detail::function_node("lower", e));
}
template <expression E>
expr<detail::plain_t<typename E::value_type>> upper(const E& e) {
  static_assert(detail::is_text<typename E::value_type>, "quarry: upper() needs text");
  return expr<detail::plain_t<typename E::value_type>>(detail::function_node("upper", e));
}
template <expression E>
expr<std::int64_t> length(const E& e) {
  static_assert(detail::is_text<typename E::value_type>, "quarry: length() needs text");
  return expr<std::int64_t>(detail::function_node("length", e));
}

// Any SQL function, typed R: func::call<double>("round", p.price, 2).
template <class R, class... Args>
expr<R> call(std::string_view name, const Args&... args) {
  detail::check_function_name(name);
  return expr<R>(detail::function_node(name, args...));
}

}  // namespace func
}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/functions.ipp"
#endif
