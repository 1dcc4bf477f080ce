// The library's version.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#define QUARRY_VERSION_MAJOR 0
#define QUARRY_VERSION_MINOR 1
#define QUARRY_VERSION_PATCH 0

namespace quarry {
inline constexpr const char* version = "0.1.0";
}
