// column and the type names of migrations: what op.create_table() and op.add_column() take (sa.Column, sa.Integer, ...).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "quarry/core/schema.hpp"
#include "quarry/types/sql_type.hpp"

namespace quarry::migrate {

// Column types as Alembic revisions write them (sa.Integer(), sa.String(50), ...).
inline constexpr sql_type Boolean = sql_type::of(sql_type_kind::boolean);
inline constexpr sql_type SmallInteger = sql_type::of(sql_type_kind::small_integer);
inline constexpr sql_type Integer = sql_type::of(sql_type_kind::integer);
inline constexpr sql_type BigInteger = sql_type::of(sql_type_kind::big_integer);
inline constexpr sql_type Float = sql_type::of(sql_type_kind::real);
inline constexpr sql_type Double = sql_type::of(sql_type_kind::double_precision);
inline constexpr sql_type Numeric = sql_type::of(sql_type_kind::numeric);
inline constexpr sql_type Text = sql_type::of(sql_type_kind::text);
inline constexpr sql_type LargeBinary = sql_type::of(sql_type_kind::blob);
inline constexpr sql_type Date = sql_type::of(sql_type_kind::date);
inline constexpr sql_type DateTime = sql_type::of(sql_type_kind::timestamp);
inline constexpr sql_type Uuid = sql_type::of(sql_type_kind::uuid);
inline constexpr sql_type Json = sql_type::of(sql_type_kind::json);
constexpr sql_type String(std::uint32_t length) noexcept { return {sql_type_kind::text, length}; }

// A column of a revision: column("email", String(120)).not_null().unique().
class column {
 public:
  column(std::string name, sql_type type) : info_(column_info::named(std::move(name), type, true)) {}
  // A type as the database spells it ("NUMERIC(10, 2)", a PostgreSQL enum's
  // name), written into the DDL as it is: what autogenerate writes where no
  // constant above says the same.
  column(std::string name, std::string database_type)
      : column(std::move(name), sql_type::custom({})) {
    auto spelling = std::make_shared<const std::string>(std::move(database_type));
    info_.type.name = *spelling;
    info_.type_storage = std::move(spelling);
  }
  column(std::string name, const char* database_type) : column(std::move(name), std::string(database_type)) {}

  column& primary_key() {
    info_.primary_key = true;
    info_.nullable = false;
    return *this;
  }
  column& not_null() {
    info_.nullable = false;
    return *this;
  }
  column& autoincrement(bool on = true) {
    info_.autoincrement = on;
    autoincrement_given_ = true;
    return *this;
  }
  column& unique() {
    info_.unique = true;
    return *this;
  }
  // An index named ix_<table>_<column>, as SQLAlchemy names it.
  column& index() {
    info_.index = true;
    return *this;
  }
  column& server_default(std::string sql) {
    info_.server_default = std::move(sql);
    return *this;
  }
  column& check(std::string sql) {
    info_.check = std::move(sql);
    return *this;
  }
  column& references(std::string table, std::string target_column, fk_action on_delete = fk_action::no_action,
                     fk_action on_update = fk_action::no_action) {
    foreign_key_ = foreign_key_info{{info_.name}, std::move(table), {std::move(target_column)}, on_delete, on_update};
    return *this;
  }

  const column_info& info() const noexcept { return info_; }
  const std::optional<foreign_key_info>& foreign_key() const noexcept { return foreign_key_; }
  bool autoincrement_given() const noexcept { return autoincrement_given_; }

 private:
  column_info info_;
  std::optional<foreign_key_info> foreign_key_;
  bool autoincrement_given_ = false;
};

// A table-level constraint of op.create_table() (sa.PrimaryKeyConstraint, sa.UniqueConstraint, ...).
struct table_constraint {
  enum kind_t : unsigned char { primary_key, unique, check, foreign_key };
  kind_t kind;
  std::vector<std::string> columns{};
  std::string sql{};  // a check's condition
  std::string referred_table{};
  std::vector<std::string> referred_columns{};
  fk_action on_delete = fk_action::no_action;
  fk_action on_update = fk_action::no_action;
};

inline table_constraint primary_key_constraint(std::vector<std::string> columns) {
  return {table_constraint::primary_key, std::move(columns)};
}
inline table_constraint unique_constraint(std::vector<std::string> columns) {
  return {table_constraint::unique, std::move(columns)};
}
inline table_constraint check_constraint(std::string condition) {
  return {table_constraint::check, {}, std::move(condition)};
}
inline table_constraint foreign_key_constraint(std::vector<std::string> columns, std::string referred_table,
                                               std::vector<std::string> referred_columns,
                                               fk_action on_delete = fk_action::no_action,
                                               fk_action on_update = fk_action::no_action) {
  return {table_constraint::foreign_key, std::move(columns), {}, std::move(referred_table), std::move(referred_columns),
          on_delete, on_update};
}

}  // namespace quarry::migrate
