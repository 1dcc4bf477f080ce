// Umbrella header of migrations: revisions, operations, the migrator and autogenerate.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/migrate/autogenerate.hpp"
#include "quarry/migrate/batch.hpp"
#include "quarry/migrate/column.hpp"
#include "quarry/migrate/command_line.hpp"
#include "quarry/migrate/lint.hpp"
#include "quarry/migrate/migrator.hpp"
#include "quarry/migrate/operations.hpp"
#include "quarry/migrate/revision.hpp"
#include "quarry/migrate/revision_graph.hpp"
