// insert(), update() and delete() statements, with RETURNING, ON CONFLICT and executemany batches.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quarry/core/column.hpp"
#include "quarry/core/detail/compiler.hpp"
#include "quarry/core/detail/node.hpp"
#include "quarry/core/detail/shape_cache.hpp"
#include "quarry/core/detail/statement.hpp"
#include "quarry/core/model.hpp"
#include "quarry/core/select.hpp"
#include "quarry/core/detail/batch.hpp"
#include "quarry/core/detail/insert_rows.hpp"
#include "quarry/dbapi/interfaces.hpp"
#include "quarry/types/param.hpp"

// INSERT, UPDATE and DELETE (SQLAlchemy's insert(), update(), delete()), with
// RETURNING and PostgreSQL/SQLite upserts (ON CONFLICT).
namespace quarry {

namespace detail {

template <class T>
struct model_of_target {
  using type = typename std::remove_cvref_t<T>::quarry_model_type;
};
template <>
struct model_of_target<quarry::Table> {
  using type = void;
};

template <class M, class... A>
constexpr bool same_model() {
  return (std::is_same_v<A, assignment<M>> && ...);
}

[[gnu::noinline]] inline void add_assignment(std::vector<assignment_node>& to, const std::string& column,
                                             const node_ptr& value) {
  for (auto& existing : to)
    if (existing.column == column) throw ArgumentError("quarry: column '" + column + "' is given two values");
  to.push_back({column, value});
}

template <class F>
constexpr bool is_unset_key(const F& field) {
  if constexpr (std::is_integral_v<F>) return field == F{};
  else if constexpr (is_optional<F>) return !field.has_value();
  else return false;
}

// Whether an INSERT leaves the column to the database: an autoincrement key
// the object has not set (0 or nullopt), or a column with a server default
// whose optional member is empty.
template <class F>
bool left_to_database(const column_info& column, const F& field) {
  if (column.autoincrement) return is_unset_key(field);
  if constexpr (is_optional<F>) return !column.server_default.empty() && !field.has_value();
  else return false;
}

// The values of a model object, appended to `out`, leaving out what the
// database fills in (left_to_database()).
template <class M>
void append_object_values(std::vector<assignment_node>& out, const M& object) {
  const table_info& table = table_info_of<M>();
  constexpr auto& members = model_of<M>::columns;
  out.reserve(out.size() + model_column_count<M>());
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          const auto& field = object.*std::get<I>(members);
          if (left_to_database(table.columns[I], field)) return;
          out.emplace_back(table.columns[I].name, std::in_place, [&] { return owned_value(field); });
        }(),
        ...);
  }(std::make_index_sequence<model_column_count<M>()>{});
}

// Marks a statement holding only the values of `object` as of a shape known
// from its table and the columns the object sends (at most 64 columns).
template <class M>
void know_object_insert_shape(statement_data& d, const M& object) {
  constexpr std::size_t count = model_column_count<M>();
  if constexpr (count <= 64) {
    const table_info& table = table_info_of<M>();
    constexpr auto& members = model_of<M>::columns;
    std::uint64_t columns = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((columns |= left_to_database(table.columns[I], object.*std::get<I>(members)) ? 0 : std::uint64_t{1} << I), ...);
    }(std::make_index_sequence<count>{});
    d.known.form = known_shape::form_t::object_insert;
    d.known.columns = columns;
  }
}

// Which columns of an object an INSERT sends: all but those left to the database.
template <class M>
std::vector<bool> included_columns(const M& object) {
  const table_info& table = table_info_of<M>();
  std::vector<bool> out(table.columns.size(), true);
  constexpr auto& members = model_of<M>::columns;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((out[I] = !left_to_database(table.columns[I], object.*std::get<I>(members))), ...);
  }(std::make_index_sequence<model_column_count<M>()>{});
  return out;
}

// Whether an INSERT of `object` sends the columns `included` marks, without
// building a list per object.
template <class M>
bool sends_columns(const M& object, const std::vector<bool>& included) {
  const table_info& table = table_info_of<M>();
  constexpr auto& members = model_of<M>::columns;
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return ((included[I] == !left_to_database(table.columns[I], object.*std::get<I>(members))) && ...);
  }(std::make_index_sequence<model_column_count<M>()>{});
}

// Parameter sets for a compiled statement: each placeholder takes a value the
// statement holds, or the named value from the current row of `rows`.
class slot_batch final : public parameter_batch {
 public:
  slot_batch(std::shared_ptr<const compiled_statement> compiled, std::unique_ptr<parameter_batch> rows);
  std::size_t size() const override { return rows_->size(); }
  std::span<const value_ref> parameters(std::size_t index) override;

