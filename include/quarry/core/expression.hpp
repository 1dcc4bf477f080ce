// Typed SQL expressions (expr<T>) and their operators.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/core/detail/node.hpp"
#include "quarry/errors.hpp"
#include "quarry/types/param.hpp"
#include "quarry/types/type_traits.hpp"
#include "quarry/types/uuid.hpp"
#include "quarry/types/value.hpp"

// Typed SQL expressions. An expr<T> is a node of the statement tree plus the
// C++ type T its value reads as; operators check types at compile time and
// build nodes, nothing more.
namespace quarry {

namespace detail {

// An object key as a JSON path for SQLite, which (3.40) matches a path's label
// against the key as the document spells it, escapes included: the key is
// escaped as Quarry writes JSON (nlohmann's dump()). A quoted label ends at the
// first '"', so a key holding '"' goes unquoted, which ends at '.' or '[': a
// key holding both has no path there, and gets an empty one, which SQLite
// refuses with an error rather than reading NULL.
[[gnu::noinline]] inline std::string json_path_of_key(std::string_view key) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string escaped;
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': escaped += "\\\""; break;
      case '\\': escaped += "\\\\"; break;
      case '\b': escaped += "\\b"; break;
      case '\f': escaped += "\\f"; break;
      case '\n': escaped += "\\n"; break;
      case '\r': escaped += "\\r"; break;
      case '\t': escaped += "\\t"; break;
      default:
        if (u < 0x20) {
          escaped += "\\u00";
          escaped += hex[u >> 4];
          escaped += hex[u & 15];
        } else {
          escaped += c;
        }
    }
  }
  if (escaped.find('"') == std::string::npos) return "$.\"" + escaped + "\"";
  if (escaped.find_first_of(".[") == std::string::npos) return "$." + escaped;
  return {};
}

struct expression_tag {};
struct statement_tag {};

template <class T>
using without_optional_t = typename without_optional<T>::type;

template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;

// Families of types that may be compared with each other.
enum class type_family : unsigned char { boolean, numeric, text, blob, date, timestamp, uuid, exact, any, null };

template <class T>
struct family_of : std::integral_constant<type_family, type_family::exact> {};
template <>
struct family_of<bool> : std::integral_constant<type_family, type_family::boolean> {};
template <class T>
  requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>)
struct family_of<T> : std::integral_constant<type_family, type_family::numeric> {};
template <>
struct family_of<std::string> : std::integral_constant<type_family, type_family::text> {};
template <>
struct family_of<std::string_view> : std::integral_constant<type_family, type_family::text> {};
template <>
struct family_of<const char*> : std::integral_constant<type_family, type_family::text> {};
template <>
struct family_of<char*> : std::integral_constant<type_family, type_family::text> {};
template <>
struct family_of<blob> : std::integral_constant<type_family, type_family::blob> {};
template <>
struct family_of<std::span<const std::byte>> : std::integral_constant<type_family, type_family::blob> {};
template <>
struct family_of<std::chrono::year_month_day> : std::integral_constant<type_family, type_family::date> {};
template <class Duration>
struct family_of<std::chrono::sys_time<Duration>> : std::integral_constant<type_family, type_family::timestamp> {};
template <>
struct family_of<quarry::uuid> : std::integral_constant<type_family, type_family::uuid> {};
template <>
struct family_of<value> : std::integral_constant<type_family, type_family::any> {};
template <>
struct family_of<value_ref> : std::integral_constant<type_family, type_family::any> {};
template <>
struct family_of<std::nullptr_t> : std::integral_constant<type_family, type_family::null> {};
template <>
struct family_of<std::nullopt_t> : std::integral_constant<type_family, type_family::null> {};

template <class T>
using plain_t = without_optional_t<std::remove_cvref_t<std::decay_t<T>>>;

template <class T>
inline constexpr type_family family = family_of<plain_t<T>>::value;

// Whether values of A and B may meet in a comparison (or an IN list, BETWEEN, ...).
template <class A, class B>
inline constexpr bool comparable =
    family<A> == type_family::any || family<B> == type_family::any || family<A> == type_family::null ||
    family<B> == type_family::null ||
    (family<A> == family<B> && (family<A> != type_family::exact || std::is_same_v<plain_t<A>, plain_t<B>>));

template <class T>
inline constexpr bool is_boolean = std::is_same_v<plain_t<T>, bool> || family<T> == type_family::any;

template <class T>
inline constexpr bool is_numeric = family<T> == type_family::numeric || family<T> == type_family::any;

template <class T>
inline constexpr bool is_text = family<T> == type_family::text || family<T> == type_family::any;

