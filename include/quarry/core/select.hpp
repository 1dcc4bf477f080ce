// select(): SELECT statements, joins, subqueries, CTEs and compound selects.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "quarry/core/column.hpp"
#include "quarry/core/detail/compiler.hpp"
#include "quarry/core/detail/node.hpp"
#include "quarry/core/detail/shape_cache.hpp"
#include "quarry/core/detail/statement.hpp"
#include "quarry/core/expression.hpp"
#include "quarry/core/model.hpp"
#include "quarry/dbapi/row.hpp"
#include "quarry/errors.hpp"

namespace quarry {

template <class Row>
class select_statement;
template <class Row>
class derived;

namespace detail {

// Something that can stand in a FROM clause: a table object or a derived table.
template <class T>
concept from_like = std::derived_from<std::remove_cvref_t<T>, table_base> || requires(const T& t) {
  { t.quarry_from() } -> std::convertible_to<from_ptr>;
};

template <class T>
from_ptr from_of(const T& t) {
  return t.quarry_from();
}

[[gnu::noinline]] inline node_ptr and_node(node_ptr a, node_ptr b) {
  if (!a) return b;
  return make_node(node_kind::binary, precedence::and_, " AND ", std::move(a), std::move(b));
}

// A WHERE or HAVING with `condition` joined to it by AND.
[[gnu::noinline]] inline void add_condition(node_ptr& clause, node_ptr condition) {
  clause = and_node(std::move(clause), std::move(condition));
}

[[gnu::noinline]] inline std::shared_ptr<statement_data> new_statement_data() {
  return std::make_shared<statement_data>();
}

// The ON clause between `left` items and `right` from their one foreign key,
// as SQLAlchemy infers it; none or several is an error that says so.
QUARRY_DECL node_ptr infer_on(const std::vector<from_ptr>& left, const from_ptr& right);

// The C++ type of the rows of select(x...).
template <class... Columns>
struct select_row {
  using type = std::tuple<value_type_of_t<Columns>...>;
};
template <class T>
  requires requires { typename std::remove_cvref_t<T>::quarry_model_type; }
struct select_row<T> {
  using type = typename std::remove_cvref_t<T>::quarry_model_type;
};
template <>
struct select_row<quarry::Table> {
  using type = quarry::Row;
};

[[gnu::noinline]] inline void add_table_columns(statement_data& data, const table_base& table) {
  if (auto shared = table.quarry_shared_columns(); shared && data.columns.empty()) {
    data.columns = node_list(*shared);
    return;
  }
  std::size_t count = table.quarry_table().columns.size();
  auto& columns = data.columns.edit();
  columns.reserve(columns.size() + count);
  for (std::size_t i = 0; i < count; ++i) columns.push_back(table.quarry_column(i));
}

// The FROM entry a join hangs off: the last one, or the first table the
// columns name, as SQLAlchemy's select().join() does.
QUARRY_DECL from_entry& join_base(statement_data& d);

// JOIN right ON condition, or ON the one foreign key between them when condition is null.
[[gnu::noinline]] inline void add_join(statement_data& d, join_kind kind, from_ptr right, node_ptr condition) {
  auto& entry = join_base(d);
  if (!condition) {
    std::vector<from_ptr> left{entry.item};
    for (auto& j : entry.joins) left.push_back(j.target);
    condition = infer_on(left, right);
  }
  entry.joins.push_back({kind, std::move(right), std::move(condition)});
}

template <class T>
void add_select_columns(statement_data& data, const T& item) {
  if constexpr (std::derived_from<T, table_base>) {
    add_table_columns(data, item);
  } else {
    static_assert(expression<T>, "quarry: select() takes columns, expressions, or one table");
    data.columns.push_back(item.node());
  }
}

template <class Row>
struct row_width : std::integral_constant<std::size_t, 0> {};
template <class... T>
struct row_width<std::tuple<T...>> : std::integral_constant<std::size_t, sizeof...(T)> {};

}  // namespace detail

// What SELECT and compound SELECT statements share: ORDER BY, LIMIT, OFFSET,
// turning into a subquery or CTE, and compiling.
template <class Derived, class Row>
class select_base : public detail::statement_tag, public detail::statement_holder {
 public:
  using row_type = Row;
  using statement_holder::statement_holder;

  template <class... Terms>
  Derived order_by(const Terms&... terms) const& {
    return Derived(self()).order_by(terms...);
  }
  template <class... Terms>
  Derived order_by(const Terms&... terms) && {
    (edit().order_by.push_back(terms.node()), ...);
    return std::move(self());
  }

