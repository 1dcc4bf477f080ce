// Umbrella header of query profiling: the profiler (engine) and the N+1 detector (ORM); conn.explain() comes with the engine.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/engine/explain.hpp"
#include "quarry/engine/profiler.hpp"
#include "quarry/orm/n_plus_one.hpp"
