// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/core/detail/statement.hpp"
#include "quarry/core/dml.hpp"
#include "quarry/core/model.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/types/value.hpp"

// What the unit of work needs of one model, without templates: reading an
// object's column values, writing rows back into it, and the INSERT, UPDATE,
// DELETE and SELECT statements of its table.
namespace quarry::detail {

// A statement built directly as a tree, run like any Core statement.
template <class Row>
class built_statement : public statement_holder {
 public:
  using row_type = Row;
  using statement_holder::statement_holder;
};

struct mapper {
  const table_info* table = nullptr;
  std::vector<std::size_t> key_columns;  // positions of the primary-key columns
  // Every column value of an object, in column order.
  std::vector<value> (*values)(const void* object) = nullptr;
  // Sets an object's columns from a row of all columns.
  void (*assign)(void* object, const Row& row) = nullptr;
  // Sets one column of an object from a value (a key the database generated).
  void (*assign_column)(void* object, std::size_t column, value_ref v) = nullptr;
  // The columns an INSERT of the object sends: all but an autoincrement key it has not set.
  std::vector<bool> (*included)(const void* object) = nullptr;
  std::shared_ptr<void> (*make)() = nullptr;

  std::vector<value> key_of(const std::vector<value>& row) const {
    std::vector<value> key;
    for (auto i : key_columns) key.push_back(row[i]);
    return key;
  }

  node_ptr column(std::size_t i) const { return (*columns_)[i]; }
  const from_ptr& from() const { return *from_; }
  const from_ptr* from_ = nullptr;
  const std::vector<node_ptr>* columns_ = nullptr;  // the model's shared column nodes

  // WHERE key = values, for UPDATE, DELETE and SELECT of one row.
  node_ptr key_condition(const std::vector<value>& key) const {
    node_ptr condition;
    for (std::size_t k = 0; k < key_columns.size(); ++k) {
      auto equal = make_node(node_kind::binary, precedence::comparison, " = ", column(key_columns[k]), literal_node(key[k]));
      condition = condition ? make_node(node_kind::binary, precedence::and_, " AND ", condition, equal) : equal;
    }
    return condition;
  }

  std::shared_ptr<statement_data> select_by_key(const std::vector<value>& key) const {
    auto data = std::make_shared<statement_data>();
    for (std::size_t i = 0; i < table->columns.size(); ++i) data->columns.push_back(column(i));
    data->where = key_condition(key);
    return data;
  }
};

template <class M>
const mapper& mapper_of() {
  static const mapper m = [] {
    mapper out;
    out.from_ = &model_from<model_of<M>>();
    out.columns_ = &model_column_nodes<model_of<M>>();
    out.table = (*out.from_)->table.get();
    for (auto& name : out.table->primary_key) out.key_columns.push_back(out.table->column_index(name));
    out.values = [](const void* object) {
      const M& o = *static_cast<const M*>(object);
      std::vector<value> row;
      constexpr auto& members = model_of<M>::columns;
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (row.push_back(owned_value(o.*std::get<I>(members))), ...);
      }(std::make_index_sequence<model_column_count<M>()>{});
      return row;
    };
    out.assign = [](void* object, const Row& row) { *static_cast<M*>(object) = row.as<M>(); };
    out.assign_column = [](void* object, std::size_t column, value_ref v) {
      M& o = *static_cast<M*>(object);
      constexpr auto& members = model_of<M>::columns;
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (
            [&] {
              using F = std::remove_cvref_t<decltype(o.*std::get<I>(members))>;
              if (I == column) o.*std::get<I>(members) = read_value<F>(v);
            }(),
            ...);
      }(std::make_index_sequence<model_column_count<M>()>{});
    };
    out.included = [](const void* object) { return included_columns(*static_cast<const M*>(object)); };
    out.make = [] { return std::shared_ptr<void>(std::make_shared<M>()); };
    if (out.key_columns.empty())
      throw ArgumentError("quarry: the Session needs a primary key on '" + out.table->name + "'");
    return out;
  }();
  return m;
}

// Identity of a row: its table and primary-key values.
struct identity {
  const table_info* table;
  std::vector<value> key;
  bool operator==(const identity&) const = default;
};

struct identity_hash {
  std::size_t operator()(const identity& id) const noexcept {
    std::size_t h = std::hash<const void*>{}(id.table);
    for (auto& v : id.key) {
      auto r = v.ref();
      std::size_t x = static_cast<std::size_t>(r.kind());
      switch (r.kind()) {
        case value_kind::boolean:
        case value_kind::integer: x ^= std::hash<std::int64_t>{}(r.as_int64()); break;
        case value_kind::real: x ^= std::hash<double>{}(r.as_double()); break;
        case value_kind::null: break;
        default: x ^= std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(r.as_blob().data()), r.as_blob().size()));
      }
      h = (h ^ x) * 0x100000001b3ull;
    }
    return h;
  }
};

}  // namespace quarry::detail
