#!/usr/bin/env python3
"""Autofix on real code: do the `with` fixes restore the stdlib's own code?

`bench/mutants.py` takes every function of python3's standard library that
uses `with open(...) as NAME:` and writes leaking forms of it. This script
takes two of them,

  no_close      NAME = open(...); body (dedented)             a guessed block: unsafe fix
  happy_close   NAME = open(...); body; NAME.close()          the close ends it: safe fix

fixes every mutant with `unclosed check --fix --unsafe-fixes` (or, with a
binary that has no `--fix` yet, by applying the fixes of `--output-format
json` itself, round after round, the way `--fix` does), and measures per
form:

  parses     the fixed file is valid Python
  silent     unclosed reports no leak in the fixed function that it does not
             report in the original stdlib function
  restored   the fixed function's AST is the original's (`ast.dump` of the
             function: the `with open(...) as NAME:` is back, the body the same)
  try        the fixed function differs from the original only in a
             `try:`/`finally: NAME.close()` in place of the `with`
  reported   unclosed reports the mutant's leak (a resource handed to an
             unknown function is not reported, by design, and has no fix)
  offered    that finding has a fix

The headline rate is "restored or try/finally, of the reported": of the
mutants unclosed reports, how many the fixes turn back into the original.

and lists the mutants not restored, by reason. The stdlib is never touched:
the mutants are written into a scratch tree.

Run:
    python3 bench/fix_eval.py                       # uses target/release/unclosed
    python3 bench/fix_eval.py --unclosed target/debug/unclosed --limit 200
    python3 bench/fix_eval.py --examples 20         # more failures listed
Python 3.9+ standard library only.
"""

from __future__ import annotations

import argparse
import ast
import collections
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mutants  # noqa: E402  (bench/mutants.py: the case generator)

ROOT = Path(__file__).resolve().parent.parent
FORMS = ["no_close", "happy_close"]
LEAK_CODES = mutants.LEAK_CODES
MAX_ROUNDS = 10


def has_fix_flag(binary: str) -> bool:
    proc = subprocess.run([binary, "check", "--help"], capture_output=True, text=True)
    return "--unsafe-fixes" in proc.stdout


def check_json(binary: str, tree: Path) -> list[dict]:
    proc = subprocess.run(
        [binary, "check", "--output-format", "json", "--quiet", "--no-respect-gitignore", str(tree)],
        capture_output=True, text=True,
    )
    try:
        return json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        sys.exit(f"fix_eval: cannot parse unclosed's JSON (exit {proc.returncode}): {proc.stderr[:1000]}")


LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def line_starts(text: str) -> list[int]:
    starts = [0]
    for m in LINE.finditer(text):
        if m.end() > starts[-1]:
            starts.append(m.end())
    return starts


def offset(starts: list[int], text: str, loc: dict) -> int:
    """A JSON location (1-based row, column in characters) as an offset."""
    row, col = loc["row"], loc["column"]
    if row - 1 >= len(starts):
        return len(text)
    return min(starts[row - 1] + col - 1, len(text))


def apply_json_fixes(text: str, fixes: list[dict]) -> str:
    """Apply whole fixes, skipping any that overlaps one already taken
    (the same rule as `unclosed_diagnostics::apply_fixes`)."""
    starts = line_starts(text)
    spans = []
    for fix in fixes:
        edits = sorted((offset(starts, text, e["location"]), offset(starts, text, e["end_location"]),
                        e["content"]) for e in fix["edits"])
        if edits:
            spans.append(edits)
    spans.sort(key=lambda edits: (edits[0][0], edits[0][1]))
    taken: list[tuple[int, int, str]] = []

    def overlaps(a, b):
        if a[0] == a[1] and b[0] == b[1]:
            return a[0] == b[0]
        return (a[0] < b[1] and b[0] < a[1]) or (a[0] == a[1] and b[0] < a[0] < b[1]) or (
            b[0] == b[1] and a[0] < b[0] < a[1])

    for edits in spans:
        if any(overlaps(e, t) for e in edits for t in taken):
            continue
        taken.extend(edits)
    out, at = [], 0
    for start, end, content in sorted(taken):
        out.append(text[at:start])
        out.append(content)
        at = end
    out.append(text[at:])
    return "".join(out)


