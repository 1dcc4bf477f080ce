// The non-template implementation of quarry/core/model.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/model.hpp"

namespace quarry::detail {

QUARRY_DECL void apply_column_option(table_info&, column_info& c, bool& autoincrement_given, autoincrement_option option) {
  c.autoincrement = option.on;
  autoincrement_given = true;
}

QUARRY_DECL void apply_column_option(table_info&, column_info& c, bool&, length option) {
  if (c.type.kind != sql_type_kind::text)
    throw ArgumentError("quarry: length() applies to text columns; '" + c.name + "' is not text");
  c.type.length = option.characters;
}

QUARRY_DECL std::vector<table_info_function>& model_registry() {
  static std::vector<table_info_function> models;
  return models;
}

QUARRY_DECL std::mutex& model_registry_mutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace quarry::detail