template <class T>
constexpr bool is_json_type() {
  if constexpr (has_column_type<plain_t<T>>) return type_traits<plain_t<T>>::column_type().kind == sql_type_kind::json;
  else return false;
}

}  // namespace detail

template <class T>
class expr;

// A typed SQL expression: columns, expr<T>, functions, labels, subqueries.
template <class E>
concept expression = std::derived_from<std::remove_cvref_t<E>, detail::expression_tag> && requires(const E& e) {
  typename std::remove_cvref_t<E>::value_type;
  { e.node() } -> std::convertible_to<detail::node_ptr>;
};

// A SELECT (or compound select) that can stand inside another statement.
template <class S>
concept selectable = std::derived_from<std::remove_cvref_t<S>, detail::statement_tag> && requires(const S& s) {
  typename std::remove_cvref_t<S>::row_type;
  { s.data() } -> std::convertible_to<std::shared_ptr<const detail::statement_data>>;
};

namespace detail {

template <class X>
struct value_type_of {
  using type = plain_t<X>;
};
template <expression X>
struct value_type_of<X> {
  using type = typename std::remove_cvref_t<X>::value_type;
};
// The C++ type an operand reads as: an expression's value_type, else the value's own type.
template <class X>
using value_type_of_t = typename value_type_of<X>::type;

template <class X>
value owned_value(const X& x) {
  using traits = type_traits<std::decay_t<const X&>>;
  if constexpr (std::is_same_v<decltype(traits::to_db(x)), value>) return traits::to_db(x);
  else return value(traits::to_db(x));
}

// An operand of an operator on a column of type T: an expression as it is, a
// C++ value as a bound parameter (converted through T's type_traits when its
// own type has none, e.g. a braced initializer).
template <class T, class X>
node_ptr operand(const X& x) {
  if constexpr (expression<X>) {
    return x.node();
  } else if constexpr (bindable<X>) {
    return literal_node(owned_value(x));
  } else {
    static_assert(std::is_constructible_v<plain_t<T>, const X&>,
                  "quarry: this value cannot be bound as a parameter; give type_traits<T> a to_db()");
    return literal_node(owned_value(plain_t<T>(x)));
  }
}

// `subject IN (values...)` from {subject, values...}; over no values, a
// condition that is never true (or always, for NOT IN), never `IN ()`.
[[gnu::noinline]] inline node_ptr in_list_node(std::vector<node_ptr> items, const char* op) {
  auto n = std::make_shared<node>();
  if (items.size() == 1) {
    n->kind = node_kind::empty_set;
    n->count = op[1] == 'N' ? 1 : 0;
    return n;
  }
  n->kind = node_kind::in_list;
  n->precedence = precedence::comparison;
  n->text = op;
  n->children.assign(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
  return n;
}

template <class X>
inline constexpr bool is_null_literal = std::is_same_v<std::decay_t<X>, std::nullptr_t> ||
                                        std::is_same_v<std::decay_t<X>, std::nullopt_t>;

}  // namespace detail

// An ORDER BY term: an expression with ASC/DESC and NULLS FIRST/LAST.
class ordering {
 public:
  explicit ordering(detail::node_ptr n) : node_(std::move(n)) {}
  ordering nulls_first() const { return ordering(detail::make_node(detail::node_kind::postfix, detail::precedence::lowest, " NULLS FIRST", node_)); }
  ordering nulls_last() const { return ordering(detail::make_node(detail::node_kind::postfix, detail::precedence::lowest, " NULLS LAST", node_)); }
  const detail::node_ptr& node() const noexcept { return node_; }

 private:
  detail::node_ptr node_;
};

// A window for over(): partition_by(...) and order_by(...).
class window {
 public:
  template <class... E>
  window partition_by(const E&... e) && {
    (partitions_.push_back(e.node()), ...);
    return std::move(*this);
  }
  template <class... E>
  window order_by(const E&... e) && {
    (orders_.push_back(e.node()), ...);
    return std::move(*this);
  }
  std::vector<detail::node_ptr> partitions_;
  std::vector<detail::node_ptr> orders_;
};

namespace detail {
// T, but named through Derived so that it is complete only when used.
template <class T, class Derived>
struct deferred {
  using type = T;
};
}  // namespace detail

// What every typed expression can do, on top of the operators.
template <class Derived, class T>
class expression_methods : public detail::expression_tag {
  using condition = expr<typename detail::deferred<bool, Derived>::type>;