def fix_tree_with_json(binary: str, tree: Path) -> int:
    """`--fix --unsafe-fixes` done here: apply every fix of every file,
    re-check, until nothing changes. Returns the rounds run."""
    for round_ in range(MAX_ROUNDS):
        by_file: dict[str, list[dict]] = collections.defaultdict(list)
        for d in check_json(binary, tree):
            fix = d.get("fix")
            if fix and fix["applicability"] in ("safe", "unsafe"):
                by_file[d["filename"]].append(fix)
        if not by_file:
            return round_
        changed = False
        for filename, fixes in by_file.items():
            path = Path(filename)
            text = path.read_bytes().decode("utf-8")
            new = apply_json_fixes(text, fixes)
            try:
                ast.parse(new)
            except SyntaxError:
                continue  # like the fix loop: a fix that breaks the code is dropped
            if new != text:
                path.write_bytes(new.encode("utf-8"))
                changed = True
        if not changed:
            return round_ + 1
    return MAX_ROUNDS


def fix_tree(binary: str, tree: Path, cli: bool) -> None:
    if cli:
        subprocess.run([binary, "check", "--fix", "--unsafe-fixes", "--quiet", "--no-respect-gitignore",
                        str(tree)], capture_output=True, text=True)
    else:
        fix_tree_with_json(binary, tree)


def function_named(tree: ast.Module, qual: str) -> ast.AST | None:
    for name, node in mutants.functions_with_parents(tree):
        if name == qual:
            return node
    return None


def span(node: ast.AST) -> tuple[int, int]:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno


def leak_rows(findings: list[dict], key: str, first: int, last: int) -> collections.Counter:
    out: collections.Counter = collections.Counter()
    for d in findings:
        if d["code"] in LEAK_CODES and str(Path(d["filename"]).resolve()) == key \
                and first <= d["location"]["row"] <= last:
            out[d["code"]] += 1
    return out


def only_try_finally(fixed: ast.AST, original: ast.AST, name: str) -> bool:
    """Whether `fixed` is `original` with its `with open(...) as name:` made
    `name = open(...)` + `try:`/`finally: name.close()`."""

    class Rewrite(ast.NodeTransformer):
        def visit_With(self, node):
            self.generic_visit(node)
            item = node.items[0] if len(node.items) == 1 else None
            if item and isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=item.context_expr)
                close = ast.Expr(ast.Call(ast.Attribute(ast.Name(id=name, ctx=ast.Load()), "close",
                                                        ast.Load()), [], []))
                return [assign, ast.Try(body=node.body, handlers=[], orelse=[], finalbody=[close])]
            return node

    # On a copy: the transformer rewrites in place, and the caller's later
    # checks (shorter_block) need the original's `with`.
    return ast.dump(Rewrite().visit(copy.deepcopy(original))) == ast.dump(fixed)


