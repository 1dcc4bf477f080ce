// mapper: what the Session needs of one model, without templates.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/core/detail/statement.hpp"
#include "quarry/core/dml.hpp"
#include "quarry/core/model.hpp"
#include "quarry/engine/connection.hpp"
#include "quarry/orm/detail/relationship_info.hpp"
#include "quarry/orm/events.hpp"
#include "quarry/types/value.hpp"

// What the unit of work needs of one model, without templates: reading an
// object's key and column values, comparing it with its snapshot, writing
// values the database generated back into it.
namespace quarry::detail {

struct session_entry;
template <class M>
struct owned_object;
template <class M>
struct model_entry;
template <class M>
const std::vector<relationship_info>& relationships_of();

// A statement built directly as a tree, run like any Core statement.
template <class Row>
class built_statement : public statement_holder {
 public:
  using row_type = Row;
  using statement_holder::statement_holder;
};

// Identity of a row: its table and primary key. A key of one integer column
// is kept as that integer; other keys as their values' bytes.
struct identity_key {
  const table_info* table = nullptr;
  std::int64_t integer = 0;
  std::string bytes;
  bool operator==(const identity_key&) const = default;

  void append(value_ref v);

 private:
  template <class T>
  void append_raw(T x) {
    char raw[sizeof(T)];
    std::memcpy(raw, &x, sizeof(T));
    bytes.append(raw, sizeof(T));
  }
};

struct identity_key_hash {
  std::size_t operator()(const identity_key& k) const noexcept;
};

// Converts one member to the value the driver binds: a view of the member
// itself, or of `owned` when the conversion had to build a value.
template <class F>
value_ref bind_member(const F& field, value& owned) {
  using traits = type_traits<F>;
  if constexpr (std::is_same_v<decltype(traits::to_db(field)), value>) {
    owned = traits::to_db(field);
    return owned.ref();
  } else {
    return traits::to_db(field);
  }
}

template <class F>
bool same_member(const F& a, const F& b) {
  if constexpr (std::equality_comparable<F>) {
    return a == b;
  } else {
    value x, y;
    return bind_member(a, x) == bind_member(b, y);
  }
}

struct mapper {
  const table_info* table = nullptr;
  std::vector<std::size_t> key_columns;  // positions of the primary-key columns
  std::size_t column_count = 0;
  bool integer_key = false;  // one integer column: identity_key::integer

  // The identity of the object's current key.
  void (*key)(const mapper& m, const void* object, identity_key& out) = nullptr;
  // Column `column` of the object as a value to bind (see bind_member).
  value_ref (*bind)(const void* object, std::size_t column, value& owned) = nullptr;
  // Marks in `changed` the columns where object and snapshot differ; true when any does.
  bool (*diff)(const void* object, const void* snapshot, std::vector<bool>& changed) = nullptr;
  // The mapped columns of *from into *to (objects of the model), but those in `skip` (a bit per column).
  void (*copy)(void* to, const void* from, std::uint64_t skip) = nullptr;
  // Sets one column of an object from a value the database returned.
  void (*assign_column)(void* object, std::size_t column, value_ref v) = nullptr;
  // Marks the columns an INSERT of the object sends (see included_columns()).
  void (*included)(const void* object, std::vector<bool>& out) = nullptr;
  // Sets the object's columns from a row of all its columns, from column
  // `offset` on, but those in `skip` (deferred: the row holds NULL there).
  void (*read)(void* object, const RowView& row, std::size_t offset, std::uint64_t skip) = nullptr;
  // A new object of the model in one allocation with its entry, which owns it (session_entry::self).
  session_entry* (*create)() = nullptr;
  // A new entry for an object the user made (session_entry::handle keeps it).
  std::shared_ptr<session_entry> (*new_entry)() = nullptr;
  // The model's relationships (see relationships.hpp).
  const std::vector<relationship_info>& (*relationships)() = nullptr;
  bool has_relationships = false;
  // Mapper events of the model.
  bool (*listened)(mapper_event event) = nullptr;
  void (*dispatch)(mapper_event event, Connection& connection, void* object) = nullptr;
  std::optional<std::size_t> version_column;  // the version_id column, if any
  std::uint64_t deferred = 0;                  // columns declared quarry::deferred (a bit per column)
  std::uint64_t always_loaded = 0;             // key and foreign-key columns: relationships match on them

  node_ptr column(std::size_t i) const { return (*columns_)[i]; }
  const from_ptr& from() const { return *from_; }
  const from_ptr* from_ = nullptr;
  const std::vector<node_ptr>* columns_ = nullptr;  // the model's shared column nodes

  identity_key key_of(const void* object) const;

  // The identity of key values given to get(), each converted as a value of its C++ type.
  identity_key key_from(std::span<const value_ref> values) const;
};

template <class M>
struct model_mapper {
  static constexpr auto& members = model_of<M>::columns;
  static constexpr std::size_t count = model_column_count<M>();
  template <std::size_t I>
  using field_t = std::remove_cvref_t<decltype(std::declval<const M&>().*std::get<I>(members))>;

  template <std::size_t I>
  static value_ref bind_one(const void* object, value& owned) {
    return bind_member(static_cast<const M*>(object)->*std::get<I>(members), owned);
  }
  template <std::size_t I>
  static void assign_one(void* object, value_ref v) {
    static_cast<M*>(object)->*std::get<I>(members) = read_value<field_t<I>>(v);
  }

