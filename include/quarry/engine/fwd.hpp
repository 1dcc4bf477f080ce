// Declarations of the engine layer's names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

namespace quarry {
class Engine;
class Connection;
class Transaction;
class Result;
class RowView;
template <class T>
class typed_rows;
class params;
class text_clause;
struct execute_event;
struct retry_options;
}  // namespace quarry