  Derived limit(std::int64_t n) const& { return Derived(self()).limit(n); }
  Derived limit(std::int64_t n) && {
    edit().limit = detail::literal_node(value(n));
    return std::move(self());
  }
  Derived offset(std::int64_t n) const& { return Derived(self()).offset(n); }
  Derived offset(std::int64_t n) && {
    edit().offset = detail::literal_node(value(n));
    return std::move(self());
  }

  // A derived table: FROM (SELECT ...) AS name, whose columns keep their types.
  derived<Row> subquery(std::string name) const { return derived<Row>(make_from(std::move(name), false, false)); }
  // A common table expression: WITH name AS (SELECT ...).
  derived<Row> cte(std::string name) const { return derived<Row>(make_from(std::move(name), true, false)); }
  // WITH RECURSIVE: complete it with .union_all(select(...)) that joins to the CTE itself.
  derived<Row> cte_recursive(std::string name) const { return derived<Row>(make_from(std::move(name), true, true)); }

  // The statement as a value: a one-column select used inside another query,
  // correlated to the enclosing query's tables as SQLAlchemy does.
  auto scalar_subquery() const {
    static_assert(detail::row_width<Row>::value == 1, "quarry: scalar_subquery() needs a select of one column");
    using T = std::tuple_element_t<0, Row>;
    auto n = std::make_shared<detail::node>();
    n->kind = detail::node_kind::subquery;
    n->select = data_;
    using result = std::conditional_t<detail::is_optional<T>, T, std::optional<T>>;
    return expr<result>(std::move(n));
  }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  const Derived& self() const { return static_cast<const Derived&>(*this); }

  detail::from_ptr make_from(std::string name, bool cte, bool recursive) const {
    auto item = std::make_shared<detail::from_item>();
    item->kind = cte ? detail::from_item::kind_t::cte : detail::from_item::kind_t::subquery;
    item->alias = std::move(name);
    item->body = data_;
    item->columns = detail::output_names(*data_);
    item->recursive = recursive;
    return item;
  }
};

// A compound SELECT: UNION, UNION ALL, INTERSECT, EXCEPT.
template <class Row>
class compound_statement : public select_base<compound_statement<Row>, Row> {
 public:
  using select_base<compound_statement<Row>, Row>::select_base;
};

namespace detail {

template <class Row, class... Parts>
compound_statement<Row> compound(const char* op, const Parts&... parts) {
  static_assert((std::is_same_v<typename Parts::row_type, Row> && ...),
                "quarry: the selects of a union/intersect/except must have the same column types");
  auto data = std::make_shared<statement_data>();
  data->kind = statement_kind::compound;
  (data->parts.push_back(parts.data()), ...);
  for (std::size_t i = 1; i < sizeof...(Parts); ++i) data->operators.emplace_back(op);
  return compound_statement<Row>(std::move(data));
}

}  // namespace detail

// A SELECT whose rows read as Row: std::tuple<T...> for select(columns...),
// the model for select<User>() or select(table<User>), quarry::Row for a runtime Table.
template <class Row>
class select_statement : public select_base<select_statement<Row>, Row> {
  using base = select_base<select_statement<Row>, Row>;

 public:
  using base::base;

  // WHERE; several where() calls are joined with AND.
  template <class C>
  select_statement where(const C& condition) const& {
    return select_statement(*this).where(condition);
  }
  template <class C>
  select_statement where(const C& condition) && {
    static_assert(detail::is_boolean<detail::value_type_of_t<C>>, "quarry: where() needs a boolean expression");
    auto& d = this->edit();
    detail::add_condition(d.where, detail::operand<bool>(condition));
    detail::know_keyed_shape(d);
    return std::move(*this);
  }
  template <class C>
  select_statement filter(const C& condition) const& {
    return where(condition);
  }
  template <class C>
  select_statement filter(const C& condition) && {
    return std::move(*this).where(condition);
  }

  template <class... E>
  select_statement group_by(const E&... e) const& {
    return select_statement(*this).group_by(e...);
  }
  template <class... E>
  select_statement group_by(const E&... e) && {
    (this->edit().group_by.push_back(e.node()), ...);
    return std::move(*this);
  }

  template <class C>
  select_statement having(const C& condition) const& {
    return select_statement(*this).having(condition);
  }
  template <class C>
  select_statement having(const C& condition) && {
    static_assert(detail::is_boolean<detail::value_type_of_t<C>>, "quarry: having() needs a boolean expression");
    auto& d = this->edit();
    detail::add_condition(d.having, detail::operand<bool>(condition));
    return std::move(*this);
  }

