// The non-template implementation of quarry/dbapi/registry.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dbapi/registry.hpp"

namespace quarry {

QUARRY_DECL auto dialect_registry::instance() -> dialect_registry& {
  static dialect_registry registry;
  return registry;
}

QUARRY_DECL auto dialect_registry::add(std::string scheme, std::shared_ptr<const dialect> implementation) -> void {
  std::lock_guard lock(mutex_);
  dialects_[std::move(scheme)] = std::move(implementation);
}

QUARRY_DECL auto dialect_registry::find(std::string_view scheme) const -> std::shared_ptr<const dialect> {
  std::lock_guard lock(mutex_);
  auto it = dialects_.find(scheme);
  if (it != dialects_.end()) return it->second;
  std::string known;
  for (auto& [name, d] : dialects_) known += (known.empty() ? "" : ", ") + name;
  std::string hint;
  if (scheme.substr(0, scheme.find('+')) == "postgresql")
    hint = "; include <quarry/dialect/postgresql.hpp> and link quarry::postgresql";
  throw ArgumentError("quarry: no dialect is registered for '" + std::string(scheme) + "' (known: " + known +
                      ")" + hint);
}

}  // namespace quarry
