// The PostgreSQL driver's implementation files: compile this once, with QUARRY_SEPARATE_COMPILATION and libpq.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

// CMake does it for you: link quarry::postgresql_compiled (the QUARRY_SEPARATE_COMPILATION option).
#if !defined(QUARRY_SEPARATE_COMPILATION) || !defined(QUARRY_WITH_POSTGRESQL)
#error "quarry: quarry/src_postgresql.hpp is for separate compilation with the PostgreSQL driver; define QUARRY_SEPARATE_COMPILATION and QUARRY_WITH_POSTGRESQL"
#endif

#include "quarry/dialect/postgresql/detail/impl/wire.ipp"
#include "quarry/dialect/postgresql/impl/dialect.ipp"
#include "quarry/dialect/postgresql/impl/driver.ipp"
