// The options of QUARRY_COLUMN(member, options...) and QUARRY_TABLE_ARGS(...).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "quarry/core/schema.hpp"

// The options of QUARRY_COLUMN(member, options...) and QUARRY_TABLE_ARGS(...).
// Column-level:  primary_key, autoincrement / no_autoincrement, version_id, unique, index,
//                length(n), default_(value), server_default("SQL"), check("SQL"),
//                foreign_key(&Other::member, on_delete, on_update), name("column"), db_type("SQL type").
// Table-level:   primary_key(&T::a, &T::b), unique(&T::a, &T::b),
//                index("ix_name", &T::a, ...) [.where("SQL")], check("SQL"),
//                foreign_key(columns(&T::a, &T::b), references(&U::a, &U::b), on_delete, on_update),
//                view (the model reads a database view).
// SQL given as a string (server_default, check, a partial index's where) is DDL
// written by the developer and is used as is.
namespace quarry {

template <class... Members>
struct member_list {
  std::tuple<Members...> members;
};

template <class... Members>
constexpr member_list<Members...> columns(Members... members) {
  return {{members...}};
}
template <class... Members>
constexpr member_list<Members...> references(Members... members) {
  return {{members...}};
}

// A table-level PRIMARY KEY (a, b).
template <class... Members>
struct primary_key_constraint {
  std::tuple<Members...> members;
};
struct primary_key_option {
  template <class... Members>
  constexpr primary_key_constraint<Members...> operator()(Members... members) const {
    static_assert(sizeof...(Members) > 0, "quarry: primary_key(...) names the key's columns: &T::a, &T::b");
    return {{members...}};
  }
};
inline constexpr primary_key_option primary_key{};

struct autoincrement_option {
  bool on;
};
inline constexpr autoincrement_option autoincrement{true};
inline constexpr autoincrement_option no_autoincrement{false};

// An integer column the ORM's Session counts up at each UPDATE of the row and
// checks in its WHERE (SQLAlchemy's version_id_col): a row changed by someone
// else since it was read is a StaleDataError instead of a lost update.
inline constexpr struct version_id_option {
} version_id{};

// A column the ORM leaves out of its SELECTs unless a query undefers it
// (SQLAlchemy's deferred()): large text or blobs most queries do not need.
inline constexpr struct deferred_option {
} deferred{};

// The model reads a view, not a table: MetaData neither creates nor drops it.
inline constexpr struct view_option {
} view{};

// A table-level UNIQUE (a, b).
template <class... Members>
struct unique_constraint {
  std::tuple<Members...> members;
};
struct unique_option {
  template <class... Members>
  constexpr unique_constraint<Members...> operator()(Members... members) const {
    static_assert(sizeof...(Members) > 0, "quarry: unique(...) names the constraint's columns: &T::a, &T::b");
    return {{members...}};
  }
};
inline constexpr unique_option unique{};

// A table-level index over several columns, unique or partial if asked.
template <class... Members>
struct index_definition {
  std::string name;
  std::tuple<Members...> members;
  bool is_unique = false;
  std::string predicate;
  index_definition unique() && {
    is_unique = true;
    return std::move(*this);
  }
  // A partial index: SQL that rows must satisfy (both SQLite and PostgreSQL have them).
  index_definition where(std::string sql) && {
    predicate = std::move(sql);
    return std::move(*this);
  }
};
struct index_option {
  template <class... Members>
  index_definition<Members...> operator()(std::string index_name, Members... members) const {
    static_assert(sizeof...(Members) > 0, "quarry: index(\"name\", ...) names the indexed columns: &T::a, &T::b");
    return {std::move(index_name), {members...}, false, {}};
  }
};
inline constexpr index_option index{};

struct length {
  std::uint32_t characters;
  constexpr explicit length(std::uint32_t n) : characters(n) {}
};

struct server_default {
  std::string sql;
  explicit server_default(std::string s) : sql(std::move(s)) {}
};

struct check {
  std::string sql;
  explicit check(std::string s) : sql(std::move(s)) {}
};

struct name {
  std::string_view column;
  constexpr explicit name(std::string_view n) : column(n) {}
};

// The column's type as the database spells it, written as is in DDL on every
// dialect ("NUMERIC(10, 2)", "interval"): for a type the member's C++ type does
// not name exactly. Values still bind and read as the member's type.
struct db_type {
  std::string_view spelling;
  constexpr explicit db_type(std::string_view s) : spelling(s) {}
};

template <class V>
struct default_option {
  V value;
};
// A value INSERTs send for the column when they leave it out (SQLAlchemy's Column(default=)).
template <class V>
default_option<V> default_(V v) {
  return {std::move(v)};
}

template <class Member>
struct foreign_key_option {
  Member target;
  fk_action on_delete;
  fk_action on_update;
};
template <class Target, class Field>
constexpr foreign_key_option<Field Target::*> foreign_key(Field Target::*target, fk_action on_delete = fk_action::no_action,
                                                          fk_action on_update = fk_action::no_action) {
  return {target, on_delete, on_update};
}

template <class Columns, class Targets>
struct composite_foreign_key {
  Columns columns;
  Targets targets;
  fk_action on_delete;
  fk_action on_update;
};
template <class... Members, class... Targets>
constexpr composite_foreign_key<member_list<Members...>, member_list<Targets...>> foreign_key(
    member_list<Members...> cols, member_list<Targets...> targets, fk_action on_delete = fk_action::no_action,
    fk_action on_update = fk_action::no_action) {
  static_assert(sizeof...(Members) == sizeof...(Targets),
                "quarry: a foreign key needs as many referenced columns as referencing ones");
  return {cols, targets, on_delete, on_update};
}

}  // namespace quarry
