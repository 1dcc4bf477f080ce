// The non-template implementation of quarry/engine/detail/engine_state.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/detail/engine_state.hpp"

namespace quarry::detail {

QUARRY_DECL auto engine_state::log(std::string_view line) const -> void {
  if (options.logger) {
    options.logger(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
  }
}

}  // namespace quarry::detail
