#!/usr/bin/env python3
"""Measure `unclosed trace` overhead: wall time plain vs traced (cheap mode)
vs traced with --tracemalloc 25, for a resource-heavy script and a real test
suite. Prints a Markdown table (the one in docs/benchmarks.md).

Usage: python3 bench/trace_overhead.py [--unclosed PATH] [--runs N] [--python PY]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def wall(cmd, cwd):
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    default = os.path.join(ROOT, "target", "release", "unclosed")
    if not os.path.exists(default):
        default = os.path.join(ROOT, "target", "debug", "unclosed")
    ap.add_argument("--unclosed", default=default)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--python", default="python3")
    ap.add_argument("--suite", default="test_zipfile test_tempfile",
                    help="stdlib test modules for the test-suite workload")
    args = ap.parse_args()

    workloads = [
        ("resource-heavy script (bench/trace_overhead_workload.py)",
         [args.python, os.path.join(HERE, "trace_overhead_workload.py")]),
        ("stdlib test suite (python -m test %s)" % args.suite,
         [args.python, "-m", "test"] + args.suite.split()),
    ]
    modes = [
        ("plain", []),
        ("traced", [args.unclosed, "trace", "-o", os.devnull, "--"]),
        ("traced --tracemalloc 25", [args.unclosed, "trace", "--tracemalloc", "25", "-o", os.devnull, "--"]),
    ]
    version = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True).stdout.strip()
    print("Python %s, %d runs each (median), %s" % (version, args.runs, os.path.relpath(args.unclosed, ROOT)))
    print()
    print("| workload | plain | traced (cheap) | ratio | traced --tracemalloc 25 | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, cmd in workloads:
        times = {}
        for mode, prefix in modes:
            runs = []
            for _ in range(args.runs):
                runs.append(wall(prefix + cmd, cwd=ROOT))
            times[mode] = statistics.median(runs)
            print("  %s / %s: %s" % (name, mode, " ".join("%.2f" % r for r in runs)), file=sys.stderr)
        p, t, m = times["plain"], times["traced"], times["traced --tracemalloc 25"]
        print("| %s | %.2f s | %.2f s | %.2fx | %.2f s | %.2fx |" % (name, p, t, t / p, m, m / p))


if __name__ == "__main__":
    main()
