// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dialect/sqlite/dialect.hpp"
#include "quarry/dialect/sqlite/driver.hpp"
