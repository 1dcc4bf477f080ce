// Umbrella header of the PostgreSQL dialect and its libpq driver (link quarry::postgresql).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/dialect/postgresql/dialect.hpp"
#include "quarry/dialect/postgresql/driver.hpp"
