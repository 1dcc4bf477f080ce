// Quarry - SQLAlchemy for C++20. MIT License.
// The shared test runner. Before running a PostgreSQL suite it checks that the
// server answers: under CI an unreachable server fails the run; by hand the
// suite is skipped (exit 77, which ctest reports as skipped, never passed).
// QUARRY_TEST_FILTER narrows a run to some tests (a Catch test spec, e.g. "[threads]"),
// also a run ctest already narrowed to a tag.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <quarry/dialect/postgresql.hpp>
#include <quarry/dialect/sqlite.hpp>
#include <quarry/engine.hpp>

#include "backend_name.hpp"

namespace {
constexpr int skipped = 77;

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) != "" && std::string(ci) != "false" && std::string(ci) != "0";
}
}  // namespace

int main(int argc, char* argv[]) {
  if (quarry_test::is_postgresql()) {
    std::string problem;
    if (quarry_test::postgresql_url().empty()) {
      problem = "QUARRY_TEST_POSTGRESQL_URL is not set";
    } else {
      try {
        auto engine = quarry::create_engine(quarry_test::postgresql_url());
        engine.connect().exec_driver_sql("SELECT 1").scalar<int>();
      } catch (const std::exception& e) {
        problem = e.what();
      }
    }
    if (!problem.empty()) {
      if (running_in_ci()) {
        std::fprintf(stderr, "FAILED: PostgreSQL is required under CI but unreachable: %s\n", problem.c_str());
        return 1;
      }
      std::fprintf(stderr, "SKIPPED: PostgreSQL is unreachable (%s); run scripts/test.sh to start one\n",
                   problem.c_str());
      return skipped;
    }
  }
  std::vector<char*> args(argv, argv + argc);
  std::string filter = std::getenv("QUARRY_TEST_FILTER") ? std::getenv("QUARRY_TEST_FILTER") : "";
  // With a test spec from ctest (a SPLIT run), the filter narrows it: Catch ANDs specs written together.
  std::string narrowed;
  if (!filter.empty() && argc > 1 && argv[argc - 1][0] != '-') {
    narrowed = std::string(argv[argc - 1]) + filter;
    args.back() = narrowed.data();
  } else if (!filter.empty()) {
    args.push_back(filter.data());
  }
  return Catch::Session().run(static_cast<int>(args.size()), args.data());
}
