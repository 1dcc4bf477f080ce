// Umbrella header of SQLAlchemy's Core: models and tables, the typed expression language, statements, DDL,
// and the engine that runs them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/core/column.hpp"
#include "quarry/core/compile.hpp"
#include "quarry/core/ddl.hpp"
#include "quarry/core/dml.hpp"
#include "quarry/core/expression.hpp"
#include "quarry/core/functions.hpp"
#include "quarry/core/fwd.hpp"
#include "quarry/core/model.hpp"
#include "quarry/core/model_options.hpp"
#include "quarry/core/schema.hpp"
#include "quarry/core/select.hpp"
#include "quarry/engine.hpp"
