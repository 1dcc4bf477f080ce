// Typed table objects (quarry::table<M>, aliases of it) and the runtime quarry::Table.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "quarry/core/detail/node.hpp"
#include "quarry/core/expression.hpp"
#include "quarry/core/schema.hpp"

namespace quarry {

namespace detail {

// What the typed table objects (quarry::table<User>, aliases of it, quarry::Table)
// have in common: the FROM item their columns belong to. Members are named so
// that they cannot collide with column names.
class table_base {
 public:
  using from_function = const from_ptr& (*)();
  using nodes_function = const std::shared_ptr<const std::vector<node_ptr>>& (*)();

  constexpr table_base(from_function base, nodes_function columns) noexcept
      : quarry_base_(base), quarry_columns_(columns) {}
  explicit table_base(from_ptr from) noexcept : quarry_from_(std::move(from)) {}
  table_base(const table_base&) = delete;
  table_base& operator=(const table_base&) = delete;

  // The FROM item: the table itself, or this alias of it.
  const from_ptr& quarry_from() const { return quarry_base_ ? quarry_base_() : quarry_from_; }
  const table_info& quarry_table() const { return *quarry_from()->table; }
  // The node of column `index`: a model's own table shares one node per column.
  node_ptr quarry_column(std::size_t index) const;
  // Those shared nodes, all columns in order; null for an alias or a runtime Table.
  const std::shared_ptr<const std::vector<node_ptr>>* quarry_shared_columns() const {
    return quarry_columns_ ? &quarry_columns_() : nullptr;
  }

 protected:
  // The index of the next column member to be constructed (a typed table's
  // columns are its members, in declaration order).
  constexpr std::size_t quarry_next_column_index() noexcept { return quarry_column_count_++; }

 private:
  from_function quarry_base_ = nullptr;
  nodes_function quarry_columns_ = nullptr;
  from_ptr quarry_from_;
  std::size_t quarry_column_count_ = 0;
};

[[gnu::noinline]] inline from_ptr alias_of(std::shared_ptr<const table_info> table, std::string alias) {
  auto item = std::make_shared<from_item>();
  item->kind = from_item::kind_t::table;
  item->table = std::move(table);
  item->alias = std::move(alias);
  return item;
}

[[gnu::noinline]] inline node_ptr column_node(from_ptr from, std::string name) {
  auto n = std::make_shared<node>();
  n->kind = node_kind::column;
  n->from = std::move(from);
  n->text = std::move(name);
  return n;
}

[[gnu::noinline]] inline node_ptr table_base::quarry_column(std::size_t index) const {
  if (quarry_columns_) return (*quarry_columns_())[index];
  return column_node(quarry_from_, quarry_from_->table->columns[index].name);
}

}  // namespace detail

// `column = value` inside insert().values(), update().values() and upserts.
// Model is the model the column belongs to, so values of two models cannot mix.
template <class Model>
struct assignment {
  std::string column;
  detail::node_ptr value;
};

// One column of a model's table: quarry::table<User>.name. T is the member's
// type, which is also what the column reads as.
template <class Model, class T>
class column : public expression_methods<column<Model, T>, T> {
 public:
  using value_type = T;
  using model_type = Model;

  constexpr column(const detail::table_base* owner, std::size_t index) noexcept : owner_(owner), index_(index) {}
  constexpr column(const column&) = default;

  detail::node_ptr node() const { return owner_->quarry_column(index_); }
  const column_info& info() const { return owner_->quarry_table().columns[index_]; }
  std::size_t index() const noexcept { return index_; }

  // `u.name = "x"` makes an assignment for values(); it does not change the column.
  template <class V>
  assignment<Model> operator=(const V& v) const {
    if constexpr (expression<V>) {
      static_assert(detail::comparable<T, typename V::value_type>, "quarry: the value must have the column's type");
    } else if constexpr (!detail::is_null_literal<V>) {
      static_assert(detail::comparable<T, V> || std::is_constructible_v<detail::plain_t<T>, const V&>,
                    "quarry: the value must have the column's type");
    } else {
      static_assert(detail::is_optional<T>, "quarry: only a std::optional column can be set to NULL");
    }
    return {info().name, detail::operand<T>(v)};
  }
  assignment<Model> operator=(const column& other) const { return {info().name, other.node()}; }

 private:
  const detail::table_base* owner_;
  std::size_t index_;
};

// A column of a runtime Table, typed as quarry::value (rows come back as Row).
class dynamic_column : public expression_methods<dynamic_column, value> {
 public:
  using value_type = value;
  dynamic_column(detail::from_ptr from, std::string name) : from_(std::move(from)), name_(std::move(name)) {}
  dynamic_column(const dynamic_column&) = default;
  detail::node_ptr node() const { return detail::column_node(from_, name_); }
  const std::string& name() const noexcept { return name_; }
  template <class V>
  assignment<void> operator=(const V& v) const {
    return {name_, detail::operand<value>(v)};
  }
  assignment<void> operator=(const dynamic_column& other) const { return {name_, other.node()}; }

 private:
  detail::from_ptr from_;
  std::string name_;
};

// A table built at run time, without a struct (SQLAlchemy's Table): the base
// that reflection fills in. Its columns are dynamic_column and its rows Row.
class Table : public detail::table_base {
 public:
  explicit Table(table_info info) : table_base(make_from(finished(std::move(info)), {})) {}
  // A table already described in full (a MetaData's, a reflected one): used as it is.
  explicit Table(std::shared_ptr<const table_info> info) : table_base(make_from(std::move(info), {})) {}
  Table(const Table& other) : table_base(other.quarry_from()) {}

  const std::string& name() const { return quarry_table().name; }
  const table_info& info() const { return quarry_table(); }
  dynamic_column operator[](std::string_view column) const;
  std::shared_ptr<const table_info> shared_info() const { return quarry_from()->table; }
  Table alias(std::string name) const { return Table(detail::alias_of(quarry_from()->table, std::move(name))); }

 private:
  explicit Table(detail::from_ptr from) : table_base(std::move(from)) {}
  static std::shared_ptr<table_info> finished(table_info info);
  static detail::from_ptr make_from(std::shared_ptr<const table_info> info, std::string alias) {
    return detail::alias_of(std::move(info), std::move(alias));
  }
};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/column.ipp"
#endif
