// Declarations of the driver and row contracts' names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

namespace quarry {
class dialect;
class dbapi_connection;
class dbapi_statement;
class parameter_batch;
class row_sink;
class dialect_registry;
class URL;
struct engine_options;
enum class isolation_level : unsigned char;
enum class paramstyle : unsigned char;
class Row;
}  // namespace quarry