 public:
  // `expr AS name` in a select list; order_by() and group_by() refer to it by name.
  expr<T> label(std::string_view name) const {
    return expr<T>(detail::make_node(detail::node_kind::label, detail::precedence::atom, std::string(name), self()));
  }
  ordering asc() const { return ordering(postfix(" ASC", detail::precedence::lowest)); }
  ordering desc() const { return ordering(postfix(" DESC", detail::precedence::lowest)); }
  ordering nulls_first() const { return ordering(postfix(" NULLS FIRST", detail::precedence::lowest)); }
  ordering nulls_last() const { return ordering(postfix(" NULLS LAST", detail::precedence::lowest)); }

  condition is_null() const { return condition(postfix(" IS NULL", detail::precedence::comparison)); }
  condition is_not_null() const { return condition(postfix(" IS NOT NULL", detail::precedence::comparison)); }

  // IN over values; an empty list is a condition that is never true (never `IN ()`).
  template <class V>
  condition in_(std::initializer_list<V> values) const {
    return in_range(values, " IN ");
  }
  template <std::ranges::input_range Range>
    requires(!expression<Range> && !selectable<Range> && !std::is_convertible_v<const Range&, std::string_view>)
  condition in_(const Range& values) const {
    return in_range(values, " IN ");
  }
  template <selectable S>
  condition in_(const S& subquery) const {
    return in_select(subquery, " IN ");
  }
  template <class V>
  condition not_in(std::initializer_list<V> values) const {
    return in_range(values, " NOT IN ");
  }
  template <std::ranges::input_range Range>
    requires(!expression<Range> && !selectable<Range> && !std::is_convertible_v<const Range&, std::string_view>)
  condition not_in(const Range& values) const {
    return in_range(values, " NOT IN ");
  }
  template <selectable S>
  condition not_in(const S& subquery) const {
    return in_select(subquery, " NOT IN ");
  }

  // Pattern matching on text. like() takes the pattern as written; startswith,
  // endswith and contains match the text literally (wildcards in it are escaped).
  template <class P>
  condition like(const P& pattern) const {
    return text_op(" LIKE ", pattern);
  }
  template <class P>
  condition not_like(const P& pattern) const {
    return text_op(" NOT LIKE ", pattern);
  }
  template <class P>
  condition ilike(const P& pattern) const {
    return text_op(" ILIKE ", pattern);
  }
  condition startswith(std::string_view prefix) const { return escaped_like("", prefix, "%"); }
  condition endswith(std::string_view suffix) const { return escaped_like("%", suffix, ""); }
  condition contains(std::string_view part) const { return escaped_like("%", part, "%"); }

  template <class A, class B>
  condition between(const A& low, const B& high) const {
    static_assert(detail::comparable<T, detail::value_type_of_t<A>> && detail::comparable<T, detail::value_type_of_t<B>>,
                  "quarry: between() bounds must have the column's type");
    return condition(detail::make_node(detail::node_kind::between, detail::precedence::comparison, " BETWEEN ", self(),
                                        detail::operand<T>(low), detail::operand<T>(high)));
  }

  // An element of a JSON document: doc["key"] or doc[0], itself JSON (`->`);
  // chain them for nested elements. Keys are bound parameters.
  template <class K>
  auto operator[](const K& key) const {
    static_assert(detail::is_json_type<T>(), "quarry: [] reads an element of a JSON column");
    static_assert(std::is_integral_v<K> || std::is_convertible_v<const K&, std::string_view>,
                  "quarry: a JSON element is named by text or an array index");
    auto n = std::make_shared<detail::node>();
    n->kind = detail::node_kind::json_get;
    n->children.push_back(self());
    std::string path;  // the same element as a JSON path, for databases that take paths
    if constexpr (std::is_integral_v<K>) {
      n->children.push_back(detail::literal_node(value(static_cast<std::int64_t>(key))));
      path = "$[" + std::to_string(key) + "]";
    } else {
      std::string_view name = key;
      n->children.push_back(detail::literal_node(value(std::string(name))));
      path = detail::json_path_of_key(name);
    }
    n->children.push_back(detail::literal_node(value(std::move(path))));
    return expr<std::optional<detail::plain_t<T>>>(std::move(n));
  }

  // A JSON element as text (`->>`): strings without their quotes, numbers as digits.
  auto as_string() const {
    static_assert(detail::is_json_type<T>(), "quarry: as_string() reads an element of a JSON column as text");
    auto element = self();
    if (element->kind != detail::node_kind::json_get)
      throw ArgumentError("quarry: as_string() applies to an element of a JSON document: doc[\"key\"].as_string()");
    auto n = std::make_shared<detail::node>(*element);
    n->count = 1;
    return expr<std::optional<typename detail::deferred<std::string, Derived>::type>>(std::move(n));
  }

