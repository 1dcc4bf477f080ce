// The multi-row INSERT and the COPY that Core's executemany() and the ORM's flush both send.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <cstddef>
#include <optional>
#include <vector>

#include "quarry/core/compiled.hpp"
#include "quarry/core/detail/node.hpp"
#include "quarry/core/schema.hpp"
#include "quarry/dbapi/interfaces.hpp"

// One builder, so that both paths send the same statements: as many rows per
// INSERT as the dialect likes within its parameter limit, or COPY FROM STDIN
// where the dialect sends that many rows faster that way and nothing comes back.
namespace quarry::detail {

// `data` (an INSERT with its target set) becomes an INSERT of `rows` rows of
// the `included` columns of `table`: the first row as assignments, the others
// as more_rows. The placeholder of row r and column i is named "r:i".
QUARRY_DECL void set_insert_rows(statement_data& data, const table_info& table, const std::vector<bool>& included,
                                 std::size_t rows);

// The rows each statement of an executemany() INSERT of `total` rows of
// `columns` columns carries (1 to `total`).
QUARRY_DECL std::size_t rows_per_insert(const dialect& d, std::size_t columns, std::size_t total);

// COPY FROM STDIN for `one_row` (an INSERT of one row, from set_insert_rows())
// when the dialect sends `total` rows faster that way and the INSERT has no
// RETURNING or ON CONFLICT; each parameter set is then one row of the copy.
QUARRY_DECL std::optional<compiled_statement> copy_for_insert(const dialect& d, const statement_data& one_row,
                                                              std::size_t total);

}  // namespace quarry::detail

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/core/detail/impl/insert_rows.ipp"
#endif
