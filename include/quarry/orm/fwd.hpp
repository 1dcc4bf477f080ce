// Declarations of the ORM's names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include <cstdint>

namespace quarry {
class Session;
struct session_options;
class sessionmaker;
class scoped_session;
class object_ref;
template <class M>
class object_result;
template <class Row>
class Query;
class loader_option;
enum class synchronize_session : std::uint8_t;
}  // namespace quarry
