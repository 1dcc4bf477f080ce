#!/usr/bin/env bash
# README command 2 (and CI): installs what is missing, starts a throw-away
# PostgreSQL 15 on 127.0.0.1, then builds and runs the whole test suite against
# SQLite and PostgreSQL in several configurations, stops the server, and exits
# non-zero on any failure.
#
#   QUARRY_TEST_CONFIGS  which configurations to run, in order (default: all)
#     gcc    g++, header-only: every test and example, header and consumer check
#     clang  clang++, separate compilation: every test and example, the benchmarks' smoke run, and a libFuzzer run
#            (QUARRY_FUZZ_SECONDS, default 60)
#     asan   g++, separate compilation, AddressSanitizer + UndefinedBehaviorSanitizer: every test and example
#     tsan   g++, separate compilation, ThreadSanitizer: the multi-threaded tests
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

configs=${QUARRY_TEST_CONFIGS:-gcc clang asan tsan}
jobs=${QUARRY_JOBS:-$(nproc)}

scripts/install-deps.sh --tests
source scripts/postgres.sh
trap stop_postgres EXIT
start_postgres

configure() {
  local dir=$1
  shift
  cmake -S "$root" -B "$root/build/$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug "$@" >/dev/null
}

run_ctest() {
  local dir=$1
  shift
  (cd "$root/build/$dir" && ctest --output-on-failure --timeout 600 -j "$jobs" "$@")
}

# SQLAlchemy's side of the conformance suite is the same in every configuration:
# the first one runs it, the others read its traces (tests/conformance/compare.py).
export QUARRY_CONFORMANCE_CACHE="$root/build/conformance-cache"
rm -rf "$QUARRY_CONFORMANCE_CACHE"

sanitize="-fno-omit-frame-pointer -fno-sanitize-recover=all"
for config in $configs; do
  echo "=== $config ==="
  started=$SECONDS
  case $config in
    gcc)
      # The benchmarks are built (and smoke-run) once, in the cheaper separately compiled clang build.
      configure gcc -DCMAKE_CXX_COMPILER=g++ -DQUARRY_BUILD_BENCHMARKS=OFF
      cmake --build "build/gcc" -j "$jobs"
      run_ctest gcc
      ;;
    clang)
      configure clang -DCMAKE_CXX_COMPILER=clang++ -DQUARRY_SEPARATE_COMPILATION=ON -DQUARRY_BUILD_BENCHMARKS=ON -DQUARRY_CHECK_HEADERS=OFF -DQUARRY_TEST_CONSUMERS=OFF \
        -DQUARRY_FUZZ_SECONDS=${QUARRY_FUZZ_SECONDS:-60}
      cmake --build "build/clang" -j "$jobs"
      run_ctest clang
      ;;
    asan)
      configure asan -DCMAKE_CXX_COMPILER=g++ -DQUARRY_SEPARATE_COMPILATION=ON -DQUARRY_CHECK_HEADERS=OFF -DQUARRY_TEST_CONSUMERS=OFF -DQUARRY_TEST_COMPILE_FAIL=OFF \
        -DQUARRY_BUILD_BENCHMARKS=OFF "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined $sanitize"
      cmake --build "build/asan" -j "$jobs"
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest asan
      ;;
    tsan)
      configure tsan -DCMAKE_CXX_COMPILER=g++ -DQUARRY_SEPARATE_COMPILATION=ON -DQUARRY_CHECK_HEADERS=OFF -DQUARRY_TEST_CONSUMERS=OFF \
        -DQUARRY_BUILD_EXAMPLES=OFF -DQUARRY_BUILD_BENCHMARKS=OFF -DQUARRY_TEST_COMPILE_FAIL=OFF \
        "-DCMAKE_CXX_FLAGS=-fsanitize=thread $sanitize"
      cmake --build "build/tsan" -j "$jobs" --target quarry_test_engine quarry_test_core quarry_test_orm web
      # The core suite's one [threads] test needs connections of its own: nothing of it runs in memory.
      TSAN_OPTIONS="halt_on_error=1 suppressions=$root/tests/tsan.supp" QUARRY_TEST_FILTER='[threads]' run_ctest tsan -R '^(quarry_test_(engine|core|orm)|fault|concurrency|web)\.' \
        -E '^quarry_test_core\.sqlite_memory$'
      ;;
    *)
      echo "quarry: unknown configuration '$config'" >&2
      exit 2
      ;;
  esac
  echo "=== $config passed in $((SECONDS - started)) s ==="
done