  // ORM loader options (quarry::joinedload(&User::addresses), ...): how a
  // Session loads the relationships of the objects this select<M>() returns.
  template <class... Options>
  select_statement options(const Options&... o) const& {
    return select_statement(*this).options(o...);
  }
  template <class... Options>
  select_statement options(const Options&... o) && {
    static_assert((requires { o.quarry_loader_option(); } && ...),
                  "quarry: options() takes loader options: quarry::joinedload(&M::member), selectinload(), ...");
    auto& d = this->edit();
    (d.orm_options.push_back(o.quarry_loader_option()), ...);
    return std::move(*this);
  }

  select_statement distinct() const& { return select_statement(*this).distinct(); }
  select_statement distinct() && {
    this->edit().distinct = true;
    return std::move(*this);
  }

  // FROM these items, before the ones the columns bring in.
  template <detail::from_like... F>
  select_statement select_from(const F&... items) const& {
    return select_statement(*this).select_from(items...);
  }
  template <detail::from_like... F>
  select_statement select_from(const F&... items) && {
    (this->edit().froms.push_back({detail::from_of(items), {}}), ...);
    return std::move(*this);
  }

  // JOIN target ON condition; without a condition, ON follows the one foreign key between them.
  template <detail::from_like T, class... On>
  select_statement join(const T& target, const On&... on) const& {
    return select_statement(*this).join(target, on...);
  }
  template <detail::from_like T, class... On>
  select_statement join(const T& target, const On&... on) && {
    return std::move(*this).add_join(detail::join_kind::inner, target, on...);
  }
  // JOIN along an ORM relationship: select<User>().join(&User::addresses)
  // (through the association table for a many-to-many).
  template <class Relationship>
    requires std::is_member_object_pointer_v<Relationship>
  select_statement join(Relationship relationship) const& {
    return select_statement(*this).join(relationship);
  }
  template <class Relationship>
    requires std::is_member_object_pointer_v<Relationship>
  select_statement join(Relationship relationship) && {
    return std::move(*this).add_relationship_join(detail::join_kind::inner, relationship);
  }
  template <class Relationship>
    requires std::is_member_object_pointer_v<Relationship>
  select_statement outerjoin(Relationship relationship) const& {
    return select_statement(*this).outerjoin(relationship);
  }
  template <class Relationship>
    requires std::is_member_object_pointer_v<Relationship>
  select_statement outerjoin(Relationship relationship) && {
    return std::move(*this).add_relationship_join(detail::join_kind::left, relationship);
  }

  template <detail::from_like T, class... On>
  select_statement outerjoin(const T& target, const On&... on) const& {
    return select_statement(*this).outerjoin(target, on...);
  }
  template <detail::from_like T, class... On>
  select_statement outerjoin(const T& target, const On&... on) && {
    return std::move(*this).add_join(detail::join_kind::left, target, on...);
  }
  template <detail::from_like T, class... On>
  select_statement right_outerjoin(const T& target, const On&... on) const& {
    return select_statement(*this).right_outerjoin(target, on...);
  }
  template <detail::from_like T, class... On>
  select_statement right_outerjoin(const T& target, const On&... on) && {
    return std::move(*this).add_join(detail::join_kind::right, target, on...);
  }
  template <detail::from_like T, class... On>
  select_statement full_outerjoin(const T& target, const On&... on) const& {
    return select_statement(*this).full_outerjoin(target, on...);
  }
  template <detail::from_like T, class... On>
  select_statement full_outerjoin(const T& target, const On&... on) && {
    return std::move(*this).add_join(detail::join_kind::full, target, on...);
  }

  // The same statement with its rows read as R (quarry::Row for rows by column name).
  template <class R>
  select_statement<R> with_row() const {
    return select_statement<R>(this->data_);
  }

  template <class... Parts>
  compound_statement<Row> union_(const Parts&... parts) const {
    return detail::compound<Row>("UNION", *this, parts...);
  }
  template <class... Parts>
  compound_statement<Row> union_all(const Parts&... parts) const {
    return detail::compound<Row>("UNION ALL", *this, parts...);
  }
  template <class... Parts>
  compound_statement<Row> intersect(const Parts&... parts) const {
    return detail::compound<Row>("INTERSECT", *this, parts...);
  }
  template <class... Parts>
  compound_statement<Row> except_(const Parts&... parts) const {
    return detail::compound<Row>("EXCEPT", *this, parts...);
  }

