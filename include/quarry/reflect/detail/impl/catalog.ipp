// The non-template implementation of quarry/reflect/detail/catalog.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/reflect/detail/catalog.hpp"

namespace quarry::detail {

QUARRY_DECL Result catalog_query(Connection& conn, std::string_view sql, const std::vector<std::string>& args) {
  std::vector<param> bound(args.begin(), args.end());
  return conn.exec_driver_sql(sql, std::span<const param>(bound));
}

QUARRY_DECL std::vector<reflected_table> chosen_tables(std::vector<reflected_table> tables, const reflect_options& options,
                                                       std::string_view schema) {
  if (options.only.empty()) return tables;
  std::vector<reflected_table> out;
  for (auto& name : options.only) {
    auto found = std::find_if(tables.begin(), tables.end(), [&](const reflected_table& t) { return t.name == name; });
    if (found == tables.end())
      throw NoSuchTableError("quarry: no table" + std::string(options.views ? " or view" : "") + " named '" + name +
                             "' in schema '" + std::string(schema) + "'");
    if (std::none_of(out.begin(), out.end(), [&](const reflected_table& t) { return t.name == name; }))
      out.push_back(std::move(*found));
  }
  std::sort(out.begin(), out.end(), [](const reflected_table& a, const reflected_table& b) { return a.name < b.name; });
  return out;
}

QUARRY_DECL fk_action fk_action_named(std::string_view sql) {
  std::string upper(sql);
  for (char& c : upper)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (upper == "CASCADE" || upper == "C") return fk_action::cascade;
  if (upper == "RESTRICT" || upper == "R") return fk_action::restrict;
  if (upper == "SET NULL" || upper == "N") return fk_action::set_null;
  if (upper == "SET DEFAULT" || upper == "D") return fk_action::set_default;
  return fk_action::no_action;
}

}  // namespace quarry::detail
