// MetaData (create_all, drop_all, sorted_tables) and the CREATE TABLE / CREATE TYPE DDL it writes.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/core/column.hpp"
#include "quarry/core/detail/dependency_order.hpp"
#include "quarry/core/model.hpp"
#include "quarry/core/naming.hpp"
#include "quarry/core/schema.hpp"
#include "quarry/dbapi/interfaces.hpp"

// Schema DDL (SQLAlchemy's MetaData.create_all / drop_all): CREATE TABLE with
// keys and constraints, indexes, and PostgreSQL enum types, in foreign-key order.
namespace quarry {

class Engine;
class Connection;

namespace detail {

// A string literal for DDL, where nothing can be bound: quotes are doubled.
QUARRY_DECL std::string sql_string_literal(std::string_view text);

QUARRY_DECL std::string column_list(const std::vector<std::string>& names, const dialect& d);

QUARRY_DECL std::string lower_case(std::string_view text);

// A column's part of CREATE TABLE (or of ALTER TABLE ... ADD COLUMN); its CHECK named when given a name.
QUARRY_DECL std::string column_ddl(const column_info& c, const dialect& d, std::string_view check_name = {});

// FOREIGN KEY(a) REFERENCES t (b) [ON DELETE ...] [ON UPDATE ...].
QUARRY_DECL std::string foreign_key_ddl(const foreign_key_info& fk, const dialect& d);

QUARRY_DECL std::string create_index_ddl(const index_info& index, std::string_view table, const dialect& d);

// CREATE TABLE, then CREATE INDEX for each index; constraints named by the convention.
QUARRY_DECL std::vector<std::string> create_table_ddl(const table_info& table, const dialect& d,
                                                      const naming_convention& naming = {});

// "CONSTRAINT name " when the convention's `pattern` names it, else nothing.
QUARRY_DECL std::string constraint_prefix(const std::string& pattern, const naming_subject& subject, const dialect& d);

}  // namespace detail

// What MetaData::reflect() and the Inspector read (SQLAlchemy's reflect(schema=, only=, views=)).
struct reflect_options {
  std::string schema{};            // empty: the connection's default schema
  std::vector<std::string> only{}; // these tables (or views) alone; every one must exist
  bool views = false;              // views (and PostgreSQL materialized views) too
};

// A collection of tables (SQLAlchemy's MetaData): created and dropped together,
// in foreign-key order.
class MetaData {
 public:
  MetaData() = default;
  explicit MetaData(naming_convention convention) : naming(std::move(convention)) {}

  // How create_all() names constraints and indexes (and what autogenerate expects).
  naming_convention naming{};

  template <class... Models>
  MetaData& add() {
    (add(detail::model_from<detail::model_of<Models>>()->table), ...);
    return *this;
  }
  MetaData& add(const Table& table) { return add(table.shared_info()); }
  MetaData& add(std::shared_ptr<const table_info> table);

  const std::vector<std::shared_ptr<const table_info>>& tables() const noexcept { return tables_; }
  // Tables in creation order: each after the tables its foreign keys point at.
  std::vector<std::shared_ptr<const table_info>> sorted_tables() const { return detail::sort_by_dependency(tables_); }

  // The DDL that create_all() runs when no table exists yet.
  std::vector<std::string> create_ddl(const dialect& d) const;

  // CREATE TABLE for each table (and CREATE TYPE for PostgreSQL enums); with
  // checkfirst, what exists already is left alone. Runs in one transaction.
  // Defined with the engine (quarry/engine/metadata_ddl.hpp), which runs them.
  void create_all(const Engine& engine, bool checkfirst = true) const;
  void create_all(Connection& conn, bool checkfirst = true) const;
  // DROP TABLE in reverse foreign-key order, then the enum types.
  void drop_all(const Engine& engine, bool checkfirst = true) const;
  void drop_all(Connection& conn, bool checkfirst = true) const;
  static bool has_table(Connection& conn, std::string_view name);

  // Adds the database's tables as runtime Tables (SQLAlchemy's MetaData.reflect):
  // columns, keys, indexes and constraints as the Inspector reads them. Tables
  // already here are left alone. Defined with the Inspector (quarry/reflect/metadata_reflect.hpp).
  void reflect(const Engine& engine, const reflect_options& options);
  void reflect(Connection& conn, const reflect_options& options);
  void reflect(const Engine& engine) { reflect(engine, reflect_options{}); }
  void reflect(Connection& conn) { reflect(conn, reflect_options{}); }
  // A table by name, as a runtime Table for Core queries; NoSuchTableError when there is none.
  Table table(std::string_view name) const;
  bool contains(std::string_view name) const noexcept;

 private:
  // The enum types of the tables' columns, once each.
  std::vector<sql_type> enum_types() const;

  static std::string create_enum_ddl(const sql_type& type, const dialect& d);

  static bool has_enum(Connection& conn, const sql_type& type);

  std::vector<std::shared_ptr<const table_info>> tables_;
};

namespace detail {
// quarry::metadata: every model declared with QUARRY_MODEL in the program.
struct registered_models {
  MetaData get() const;
  void create_all(const Engine& engine, bool checkfirst = true) const { get().create_all(engine, checkfirst); }
  void create_all(Connection& conn, bool checkfirst = true) const { get().create_all(conn, checkfirst); }
  void drop_all(const Engine& engine, bool checkfirst = true) const { get().drop_all(engine, checkfirst); }
  void drop_all(Connection& conn, bool checkfirst = true) const { get().drop_all(conn, checkfirst); }
  std::vector<std::shared_ptr<const table_info>> sorted_tables() const { return get().sorted_tables(); }
};
}  // namespace detail

// The metadata of all models the program declares (SQLAlchemy's Base.metadata).
inline constexpr detail::registered_models metadata{};

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/ddl.ipp"
#endif