def shorter_block(fixed: ast.AST, original: ast.AST, name: str) -> bool:
    """Whether the fixed function has the original's `with ... as name:`
    with a body that is a strict prefix of the original's, the rest
    following it: the block ended at the last use of `name`."""

    def withs(fn):
        return [n for n in ast.walk(fn) if isinstance(n, ast.With) and len(n.items) == 1
                and isinstance(n.items[0].optional_vars, ast.Name) and n.items[0].optional_vars.id == name]

    for f in withs(fixed):
        for o in withs(original):
            if ast.dump(f.items[0].context_expr) != ast.dump(o.items[0].context_expr):
                continue
            k = len(f.body)
            if k < len(o.body) and [ast.dump(x) for x in f.body] == [ast.dump(x) for x in o.body[:k]]:
                return True
    return False


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--unclosed", default=os.environ.get("UNCLOSED_BIN", str(ROOT / "target/release/unclosed")))
    p.add_argument("--stdlib", default=sysconfig.get_paths()["stdlib"])
    p.add_argument("--limit", type=int, help="use only the first N cases")
    p.add_argument("--work-dir", help="where to write the trees (default: a temp dir, removed)")
    p.add_argument("--examples", type=int, default=8, help="failures listed per form and reason")
    p.add_argument("--json-fixes", action="store_true",
                   help="apply the JSON output's fixes here even if the binary has --fix")
    args = p.parse_args()
    binary = args.unclosed
    if not (Path(binary).is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"fix_eval: no executable at {binary} (cargo build --release -p unclosed)")
    cli = has_fix_flag(binary) and not args.json_fixes

    t0 = time.perf_counter()
    cases, _skips, nfiles = mutants.collect(Path(args.stdlib), args.limit)
    print(f"fix_eval: {len(cases)} cases from {nfiles} stdlib files in {time.perf_counter() - t0:.1f}s; "
          f"fixing with {'--fix' if cli else 'the JSON fixes'}", file=sys.stderr)
    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="unclosed-fix-eval-"))
    report = []
    try:
        # The original functions' own findings (leaks the stdlib really has).
        orig_tree = work / "original"
        if orig_tree.exists():
            shutil.rmtree(orig_tree)
        orig_tree.mkdir(parents=True)
        names = {}
        for i, case in enumerate(cases):
            stem = re.sub(r"[^A-Za-z0-9]+", "_", case.rel[:-3]).strip("_")
            names[i] = f"m{i:04d}_{stem}.py"
            (orig_tree / names[i]).write_text(case.mutants["original"][0], encoding="utf-8")
        original_findings = check_json(binary, orig_tree)
        for form in FORMS:
            tree = work / form
            if tree.exists():
                shutil.rmtree(tree)
            tree.mkdir(parents=True)
            for i, case in enumerate(cases):
                (tree / names[i]).write_text(case.mutants[form][0], encoding="utf-8")
            # Which mutants are reported, and with a fix, before fixing.
            before: dict[str, list[dict]] = collections.defaultdict(list)
            for d in check_json(binary, tree):
                before[str(Path(d["filename"]).resolve())].append(d)
            start = time.perf_counter()
            fix_tree(binary, tree, cli)
            elapsed = time.perf_counter() - start
            after = check_json(binary, tree)
            counts = collections.Counter()
            failures: dict[str, list[str]] = collections.defaultdict(list)
            for i, case in enumerate(cases):
                path = tree / names[i]
                text = path.read_text(encoding="utf-8")
                mutant_text = case.mutants[form][0]
                where = f"{case.rel}:{case.line} {case.func}"
                _, _, _, acq_first, acq_last = case.mutants[form]
                at_mutant = [d for d in before[str(path.resolve())]
                             if d["code"] in LEAK_CODES and acq_first <= d["location"]["row"] <= acq_last]
                reported = bool(at_mutant)
                offered = any(d.get("fix") for d in at_mutant)
                counts["reported"] += reported
                counts["offered"] += offered
                if text != mutant_text:
                    counts["fixed"] += 1
                try:
                    fixed_module = ast.parse(text)
                except SyntaxError as e:
                    failures["does not parse"].append(f"{where}: {e}")
                    continue
                counts["parses"] += 1
                original_module = ast.parse(case.mutants["original"][0])
                fixed_fn = function_named(fixed_module, case.func)
                original_fn = function_named(original_module, case.func)
                if fixed_fn is None or original_fn is None:
                    failures["function not found"].append(where)
                    continue
                first, last = span(fixed_fn)
                ofirst, olast = span(original_fn)
                left = leak_rows(after, str(path.resolve()), first, last)
                had = leak_rows(original_findings, str((orig_tree / names[i]).resolve()), ofirst, olast)
                if left - had:
                    failures["still reported"].append(f"{where}: {dict(left - had)}")
                else:
                    counts["silent"] += 1
                if ast.dump(fixed_fn) == ast.dump(original_fn):
                    counts["restored"] += 1
                    counts["restored_reported"] += reported
                elif only_try_finally(fixed_fn, original_fn, case.name):
                    counts["try"] += 1
                    counts["restored_reported"] += reported
                elif not reported:
                    failures["not reported (handed off: nothing to fix)"].append(where)
                elif not offered:
                    failures["reported, no fix offered"].append(where)
                elif shorter_block(fixed_fn, original_fn, case.name):
                    failures["block ends at NAME's last use; the original's with held more"].append(where)
                else:
                    failures["fixed, not into the original"].append(where)
            report.append((form, len(cases), counts, failures, elapsed))
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)

    print("| form | cases | reported | fix offered | parses | silent | restored (of all) "
          "| restored or try/finally, of the reported |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for form, n, counts, _, _ in report:
        r = counts["reported"]
        print(f"| {form} | {n} | {mutants.pct(r, n)} | {mutants.pct(counts['offered'], r)} "
              f"| {mutants.pct(counts['parses'], n)} | {mutants.pct(counts['silent'], n)} "
              f"| {mutants.pct(counts['restored'], n)} | {mutants.pct(counts['restored_reported'], r)} |")
    for form, n, _, failures, elapsed in report:
        print(f"\n{form} ({elapsed:.1f}s to fix):")
        for reason, items in sorted(failures.items(), key=lambda kv: -len(kv[1])):
            print(f"  {reason}: {len(items)}")
            for item in items[: args.examples]:
                print(f"    {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
