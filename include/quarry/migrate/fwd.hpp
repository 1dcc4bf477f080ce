// Declarations of the migrate layer's names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

namespace quarry::migrate {
struct revision;
class revision_graph;
class operations;
class batch_operations;
class column;
class migrator;
struct migrate_options;
}  // namespace quarry::migrate