 private:
  std::shared_ptr<const compiled_statement> compiled_;
  std::unique_ptr<parameter_batch> rows_;
  std::vector<value_ref> refs_;
  std::vector<std::size_t> position_;
  bool direct_ = true;
};

// The parameter sets of an executemany() of model objects: each set is
// `per_set` consecutive objects (one per row of a multi-row INSERT), their
// included columns in order, converted straight to the values the driver binds.
template <class M, class Rows>
class object_batch final : public parameter_batch {
 public:
  object_batch(const Rows& rows, std::vector<bool> included, std::size_t first, std::size_t per_set, std::size_t sets)
      : rows_(rows), included_(std::move(included)), first_(first), per_set_(per_set), sets_(sets) {
    columns_ = static_cast<std::size_t>(std::count(included_.begin(), included_.end(), true));
    owned_.resize(per_set_ * included_.size());
    refs_.resize(per_set_ * columns_);
  }
  std::size_t size() const override { return sets_; }
  std::span<const value_ref> parameters(std::size_t index) override {
    auto objects = std::ranges::begin(rows_);
    std::size_t at = 0;
    for (std::size_t k = 0; k < per_set_; ++k) {
      const M& object = objects[static_cast<std::ptrdiff_t>(first_ + index * per_set_ + k)];
      value* owned = owned_.data() + k * included_.size();
      constexpr auto& members = model_of<M>::columns;
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
              if (!included_[I]) return;
              const auto& field = object.*std::get<I>(members);
              using traits = type_traits<std::remove_cvref_t<decltype(field)>>;
              if constexpr (std::is_same_v<decltype(traits::to_db(field)), value>) {
                owned[I] = traits::to_db(field);
                refs_[at++] = owned[I].ref();
              } else {
                refs_[at++] = traits::to_db(field);
              }
            }(),
            ...);
      }(std::make_index_sequence<model_column_count<M>()>{});
    }
    return refs_;
  }

 private:
  const Rows& rows_;
  std::vector<bool> included_;
  std::size_t first_, per_set_, sets_, columns_ = 0;
  std::vector<value> owned_;  // values that had to be built (formatted timestamps, ...)
  std::vector<value_ref> refs_;
};

// What executemany() runs: one compiled statement and its parameter sets.
struct many_execution {
  std::shared_ptr<const compiled_statement> compiled;
  std::unique_ptr<parameter_batch> batch;
  std::shared_ptr<const statement_data> statement;  // owns the values the compiled slots point at
};

}  // namespace detail

// What INSERT, UPDATE and DELETE share: the target, RETURNING, compiling.
template <template <class, class> class Statement, class M, class Row>
class dml_base : public detail::statement_holder {
 public:
  using row_type = Row;
  using model_type = M;
  using statement_holder::statement_holder;

  // RETURNING columns: the statement's rows become std::tuple<T...> of their types.
  template <class... E>
  Statement<M, std::tuple<detail::value_type_of_t<E>...>> returning(const E&... e) const {
    static_assert((expression<E> && ...), "quarry: returning() takes columns and expressions");
    auto data = std::make_shared<detail::statement_data>(*data_);
    (data->returning.push_back(e.node()), ...);
    return Statement<M, std::tuple<detail::value_type_of_t<E>...>>(std::move(data));
  }

  // Parameter sets for executemany(): rows of bindparam() values by name
  // (maps), or positionally (tuples, aggregates) in the order the names first appear.
  template <class Rows>
  std::vector<detail::many_execution> many(const dialect& d, const Rows& rows) const {
    auto c = compiled(d);
    // The slot batch keeps `c`, and with it the names the range batch refers to.
    auto rows_batch = std::make_unique<detail::range_batch<Rows>>(rows, c->names);
    std::vector<detail::many_execution> out;
    out.push_back({c, std::make_unique<detail::slot_batch>(c, std::move(rows_batch)), data_});
    return out;
  }

 protected:
  // `condition` joined to the WHERE by AND (UPDATE and DELETE have one), in
  // this statement: the builders call it on a copy, or on a temporary.
  template <class C>
  Statement<M, Row> with_where(const C& condition) {
    static_assert(detail::is_boolean<detail::value_type_of_t<C>>, "quarry: where() needs a boolean expression");
    auto& d = this->edit();
    detail::add_condition(d.where, detail::operand<bool>(condition));
    detail::know_keyed_shape(d);
    return std::move(static_cast<Statement<M, Row>&>(*this));
  }
};

// The conflict target of an upsert: the columns of a unique constraint or index.
template <class... Columns>
struct index_elements_t {
  std::tuple<Columns...> columns;
};
template <class... Columns>
index_elements_t<Columns...> index_elements(const Columns&... columns) {
  return {{columns...}};
}

