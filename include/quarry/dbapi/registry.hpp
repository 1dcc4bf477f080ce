// The dialects by URL scheme, where a third dialect registers itself.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "quarry/dbapi/interfaces.hpp"
#include "quarry/errors.hpp"

namespace quarry {

// Dialects by URL scheme ("sqlite", "postgresql", "postgresql+libpq"). The
// built-in dialects register themselves when their header is included; an
// application registers its own the same way, without touching Quarry.
class dialect_registry {
 public:
  static dialect_registry& instance();

  void add(std::string scheme, std::shared_ptr<const dialect> implementation);

  std::shared_ptr<const dialect> find(std::string_view scheme) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const dialect>, std::less<>> dialects_;
};

// Registers a dialect under one or more schemes; returns true so that it can
// initialize an inline variable in a header.
template <class Dialect>
bool register_dialect(std::initializer_list<std::string_view> schemes) {
  auto implementation = std::make_shared<const Dialect>();
  for (auto scheme : schemes) dialect_registry::instance().add(std::string(scheme), implementation);
  return true;
}

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/dbapi/impl/registry.ipp"
#endif
