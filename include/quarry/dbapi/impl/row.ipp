// The non-template implementation of quarry/dbapi/row.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dbapi/row.hpp"

namespace quarry {

QUARRY_DECL auto Row::keys() const -> const std::vector<std::string>& {
  static const std::vector<std::string> none;
  return names_ ? *names_ : none;
}

}  // namespace quarry
