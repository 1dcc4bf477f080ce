// The non-template implementation of quarry/core/naming.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/naming.hpp"

#include "quarry/errors.hpp"

namespace quarry {

QUARRY_DECL std::string convention_name(std::string_view pattern, const naming_subject& subject) {
  std::string out;
  auto first_column = [&]() -> const std::string& {
    if (subject.columns.empty())
      throw ArgumentError("quarry: the naming convention '" + std::string(pattern) + "' needs a column, and there is none");
    return subject.columns.front();
  };
  auto joined = [&](std::string_view separator) {
    std::string all;
    for (auto& c : subject.columns) all += (all.empty() ? "" : std::string(separator)) + c;
    return all;
  };
  std::size_t i = 0;
  while (i < pattern.size()) {
    auto start = pattern.find("%(", i);
    if (start == std::string_view::npos) {
      out += pattern.substr(i);
      break;
    }
    out += pattern.substr(i, start - i);
    auto end = pattern.find(")s", start);
    if (end == std::string_view::npos)
      throw ArgumentError("quarry: the naming convention '" + std::string(pattern) + "' has an unclosed %(...)s");
    auto token = pattern.substr(start + 2, end - start - 2);
    if (token == "table_name") out += subject.table;
    else if (token == "column_0_name") out += first_column();
    else if (token == "column_0_label") out += std::string(subject.table) + "_" + first_column();
    else if (token == "column_0N_name") out += joined("");
    else if (token == "column_0_N_name") out += joined("_");
    else if (token == "referred_table_name") out += subject.referred_table;
    else if (token == "constraint_name") {
      if (subject.constraint_name.empty())
        throw ArgumentError("quarry: the naming convention '" + std::string(pattern) +
                            "' needs the constraint's own name; give it one");
      out += subject.constraint_name;
    } else {
      throw ArgumentError("quarry: the naming convention '" + std::string(pattern) + "' has the unknown token %(" +
                          std::string(token) + ")s");
    }
    i = end + 2;
  }
  return out;
}

}  // namespace quarry
