#!/usr/bin/env bash
# Build the wheel with maturin, install it into a fresh virtualenv, and run
# the installed `unclosed` (and `python -m unclosed`) on a leaky example.
#
#   bash tests/packaging/test_wheel.sh
#
# Needs python3 (with venv) and network access to PyPI for maturin. Compiles
# the release binary: several minutes on a small machine. Scratch files go
# to target/packaging/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$ROOT/target/packaging
PYTHON=${PYTHON:-python3}
mkdir -p "$WORK"

fail() { echo "test_wheel: FAIL: $*" >&2; exit 1; }

echo "== maturin in $WORK/build-venv"
[ -x "$WORK/build-venv/bin/python" ] || "$PYTHON" -m venv "$WORK/build-venv"
"$WORK/build-venv/bin/python" -m pip install --quiet --upgrade pip
"$WORK/build-venv/bin/python" -m pip install --quiet "maturin>=1.5,<2.0"

echo "== maturin build --release"
rm -rf "$WORK/wheels"
"$WORK/build-venv/bin/maturin" build --release --out "$WORK/wheels"
wheel=$(ls "$WORK"/wheels/unclosed-*.whl)
echo "built $wheel"

echo "== install into a fresh virtualenv"
rm -rf "$WORK/venv"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install --quiet "$wheel"
[ -x "$WORK/venv/bin/unclosed" ] || fail "no unclosed command in the venv's bin/"

echo "== unclosed check on a leaky example"
if [ -d "$ROOT/examples" ]; then
    example=$ROOT/examples
else
    example=$WORK/example
    rm -rf "$example" && mkdir -p "$example"
    cat > "$example/leaky.py" <<'PY'
def first_line(path):
    f = open(path)
    return f.readline()
PY
fi
set +e
output=$(cd "$WORK" && env -i PATH="$WORK/venv/bin:/usr/bin:/bin" unclosed check "$example" 2>&1)
status=$?
set -e
echo "$output"
[ "$status" -eq 1 ] || fail "unclosed check exited $status, expected 1"
grep -q "UC1" <<<"$output" || fail "no UC1xx finding in the output"

echo "== python -m unclosed --version"
version=$("$WORK/venv/bin/python" -m unclosed --version)
echo "$version"
expected=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
[ "$version" = "unclosed $expected" ] || fail "python -m unclosed --version said '$version', expected 'unclosed $expected'"

echo "== python -m unclosed passes the exit code through"
set +e
"$WORK/venv/bin/python" -m unclosed check --output-format concise "$example" >/dev/null
status=$?
set -e
[ "$status" -eq 1 ] || fail "python -m unclosed check exited $status, expected 1"

echo "test_wheel: 1 passed, 0 failed"
