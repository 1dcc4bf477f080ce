// Declarations of the Core's names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

namespace quarry {
template <class T>
class expr;
template <class Row>
class select_statement;
template <class Row>
class compound_statement;
template <class Row>
class derived;
template <class M, class Row>
class insert_statement;
template <class M, class Row>
class update_statement;
template <class M, class Row>
class delete_statement;
class Table;
class MetaData;
struct table_info;
struct column_info;
struct compiled_statement;
struct compiled_sql;
}  // namespace quarry