// `excluded.column` in ON CONFLICT DO UPDATE: the value the INSERT proposed.
template <class M, class T>
expr<T> excluded(const column<M, T>& c) {
  auto from = detail::alias_of(detail::from_of(table<M>)->table, "excluded");
  return expr<T>(detail::column_node(std::move(from), c.info().name));
}

template <class M, class Row = void>
class insert_statement : public dml_base<insert_statement, M, Row> {
  using base = dml_base<insert_statement, M, Row>;

 public:
  using base::base;

  // values(u.name = "x", u.fullname = std::nullopt), or values(object) for a model object.
  template <class... A>
  insert_statement values(const A&... a) const& {
    return insert_statement(*this).values(a...);
  }
  // A temporary (insert(t).values(...)) is changed in place, not copied.
  template <class... A>
  insert_statement values(const A&... a) && {
    auto& d = this->edit();
    if constexpr (sizeof...(A) == 1 && (std::is_same_v<A, M> && ...)) {
      bool bare = d.assignments.empty() && d.more_rows.empty() && d.returning.empty() && !d.on_conflict && !d.source &&
                  !d.default_values;
      detail::append_object_values(d.assignments, a...);
      if (bare) detail::know_object_insert_shape(d, a...);
    } else {
      static_assert(detail::same_model<M, A...>(),
                    "quarry: insert().values() takes `column = value` assignments of the inserted table's columns "
                    "(or one object of its model)");
      (detail::add_assignment(d.assignments, a.column, a.value), ...);
    }
    return std::move(*this);
  }

  // INSERT INTO t (columns...) SELECT ...
  template <class S, class... Columns>
  insert_statement from_select(const S& select, const Columns&... columns) const {
    static_assert(std::tuple_size_v<typename S::row_type> == sizeof...(Columns),
                  "quarry: from_select() needs as many columns as the select has");
    insert_statement copy(*this);
    auto& d = copy.edit();
    d.source = select.data();
    (d.insert_columns.push_back(columns.info().name), ...);
    return copy;
  }

  // ON CONFLICT [(columns)] DO NOTHING
  template <class... Columns>
  insert_statement on_conflict_do_nothing(const Columns&... columns) const {
    insert_statement copy(*this);
    auto& d = copy.edit();
    d.on_conflict = true;
    (d.conflict_columns.push_back(columns.info().name), ...);
    return copy;
  }

  // ON CONFLICT (columns) DO UPDATE SET assignments
  template <class... Columns, class... A>
  insert_statement on_conflict_do_update(const index_elements_t<Columns...>& target, const A&... set) const {
    static_assert(sizeof...(A) > 0, "quarry: on_conflict_do_update() needs `column = value` assignments");
    static_assert(detail::same_model<M, A...>(), "quarry: on_conflict_do_update() sets columns of the inserted table");
    insert_statement copy(*this);
    auto& d = copy.edit();
    d.on_conflict = true;
    std::apply([&](const auto&... c) { (d.conflict_columns.push_back(c.info().name), ...); }, target.columns);
    (detail::add_assignment(d.conflict_set, set.column, set.value), ...);
    return copy;
  }

  // Several objects in one multi-row INSERT ... VALUES (...), (...).
  template <std::ranges::input_range Objects>
    requires std::is_same_v<std::ranges::range_value_t<Objects>, M>
  insert_statement values(const Objects& objects) const& {
    return insert_statement(*this).values(objects);
  }
  template <std::ranges::input_range Objects>
    requires std::is_same_v<std::ranges::range_value_t<Objects>, M>
  insert_statement values(const Objects& objects) && {
    auto& d = this->edit();
    bool first = true;
    for (const M& object : objects) {
      std::vector<detail::assignment_node> given;
      detail::append_object_values(given, object);
      if (first) {
        d.assignments.insert(d.assignments.end(), given.begin(), given.end());
        first = false;
        continue;
      }
      if (given.size() != d.assignments.size())
        throw ArgumentError("quarry: a multi-row insert needs every object to set its key, or none to");
      std::vector<detail::node_ptr> row;
      for (auto& g : given) row.push_back(detail::literal_node(std::move(g.literal)));
      d.more_rows.push_back(std::move(row));
    }
    return std::move(*this);
  }

