// MetaData::reflect: the database's tables as runtime quarry::Table objects, from the Inspector's records.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/config.hpp"

#include <memory>

#include "quarry/core/column.hpp"
#include "quarry/core/ddl.hpp"
#include "quarry/core/schema.hpp"
#include "quarry/reflect/inspector.hpp"
#include "quarry/reflect/records.hpp"

namespace quarry {

// A reflected table as the runtime description Core compiles and DDL writes.
// What table_info cannot hold is left out: constraint names, expression keys
// of indexes (the index is skipped), comments, identity and generated columns'
// expressions (the column stays, read-only in practice), and the indexes that
// back unique constraints (the constraint is kept).
QUARRY_DECL std::shared_ptr<const table_info> to_table_info(const reflected_table& table);

}  // namespace quarry

#if !defined(QUARRY_SEPARATE_COMPILATION)
#include "quarry/reflect/impl/metadata_reflect.ipp"
#endif
