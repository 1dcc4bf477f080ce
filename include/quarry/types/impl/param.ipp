// The non-template implementation of quarry/types/param.hpp: compiled once with QUARRY_SEPARATE_COMPILATION, inline otherwise.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/types/param.hpp"

namespace quarry {

QUARRY_DECL auto param::operator=(const param& other) -> param& {
  owned_ = other.owned_;
  ref_ = owned_ ? owned_->ref() : other.ref_;
  return *this;
}

}  // namespace quarry