  // An aggregate or ranking function over a window.
  expr<T> over(window w = {}) const {
    auto n = std::make_shared<detail::node>();
    n->kind = detail::node_kind::over;
    n->count = static_cast<std::uint32_t>(w.partitions_.size());
    n->children.push_back(self());
    for (auto& p : w.partitions_) n->children.push_back(p);
    for (auto& o : w.orders_) n->children.push_back(o);
    return expr<T>(std::move(n));
  }

 private:
  detail::node_ptr self() const { return static_cast<const Derived&>(*this).node(); }

  detail::node_ptr postfix(const char* text, std::uint8_t prec) const {
    return detail::make_node(detail::node_kind::postfix, prec, text, self());
  }

  template <class Range>
  condition in_range(const Range& values, const char* op) const {
    using element = std::ranges::range_value_t<Range>;
    static_assert(detail::comparable<T, detail::value_type_of_t<element>>,
                  "quarry: in_() values must have the column's type");
    std::vector<detail::node_ptr> items{self()};
    for (const auto& v : values) items.push_back(detail::operand<T>(v));
    return condition(detail::in_list_node(std::move(items), op));
  }

  template <class S>
  condition in_select(const S& subquery, const char* op) const {
    using row = typename S::row_type;
    static_assert(std::tuple_size_v<row> == 1, "quarry: in_(select) needs a select of exactly one column");
    static_assert(detail::comparable<T, std::tuple_element_t<0, row>>,
                  "quarry: in_(select) needs a select of a column of the same type");
    auto sub = std::make_shared<detail::node>();
    sub->kind = detail::node_kind::subquery;
    sub->select = subquery.data();
    return condition(detail::make_node(detail::node_kind::binary, detail::precedence::comparison, op, self(),
                                        detail::node_ptr(std::move(sub))));
  }

  template <class P>
  condition text_op(const char* op, const P& pattern) const {
    static_assert(detail::is_text<T>, "quarry: like() and ilike() apply to text columns");
    static_assert(detail::is_text<detail::value_type_of_t<P>>, "quarry: a LIKE pattern is text");
    return condition(detail::make_node(detail::node_kind::binary, detail::precedence::comparison, op, self(),
                                        detail::operand<std::string>(pattern)));
  }

  condition escaped_like(std::string_view before, std::string_view text, std::string_view after) const {
    static_assert(detail::is_text<T>, "quarry: startswith(), endswith() and contains() apply to text columns");
    std::string pattern(before);
    for (char c : text) {
      if (c == '%' || c == '_' || c == '/') pattern += '/';
      pattern += c;
    }
    pattern += after;
    auto escape = detail::make_node(detail::node_kind::raw, detail::precedence::atom, "/");
    return condition(detail::make_node(detail::node_kind::binary, detail::precedence::comparison, " LIKE ", self(),
                                        detail::literal_node(value(std::move(pattern))), escape));
  }
};

// An expression whose value reads as T.
template <class T>
class expr : public expression_methods<expr<T>, T> {
 public:
  using value_type = T;
  explicit expr(detail::node_ptr n) : node_(std::move(n)) {}
  const detail::node_ptr& node() const noexcept { return node_; }

