#!/usr/bin/env bash
# README command 1: installs what is missing, builds the quickstart example and
# runs it on an embedded SQLite database file (build/quickstart/quickstart.db).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build/quickstart -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DQUARRY_BUILD_TESTS=OFF -DQUARRY_BUILD_BENCHMARKS=OFF -DQUARRY_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/quickstart --target quickstart
cd build/quickstart
rm -f quickstart.db
./examples/quickstart sqlite:///quickstart.db
