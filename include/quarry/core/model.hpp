// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <boost/pfr/core.hpp>
#include <boost/pfr/tuple_size.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/core/column.hpp"
#include "quarry/core/detail/preprocessor.hpp"
#include "quarry/core/model_options.hpp"
#include "quarry/core/schema.hpp"
#include "quarry/engine/row.hpp"
#include "quarry/errors.hpp"
#include "quarry/types/type_traits.hpp"

// Declarative models (SQLAlchemy's declarative mapping):
//
//   struct User { std::int64_t id{}; std::string name; std::optional<std::string> fullname; };
//   QUARRY_MODEL(User, "user_account",
//                QUARRY_COLUMN(id, quarry::primary_key),
//                QUARRY_COLUMN(name, quarry::length(30), quarry::unique),
//                QUARRY_COLUMN(fullname));
//
// at namespace scope, in the struct's namespace, with its unqualified name.
// Every field must be named: by QUARRY_COLUMN, QUARRY_RELATIONSHIP, or
// QUARRY_NOT_MAPPED; Boost.PFR checks this at compile time. It gives
// quarry::table<User> (one typed member per column) and the table's
// description for DDL.
#define QUARRY_COLUMN(member, ...) (quarry_column_, member __VA_OPT__(, ) __VA_ARGS__)
#define QUARRY_NOT_MAPPED(member) (quarry_not_mapped_, member)
#define QUARRY_RELATIONSHIP(member, ...) (quarry_relationship_, member __VA_OPT__(, ) __VA_ARGS__)
#define QUARRY_TABLE_ARGS(...) (quarry_table_args_, __VA_ARGS__)