 private:
  detail::node_ptr node_;
};

namespace detail {

template <class L, class R>
concept operands = (expression<L> || expression<R>) && !std::is_base_of_v<statement_tag, std::remove_cvref_t<L>> &&
                   !std::is_base_of_v<statement_tag, std::remove_cvref_t<R>>;

template <class L, class R>
expr<bool> compare(const L& l, const R& r, const char* op) {
  using A = value_type_of_t<L>;
  using B = value_type_of_t<R>;
  static_assert(comparable<A, B>,
                "quarry: these types cannot be compared (e.g. a text column with a number); compare values of the "
                "column's type, or cast() one side");
  if constexpr (is_null_literal<R> || is_null_literal<L>) {
    // `x == nullptr` means IS NULL, as SQLAlchemy reads `x == None`.
    node_ptr subject = is_null_literal<R> ? operand<B>(l) : operand<A>(r);
    bool equal = op[1] == '=' && op[2] == ' ';
    return expr<bool>(make_node(node_kind::postfix, precedence::comparison, equal ? " IS NULL" : " IS NOT NULL",
                                std::move(subject)));
  } else {
    return expr<bool>(make_node(node_kind::binary, precedence::comparison, op, operand<B>(l), operand<A>(r)));
  }
}

template <class A, class B>
struct arithmetic_result {
  using common = std::common_type_t<plain_t<A>, plain_t<B>>;
  using type = std::conditional_t<is_optional<A> || is_optional<B>, std::optional<common>, common>;
};

template <class L, class R>
auto arithmetic(const L& l, const R& r, const char* op, std::uint8_t prec) {
  using A = value_type_of_t<L>;
  using B = value_type_of_t<R>;
  static_assert(is_numeric<A> && is_numeric<B>, "quarry: arithmetic needs numeric operands");
  using result = typename arithmetic_result<A, B>::type;
  return expr<result>(make_node(node_kind::binary, prec, op, operand<B>(l), operand<A>(r)));
}

}  // namespace detail

template <class L, class R>
  requires detail::operands<L, R>
expr<bool> operator==(const L& l, const R& r) {
  return detail::compare(l, r, " = ");
}
template <class L, class R>
  requires detail::operands<L, R>
expr<bool> operator!=(const L& l, const R& r) {
  return detail::compare(l, r, " != ");
}
template <class L, class R>
  requires detail::operands<L, R>
expr<bool> operator<(const L& l, const R& r) {
  return detail::compare(l, r, " < ");
}
template <class L, class R>
  requires detail::operands<L, R>
expr<bool> operator<=(const L& l, const R& r) {
  return detail::compare(l, r, " <= ");
}
template <class L, class R>
  requires detail::operands<L, R>
expr<bool> operator>(const L& l, const R& r) {
  return detail::compare(l, r, " > ");
}
template <class L, class R>
  requires detail::operands<L, R>
expr<bool> operator>=(const L& l, const R& r) {
  return detail::compare(l, r, " >= ");
}

template <class L, class R>
  requires detail::operands<L, R>
expr<bool> operator&&(const L& l, const R& r) {
  static_assert(detail::is_boolean<detail::value_type_of_t<L>> && detail::is_boolean<detail::value_type_of_t<R>>,
                "quarry: && joins boolean expressions");
  return expr<bool>(detail::make_node(detail::node_kind::binary, detail::precedence::and_, " AND ",
                                      detail::operand<bool>(l), detail::operand<bool>(r)));
}
template <class L, class R>
  requires detail::operands<L, R>
expr<bool> operator||(const L& l, const R& r) {
  static_assert(detail::is_boolean<detail::value_type_of_t<L>> && detail::is_boolean<detail::value_type_of_t<R>>,
                "quarry: || joins boolean expressions");
  return expr<bool>(detail::make_node(detail::node_kind::binary, detail::precedence::or_, " OR ",
                                      detail::operand<bool>(l), detail::operand<bool>(r)));
}
template <expression E>
expr<bool> operator!(const E& e) {
  static_assert(detail::is_boolean<typename E::value_type>, "quarry: ! negates a boolean expression");
  return expr<bool>(detail::make_node(detail::node_kind::prefix, detail::precedence::not_, "NOT ", e.node()));
}

// `+` adds numbers and concatenates text (`||`).
template <class L, class R>
  requires detail::operands<L, R>
auto operator+(const L& l, const R& r) {
  using A = detail::value_type_of_t<L>;
  using B = detail::value_type_of_t<R>;
  if constexpr (detail::family<A> == detail::type_family::text || detail::family<B> == detail::type_family::text) {
    static_assert(detail::is_text<A> && detail::is_text<B>, "quarry: + concatenates text only with text");
    using result = std::conditional_t<detail::is_optional<A> || detail::is_optional<B>, std::optional<std::string>,
                                      std::string>;
    return expr<result>(detail::make_node(detail::node_kind::binary, detail::precedence::additive, " || ",
                                          detail::operand<B>(l), detail::operand<A>(r)));
  } else {
    return detail::arithmetic(l, r, " + ", detail::precedence::additive);
  }
}
template <class L, class R>
  requires detail::operands<L, R>
auto operator-(const L& l, const R& r) {
  return detail::arithmetic(l, r, " - ", detail::precedence::additive);
}
template <class L, class R>
  requires detail::operands<L, R>
auto operator*(const L& l, const R& r) {
  return detail::arithmetic(l, r, " * ", detail::precedence::multiplicative);
}
template <class L, class R>
  requires detail::operands<L, R>
auto operator/(const L& l, const R& r) {
  return detail::arithmetic(l, r, " / ", detail::precedence::multiplicative);
}
template <class L, class R>
  requires detail::operands<L, R>
auto operator%(const L& l, const R& r) {
  return detail::arithmetic(l, r, " % ", detail::precedence::multiplicative);
}
template <expression E>
auto operator-(const E& e) {
  static_assert(detail::is_numeric<typename E::value_type>, "quarry: unary - needs a numeric expression");
  return expr<typename E::value_type>(
      detail::make_node(detail::node_kind::prefix, detail::precedence::unary, "-", e.node()));
}

}  // namespace quarry
