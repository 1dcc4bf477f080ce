// QUARRY_MODEL: declarative models, their columns, and reading rows into them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

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
#include "quarry/dbapi/row.hpp"
#include "quarry/errors.hpp"
#include "quarry/types/detail/aggregate.hpp"
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
    /* The name of column `index`, read without building the table (foreign keys to it need it). */                 \
    static std::string_view column_name(std::size_t index) {                                                        \
      static const std::string_view names[] = {                                                                    \
          QUARRY_PP_FOR_EACH(QUARRY_DETAIL_MODEL_NAME, Type, __VA_ARGS__) std::string_view()};                       \
      return names[index];                                                                                          \
    }                                                                                                               \
    static void describe(::quarry::table_info& table, ::std::vector<bool>& autoincrement_given) {                   \
      QUARRY_PP_FOR_EACH(QUARRY_DETAIL_MODEL_DESCRIBE, Type, __VA_ARGS__)                                           \
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
  static_assert(::quarry::detail::check_fields<Type QUARRY_PP_FOR_EACH(QUARRY_DETAIL_MODEL_FIELD, Type, __VA_ARGS__)>())

// Each QUARRY_MODEL entry is (kind, member, options...); these pick what each kind contributes.
#define QUARRY_DETAIL_DISPATCH(what, Type, entry) \
  QUARRY_PP_APPLY(QUARRY_DETAIL_DISPATCH_I, (what, Type, QUARRY_PP_REM entry))
#define QUARRY_DETAIL_DISPATCH_I(what, Type, kind, ...) QUARRY_DETAIL_##what##_##kind(Type, __VA_ARGS__)

#define QUARRY_DETAIL_MODEL_COLUMN(Type, entry) QUARRY_DETAIL_DISPATCH(COLUMN, Type, entry)
#define QUARRY_DETAIL_COLUMN_quarry_column_(Type, member, ...) &Type::member,
#define QUARRY_DETAIL_COLUMN_quarry_not_mapped_(Type, member)
#define QUARRY_DETAIL_COLUMN_quarry_relationship_(Type, member, ...)
#define QUARRY_DETAIL_COLUMN_quarry_table_args_(Type, ...)

#define QUARRY_DETAIL_MODEL_NAME(Type, entry) QUARRY_DETAIL_DISPATCH(NAME, Type, entry)
#define QUARRY_DETAIL_NAME_quarry_column_(Type, member, ...) \
  ::quarry::detail::column_name(#member __VA_OPT__(, ) __VA_ARGS__),
#define QUARRY_DETAIL_NAME_quarry_not_mapped_(Type, member)
#define QUARRY_DETAIL_NAME_quarry_relationship_(Type, member, ...)
#define QUARRY_DETAIL_NAME_quarry_table_args_(Type, ...)

#define QUARRY_DETAIL_MODEL_FIELD(Type, entry) QUARRY_DETAIL_DISPATCH(FIELD, Type, entry)
#define QUARRY_DETAIL_FIELD_quarry_column_(Type, member, ...) , &Type::member
#define QUARRY_DETAIL_FIELD_quarry_not_mapped_(Type, member) , &Type::member
#define QUARRY_DETAIL_FIELD_quarry_relationship_(Type, member, ...) , &Type::member
#define QUARRY_DETAIL_FIELD_quarry_table_args_(Type, ...)

#define QUARRY_DETAIL_MODEL_DESCRIBE(Type, entry) QUARRY_DETAIL_DISPATCH(DESCRIBE, Type, entry)
#define QUARRY_DETAIL_DESCRIBE_quarry_column_(Type, member, ...) \
  ::quarry::detail::add_column<decltype(Type::member)>(table, autoincrement_given, #member __VA_OPT__(, ) __VA_ARGS__);
#define QUARRY_DETAIL_DESCRIBE_quarry_not_mapped_(Type, member)
#define QUARRY_DETAIL_DESCRIBE_quarry_relationship_(Type, member, ...)
#define QUARRY_DETAIL_DESCRIBE_quarry_table_args_(Type, ...) ::quarry::detail::add_table_options(table, __VA_ARGS__);

#define QUARRY_DETAIL_MODEL_RELATIONSHIP(Type, entry) QUARRY_DETAIL_DISPATCH(RELATIONSHIP, Type, entry)
#define QUARRY_DETAIL_RELATIONSHIP_quarry_column_(Type, member, ...)
#define QUARRY_DETAIL_RELATIONSHIP_quarry_not_mapped_(Type, member)
#define QUARRY_DETAIL_RELATIONSHIP_quarry_relationship_(Type, member, ...) \
  ::quarry::detail::relationship_entry(&Type::member, #member __VA_OPT__(, ) __VA_ARGS__),
#define QUARRY_DETAIL_RELATIONSHIP_quarry_table_args_(Type, ...)

// Columns number themselves in declaration order, the order of `columns`.
#define QUARRY_DETAIL_MODEL_MEMBER(Type, entry) QUARRY_DETAIL_DISPATCH(MEMBER, Type, entry)
#define QUARRY_DETAIL_MEMBER_quarry_column_(Type, member, ...) \
  ::quarry::column<Type, decltype(Type::member)> member{this, quarry_next_column_index()};
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

template <class A, class B>
constexpr bool same_member_pointer(A, B) {
  return false;
}
template <class A>
constexpr bool same_member_pointer(A a, A b) {
  return a == b;
}

template <class Tuple, class Member, std::size_t... I>
constexpr std::size_t column_position(const Tuple& columns, Member member, std::index_sequence<I...>) {
  std::size_t found = sizeof...(I);
  ((found == sizeof...(I) && same_member_pointer(std::get<I>(columns), member) ? found = I : 0), ...);
  return found;
}

// The position of a member among a model's columns (the model's column count when it is not one).
template <class Model, class Member>
constexpr std::size_t column_position(Member member) {
  return column_position(Model::columns, member,
                         std::make_index_sequence<model_column_count<typename Model::model_type>()>{});
}

template <class Option>
constexpr void rename(std::string_view& column, const Option& option) {
  if constexpr (std::is_same_v<Option, quarry::name>) column = option.column;
}

// A column's name: the member's, unless a name() option gives another.
template <class... Options>
std::string_view column_name(std::string_view member, const Options&... options) {
  (rename(member, options), ...);
  return member;
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

// The column name of a member of a model, for foreign keys that point at it.
template <class Target, class Field>
std::string target_column_name(Field Target::*member) {
  static_assert(mapped_model<Target>, "quarry: foreign_key() points at a member of a model declared with QUARRY_MODEL");
  using target = model_of<Target>;
  std::size_t at = column_position<target>(member);
  if (at == model_column_count<Target>())
    throw ArgumentError("quarry: foreign_key() points at a member of '" + std::string(target::name) +
                        "' that is not one of its columns");
  return std::string(target::column_name(at));
}

template <class Target, class Field>
std::string target_table_name_of(Field Target::*) {
  return std::string(model_of<Target>::name);
}

template <class T, template <class...> class Template>
inline constexpr bool is_specialization = false;
template <template <class...> class Template, class... Args>
inline constexpr bool is_specialization<Template<Args...>, Template> = true;

// What each column option does to the column; a default_() value is applied by
// add_column(), which knows the member's type.
inline void apply_column_option(table_info&, column_info& c, bool&, primary_key_option) { c.primary_key = true; }
QUARRY_DECL void apply_column_option(table_info&, column_info& c, bool& autoincrement_given, autoincrement_option option);
inline void apply_column_option(table_info&, column_info& c, bool&, version_id_option) { c.version_id = true; }
inline void apply_column_option(table_info&, column_info& c, bool&, deferred_option) { c.deferred = true; }
inline void apply_column_option(table_info&, column_info& c, bool&, unique_option) { c.unique = true; }
inline void apply_column_option(table_info&, column_info& c, bool&, index_option) { c.index = true; }
QUARRY_DECL void apply_column_option(table_info&, column_info& c, bool&, length option);
inline void apply_column_option(table_info&, column_info& c, bool&, const server_default& option) {
  c.server_default = option.sql;
}
inline void apply_column_option(table_info&, column_info& c, bool&, const check& option) { c.check = option.sql; }
inline void apply_column_option(table_info&, column_info&, bool&, quarry::name) {}
inline void apply_column_option(table_info&, column_info& c, bool&, db_type option) {
  c.type = sql_type::custom(option.spelling);
}
template <class V>
void apply_column_option(table_info&, column_info&, bool&, const default_option<V>&) {}
template <class Member>
void apply_column_option(table_info& table, column_info& c, bool&, const foreign_key_option<Member>& option) {
  table.foreign_keys.push_back(
      {{c.name}, target_table_name_of(option.target), {target_column_name(option.target)}, option.on_delete, option.on_update});
}
template <class Option>
void apply_column_option(table_info&, column_info&, bool&, const Option&) {
  static_assert(sizeof(Option) == 0, "quarry: this is not a column option (see quarry/core/model_options.hpp)");
}

template <class Field, class Option>
void apply_default(column_info& c, const Option& option) {
  if constexpr (is_specialization<Option, default_option>) {
    using V = decltype(option.value);
    if constexpr (std::is_constructible_v<Field, const V&>) c.default_value = value(type_traits<Field>::to_db(Field(option.value)));
    else c.default_value = value(type_traits<V>::to_db(option.value));
  }
}

// The part of a column that its member's type decides.
template <class Field>
column_info column_of_type(std::string_view name) {
  static_assert(has_column_type<Field>,
                "quarry: this member's type has no column type; specialize quarry::type_traits<T> with column_type(), "
                "or use QUARRY_NOT_MAPPED(member)");
  column_info c;
  c.name = std::string(name);
  c.type = type_traits<Field>::column_type();
  c.nullable = accepts_null<Field>;
  return c;
}

// One QUARRY_COLUMN(member, options...), added to the table being described.
template <class Field, class... Options>
void add_column(table_info& table, std::vector<bool>& autoincrement_given, std::string_view member,
                const Options&... options) {
  if constexpr ((std::is_same_v<Options, version_id_option> || ...))
    static_assert(std::is_integral_v<Field> && !std::is_same_v<Field, bool>,
                  "quarry: a version_id column is an integer member");
  column_info& c = table.columns.emplace_back(column_of_type<Field>(column_name(member, options...)));
  bool given = false;
  (apply_column_option(table, c, given, options), ...);
  if constexpr ((is_specialization<Options, default_option> || ...)) (apply_default<Field>(c, options), ...);
  autoincrement_given.push_back(given);
}

// Column names of members given to a table-level option.
template <class... Members>
std::vector<std::string> column_names_of(const std::tuple<Members...>& members) {
  std::vector<std::string> out;
  std::apply([&](const auto&... m) { (out.push_back(target_column_name(m)), ...); }, members);
  return out;
}

template <class Columns, class Targets>
void add_table_option(table_info& table, const composite_foreign_key<Columns, Targets>& option) {
  foreign_key_info fk;
  fk.columns = column_names_of(option.columns.members);
  fk.target_columns = column_names_of(option.targets.members);
  fk.target_table = target_table_name_of(std::get<0>(option.targets.members));
  fk.on_delete = option.on_delete;
  fk.on_update = option.on_update;
  table.foreign_keys.push_back(std::move(fk));
}
template <class... Members>
void add_table_option(table_info& table, const index_definition<Members...>& option) {
  table.indexes.push_back({option.name, column_names_of(option.members), option.is_unique, option.predicate});
}
inline void add_table_option(table_info& table, const check& option) { table.checks.push_back(option.sql); }
inline void add_table_option(table_info& table, view_option) { table.is_view = true; }
template <class... Members>
void add_table_option(table_info& table, const unique_constraint<Members...>& option) {
  table.unique_constraints.push_back(column_names_of(option.members));
}
template <class... Members>
void add_table_option(table_info& table, const primary_key_constraint<Members...>& option) {
  table.primary_key = column_names_of(option.members);
}
template <class Option>
void add_table_option(table_info&, const Option&) {
  static_assert(sizeof(Option) == 0, "quarry: this is not a table option (see quarry/core/model_options.hpp)");
}

// QUARRY_TABLE_ARGS(options...).
template <class... Options>
void add_table_options(table_info& table, const Options&... options) {
  (add_table_option(table, options), ...);
}

using describe_function = void (*)(table_info&, std::vector<bool>&);

[[gnu::noinline]] inline from_ptr described_table(std::string_view name, describe_function describe) {
  table_info table;
  table.name = std::string(name);
  std::vector<bool> autoincrement_given;
  describe(table, autoincrement_given);
  finish_table(table, std::move(autoincrement_given));
  auto item = std::make_shared<from_item>();
  item->kind = from_item::kind_t::table;
  item->table = std::make_shared<const table_info>(std::move(table));
  return item;
}

template <class Model>
const from_ptr& model_from() {
  static const from_ptr from = described_table(Model::name, &Model::describe);
  return from;
}

[[gnu::noinline]] inline std::vector<node_ptr> column_nodes(const from_ptr& from) {
  std::vector<node_ptr> out;
  for (auto& c : from->table->columns) out.push_back(column_node(from, c.name));
  return out;
}

// One node per column of the model's table, shared by every statement that names it.
template <class Model>
const std::shared_ptr<const std::vector<node_ptr>>& model_column_nodes() {
  static const std::shared_ptr<const std::vector<node_ptr>> nodes =
      std::make_shared<const std::vector<node_ptr>>(column_nodes(model_from<Model>()));
  return nodes;
}

template <class Model>
from_ptr model_alias(std::string alias) {
  return alias_of(model_from<Model>()->table, std::move(alias));
}

// Every model the program declares, for quarry::metadata.
using table_info_function = const from_ptr& (*)();
QUARRY_DECL std::vector<table_info_function>& model_registry();
QUARRY_DECL std::mutex& model_registry_mutex();
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

// The first field index whose type is named fewer times than the struct has
// fields of that type (only worked out when a field is missing).
template <class T, class Tuple>
constexpr std::size_t first_unnamed_field() {
  constexpr std::size_t fields = detail::field_count<T>;
  std::size_t first = fields;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          using F = detail::field_type<I, T>;
          constexpr std::size_t in_struct = [&]<std::size_t... K>(std::index_sequence<K...>) {
            return ((std::is_same_v<detail::field_type<K, T>, F> ? 1 : 0) + ... + 0);
          }(std::make_index_sequence<fields>{});
          if (first == fields && count_of_type<T, Tuple, F>() < in_struct) first = I;
        }(),
        ...);
  }(std::make_index_sequence<fields>{});
  return first;
}

template <class Member, class... Members>
constexpr std::size_t occurrences(Member member, Members... members) {
  return (std::size_t{same_member_pointer(member, members)} + ... + 0);
}

// Every field of the struct is named exactly once in QUARRY_MODEL: the named
// members are distinct and as many as the struct's fields.
template <class T, auto... Members>
constexpr bool check_fields() {
  static_assert(std::is_aggregate_v<T>, "quarry: a model is an aggregate struct (no constructors, no base classes)");
  static_assert(std::is_default_constructible_v<T>, "quarry: a model must be default-constructible");
  static_assert(((occurrences(Members, Members...) == 1) && ...), "quarry: QUARRY_MODEL names the same field twice");
  if constexpr (sizeof...(Members) != detail::field_count<T>)
    return field_is_not_in_quarry_model<T, first_unnamed_field<T, std::tuple<decltype(Members)...>>()>::value;
  return true;
}

template <class T>
constexpr std::size_t model_column_count() {
  return std::tuple_size_v<std::remove_cvref_t<decltype(model_of<T>::columns)>> - 1;
}

// Reads the model's columns, in declaration order, into `object`; `at`
// follows the column being read, for the error message.
template <class T, class Source>
void read_model_into(T& object, const Source& source, std::size_t& at) {
  constexpr auto& members = model_of<T>::columns;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    whole_row_read reading(
        source, (reads_without_user_code<std::remove_cvref_t<decltype(object.*std::get<I>(members))>> && ...));
    ((at = I, object.*std::get<I>(members) =
                  read_column<std::remove_cvref_t<decltype(object.*std::get<I>(members))>>(source, I)),
     ...);
  }(std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<decltype(members)>> - 1>{});
}

template <class T, class Source>
T read_model(const Source& source, std::size_t& at) {
  T object{};
  read_model_into(object, source, at);
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

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/model.ipp"
#endif
