#!/usr/bin/env python3
"""Time `unclosed check` against `ruff check --select SIM115` on the stdlib.

Normally started by bench/bench.sh, which installs ruff (pinned) and
hyperfine and builds the release binary first. Python 3 standard library
only.

Method:
  * corpus: every *.py file of python3's standard library (the
    `sysconfig.get_paths()["stdlib"]` directory, without site-packages),
    copied to a scratch directory outside any git repository, so that no
    .gitignore or config file changes what either tool sees;
  * both tools walk that directory; the script checks that they analyze
    the same number of files (both skip the stdlib's `venv/` package by
    default, which is the only default exclude that matches there);
  * same thread count for both: RAYON_NUM_THREADS (both use rayon), default
    the number of CPUs;
  * no cache: `ruff --no-cache` (and `unclosed --no-cache` if the binary
    has the flag);
  * wall time: hyperfine (warmup + N runs, `--shell=none`), or a Python
    timing loop when hyperfine is missing; medians reported;
  * peak memory: max RSS from `/usr/bin/time -v` (os.wait4 as a fallback),
    the largest over a few runs.

Writes the `## Static analysis speed` section of docs/benchmarks.md (other
sections of that file are kept as they are), unless --no-write.

    python3 bench/bench.py --unclosed target/release/unclosed --ruff bench/.venv/bin/ruff
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Static analysis speed"
GOAL_RATIO = 2.0
GOAL_RSS_MB = 500.0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--unclosed",
        default=os.environ.get("UNCLOSED_BIN", str(ROOT / "target/release/unclosed")),
        help="unclosed binary (default: $UNCLOSED_BIN or target/release/unclosed)",
    )
    p.add_argument(
        "--ruff",
        default=os.environ.get("RUFF_BIN", str(ROOT / "bench/.venv/bin/ruff")),
        help="ruff binary (default: $RUFF_BIN or bench/.venv/bin/ruff)",
    )
    p.add_argument(
        "--unclosed-rev",
        default=os.environ.get("UNCLOSED_REV"),
        help="what the binary was built from, for the report (default: this checkout's commit)",
    )
    p.add_argument("--runs", type=int, default=10, help="timed runs per tool (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    p.add_argument("--mem-runs", type=int, default=3, help="runs under /usr/bin/time (default 3)")
    p.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="RAYON_NUM_THREADS for both"
    )
    p.add_argument(
        "--stdlib",
        default=sysconfig.get_paths()["stdlib"],
        help="directory to copy the corpus from (default: this python3's stdlib)",
    )
    p.add_argument(
        "--corpus-dir",
        default=os.path.join(tempfile.gettempdir(), "unclosed-bench", "stdlib"),
        help="scratch directory for the corpus copy (recreated)",
    )
    p.add_argument("--docs", default=str(ROOT / "docs/benchmarks.md"), help="file to update")
    p.add_argument("--no-write", action="store_true", help="print the table, do not write docs")
    p.add_argument(
        "--no-hyperfine", action="store_true", help="use the Python timing loop even if hyperfine exists"
    )
    return p.parse_args()


# --------------------------------------------------------------------------- corpus


def make_corpus(stdlib: Path, dest: Path) -> tuple[int, int]:
    """Copy stdlib *.py files (not site-packages) to dest; return (files, bytes)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    files = 0
    size = 0
    for dirpath, dirnames, filenames in os.walk(stdlib):
        rel = Path(dirpath).relative_to(stdlib)
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            src = Path(dirpath) / name
            if not src.is_file():
                continue  # dangling symlink
            target = dest / rel / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            files += 1
            size += target.stat().st_size
    return files, size


# --------------------------------------------------------------------------- tools


def run(cmd: list[str], env: dict[str, str], check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=check)


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except OSError:
        return "?"


def unclosed_cmd(binary: str, corpus: Path) -> list[str]:
    cmd = [binary, "check", "--output-format", "json", "--quiet"]
    help_text = subprocess.run([binary, "check", "--help"], capture_output=True, text=True).stdout
    if "--no-cache" in help_text:
        cmd.append("--no-cache")
    return cmd + [str(corpus)]


def ruff_cmd(binary: str, corpus: Path) -> list[str]:
    return [
        binary, "check", "--isolated", "--no-cache", "--select", "SIM115",
        "--output-format", "json", str(corpus),
    ]


def count_files_unclosed(binary: str, corpus: Path, env: dict[str, str]) -> int | None:
    proc = run([binary, "check", "--quiet", "--verbose", "--output-format", "json", str(corpus)], env)
    m = re.search(r"analyzed (\d+) files", proc.stderr)
    return int(m.group(1)) if m else None


def count_files_ruff(binary: str, corpus: Path, env: dict[str, str]) -> int:
    proc = run([binary, "check", "--isolated", "--no-cache", "--show-files", str(corpus)], env)
    return sum(1 for line in proc.stdout.splitlines() if line.strip().endswith(".py"))


