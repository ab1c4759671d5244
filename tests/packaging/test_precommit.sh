#!/usr/bin/env bash
# Run the pre-commit hook of this repository (`.pre-commit-hooks.yaml`, id
# `unclosed`) with `pre-commit try-repo` on a scratch git repository that
# holds one leaky and one clean Python file: the hook must fail on the
# leaky one, name its finding, and pass once the file is fixed.
#
#   bash tests/packaging/test_precommit.sh
#
# Needs python3 (with venv), git, and network access to PyPI for
# pre-commit and maturin (pre-commit installs the hook with pip, which
# builds the package: a release build, several minutes on a small
# machine). Scratch files go to target/packaging/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$ROOT/target/packaging
PYTHON=${PYTHON:-python3}
mkdir -p "$WORK"

fail() { echo "test_precommit: FAIL: $*" >&2; exit 1; }

echo "== pre-commit in $WORK/precommit-venv"
[ -x "$WORK/precommit-venv/bin/python" ] || "$PYTHON" -m venv "$WORK/precommit-venv"
"$WORK/precommit-venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/precommit-venv/bin/python" -m pip install --quiet "pre-commit>=3,<5"
PRE_COMMIT=$WORK/precommit-venv/bin/pre-commit

echo "== a scratch repository with a leaky file"
repo=$WORK/precommit-repo
rm -rf "$repo" && mkdir -p "$repo"
cat > "$repo/leaky.py" <<'PY'
def first_line(path):
    f = open(path)
    return f.readline()
PY
cat > "$repo/clean.py" <<'PY'
def first_line(path):
    with open(path) as f:
        return f.readline()
PY
echo "not python: open(" > "$repo/notes.txt"
git -C "$repo" init -q
git -C "$repo" add leaky.py clean.py notes.txt
# pre-commit keeps its environments here, not in the user's cache.
export PRE_COMMIT_HOME=$WORK/precommit-home
# The committed hook at HEAD (uncommitted changes are not tested). Each
# try-repo clones it afresh and builds the package again: two builds.
REF=$(git -C "$ROOT" rev-parse HEAD)

echo "== pre-commit try-repo: the hook fails on the leaky file"
set +e
output=$(cd "$repo" && "$PRE_COMMIT" try-repo --ref "$REF" "$ROOT" unclosed --all-files 2>&1)
status=$?
set -e
echo "$output"
[ "$status" -ne 0 ] || fail "the hook passed on a leaky file"
grep -q "leaky.py:2:9: UC101" <<<"$output" || fail "no UC101 at leaky.py:2:9 in the hook's output"
if grep -q "clean.py:" <<<"$output"; then fail "a finding in clean.py"; fi
if grep -q "notes.txt" <<<"$output"; then fail "the hook ran on a non-Python file"; fi

echo "== fixed: the hook passes"
cat > "$repo/leaky.py" <<'PY'
def first_line(path):
    with open(path) as f:
        return f.readline()
PY
git -C "$repo" add leaky.py
set +e
output=$(cd "$repo" && "$PRE_COMMIT" try-repo --ref "$REF" "$ROOT" unclosed --all-files 2>&1)
status=$?
set -e
echo "$output"
[ "$status" -eq 0 ] || fail "the hook failed ($status) on fixed code"

echo "test_precommit: 1 passed, 0 failed"
