#!/usr/bin/env python3
"""Score `unclosed check` findings against the verdicts of the precision reviews.

Every review round in docs/precision/ is a table (`roundN.md`, one row per
finding: `| # | file:line | rule | TP/FP | why |`) and the list of findings it
judged (`roundN-sample.txt`, one concise line each, row #i = line i). A
verdict applies to a finding only when the finding's text is *exactly* the
judged one: a changed message ("not closed if `x()` raises") is a new claim
and needs a new verdict. When two rounds disagree on the same text, the
false-positive verdict wins.

    unclosed check $STDLIB pip-24.2 ... -q --output-format concise > findings.txt
    python3 bench/precision.py findings.txt --roots STDLIB=$STDLIB CORPUS=/work/corpus

prints the precision over the judged findings and writes the unjudged ones
(`--unjudged FILE`) so that they can be reviewed next.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "precision"
ROW = re.compile(
    r"\|\s*(\d+)\s*\|\s*`?([^|`]+?)`?\s*\|\s*(UC\d+)\s*\|\s*\**(TP|FP)[^|]*\|(.*)\|\s*$"
)


def table(md: Path) -> dict[int, tuple[str, str, str, str]]:
    rows = {}
    for line in md.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            rows[int(m.group(1))] = (m.group(4), m.group(5).strip(), m.group(2).strip(), m.group(3))
    return rows


def verdicts() -> dict[str, tuple[str, str, str]]:
    """Finding text -> (TP|FP, source, justification)."""
    out: dict[str, tuple[str, str, str]] = {}

    def add(text: str, verdict: str, source: str, why: str) -> None:
        old = out.get(text)
        if old is None or (old[0] == "TP" and verdict == "FP"):
            out[text] = (verdict, source, why)

    for sample in sorted(DOCS.glob("*-sample.txt")):
        md = sample.with_name(sample.name.replace("-sample.txt", ".md"))
        if not md.exists():
            continue
        rows = table(md)
        lines = [l.strip() for l in sample.read_text(encoding="utf-8").splitlines() if l.strip()]
        for i, text in enumerate(lines, 1):
            if i not in rows:
                continue
            verdict, why, loc, code = rows[i]
            if code not in text or loc.rsplit(":", 1)[-1] not in text:
                sys.exit(f"{md.name} row {i} ({loc} {code}) does not match line {i} of {sample.name}")
            add(text, verdict, f"{md.stem}#{i}", why)
    reused = DOCS / "round6-reused.json"
    if reused.exists():
        for text, (verdict, why, source) in json.loads(reused.read_text(encoding="utf-8")):
            add(text.strip(), verdict[:2], source, why)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("findings", help="concise output of `unclosed check`")
    ap.add_argument(
        "--roots",
        nargs="*",
        default=[],
        metavar="NAME=PATH",
        help="replace a leading PATH/ by NAME/ (the reviews use STDLIB/, CORPUS/, HELDOUT/)",
    )
    ap.add_argument("--unjudged", help="write the findings without a verdict here")
    ap.add_argument("--list-fp", action="store_true", help="print the false positives")
    args = ap.parse_args()
    roots = [r.split("=", 1) for r in args.roots]
    known = verdicts()
    tp = fp = 0
    unjudged = []
    for line in Path(args.findings).read_text(encoding="utf-8").splitlines():
        if not line.strip() or " UC000 " in line or not re.search(r":\d+:\d+: UC\d+ ", line):
            continue
        # The `[*]` of a fixable finding is not part of its claim.
        line = re.sub(r"(: UC\d+) \[\*\] ", r"\1 ", line, count=1)
        for name, path in roots:
            prefix = path.rstrip("/") + "/"
            if line.startswith(prefix):
                line = f"{name}/{line[len(prefix):]}"
        found = known.get(line.strip())
        if found is None:
            unjudged.append(line)
        elif found[0] == "TP":
            tp += 1
        else:
            fp += 1
            if args.list_fp:
                print(f"FP ({found[1]}): {line}")
    judged = tp + fp
    print(f"{tp + fp + len(unjudged)} findings: {judged} judged ({tp} TP, {fp} FP), {len(unjudged)} unjudged")
    if judged:
        print(f"precision over the judged findings: {tp / judged:.1%}")
    if args.unjudged:
        Path(args.unjudged).write_text("".join(l + "\n" for l in unjudged), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
