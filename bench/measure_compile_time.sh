#!/usr/bin/env bash
# Times the compile-time yardsticks beside a baseline file (<sqlite3.h>, <string>,
# <vector>, <map>, <memory>, <functional>), in the same minutes, header-only and
# with QUARRY_SEPARATE_COMPILATION: the best of N runs (default 3) of g++ -O2,
# seconds and peak memory, and each as a ratio to the baseline.
#   bench/measure_compile_time.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
cxx=${CXX:-g++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#include <sqlite3.h>\n#include <string>\n#include <vector>\n#include <map>\n#include <memory>\n#include <functional>\nint main() {}\n' > "$work/baseline.cpp"
printf '#include <quarry/quarry.hpp>\nint main() {}\n' > "$work/empty.cpp"

best() {  # best() <label> <flags...> : prints "seconds kilobytes"
  local best_s="" best_kb=""
  for _ in $(seq "$runs"); do
    read -r s kb < <(/usr/bin/time -f "%e %M" "$cxx" -std=c++20 -O2 -Iinclude "$@" -o /dev/null 2>&1 >/dev/null | tail -1)
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s best_kb=$kb; fi
  done
  echo "$best_s $best_kb"
}

read -r base_s base_kb < <(best -c "$work/baseline.cpp")
printf '%-34s %6s s %6s MB\n' "baseline" "$base_s" "$((base_kb / 1024))"
for mode in header-only separate; do
  flags=()
  [ "$mode" = separate ] && flags=(-DQUARRY_SEPARATE_COMPILATION)
  for file in "$work/empty.cpp" bench/compile_time.cpp bench/compile_time_orm.cpp; do
    read -r s kb < <(best -c "$file" "${flags[@]}")
    printf '%-34s %6s s %6s MB  %5.1fx baseline\n' "$(basename "$file") ($mode)" "$s" "$((kb / 1024))" \
      "$(awk "BEGIN{print $s / $base_s}")"
  done
done
