// Quarry - SQLAlchemy for C++20. MIT License.
// The benchmark runner: Google Benchmark's console output, plus an exit code
// that fails when any benchmark reported an error (so the test suite's smoke run
// of the benchmarks can fail, e.g. when PostgreSQL is unreachable).
#include <benchmark/benchmark.h>

#include <cstdio>

namespace {
class error_counting_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs)
      if (run.error_occurred) ++errors;
    ConsoleReporter::ReportRuns(runs);
  }
  int errors = 0;
};
}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  error_counting_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (reporter.errors) std::fprintf(stderr, "%d benchmark(s) reported an error\n", reporter.errors);
  return reporter.errors ? 1 : 0;
}