#define QUARRY_MODEL(Type, table_name, ...)                                                                         \
  struct quarry_model_##Type {                                                                                      \
    using model_type = Type;                                                                                        \
    static constexpr std::string_view name = table_name;                                                            \
    static constexpr std::string_view type_name = #Type;                                                            \
    static constexpr auto columns =                                                                                 \
        ::std::make_tuple(QUARRY_PP_FOR_EACH(QUARRY_DETAIL_MODEL_COLUMN, Type, __VA_ARGS__)::quarry::detail::end{}); \
    static constexpr auto fields =                                                                                  \
        ::std::make_tuple(QUARRY_PP_FOR_EACH(QUARRY_DETAIL_MODEL_FIELD, Type, __VA_ARGS__)::quarry::detail::end{});  \
    static auto entries() {                                                                                         \
      return ::std::make_tuple(QUARRY_PP_FOR_EACH(QUARRY_DETAIL_MODEL_ENTRY, Type, __VA_ARGS__)::quarry::detail::end{}); \
    }                                                                                                               \
    static auto relationships() {                                                                                   \
      return ::std::make_tuple(QUARRY_PP_FOR_EACH(QUARRY_DETAIL_MODEL_RELATIONSHIP, Type, __VA_ARGS__)::quarry::detail::end{}); \
    }                                                                                                               \
  };                                                                                                                \
  struct quarry_table_##Type : ::quarry::detail::table_base {                                                       \
    using quarry_model_type = Type;                                                                                 \
    constexpr quarry_table_##Type() noexcept                                                                        \
        : table_base(&::quarry::detail::model_from<quarry_model_##Type>,                                            \
                     &::quarry::detail::model_column_nodes<quarry_model_##Type>) {}                                 \
    explicit quarry_table_##Type(std::string alias)                                                                 \
        : table_base(::quarry::detail::model_alias<quarry_model_##Type>(std::move(alias))) {}                       \
    QUARRY_PP_FOR_EACH(QUARRY_DETAIL_MODEL_MEMBER, Type, __VA_ARGS__)                                               \
  };                                                                                                                \
  [[maybe_unused]] quarry_model_##Type quarry_model_of(Type*);                                                      \
  [[maybe_unused]] quarry_table_##Type quarry_table_of(Type*);                                                      \
  inline const bool quarry_registered_##Type = ::quarry::detail::register_model<quarry_model_##Type>();             \
  static_assert(::quarry::detail::check_fields<quarry_model_##Type>())

// Each QUARRY_MODEL entry is (kind, member, options...); these pick what each kind contributes.
#define QUARRY_DETAIL_DISPATCH(what, Type, entry) \
  QUARRY_PP_APPLY(QUARRY_DETAIL_DISPATCH_I, (what, Type, QUARRY_PP_REM entry))
#define QUARRY_DETAIL_DISPATCH_I(what, Type, kind, ...) QUARRY_DETAIL_##what##_##kind(Type, __VA_ARGS__)

#define QUARRY_DETAIL_MODEL_COLUMN(Type, entry) QUARRY_DETAIL_DISPATCH(COLUMN, Type, entry)
#define QUARRY_DETAIL_COLUMN_quarry_column_(Type, member, ...) &Type::member,
#define QUARRY_DETAIL_COLUMN_quarry_not_mapped_(Type, member)
#define QUARRY_DETAIL_COLUMN_quarry_relationship_(Type, member, ...)
#define QUARRY_DETAIL_COLUMN_quarry_table_args_(Type, ...)

#define QUARRY_DETAIL_MODEL_FIELD(Type, entry) QUARRY_DETAIL_DISPATCH(FIELD, Type, entry)
#define QUARRY_DETAIL_FIELD_quarry_column_(Type, member, ...) &Type::member,
#define QUARRY_DETAIL_FIELD_quarry_not_mapped_(Type, member) &Type::member,
#define QUARRY_DETAIL_FIELD_quarry_relationship_(Type, member, ...) &Type::member,
#define QUARRY_DETAIL_FIELD_quarry_table_args_(Type, ...)

#define QUARRY_DETAIL_MODEL_ENTRY(Type, entry) QUARRY_DETAIL_DISPATCH(ENTRY, Type, entry)
#define QUARRY_DETAIL_ENTRY_quarry_column_(Type, member, ...) \
  ::quarry::detail::column_entry(&Type::member, #member __VA_OPT__(, ) __VA_ARGS__),
#define QUARRY_DETAIL_ENTRY_quarry_not_mapped_(Type, member)
#define QUARRY_DETAIL_ENTRY_quarry_relationship_(Type, member, ...)
#define QUARRY_DETAIL_ENTRY_quarry_table_args_(Type, ...) ::quarry::detail::table_entry(__VA_ARGS__),

#define QUARRY_DETAIL_MODEL_RELATIONSHIP(Type, entry) QUARRY_DETAIL_DISPATCH(RELATIONSHIP, Type, entry)
#define QUARRY_DETAIL_RELATIONSHIP_quarry_column_(Type, member, ...)
#define QUARRY_DETAIL_RELATIONSHIP_quarry_not_mapped_(Type, member)
#define QUARRY_DETAIL_RELATIONSHIP_quarry_relationship_(Type, member, ...) \
  ::quarry::detail::relationship_entry(&Type::member, #member __VA_OPT__(, ) __VA_ARGS__),
#define QUARRY_DETAIL_RELATIONSHIP_quarry_table_args_(Type, ...)

#define QUARRY_DETAIL_MODEL_MEMBER(Type, entry) QUARRY_DETAIL_DISPATCH(MEMBER, Type, entry)
#define QUARRY_DETAIL_MEMBER_quarry_column_(Type, member, ...)                               \
  ::quarry::column<Type, decltype(Type::member)> member{                                   \
      this, ::quarry::detail::member_index(quarry_model_##Type::columns, &Type::member)};
#define QUARRY_DETAIL_MEMBER_quarry_not_mapped_(Type, member)
#define QUARRY_DETAIL_MEMBER_quarry_relationship_(Type, member, ...)
#define QUARRY_DETAIL_MEMBER_quarry_table_args_(Type, ...)

namespace quarry {

namespace detail {

struct end {};

template <class T>
concept mapped_model = declared_model<T>;

template <class T>
using model_of = decltype(quarry_model_of(static_cast<T*>(nullptr)));

template <class T>
using table_of = decltype(quarry_table_of(static_cast<T*>(nullptr)));

// The position of a member among the model's columns.
template <class Tuple, class Member>
constexpr std::size_t member_index(const Tuple& members, Member member) {
  std::size_t found = 0, at = 0;
  std::apply(
      [&](const auto&... m) {
        (
            [&] {
              if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Member>)
                if (m == member) found = at;
              ++at;
            }(),
            ...);
      },
      members);
  return found;
}

// One QUARRY_COLUMN: the member, its column name, and its options.
template <class Model, class Field, class... Options>
struct column_entry_data {
  Field Model::*member;
  std::string_view column;
  std::tuple<Options...> options;
};

template <class Option>
constexpr void rename(std::string_view& column, const Option& option) {
  if constexpr (std::is_same_v<Option, quarry::name>) column = option.column;
}

template <class Model, class Field, class... Options>
column_entry_data<Model, Field, Options...> column_entry(Field Model::*member, std::string_view member_name,
                                                         Options... options) {
  static_assert(has_column_type<Field>,
                "quarry: this member's type has no column type; specialize quarry::type_traits<T> with column_type(), "
                "or use QUARRY_NOT_MAPPED(member)");
  std::string_view column = member_name;
  (rename(column, options), ...);
  return {member, column, {std::move(options)...}};
}

// One QUARRY_RELATIONSHIP: the member and its options, which the ORM reads
// (quarry/orm/detail/relationships.hpp).
template <class Model, class Member, class... Options>
struct relationship_entry_data {
  Member Model::*member;
  std::string_view name;
  std::tuple<Options...> options;
};

template <class Model, class Member, class... Options>
relationship_entry_data<Model, Member, Options...> relationship_entry(Member Model::*member, std::string_view name,
                                                                      Options... options) {
  return {member, name, {std::move(options)...}};
}

template <class... Options>
std::tuple<Options...> table_entry(Options... options) {
  return {std::move(options)...};
}

// The column name of a member of a model, for foreign keys that point at it.
template <class Target, class Field>
std::string target_column_name(Field Target::*member) {
  static_assert(mapped_model<Target>, "quarry: foreign_key() points at a member of a model declared with QUARRY_MODEL");
  std::string found;
  std::apply(
      [&](const auto&... entry) {
        (
            [&] {
              if constexpr (requires { entry.member == member; })
                if constexpr (std::is_same_v<decltype(entry.member), Field Target::*>)
                  if (entry.member == member) found = std::string(entry.column);
            }(),
            ...);
      },
      model_of<Target>::entries());
  if (found.empty())
    throw ArgumentError("quarry: foreign_key() points at a member of '" + std::string(model_of<Target>::name) +
                        "' that is not one of its columns");
  return found;
}

template <class Target, class Field>
std::string target_table_name_of(Field Target::*) {
  return std::string(model_of<Target>::name);
}

template <class T, template <class...> class Template>
inline constexpr bool is_specialization = false;
template <template <class...> class Template, class... Args>
inline constexpr bool is_specialization<Template<Args...>, Template> = true;

template <class Model, class Field, class Option>
void apply_column_option(table_info& table, column_info& c, bool& autoincrement_given, const Option& option) {
  if constexpr (std::is_same_v<Option, primary_key_option>) {
    c.primary_key = true;
  } else if constexpr (std::is_same_v<Option, autoincrement_option>) {
    c.autoincrement = option.on;
    autoincrement_given = true;
  } else if constexpr (std::is_same_v<Option, version_id_option>) {
    static_assert(std::is_integral_v<Field> && !std::is_same_v<Field, bool>,
                  "quarry: a version_id column is an integer member");
    c.version_id = true;
  } else if constexpr (std::is_same_v<Option, deferred_option>) {
    c.deferred = true;
  } else if constexpr (std::is_same_v<Option, unique_option>) {
    c.unique = true;
  } else if constexpr (std::is_same_v<Option, index_option>) {
    c.index = true;
  } else if constexpr (std::is_same_v<Option, length>) {
    if (c.type.kind != sql_type_kind::text)
      throw ArgumentError("quarry: length() applies to text columns; '" + c.name + "' is not text");
    c.type.length = option.characters;
  } else if constexpr (std::is_same_v<Option, server_default>) {
    c.server_default = option.sql;
  } else if constexpr (std::is_same_v<Option, check>) {
    c.check = option.sql;
  } else if constexpr (std::is_same_v<Option, quarry::name>) {
    // Applied when the entry was made.
  } else if constexpr (is_specialization<Option, default_option>) {
    using V = decltype(option.value);
    if constexpr (std::is_constructible_v<Field, const V&>) c.default_value = value(type_traits<Field>::to_db(Field(option.value)));
    else c.default_value = value(type_traits<V>::to_db(option.value));
  } else if constexpr (is_specialization<Option, foreign_key_option>) {
    table.foreign_keys.push_back(
        {{c.name}, target_table_name_of(option.target), {target_column_name(option.target)}, option.on_delete, option.on_update});
  } else {
    static_assert(sizeof(Option) == 0, "quarry: this is not a column option (see quarry/core/model_options.hpp)");
  }
}

// Column names of members given to a table-level option.
template <class... Members>
std::vector<std::string> column_names_of(const std::tuple<Members...>& members) {
  std::vector<std::string> out;
  std::apply([&](const auto&... m) { (out.push_back(target_column_name(m)), ...); }, members);
  return out;
}

template <class Option>
void apply_table_option(table_info& table, const Option& option) {
  if constexpr (is_specialization<Option, composite_foreign_key>) {
    foreign_key_info fk;
    fk.columns = column_names_of(option.columns.members);
    fk.target_columns = column_names_of(option.targets.members);
    fk.target_table = target_table_name_of(std::get<0>(option.targets.members));
    fk.on_delete = option.on_delete;
    fk.on_update = option.on_update;
    table.foreign_keys.push_back(std::move(fk));
  } else if constexpr (is_specialization<Option, index_definition>) {
    table.indexes.push_back({option.name, column_names_of(option.members), option.is_unique, option.predicate});
  } else if constexpr (std::is_same_v<Option, check>) {
    table.checks.push_back(option.sql);
  } else if constexpr (is_specialization<Option, unique_constraint>) {
    table.unique_constraints.push_back(column_names_of(option.members));
  } else if constexpr (is_specialization<Option, primary_key_constraint>) {
    table.primary_key = column_names_of(option.members);
  } else {
    static_assert(sizeof(Option) == 0, "quarry: this is not a table option (see quarry/core/model_options.hpp)");
  }
}

template <class Model, class Field, class... Options>
void add_entry(table_info& table, std::vector<bool>& autoincrement_given,
               const column_entry_data<Model, Field, Options...>& entry) {
  column_info c;
  c.name = std::string(entry.column);
  c.type = type_traits<Field>::column_type();
  c.nullable = accepts_null<Field>;
  table.columns.push_back(std::move(c));
  bool given = false;
  std::apply(
      [&](const auto&... option) {
        (apply_column_option<Model, Field>(table, table.columns.back(), given, option), ...);
      },
      entry.options);
  autoincrement_given.push_back(given);
}

template <class... Options>
void add_entry(table_info& table, std::vector<bool>&, const std::tuple<Options...>& options) {
  std::apply([&](const auto&... option) { (apply_table_option(table, option), ...); }, options);
}

inline void add_entry(table_info&, std::vector<bool>&, end) {}

template <class Model>
std::shared_ptr<const table_info> build_table_info() {
  table_info table;
  table.name = std::string(Model::name);
  std::vector<bool> autoincrement_given;
  std::apply([&](const auto&... entry) { (add_entry(table, autoincrement_given, entry), ...); }, Model::entries());
  finish_table(table, std::move(autoincrement_given));
  return std::make_shared<const table_info>(std::move(table));
}

template <class Model>
const from_ptr& model_from() {
  static const from_ptr from = [] {
    auto item = std::make_shared<from_item>();
    item->kind = from_item::kind_t::table;
    item->table = build_table_info<Model>();
    return from_ptr(std::move(item));
  }();
  return from;
}

// One node per column of the model's table, shared by every statement that names it.
template <class Model>
const std::vector<node_ptr>& model_column_nodes() {
  static const std::vector<node_ptr> nodes = [] {
    std::vector<node_ptr> out;
    const auto& from = model_from<Model>();
    for (auto& c : from->table->columns) out.push_back(column_node(from, c.name));
    return out;
  }();
  return nodes;
}

template <class Model>
from_ptr model_alias(std::string alias) {
  return alias_of(model_from<Model>()->table, std::move(alias));
}

// Every model the program declares, for quarry::metadata.
using table_info_function = const from_ptr& (*)();
inline std::vector<table_info_function>& model_registry() {
  static std::vector<table_info_function> models;
  return models;
}
inline std::mutex& model_registry_mutex() {
  static std::mutex mutex;
  return mutex;
}
template <class Model>
bool register_model() {
  std::lock_guard lock(model_registry_mutex());
  model_registry().push_back(&model_from<Model>);
  return true;
}

// Reports a field that QUARRY_MODEL does not name; the compiler prints Index.
template <class T, std::size_t Index>
struct field_is_not_in_quarry_model {
  static_assert(Index == static_cast<std::size_t>(-1),
                "quarry: a field of this model is not named in QUARRY_MODEL (its index is the second argument of "
                "field_is_not_in_quarry_model<Model, Index>); add QUARRY_COLUMN(field) or QUARRY_NOT_MAPPED(field)");
  static constexpr bool value = false;
};

template <class T, class Tuple, class Field>
constexpr std::size_t count_of_type() {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return ((std::is_same_v<std::tuple_element_t<I, Tuple>, Field T::*> ? 1 : 0) + ... + 0);
  }(std::make_index_sequence<std::tuple_size_v<Tuple>>{});
}

template <class T, class Tuple>
constexpr bool has_duplicates(const Tuple& members) {
  bool duplicate = false;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          constexpr std::size_t i = I;
          [&]<std::size_t... J>(std::index_sequence<J...>) {
            (
                [&] {
                  if constexpr (J < i && std::is_same_v<std::tuple_element_t<J, Tuple>, std::tuple_element_t<i, Tuple>>)
                    if (std::get<J>(members) == std::get<i>(members)) duplicate = true;
                }(),
                ...);
          }(std::make_index_sequence<std::tuple_size_v<Tuple>>{});
        }(),
        ...);
  }(std::make_index_sequence<std::tuple_size_v<Tuple> - 1>{});
  return duplicate;
}

// The first field index whose type is named fewer times than the struct has
// fields of that type, or the field count when every field is named.
template <class T, class Tuple>
constexpr std::size_t first_unnamed_field() {
  constexpr std::size_t fields = boost::pfr::tuple_size_v<T>;
  std::size_t first = fields;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          using F = boost::pfr::tuple_element_t<I, T>;
          constexpr std::size_t in_struct = [&]<std::size_t... K>(std::index_sequence<K...>) {
            return ((std::is_same_v<boost::pfr::tuple_element_t<K, T>, F> ? 1 : 0) + ... + 0);
          }(std::make_index_sequence<fields>{});
          if (first == fields && count_of_type<T, Tuple, F>() < in_struct) first = I;
        }(),
        ...);
  }(std::make_index_sequence<fields>{});
  return first;
}