 private:
  template <class Relationship>
  select_statement add_relationship_join(detail::join_kind kind, Relationship relationship) && {
    static_assert(requires(Relationship r) { quarry_relationship_join(r); },
                  "quarry: join(&M::member) takes a member named by QUARRY_RELATIONSHIP (include <quarry/orm.hpp>)");
    auto& entry = detail::join_base(this->edit());
    for (auto& [target, on] : quarry_relationship_join(relationship)) entry.joins.push_back({kind, target, on});
    return std::move(*this);
  }

  template <class T, class... On>
  select_statement add_join(detail::join_kind kind, const T& target, const On&... on) && {
    static_assert(sizeof...(On) <= 1, "quarry: a join takes one ON condition");
    static_assert((detail::is_boolean<detail::value_type_of_t<On>> && ...), "quarry: a join's ON needs a boolean expression");
    detail::node_ptr condition;
    if constexpr (sizeof...(On) == 1) condition = (detail::operand<bool>(on), ...);
    detail::add_join(this->edit(), kind, detail::from_of(target), std::move(condition));
    return std::move(*this);
  }
};

// SELECT of columns and expressions: rows are std::tuple<T...> of their types.
// select(table<User>) selects every column of the model (rows are User values);
// select(runtime_table) gives quarry::Row rows.
template <class... Items>
select_statement<typename detail::select_row<Items...>::type> select(const Items&... items) {
  static_assert(sizeof...(Items) > 0, "quarry: select() needs at least one column");
  using row = typename detail::select_row<Items...>::type;
  if constexpr (sizeof...(Items) > 1)
    static_assert((expression<Items> && ...),
                  "quarry: select() takes either columns and expressions, or one table; not both");
  auto data = detail::new_statement_data();
  (detail::add_select_columns(*data, items), ...);
  return select_statement<row>(std::move(data));
}

// SELECT every column of a model: rows are M values.
template <class M>
  requires detail::mapped_model<M>
select_statement<M> select() {
  return select(table<M>);
}

// Set operations on selects with the same row type.
template <class First, class... Rest>
auto union_(const First& first, const Rest&... rest) {
  return detail::compound<typename First::row_type>("UNION", first, rest...);
}
template <class First, class... Rest>
auto union_all(const First& first, const Rest&... rest) {
  return detail::compound<typename First::row_type>("UNION ALL", first, rest...);
}
template <class First, class... Rest>
auto intersect(const First& first, const Rest&... rest) {
  return detail::compound<typename First::row_type>("INTERSECT", first, rest...);
}
template <class First, class... Rest>
auto except_(const First& first, const Rest&... rest) {
  return detail::compound<typename First::row_type>("EXCEPT", first, rest...);
}

// A derived table (subquery) or CTE made from a select: it stands in FROM and
// joins, and its columns keep the C++ types of the select's columns.
template <class Row>
class derived {
 public:
  explicit derived(detail::from_ptr from) : from_(std::move(from)) {}

  const detail::from_ptr& quarry_from() const noexcept { return from_; }
  const std::string& name() const noexcept { return from_->alias; }

  // Column I, typed as the select's column I.
  template <std::size_t I>
  auto c() const {
    static_assert(I < detail::row_width<Row>::value, "quarry: the subquery has fewer columns");
    return expr<std::tuple_element_t<I, Row>>(detail::column_node(from_, from_->columns[I]));
  }
  // A column by its name (a label, or the column's own name), typed T.
  template <class T>
  expr<T> column(std::string_view column_name) const {
    for (auto& n : from_->columns)
      if (n == column_name) return expr<T>(detail::column_node(from_, n));
    throw ArgumentError("quarry: subquery '" + from_->alias + "' has no column '" + std::string(column_name) + "'");
  }

  // The recursive part of a WITH RECURSIVE: the CTE becomes `anchor UNION ALL part`.
  template <class S>
  derived union_all(const S& part) const {
    return extend("UNION ALL", part);
  }
  template <class S>
  derived union_(const S& part) const {
    return extend("UNION", part);
  }

 private:
  template <class S>
  derived extend(const char* op, const S& part) const {
    static_assert(std::is_same_v<typename S::row_type, Row>, "quarry: the recursive part must have the CTE's column types");
    if (from_->kind != detail::from_item::kind_t::cte)
      throw ArgumentError("quarry: union_all() extends a CTE; this is a subquery");
    auto body = std::make_shared<detail::statement_data>();
    body->kind = detail::statement_kind::compound;
    body->parts = {from_->body, part.data()};
    body->operators = {op};
    auto item = std::make_shared<detail::from_item>(*from_);
    item->body = std::move(body);
    return derived(std::move(item));
  }

  detail::from_ptr from_;
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/select.ipp"
#endif
