#!/usr/bin/env bash
# Static analysis speed: `unclosed check` against `ruff check --select SIM115`
# on the whole standard library of python3.
#
# What it does:
#   1. installs the tools it needs if missing: ruff (pinned, in a virtualenv
#      under bench/.venv), hyperfine and GNU time (apt-get, when run as root;
#      without hyperfine it falls back to a Python timing loop);
#   2. builds `target/release/unclosed` unless UNCLOSED_BIN names a binary;
#   3. runs bench/bench.py, which copies the stdlib's *.py files (without
#      site-packages) to a scratch directory, checks that both tools see the
#      same files, times both (several runs, medians, no cache, same thread
#      count), measures peak memory with /usr/bin/time -v, and rewrites the
#      `## Static analysis speed` section of docs/benchmarks.md.
#
# Usage (from anywhere):
#   bench/bench.sh                      # 10 runs each, writes docs/benchmarks.md
#   bench/bench.sh --runs 5 --no-write  # quicker, print only
#   UNCLOSED_BIN=/path/to/unclosed UNCLOSED_REV=abc1234 bench/bench.sh
# Every option after the script name goes to bench/bench.py (see --help).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUFF_VERSION="0.17.5"
VENV="$ROOT/bench/.venv"

if [[ ! -x "$VENV/bin/ruff" ]] || [[ "$("$VENV/bin/ruff" --version)" != "ruff $RUFF_VERSION" ]]; then
    echo "bench: installing ruff==$RUFF_VERSION into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "ruff==$RUFF_VERSION"
fi

apt_install() {
    # Best effort: only root can apt-get; the Python fallbacks cover the rest.
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "bench: apt-get install -y $*" >&2
        { apt-get install -y "$@" || { apt-get update && apt-get install -y "$@"; }; } \
            >/dev/null 2>&1 || echo "bench: could not install $* (continuing)" >&2
    fi
}
command -v hyperfine >/dev/null || apt_install hyperfine
[[ -x /usr/bin/time ]] || apt_install time

if [[ -z "${UNCLOSED_BIN:-}" ]]; then
    echo "bench: cargo build --release -p unclosed" >&2
    (cd "$ROOT" && cargo build --release --quiet -p unclosed)
    UNCLOSED_BIN="$ROOT/target/release/unclosed"
fi

exec python3 "$ROOT/bench/bench.py" --unclosed "$UNCLOSED_BIN" --ruff "$VENV/bin/ruff" "$@"