  static constexpr auto binders = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<value_ref (*)(const void*, value&), count>{&bind_one<I>...};
  }(std::make_index_sequence<count>{});
  static constexpr auto assigners = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<void (*)(void*, value_ref), count>{&assign_one<I>...};
  }(std::make_index_sequence<count>{});

  static void key(const mapper& m, const void* object, identity_key& out) {
    out.table = m.table;
    value owned;
    if (m.integer_key) {
      value_ref v = binders[m.key_columns[0]](object, owned);
      if (v.kind() == value_kind::integer) {
        out.integer = v.as_int64();
        return;
      }
      out.append(v);
      return;
    }
    for (auto i : m.key_columns) out.append(binders[i](object, owned));
  }

  static void included(const void* object, std::vector<bool>& out) {
    const M& o = *static_cast<const M*>(object);
    const auto& columns = table_info_of<M>().columns;
    out.resize(count);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((out[I] = !left_to_database(columns[I], o.*std::get<I>(members))), ...);
    }(std::make_index_sequence<count>{});
  }

  template <std::size_t I>
  static bool skipped(std::uint64_t skip) noexcept {
    if constexpr (I < 64) return (skip >> I) & 1;
    else return false;
  }

  static void copy(void* to, const void* from, std::uint64_t skip) {
    M& t = *static_cast<M*>(to);
    const M& f = *static_cast<const M*>(from);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((skipped<I>(skip) ? void() : void(t.*std::get<I>(members) = f.*std::get<I>(members))), ...);
    }(std::make_index_sequence<count>{});
  }

  static void read(void* object, const RowView& row, std::size_t offset, std::uint64_t skip) {
    M& o = *static_cast<M*>(object);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      whole_row_read reading(row, (reads_without_user_code<field_t<I>> && ...));
      ((skipped<I>(skip) ? void() : void(o.*std::get<I>(members) = read_column<field_t<I>>(row, offset + I))), ...);
    }(std::make_index_sequence<count>{});
  }

  static bool diff(const void* object, const void* snapshot, std::vector<bool>& changed) {
    const M& o = *static_cast<const M*>(object);
    const M& s = *static_cast<const M*>(snapshot);
    bool any = false;
    changed.resize(count);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((changed[I] = !same_member(o.*std::get<I>(members), s.*std::get<I>(members)), any = any || changed[I]), ...);
    }(std::make_index_sequence<count>{});
    return any;
  }
};

template <class M>
const mapper& mapper_of() {
  static const mapper m = [] {
    using ops = model_mapper<M>;
    mapper out;
    out.from_ = &model_from<model_of<M>>();
    out.columns_ = model_column_nodes<model_of<M>>().get();
    out.table = (*out.from_)->table.get();
    out.column_count = ops::count;
    for (auto& name : out.table->primary_key) out.key_columns.push_back(out.table->column_index(name));
    if (out.key_columns.empty())
      throw ArgumentError("quarry: the Session needs a primary key on '" + out.table->name + "'");
    auto& key_type = out.table->columns[out.key_columns[0]].type.kind;
    out.integer_key = out.key_columns.size() == 1 &&
                      (key_type == sql_type_kind::integer || key_type == sql_type_kind::big_integer ||
                       key_type == sql_type_kind::small_integer);
    out.key = &ops::key;
    out.bind = [](const void* object, std::size_t column, value& owned) { return ops::binders[column](object, owned); };
    out.diff = &ops::diff;
    out.copy = &ops::copy;
    out.assign_column = [](void* object, std::size_t column, value_ref v) { ops::assigners[column](object, v); };
    out.included = &ops::included;
    out.read = &ops::read;
    out.create = []() -> session_entry* {
      auto block = std::make_shared<owned_object<M>>();
      auto* e = &block->entry;
      e->m = &mapper_of<M>();
      e->object = &block->object;
      e->snapshot = &block->entry.snapshot_value;
      e->self = std::move(block);
      return e;
    };
    out.new_entry = []() -> std::shared_ptr<session_entry> {
      auto e = std::make_shared<model_entry<M>>();
      e->m = &mapper_of<M>();
      e->snapshot = &e->snapshot_value;
      return e;
    };
    out.relationships = &relationships_of<M>;
    out.has_relationships = std::tuple_size_v<decltype(model_of<M>::relationships())> > 1;
    out.listened = [](mapper_event event) { return model_listeners<M>::instance().any(event); };
    out.dispatch = [](mapper_event event, Connection& connection, void* object) {
      model_listeners<M>::instance().dispatch(event, connection, *static_cast<M*>(object));
    };
    for (std::size_t i = 0; i < out.table->columns.size(); ++i) {
      if (out.table->columns[i].version_id) out.version_column = i;
      if (out.table->columns[i].deferred && i < 64) out.deferred |= std::uint64_t{1} << i;
    }
    auto keep = [&](std::size_t column) {
      if (column < 64) out.always_loaded |= std::uint64_t{1} << column;
    };
    for (auto k : out.key_columns) keep(k);
    for (auto& fk : out.table->foreign_keys)
      for (auto& c : fk.columns) keep(out.table->column_index(c));
    out.deferred &= ~out.always_loaded;
    return out;
  }();
  return m;
}

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/orm/detail/impl/mapper.ipp"
#endif