def findings(cmd: list[str], env: dict[str, str]) -> dict[str, int]:
    """Findings per code, from one run's JSON output."""
    proc = run(cmd, env)
    try:
        data = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        print(f"bench: cannot parse JSON from {cmd[0]}: {proc.stderr[:500]}", file=sys.stderr)
        return {}
    counts: dict[str, int] = {}
    for item in data:
        code = item.get("code") or "(error)"
        counts[code] = counts.get(code, 0) + 1
    return counts


# --------------------------------------------------------------------------- timing


def time_hyperfine(cmds: dict[str, list[str]], args, env) -> dict[str, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "hyperfine.json"
        hf = [
            "hyperfine", "--shell=none", "--ignore-failure", "--style", "basic",
            "--warmup", str(args.warmup), "--runs", str(args.runs),
            "--export-json", str(export),
        ]
        for name, cmd in cmds.items():
            hf += ["--command-name", name, shlex.join(cmd)]
        subprocess.run(hf, env=env, check=True, stdout=sys.stderr)
        results = json.loads(export.read_text())["results"]
    out = {}
    for name, r in zip(cmds, results):
        out[name] = {
            "median": r["median"], "mean": r["mean"], "stddev": r.get("stddev") or 0.0,
            "min": r["min"], "max": r["max"], "user": r["user"], "system": r["system"],
            "runs": len(r["times"]),
        }
    return out


def time_loop(cmds: dict[str, list[str]], args, env) -> dict[str, dict]:
    out = {}
    for name, cmd in cmds.items():
        for _ in range(args.warmup):
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls, cpus = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, _, usage = os.wait4(proc.pid, 0)
            walls.append(time.perf_counter() - start)
            cpus.append((usage.ru_utime, usage.ru_stime))
        print(f"bench: {name}: median {statistics.median(walls):.3f}s over {len(walls)} runs",
              file=sys.stderr)
        out[name] = {
            "median": statistics.median(walls), "mean": statistics.mean(walls),
            "stddev": statistics.stdev(walls) if len(walls) > 1 else 0.0,
            "min": min(walls), "max": max(walls),
            "user": statistics.mean(u for u, _ in cpus), "system": statistics.mean(s for _, s in cpus),
            "runs": len(walls),
        }
    return out


def peak_rss_mb(cmd: list[str], runs: int, env) -> tuple[float, str]:
    """Largest max RSS over `runs` runs, in MB (10^6 bytes), and how it was measured."""
    peaks = []
    gnu_time = Path("/usr/bin/time")
    for _ in range(max(1, runs)):
        if gnu_time.exists():
            proc = subprocess.run([str(gnu_time), "-v", *cmd], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
            if m:
                peaks.append(int(m.group(1)) * 1024 / 1e6)
                continue
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        peaks.append(usage.ru_maxrss * 1024 / 1e6)
    how = "/usr/bin/time -v" if gnu_time.exists() else "os.wait4 ru_maxrss"
    return max(peaks), how


# --------------------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cpus": str(os.cpu_count()),
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
    }


def git_rev() -> str:
    proc = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    rev = proc.stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return rev + (" (with local changes)" if dirty else "")


def fmt_counts(counts: dict[str, int]) -> str:
    if not counts:
        return "0"
    total = sum(counts.values())
    parts = ", ".join(f"{c} {k}" for k, c in sorted(counts.items()))
    return f"{total} ({parts})"


def render(ctx: dict) -> str:
    u, r = ctx["timing"]["unclosed"], ctx["timing"]["ruff"]
    ratio = u["median"] / r["median"] if r["median"] else float("inf")
    cpu_u, cpu_r = u["user"] + u["system"], r["user"] + r["system"]
    cpu_ratio = cpu_u / cpu_r if cpu_r else float("inf")
    ok_time = ratio <= GOAL_RATIO
    ok_mem = ctx["rss"]["unclosed"] < GOAL_RSS_MB
    m = ctx["machine"]
    lines = [
        SECTION,
        "",
        "`unclosed check` against `ruff check --select SIM115` (the closest ruff",
        "rule: open() without a context manager) on the whole standard library of",
        f"Python {ctx['python']}. Generated by `bench/bench.sh` on {ctx['date']};",
        "rerun it to refresh this section.",
        "",
        f"- Machine: {m['cpu']}, {m['cpus']} CPUs, {m['memory']} RAM, {m['os']}.",
        f"- unclosed: `{ctx['unclosed_version']}`, release build of commit {ctx['rev']}.",
        f"- ruff: `{ctx['ruff_version']}` (pinned in `bench/bench.sh`, installed in `bench/.venv`).",
        f"- Corpus: {ctx['files']} `*.py` files, {ctx['bytes'] / 1e6:.1f} MB, copied from",
        f"  `{ctx['stdlib']}` without `site-packages`. Files analyzed: unclosed "
        f"{ctx['files_unclosed']}, ruff {ctx['files_ruff']}"
        + (" (same set: both skip `venv/`)." if ctx["files_unclosed"] == ctx["files_ruff"]
           else " (**differ**: see the counts)."),
        f"- Threads: `RAYON_NUM_THREADS={ctx['threads']}` for both; no cache for either.",
        f"- Timing: {ctx['timer']}, {ctx['warmup']} warmup + {u['runs']} runs each; "
        f"peak memory: largest max RSS of {ctx['mem_runs']} runs ({ctx['rss_how']}).",
        "",
        "| tool | median wall | mean ± σ | min … max | user + sys CPU | peak RSS | findings |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name in ("unclosed", "ruff"):
        t = ctx["timing"][name]
        lines.append(
            f"| {name} | {t['median'] * 1000:.0f} ms | {t['mean'] * 1000:.0f} ± {t['stddev'] * 1000:.0f} ms"
            f" | {t['min'] * 1000:.0f} … {t['max'] * 1000:.0f} ms"
            f" | {(t['user'] + t['system']) * 1000:.0f} ms | {ctx['rss'][name]:.0f} MB"
            f" | {fmt_counts(ctx['findings'][name])} |"
        )
    lines += [
        "",
        f"**unclosed / ruff median wall time: {ratio:.2f}x** (goal ≤ {GOAL_RATIO:g}x: "
        f"{'met' if ok_time else 'NOT met'}); unclosed peak memory "
        f"{ctx['rss']['unclosed']:.0f} MB (goal < {GOAL_RSS_MB:g} MB: {'met' if ok_mem else 'NOT met'}).",
        f"CPU time (user + sys) ratio: {cpu_ratio:.2f}x. Wall times on a machine shared with",
        "other jobs are noisy; the CPU column is the steadier of the two.",
        "",
        "Command lines (corpus path shortened to `$CORPUS`):",
        "",
        "```sh",
        f"RAYON_NUM_THREADS={ctx['threads']} " + ctx["cmd_unclosed"],
        f"RAYON_NUM_THREADS={ctx['threads']} " + ctx["cmd_ruff"],
        "```",
        "",
        "Reproduce: `bench/bench.sh` (options: `--runs N`, `--threads N`, `--no-write`;",
        "`UNCLOSED_BIN=path` to time a given binary instead of building one).",
        "",
    ]
    return "\n".join(lines)


def write_section(docs: Path, section: str) -> None:
    """Replace our section (up to the next `## ` heading) or append it."""
    text = docs.read_text() if docs.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(text.rstrip("\n") + "\n")


def main() -> int:
    args = parse_args()
    for tool in (args.unclosed, args.ruff):
        if not (Path(tool).is_file() and os.access(tool, os.X_OK)):
            sys.exit(f"bench: no executable at {tool} (build it, or run bench/bench.sh)")
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads), NO_COLOR="1")
    stdlib = Path(args.stdlib)
    corpus = Path(args.corpus_dir)
    files, size = make_corpus(stdlib, corpus)
    print(f"bench: corpus {corpus}: {files} files, {size / 1e6:.1f} MB", file=sys.stderr)

    cmds = {"unclosed": unclosed_cmd(args.unclosed, corpus), "ruff": ruff_cmd(args.ruff, corpus)}
    files_unclosed = count_files_unclosed(args.unclosed, corpus, env)
    files_ruff = count_files_ruff(args.ruff, corpus, env)
    if files_unclosed != files_ruff:
        print(f"bench: WARNING: unclosed analyzes {files_unclosed} files, ruff {files_ruff}",
              file=sys.stderr)

    use_hf = shutil.which("hyperfine") and not args.no_hyperfine
    timing = time_hyperfine(cmds, args, env) if use_hf else time_loop(cmds, args, env)
    rss = {}
    rss_how = ""
    for name, cmd in cmds.items():
        rss[name], rss_how = peak_rss_mb(cmd, args.mem_runs, env)

    def short(cmd: list[str]) -> str:
        return shlex.join(
            ["unclosed" if c == args.unclosed else "ruff" if c == args.ruff else c for c in cmd]
        ).replace(str(corpus), "$CORPUS")

    ctx = {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "machine": machine(),
        "rev": args.unclosed_rev or git_rev(),
        "unclosed_version": tool_version([args.unclosed, "--version"]),
        "ruff_version": tool_version([args.ruff, "--version"]),
        "stdlib": str(stdlib),
        "files": files,
        "bytes": size,
        "files_unclosed": files_unclosed,
        "files_ruff": files_ruff,
        "threads": args.threads,
        "timer": (tool_version(["hyperfine", "--version"]) if use_hf else "Python timing loop"),
        "warmup": args.warmup,
        "mem_runs": args.mem_runs,
        "timing": timing,
        "rss": rss,
        "rss_how": rss_how,
        "findings": {name: findings(cmd, env) for name, cmd in cmds.items()},
        "cmd_unclosed": short(cmds["unclosed"]),
        "cmd_ruff": short(cmds["ruff"]),
    }
    section = render(ctx)
    print(section)
    if not args.no_write:
        write_section(Path(args.docs), section)
        print(f"bench: wrote {args.docs}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
