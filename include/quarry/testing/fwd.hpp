// Declarations of the testing layer's names, for headers that only refer to them.
// Quarry - SQLAlchemy for C++20. MIT License.
#pragma once

namespace quarry::testing {
class assertion_error;
struct compile_expectation;
struct recorded_statement;
class statement_recorder;
class sql_rule;
class mock_engine;
class scripted_result;
class transaction_fixture;
template <class M>
class factory;
struct test_backend;
class throwaway_database;
}  // namespace quarry::testing