// Every field of the struct is named exactly once in QUARRY_MODEL.
template <class Model>
constexpr bool check_fields() {
  using T = typename Model::model_type;
  static_assert(std::is_aggregate_v<T>, "quarry: a model is an aggregate struct (no constructors, no base classes)");
  static_assert(std::is_default_constructible_v<T>, "quarry: a model must be default-constructible");
  static_assert(!has_duplicates<T>(Model::fields), "quarry: QUARRY_MODEL names the same field twice");
  constexpr std::size_t unnamed = first_unnamed_field<T, std::remove_cvref_t<decltype(Model::fields)>>();
  if constexpr (unnamed != boost::pfr::tuple_size_v<T>) return field_is_not_in_quarry_model<T, unnamed>::value;
  return true;
}

template <class T>
constexpr std::size_t model_column_count() {
  return std::tuple_size_v<std::remove_cvref_t<decltype(model_of<T>::columns)>> - 1;
}

// Reads the model's columns, in declaration order, into a default-constructed T;
// `at` follows the column being read, for the error message.
template <class T, class Source>
T read_model(const Source& source, std::size_t& at) {
  T object{};
  constexpr auto& members = model_of<T>::columns;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((at = I, object.*std::get<I>(members) =
                  read_column<std::remove_cvref_t<decltype(object.*std::get<I>(members))>>(source, I)),
     ...);
  }(std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<decltype(members)>> - 1>{});
  return object;
}

}  // namespace detail

// The typed table of a model: quarry::table<User>.name is its `name` column.
template <class M>
inline const detail::table_of<M> table{};

// Another name for a model's table, for self-joins: auto boss = quarry::aliased<User>("boss").
template <class M>
detail::table_of<M> aliased(std::string alias) {
  return detail::table_of<M>(std::move(alias));
}

// A model's table description (name, columns, keys, constraints).
template <class M>
const table_info& table_info_of() {
  return *detail::model_from<detail::model_of<M>>()->table;
}

}  // namespace quarry