  // executemany() of model objects: one COPY where the dialect takes one, else
  // one prepared INSERT for all of them, each carrying as many rows as the
  // dialect likes (multi-row VALUES).
  template <class Rows>
  std::vector<detail::many_execution> many(const dialect& d, const Rows& rows) const {
    if constexpr (std::is_same_v<std::ranges::range_value_t<Rows>, M>) {
      const table_info& table = table_info_of<M>();
      std::vector<bool> included(table.columns.size(), true);
      std::size_t total = 0;
      std::size_t expected = 0;
      for (const M& object : rows) {
        if (total == 0) {
          included = detail::included_columns(object);
          expected = static_cast<std::size_t>(std::count(included.begin(), included.end(), true));
        } else if (!detail::sends_columns(object, included)) {
          throw ArgumentError("quarry: executemany() of '" + table.name +
                              "' objects needs every object to set its key, or none to");
        }
        ++total;
      }
      std::vector<detail::many_execution> out;
      if (total == 0) return out;
      std::size_t per = detail::rows_per_insert(d, expected, total);
      auto statement_of = [&](std::size_t row_count) {
        auto data = std::make_shared<detail::statement_data>(*this->data_);
        detail::set_insert_rows(*data, table, included, row_count);
        return data;
      };
      {
        auto data = statement_of(1);
        if (auto copy = detail::copy_for_insert(d, *data, total)) {
          auto compiled = std::make_shared<const compiled_statement>(std::move(*copy));
          auto batch = std::make_unique<detail::object_batch<M, Rows>>(rows, included, 0, 1, total);
          out.push_back({compiled, std::make_unique<detail::slot_batch>(compiled, std::move(batch)), std::move(data)});
          return out;
        }
      }
      auto add = [&](std::size_t row_count, std::size_t first, std::size_t sets) {
        auto data = statement_of(row_count);
        auto compiled = std::make_shared<const compiled_statement>(detail::compiler(d).compile(*data));
        auto batch = std::make_unique<detail::object_batch<M, Rows>>(rows, included, first, row_count, sets);
        out.push_back({compiled, std::make_unique<detail::slot_batch>(compiled, std::move(batch)), std::move(data)});
      };
      if (total / per) add(per, 0, total / per);
      if (total % per) add(total % per, total - total % per, 1);
      return out;
    } else {
      return base::many(d, rows);
    }
  }
};

template <class M, class Row = void>
class update_statement : public dml_base<update_statement, M, Row> {
  using base = dml_base<update_statement, M, Row>;

 public:
  using base::base;

  template <class C>
  update_statement where(const C& condition) const& {
    return update_statement(*this).with_where(condition);
  }
  template <class C>
  update_statement where(const C& condition) && {
    return this->with_where(condition);
  }

  template <class... A>
  update_statement values(const A&... a) const& {
    return update_statement(*this).values(a...);
  }
  template <class... A>
  update_statement values(const A&... a) && {
    static_assert(detail::same_model<M, A...>(),
                  "quarry: update().values() takes `column = value` assignments of the updated table's columns");
    auto& d = this->edit();
    (detail::add_assignment(d.assignments, a.column, a.value), ...);
    detail::know_keyed_shape(d);
    return std::move(*this);
  }
};

template <class M, class Row = void>
class delete_statement : public dml_base<delete_statement, M, Row> {
  using base = dml_base<delete_statement, M, Row>;

 public:
  using base::base;

  template <class C>
  delete_statement where(const C& condition) const& {
    return delete_statement(*this).with_where(condition);
  }
  template <class C>
  delete_statement where(const C& condition) && {
    return this->with_where(condition);
  }
};

namespace detail {
[[gnu::noinline]] inline std::shared_ptr<statement_data> dml_data(statement_kind kind, from_ptr target) {
  auto data = std::make_shared<statement_data>();
  data->kind = kind;
  data->target = std::move(target);
  if (data->target->kind != from_item::kind_t::table)
    throw ArgumentError("quarry: insert, update and delete need a table, not a subquery");
  return data;
}
}  // namespace detail

// INSERT INTO the table of `target` (quarry::table<User> or a quarry::Table).
template <detail::from_like T>
insert_statement<typename detail::model_of_target<T>::type> insert(const T& target) {
  return insert_statement<typename detail::model_of_target<T>::type>(
      detail::dml_data(detail::statement_kind::insert, detail::from_of(target)));
}

template <detail::from_like T>
update_statement<typename detail::model_of_target<T>::type> update(const T& target) {
  return update_statement<typename detail::model_of_target<T>::type>(
      detail::dml_data(detail::statement_kind::update, detail::from_of(target)));
}

template <detail::from_like T>
delete_statement<typename detail::model_of_target<T>::type> delete_(const T& target) {
  return delete_statement<typename detail::model_of_target<T>::type>(
      detail::dml_data(detail::statement_kind::delete_, detail::from_of(target)));
}

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/dml.ipp"
#endif
