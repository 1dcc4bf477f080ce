// The non-template implementation of quarry/reflect/records.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/records.hpp"

namespace quarry {

QUARRY_DECL auto reflected_index::column_names() const -> std::vector<std::string> {
  std::vector<std::string> out;
  for (auto& key : keys) {
    if (key.column.empty()) return {};
    out.push_back(key.column);
  }
  return out;
}

QUARRY_DECL auto reflected_table::column(std::string_view column_name) const noexcept -> const reflected_column* {
  for (auto& c : columns)
    if (c.name == column_name) return &c;
  return nullptr;
}

}  // namespace quarry

namespace quarry::detail {

// What a reflected type's sql_type views.
struct reflected_type_storage {
  std::string name;
  std::vector<std::string> labels;
  std::vector<std::string_view> label_views;
};

QUARRY_DECL auto make_reflected_type(sql_type_kind kind, std::string spelling, std::uint32_t length, std::string name,
                                     std::vector<std::string> labels) -> reflected_type {
  auto storage = std::make_shared<reflected_type_storage>();
  storage->name = kind == sql_type_kind::custom ? spelling : std::move(name);
  storage->labels = std::move(labels);
  for (auto& label : storage->labels) storage->label_views.push_back(label);
  reflected_type out;
  out.type.kind = kind;
  out.type.length = length;
  out.type.name = storage->name;
  out.type.values = storage->label_views;
  out.spelling = std::move(spelling);
  out.built_in = kind != sql_type_kind::custom;
  out.storage = std::move(storage);
  return out;
}

}  // namespace quarry::detail
