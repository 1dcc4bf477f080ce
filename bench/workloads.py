#!/usr/bin/env python3
# Quarry - SQLAlchemy for C++20. MIT License.
"""Runs the W1-W5 workloads of bench/bench_workloads.cpp and prints one table:
per workload and store, each way's median wall time, its ratio to raw, and
(with --callgrind) the instructions per row callgrind counts inside the timed
call, which do not drift as the VM's wall times do.

  bench/workloads.py build/bench/bench/quarry_bench [--repetitions 5] [--callgrind] [--filter REGEX]

QUARRY_BENCH_ROWS sets the rows (default 100,000; lookups are a tenth);
callgrind runs on --callgrind-rows rows (default 20,000) to stay quick.
PostgreSQL is measured when QUARRY_BENCH_POSTGRESQL_URL (or QUARRY_TEST_POSTGRESQL_URL) is set.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile


def run_wall(binary, pattern, repetitions, cpu):
    command = [binary, "--benchmark_filter=" + pattern, "--benchmark_repetitions=%d" % repetitions,
               "--benchmark_out=wall.json", "--benchmark_out_format=json",
               "--benchmark_enable_random_interleaving=true"]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu)] + command
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open("wall.json") as f:
        report = json.load(f)
    times = {}
    for b in report["benchmarks"]:
        if b.get("run_type") == "aggregate" or b.get("error_occurred"):
            continue
        times.setdefault(b["run_name"], []).append(b["real_time"])
    return {name: statistics.median(values) for name, values in times.items()}


def run_callgrind(binary, name, rows):
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "callgrind.out")
        env = dict(os.environ, QUARRY_BENCH_ROWS=str(rows))
        subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=*measured*",
                        "--callgrind-out-file=" + out, binary, "--benchmark_filter=^" + re.escape(name) + "$",
                        "--benchmark_min_time=0"], check=True, env=env, cwd=work,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    return None


def per_iteration(name, rows):
    """The rows one timed call handles, as the benchmark counts them."""
    work = name.split("/")[0]
    if work == "w3_lookup":
        return max(1, rows // 10)
    if work == "w5_group":
        return max(1, rows // 100)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--filter", default="^w[1-5]_")
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--callgrind-rows", type=int, default=20000)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core (taskset)")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)

    with tempfile.TemporaryDirectory() as work:
        os.chdir(work)
        medians = run_wall(binary, args.filter, args.repetitions, args.cpu)
    instructions = {}
    if args.callgrind:
        for name in medians:
            total = run_callgrind(binary, name, args.callgrind_rows)
            if total is not None:
                instructions[name] = total / per_iteration(name, args.callgrind_rows)

    stores = ["memory", "file", "postgresql"]
    ways = ["raw", "raw_copy", "core", "core_many", "core_prepared", "orm"]

    def order(name):
        work, store, way = name.split("/")
        return (work, stores.index(store) if store in stores else 9, ways.index(way) if way in ways else 9)

    print("| workload | store | way | median ms | / raw | instructions per row | / raw |")
    print("|---|---|---|---|---|---|---|")
    for name in sorted(medians, key=order):
        work, store, way = name.split("/")
        raw = medians.get("%s/%s/raw" % (work, store))
        raw_instructions = instructions.get("%s/%s/raw" % (work, store))
        ratio = "%.2f×" % (medians[name] / raw) if raw else ""
        count = instructions.get(name)
        count_text = "{:,.0f}".format(count) if count is not None else ""
        count_ratio = "%.2f×" % (count / raw_instructions) if count is not None and raw_instructions else ""
        print("| %s | %s | %s | %.2f | %s | %s | %s |" % (work, store, way, medians[name], ratio, count_text,
                                                         count_ratio))
    return 0


if __name__ == "__main__":
    sys.exit(main())
