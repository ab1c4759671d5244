#!/usr/bin/env python3
"""Check `unclosed check examples/` against the `# expect:` comments.

Each line of the bundled example project (examples/) that must be reported
ends with `# expect: UC101` (alternatives joined by `|` when the analysis
may fairly pick either, e.g. `UC101|UC103`); `# later: UC202` marks lines
for rules that are not built yet (reported or not, both are fine). Every
other finding is unexpected (a false positive on correct code).

    python3 bench/examples.py                 # table + verdict, exit 1 on mismatch
    python3 bench/examples.py --write-readme  # regenerate the table in examples/README.md
    UNCLOSED_BIN=path python3 bench/examples.py

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
MARK = re.compile(r"#\s*(expect|later):\s*(UC\d{3}(?:\|UC\d{3})*)")
START, END = "<!-- expected-findings:start -->", "<!-- expected-findings:end -->"


def markers() -> list[dict]:
    out = []
    for path in sorted(EXAMPLES.rglob("*.py")):
        for row, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = MARK.search(line)
            if m:
                code_line = line[: m.start()].strip()
                out.append({
                    "file": path.relative_to(EXAMPLES).as_posix(), "row": row, "kind": m.group(1),
                    "codes": m.group(2).split("|"), "code": code_line,
                })
    return out


def findings(binary: str) -> list[dict]:
    proc = subprocess.run([binary, "check", "--output-format", "json", "--quiet", str(EXAMPLES)],
                          capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"examples: unclosed exited {proc.returncode}: {proc.stderr.strip()}")
    out = []
    for d in json.loads(proc.stdout or "[]"):
        rel = Path(d["filename"]).resolve().relative_to(EXAMPLES.resolve()).as_posix()
        out.append({"file": rel, "row": d["location"]["row"], "code": d["code"], "message": d["message"]})
    return out


def readme_table(marks: list[dict]) -> str:
    rows = ["| file:line | rule | code |", "| --- | --- | --- |"]
    for m in marks:
        rule = " or ".join(m["codes"]) + (" (rule not built yet)" if m["kind"] == "later" else "")
        code = m["code"].replace("|", "\\|")
        rows.append(f"| `logwatch/{m['file'].removeprefix('logwatch/')}:{m['row']}` | {rule} | `{code}` |")
    return "\n".join(rows)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--unclosed", default=os.environ.get("UNCLOSED_BIN", str(ROOT / "target/release/unclosed")))
    p.add_argument("--write-readme", action="store_true", help="rewrite the table in examples/README.md")
    args = p.parse_args()
    marks = markers()
    if args.write_readme:
        readme = EXAMPLES / "README.md"
        text = readme.read_text(encoding="utf-8")
        if START not in text or END not in text:
            sys.exit(f"examples: {readme} lacks the {START} / {END} markers")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        readme.write_text(f"{head}{START}\n{readme_table(marks)}\n{END}{tail}", encoding="utf-8")
        print(f"examples: wrote {readme}", file=sys.stderr)
        return 0

    found = findings(args.unclosed)
    by_line: dict[tuple[str, int], list[dict]] = {}
    for f in found:
        by_line.setdefault((f["file"], f["row"]), []).append(f)
    marked = {(m["file"], m["row"]): m for m in marks}
    missing, later_pending, unexpected = [], [], []
    for m in marks:
        got = {f["code"] for f in by_line.get((m["file"], m["row"]), [])}
        hit = bool(got & set(m["codes"]))
        status = "ok" if hit else ("not yet" if m["kind"] == "later" else "MISSING")
        if not hit:
            (later_pending if m["kind"] == "later" else missing).append(m)
        print(f"{status:8} {m['file']}:{m['row']:<4} {m['kind']} {'|'.join(m['codes']):12} "
              f"got {', '.join(sorted(got)) or '-'}")
    for f in found:
        m = marked.get((f["file"], f["row"]))
        if m is None or f["code"] not in m["codes"]:
            unexpected.append(f)
            print(f"{'EXTRA':8} {f['file']}:{f['row']:<4} {f['code']}: {f['message']}")
    expects = sum(m["kind"] == "expect" for m in marks)
    print(f"\n{expects - len(missing)}/{expects} expected findings reported, "
          f"{len(unexpected)} unexpected, {len(later_pending)} for rules not built yet.")
    return 1 if missing or unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
