// Declarations of the reflect layer's names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

namespace quarry {
class Inspector;
struct reflected_column;
struct reflected_table;
struct reflected_enum;
struct table_order;
struct codegen_options;
}  // namespace quarry
