// Declarations of the built-in dialects' names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

namespace quarry::sqlite {
class dialect;
}  // namespace quarry::sqlite

namespace quarry::postgresql {
class dialect;
}  // namespace quarry::postgresql
