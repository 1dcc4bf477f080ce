// Umbrella header of the SQLite dialect and its sqlite3 driver.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dialect/sqlite/dialect.hpp"
#include "quarry/dialect/sqlite/driver.hpp"
