// Umbrella header of the testing helpers (without Catch2; add quarry/testing/catch2.hpp for its matchers).
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

#include "quarry/testing/assertion_error.hpp"
#include "quarry/testing/backends.hpp"
#include "quarry/testing/compiles_to.hpp"
#include "quarry/testing/factory.hpp"
#include "quarry/testing/mock_engine.hpp"
#include "quarry/testing/sql_rules.hpp"
#include "quarry/testing/statement_recorder.hpp"
#include "quarry/testing/transaction_fixture.hpp"
