// naming_convention: how MetaData and migrations name constraints and indexes (SQLAlchemy's naming_convention).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace quarry {

// Templates for names, with SQLAlchemy's tokens: %(table_name)s,
// %(column_0_name)s, %(column_0_label)s (table_column), %(column_0N_name)s
// (every column, run together), %(column_0_N_name)s (joined by _),
// %(referred_table_name)s, %(constraint_name)s (a column CHECK's column). An
// empty template leaves the name to the database. Named constraints are what
// a migration can later drop by name.
struct naming_convention {
  std::string ix = "ix_%(column_0_label)s";  // SQLAlchemy's default, the only one it sets
  std::string uq{};
  std::string ck{};
  std::string fk{};
  std::string pk{};

  // Names for everything, as SQLAlchemy's documentation recommends.
  static naming_convention recommended() {
    return {"ix_%(column_0_label)s", "uq_%(table_name)s_%(column_0_name)s", "ck_%(table_name)s_%(constraint_name)s",
            "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk_%(table_name)s"};
  }
};

// What a template names.
struct naming_subject {
  std::string_view table;
  std::vector<std::string> columns;
  std::string_view referred_table = {};
  std::string_view constraint_name = {};
};

// The name `pattern` gives; empty for an empty pattern. An ArgumentError names an unknown token.
QUARRY_DECL std::string convention_name(std::string_view pattern, const naming_subject& subject);

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/impl/naming.ipp"
#endif
