#!/usr/bin/env python3
"""Semantics check on real code: mutate stdlib `with open(...) as NAME:`.

For every function of python3's standard library that contains
`with open(...) as NAME:` (one with-item, a plain name, not `async with`,
the builtin `open`), write mutated copies of the whole file, one mutation
per copy, into a scratch tree (the stdlib itself is never touched):

  original         unchanged                                 expect: nothing
  no_close         NAME = open(...); body (dedented)         expect: a leak (UC101/UC103, UC106 for writers)
  happy_close      NAME = open(...); body; NAME.close()      expect: UC102 (UC106 for writers);
                                                             UC101/UC106 when the body returns/breaks
                                                             (the close is then skipped on a normal path);
                                                             UC101 also accepted when an enclosing try/with
                                                             may catch the exception and go on normally;
                                                             nothing when the body cannot raise
  try_finally      NAME = open(...) / try: body / finally: NAME.close()           expect: nothing
  guarded          NAME = None / try: NAME = open(...); body /
                   finally: if NAME is not None: NAME.close()                     expect: nothing
  unbound_finally  try: NAME = open(...); body / finally: NAME.close()      expect: UC202 and no leak;
                                                             nothing when NAME is a parameter or bound
                                                             before the with (the close then finds that
                                                             object: no NameError)
(UC202 close-of-possibly-unbound must be reported on the unbound_finally
form and on none of the others.)

The body keeps its source text (comments, formatting) and is only
re-indented; every mutant is parsed again and its statements compared with
an `ast.unparse`-built reference, so a mutant that is not exactly the
intended program is dropped. Cases are skipped when NAME is used after the
with (or anywhere else in the function when the with is in a loop), when
NAME is rebound or closed inside the body, inside `assertRaises` blocks
(code meant to fail, where unclosed reports nothing on purpose), when the
module shadows `open`, or when the file is not UTF-8.

Then one `unclosed check --output-format json` per form over its whole tree,
and for each mutant only the findings located inside the rewritten lines
count (UC1xx leaks only on the lines of the `open(...)` call, where they
are reported). Prints a table of rates (expected / total per form); with --write
also writes docs/semantics.md. With --check, exits 1 when a rate falls
below its threshold (for CI later).

A resource passed to an unknown function (`parse(f)`), returned, stored or
captured by a closure is "handed off": by design (DESIGN.md 4.4) unclosed
does not report it, so leak rates are also given for the "local" cases,
where NAME is only used through its methods, iterated, or given to known
borrowing calls (json.load, csv.reader, print(file=)...).

Run:
    python3 bench/mutants.py                      # uses target/release/unclosed
    python3 bench/mutants.py --unclosed PATH --write
    python3 bench/mutants.py --check              # non-zero exit below thresholds
    python3 bench/mutants.py --check --min no_close=0.8 --min original=1.0
Python 3.9+ standard library only (the stdlib scanned is this python3's).
"""

from __future__ import annotations

import argparse
import ast
import collections
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMS = ["original", "no_close", "happy_close", "try_finally", "guarded", "unbound_finally"]
LEAK_CODES = {"UC101", "UC102", "UC103", "UC104", "UC105", "UC106", "UC107"}

# Calls that use a file without taking ownership of it (a subset of the
# catalog in the issue); passing NAME to anything else is a hand-off.
BORROWING_CALLS = {
    "json.load", "json.dump", "pickle.load", "pickle.dump", "marshal.load", "marshal.dump",
    "csv.reader", "csv.writer", "csv.DictReader", "csv.DictWriter", "shutil.copyfileobj",
    "len", "iter", "next", "isinstance", "repr", "str", "print", "enumerate", "zip",
    "select.select", "os.fstat", "tokenize.detect_encoding",
}

# Attributes of a file that are plain data (reading them hands nothing off).
DATA_ATTRS = {"name", "closed", "mode", "encoding", "errors", "newlines"}

# Default thresholds for --check. Leak forms are measured on "local" cases
# (see above); the no-finding forms on all cases.
DEFAULT_MIN = {
    "original": 0.99,
    "no_close": 0.90,
    "happy_close": 0.90,
    "try_finally": 0.99,
    "guarded": 0.99,
    # `bound_before` is syntactic (a binding before the with on *some* path):
    # UC202 is right where that binding may be skipped (pdb: the earlier
    # `with open(...) as rcFile` is in a `try` that swallows OSError).
    "unbound_finally": 0.97,
}


@dataclass
class Case:
    """One `with open(...) as NAME:` statement that can be rewritten."""

    src_path: Path  # the stdlib file
    rel: str  # its path below the stdlib
    func: str  # qualified name of the enclosing function
    line: int  # the with's first line (1-based)
    name: str
    writer: bool | None  # None: mode not a constant
    local: bool  # NAME never handed off
    exits_early: bool  # return/break/continue in the body
    can_raise: bool
    caught: bool  # an exception in the body may be caught and continue normally
    bound_before: bool = False  # NAME is a parameter or bound before the with
    # form -> (text, first and last rewritten line, first and last line of the open() call)
    mutants: dict[str, tuple[str, int, int, int, int]] = field(default_factory=dict)


# --------------------------------------------------------------------------- analysis of a with


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def walk_same_scope(nodes):
    """ast.walk over statements, not entering nested functions/classes/lambdas."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                yield child  # seen, not entered
                continue
            stack.append(child)


def shadows_open(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == "open":
            return True
        if isinstance(node, ast.Name) and node.id == "open" and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) == "open":
            return True
        if isinstance(node, ast.arg) and node.arg == "open":
            return True
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return True
    return False


def writer_mode(call: ast.Call) -> bool | None:
    mode: ast.AST | None = call.args[1] if len(call.args) > 1 else None
    for kw in call.keywords:
        if kw.arg == "mode":
            mode = kw.value
        if kw.arg is None:
            return None  # **kwargs
    if any(isinstance(a, ast.Starred) for a in call.args):
        return None
    if mode is None:
        return False
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(c in mode.value for c in "wax+")
    return None


def parent_map(root: ast.AST) -> dict[ast.AST, ast.AST]:
    parents = {}
    for node in ast.walk(root):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def is_local_use(name: ast.Name, parents: dict, inside_nested: bool) -> bool:
    """True when this load of NAME does not hand the resource off."""
    if inside_nested:
        return False  # captured by a closure
    parent = parents.get(name)
    if isinstance(parent, ast.Attribute) and parent.value is name:
        call = parents.get(parent)
        if isinstance(call, ast.Call) and call.func is parent:
            return True  # f.read()
        # f.name is data; f.readline passed along, or f.buffer, can keep the
        # file alive elsewhere: a hand-off.
        return parent.attr in DATA_ATTRS
    if isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is name:
        return True
    if isinstance(parent, ast.Compare):
        return True
    if isinstance(parent, ast.keyword):
        call = parents.get(parent)
        return isinstance(call, ast.Call) and (
            parent.arg == "file" and dotted(call.func) == "print"
            or dotted(call.func) in BORROWING_CALLS
        )
    if isinstance(parent, ast.Call) and name in parent.args:
        return dotted(parent.func) in BORROWING_CALLS
    return False


def body_facts(with_node: ast.With, name: str) -> tuple[bool, bool, bool] | None:
    """(local, exits_early, can_raise), or None when NAME is rebound in the body."""
    parents = parent_map(with_node)
    local = True
    nested_ids: set[int] = set()
    for node in ast.walk(with_node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            nested_ids.update(id(n) for n in ast.walk(node))
    for stmt in with_node.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and node.id == name:
                if not isinstance(node.ctx, ast.Load):
                    return None
                if not is_local_use(node, parents, id(node) in nested_ids):
                    local = False
            elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return None
            elif isinstance(node, ast.arg) and node.arg == name:
                return None
    exits_early = False
    can_raise = False

    def visit(node: ast.AST, in_loop: bool) -> None:
        nonlocal exits_early, can_raise
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        if isinstance(node, ast.Return):
            exits_early = True
        if isinstance(node, (ast.Break, ast.Continue)) and not in_loop:
            exits_early = True
        if isinstance(node, (ast.Call, ast.Attribute, ast.Subscript, ast.Raise, ast.Assert,
                             ast.Await, ast.Yield, ast.YieldFrom, ast.BinOp)):
            can_raise = True
        for child in ast.iter_child_nodes(node):
            child_in_loop = in_loop or (
                isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and child in node.body
            )
            visit(child, child_in_loop)

    for stmt in with_node.body:
        visit(stmt, False)
    return local, exits_early, can_raise


def in_expected_failure(func: ast.AST, target: ast.AST) -> bool:
    """Inside `with self.assertRaises(...)` / `pytest.raises(...)`: the code is
    meant to fail, and unclosed deliberately reports no leak there."""
    for node, fname in path_to(func, target):
        if isinstance(node, (ast.With, ast.AsyncWith)) and fname == "body":
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call):
                    callee = dotted(call.func) or ""
                    last = callee.rsplit(".", 1)[-1]
                    if last.startswith(("assertRaises", "assertWarns")) or callee == "pytest.raises":
                        return True
    return False


def closes_itself(with_node: ast.With, name: str) -> bool:
    """The body calls NAME.close() (or similar): the forms would not mean what they say."""
    for node in ast.walk(with_node):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == name
                and node.func.attr in ("close", "__exit__", "detach")):
            return True
    return False


def name_used_elsewhere(func: ast.AST, with_node: ast.With, name: str) -> bool:
    """NAME occurs outside the with in a way that changes what the mutants mean.

    Uses before the with are harmless (the mutant just rebinds NAME), unless
    the with is in a loop (the next iteration would see the open file); any
    use after it is not (a later rebinding would turn the leak into a UC103
    reported outside the rewritten lines, a later read would be a use).
    """
    inside = {id(n) for n in ast.walk(with_node)}
    in_loop = in_loop_within(func, with_node)
    for node in ast.walk(func):
        if id(node) in inside:
            continue
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
        if isinstance(node, ast.arg) and node.arg == name:
            continue  # a parameter: before the with
        if isinstance(node, ast.Name) and node.id == name:
            if in_loop or node.lineno >= with_node.lineno:
                return True
    return False


def bound_before(func: ast.AST, with_node: ast.With, name: str) -> bool:
    """NAME is a parameter or is bound before the with: in unbound_finally
    `NAME.close()` then finds that object, and no NameError is raised."""
    for node in ast.walk(func):
        if isinstance(node, ast.arg) and node.arg == name:
            return True
        if (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store)
                and node.lineno < with_node.lineno):
            return True
    return False


def path_to(func: ast.AST, target: ast.AST) -> list[tuple[ast.AST, str]]:
    """(ancestor, field holding the next node) from `func` down to `target`,
    not entering nested functions."""

    def search(node: ast.AST) -> list[tuple[ast.AST, str]] | None:
        for fname, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for child in children:
                if not isinstance(child, ast.AST):
                    continue
                if child is target:
                    return [(node, fname)]
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                    continue
                found = search(child)
                if found is not None:
                    return [(node, fname), *found]
        return None

    return search(func) or []


def in_loop_within(func: ast.AST, target: ast.AST) -> bool:
    """Is `target` inside a for/while loop of `func` (not of a nested function)?"""
    return any(isinstance(n, (ast.For, ast.AsyncFor, ast.While)) and f in ("body", "orelse")
               for n, f in path_to(func, target)[1:])


def exceptions_may_be_caught(func: ast.AST, target: ast.AST) -> bool:
    """Could an exception raised in `target` continue on a normal path?

    True inside a `try` body with handlers, or inside another `with` (its
    context manager may suppress, e.g. `assertRaises`, `suppress`). Then a
    close skipped by an exception is a normal-path leak (UC101), not UC102.
    """
    for node, fname in path_to(func, target)[1:]:
        if isinstance(node, ast.Try) and fname == "body" and node.handlers:
            return True
        if isinstance(node, (ast.With, ast.AsyncWith)) and fname == "body":
            return True
    return False


# --------------------------------------------------------------------------- text rewriting


def string_continuation_lines(source: str) -> set[int]:
    """Lines (1-based) that start inside a multi-line string: never re-indent them."""
    protected: set[int] = set()
    fstring_starts: list[int] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        kind = tokenize.tok_name.get(tok.type, "")
        if kind == "STRING" and tok.end[0] > tok.start[0]:
            protected.update(range(tok.start[0] + 1, tok.end[0] + 1))
        elif kind == "FSTRING_START":
            fstring_starts.append(tok.start[0])
        elif kind == "FSTRING_END" and fstring_starts:
            start = fstring_starts.pop()
            protected.update(range(start + 1, tok.end[0] + 1))
    return protected


def segment(lines: list[str], node: ast.expr) -> str:
    """Source text of `node` (like ast.get_source_segment, without re-splitting the file)."""
    first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[operator]
    raw = [ln.encode("utf-8") for ln in lines[first : last + 1]]
    if first == last:
        return raw[0][node.col_offset : node.end_col_offset].decode("utf-8")
    raw[0] = raw[0][node.col_offset :]
    raw[-1] = raw[-1][: node.end_col_offset]
    return b"".join(raw).decode("utf-8").replace("\r\n", "\n")


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def body_lines(lines: list[str], with_node: ast.With, unit: str) -> list[str] | None:
    """The body's source lines, indented one `unit` deeper than the with.

    Returns lines without trailing newline; None when it cannot be done.
    """
    first = with_node.body[0]
    w_indent = indent_of(lines[with_node.lineno - 1])
    if first.lineno == with_node.lineno:
        # `with open(p) as f: return f.read()`: move the body to its own line.
        head = lines[first.lineno - 1]
        start_col = len(head.encode("utf-8")[: first.col_offset].decode("utf-8"))
        out = [w_indent + unit + head[start_col:].rstrip("\r\n")]
        out += [line.rstrip("\r\n") for line in lines[first.lineno : with_node.end_lineno]]
        return out
    return [line.rstrip("\r\n") for line in lines[first.lineno - 1 : with_node.end_lineno]]


def shift(block: list[str], first_line: int, protected: set[int], from_indent: str,
          to_indent: str, inline: bool) -> list[str] | None:
    """Re-indent body lines from `from_indent` to `to_indent` (same prefix rules)."""
    out = []
    for i, line in enumerate(block):
        lineno = first_line + i
        if inline and i == 0:
            out.append(to_indent + line[len(from_indent):])
            continue
        if lineno in protected or not line.strip():
            out.append(line if line.strip() else "")
            continue
        if line.startswith(from_indent):
            out.append(to_indent + line[len(from_indent):])
        elif len(indent_of(line)) < len(from_indent):
            # A continuation line inside brackets or a comment, less indented
            # than the body: its indentation does not matter.
            out.append(line)
        else:
            return None  # tabs / mixed indentation: give up
    return out


def make_mutants(lines: list[str], with_node: ast.With, protected: set[int]) -> dict | None:
    item = with_node.items[0]
    name = item.optional_vars.id  # type: ignore[union-attr]
    call_src = segment(lines, item.context_expr)
    head = lines[with_node.lineno - 1]
    w_indent = indent_of(head)
    if "\t" in w_indent:
        return None
    inline = with_node.body[0].lineno == with_node.lineno
    if inline:
        unit = "    "
        b_indent = w_indent + unit
    else:
        b_indent = indent_of(lines[with_node.body[0].lineno - 1])
        if not b_indent.startswith(w_indent) or len(b_indent) <= len(w_indent) or "\t" in b_indent:
            return None
        unit = b_indent[len(w_indent):]
    block = body_lines(lines, with_node, unit)
    if block is None:
        return None
    first_line = with_node.body[0].lineno
    same = shift(block, first_line, protected, b_indent, b_indent, inline)
    dedented = shift(block, first_line, protected, b_indent, w_indent, inline)
    if same is None or dedented is None:
        return None
    # A multi-line open(...) keeps its continuation lines as they are: they
    # sit inside the call's parentheses.
    call_lines = call_src.split("\n")
    u = unit
    w = w_indent
    b = w + u

    def acquire(indent: str) -> list[str]:
        return [indent + f"{name} = " + call_lines[0], *call_lines[1:]]

    forms = {
        "original": None,
        "no_close": [*acquire(w), *dedented],
        "happy_close": [*acquire(w), *dedented, f"{w}{name}.close()"],
        "try_finally": [*acquire(w), f"{w}try:", *same, f"{w}finally:", f"{b}{name}.close()"],
        "guarded": [f"{w}{name} = None", f"{w}try:", *acquire(b), *same, f"{w}finally:",
                    f"{b}if {name} is not None:", f"{b}{u}{name}.close()"],
        "unbound_finally": [f"{w}try:", *acquire(b), *same, f"{w}finally:", f"{b}{name}.close()"],
    }
    return forms


def reference_stmts(form: str, with_node: ast.With) -> list[ast.stmt]:
    """What the mutated lines must parse to, built with ast.unparse."""
    name = with_node.items[0].optional_vars.id  # type: ignore[union-attr]
    call = ast.unparse(with_node.items[0].context_expr)
    body = "\n".join(ast.unparse(s) for s in with_node.body)
    ind = lambda text, n=1: "\n".join("    " * n + ln if ln else ln for ln in text.split("\n"))  # noqa: E731
    templates = {
        "no_close": f"{name} = {call}\n{body}",
        "happy_close": f"{name} = {call}\n{body}\n{name}.close()",
        "try_finally": f"{name} = {call}\ntry:\n{ind(body)}\nfinally:\n    {name}.close()",
        "guarded": f"{name} = None\ntry:\n    {name} = {call}\n{ind(body)}\nfinally:\n"
                   f"    if {name} is not None:\n        {name}.close()",
        "unbound_finally": f"try:\n    {name} = {call}\n{ind(body)}\nfinally:\n    {name}.close()",
    }
    return ast.parse(templates[form]).body


def verify(new_lines: list[str], form: str, with_node: ast.With, w_indent: str) -> bool:
    """The rewritten lines parse, in place, to exactly the reference statements.

    Only the rewritten lines are parsed (under an `if 1:` at the with's own
    indentation), which is what makes 3,000 mutants cheap; the whole mutant
    files are checked by unclosed itself (a syntax error would be UC000).
    """
    if not w_indent:
        return False
    try:
        tree = ast.parse("if 1:\n" + "\n".join(new_lines) + "\n")
    except (SyntaxError, ValueError, RecursionError):
        return False
    got = tree.body[0].body  # type: ignore[attr-defined]
    expected = reference_stmts(form, with_node)
    return len(got) == len(expected) and all(ast.dump(a) == ast.dump(e) for a, e in zip(got, expected))


# --------------------------------------------------------------------------- collecting cases


def functions_with_parents(tree: ast.Module):
    """(qualified name, function node) for every function, nested ones too."""
    stack: list[tuple[str, ast.AST]] = [("", tree)]
    while stack:
        prefix, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                q = f"{prefix}{child.name}"
                yield q, child
                stack.append((q + ".", child))
            elif isinstance(child, ast.ClassDef):
                stack.append((f"{prefix}{child.name}.", child))
            elif not isinstance(child, ast.Lambda):
                stack.append((prefix, child))


def cases_in_file(path: Path, rel: str, skips: collections.Counter) -> list[Case]:
    try:
        raw = path.read_bytes()
        source = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if "open(" not in source or "with " not in source:
        return []
    if source.startswith("\ufeff"):
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    withs = []
    for qual, func in functions_with_parents(tree):
        for node in walk_same_scope(func.body):
            if not isinstance(node, ast.With) or len(node.items) != 1:
                continue
            item = node.items[0]
            call = item.context_expr
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "open"):
                continue
            if not isinstance(item.optional_vars, ast.Name):
                skips["as-target not a plain name / no as"] += 1
                continue
            withs.append((qual, func, node))
    if not withs:
        return []
    if shadows_open(tree):
        skips["module shadows open"] += len(withs)
        return []
    lines = source.splitlines(keepends=True)
    try:
        protected = string_continuation_lines(source)
    except (tokenize.TokenError, SyntaxError):
        return []
    out = []
    for qual, func, node in withs:
        name = node.items[0].optional_vars.id
        if name_used_elsewhere(func, node, name):
            skips["NAME used elsewhere in the function"] += 1
            continue
        facts = body_facts(node, name)
        if facts is None:
            skips["NAME rebound in the body"] += 1
            continue
        if in_expected_failure(func, node):
            skips["inside assertRaises/pytest.raises (expected to fail)"] += 1
            continue
        if closes_itself(node, name):
            skips["body closes NAME itself"] += 1
            continue
        head = lines[node.lineno - 1]
        if head[: node.col_offset].strip():
            skips["with not at line start"] += 1
            continue
        forms = make_mutants(lines, node, protected)
        if forms is None:
            skips["cannot re-indent cleanly"] += 1
            continue
        case = Case(path, rel, qual, node.lineno, name, writer_mode(node.items[0].context_expr), *facts,
                    caught=exceptions_may_be_caught(func, node),
                    bound_before=bound_before(func, node, name))
        before = "".join(lines[: node.lineno - 1])
        after = "".join(lines[node.end_lineno :])
        ok = True
        ctx = node.items[0].context_expr
        span = ctx.end_lineno - ctx.lineno  # type: ignore[operator]
        acq_offset = {"guarded": 2, "unbound_finally": 1}
        for form, new in forms.items():
            if new is None:
                case.mutants[form] = (source, node.lineno, node.end_lineno, ctx.lineno, ctx.end_lineno)
                continue
            acq = node.lineno + acq_offset.get(form, 0)
            text = before + "\n".join(new) + "\n" + after
            last = node.lineno + len(new) - 1
            if not verify(new, form, node, indent_of(head)):
                ok = False
                break
            case.mutants[form] = (text, node.lineno, last, acq, acq + span)
        if not ok:
            skips["mutant did not verify"] += 1
            continue
        out.append(case)
    return out


def collect(stdlib: Path, limit: int | None) -> tuple[list[Case], collections.Counter, int]:
    skips: collections.Counter = collections.Counter()
    cases: list[Case] = []
    files = 0
    for dirpath, dirnames, filenames in os.walk(stdlib):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
        for fname in sorted(filenames):
            if not fname.endswith(".py"):
                continue
            path = Path(dirpath) / fname
            files += 1
            cases.extend(cases_in_file(path, str(path.relative_to(stdlib)), skips))
            if limit and len(cases) >= limit:
                return cases[:limit], skips, files
    return cases, skips, files


# --------------------------------------------------------------------------- running


def expected(form: str, case: Case, codes: list[str]) -> bool:
    leaks = [c for c in codes if c in LEAK_CODES]
    if form != "unbound_finally" and "UC202" in codes:
        return False  # UC202 belongs to the unbound_finally form only
    if form in ("original", "try_finally", "guarded"):
        return not leaks
    if form == "no_close":
        want = {"UC106"} if case.writer else {"UC101", "UC103"} if case.writer is False else {
            "UC101", "UC103", "UC106"}
        return bool(set(leaks) & want)
    if form == "happy_close":
        if case.exits_early:
            want = {"UC106"} if case.writer else {"UC101", "UC103"} if case.writer is False else {
                "UC101", "UC103", "UC106"}
        elif not case.can_raise:
            return not leaks
        else:
            want = {"UC106"} if case.writer else {"UC102"} if case.writer is False else {"UC102", "UC106"}
            if case.caught and not case.writer:
                want.add("UC101")  # the skipped close can then reach a normal exit
        return bool(set(leaks) & want)
    if form == "unbound_finally":
        if case.bound_before:
            return "UC202" not in codes and not leaks  # the close finds the earlier object
        return "UC202" in codes and not leaks
    raise ValueError(form)


def run_form(binary: str, tree: Path) -> tuple[list[dict], float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [binary, "check", "--output-format", "json", "--quiet", "--no-respect-gitignore", str(tree)],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    try:
        data = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        sys.exit(f"mutants: cannot parse unclosed's JSON (exit {proc.returncode}): {proc.stderr[:1000]}")
    return data, elapsed, proc.returncode, proc.stderr


NOTES_MARKER = "## Reading the "


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--unclosed", default=os.environ.get("UNCLOSED_BIN", str(ROOT / "target/release/unclosed")))
    p.add_argument("--unclosed-rev", default=os.environ.get("UNCLOSED_REV"),
                   help="what the binary was built from, for the report")
    p.add_argument("--stdlib", default=sysconfig.get_paths()["stdlib"])
    p.add_argument("--limit", type=int, help="use only the first N cases")
    p.add_argument("--work-dir", help="where to write the mutant trees (default: a temp dir, removed)")
    p.add_argument("--keep", action="store_true", help="keep the mutant trees")
    p.add_argument("--write", action="store_true", help="write docs/semantics.md")
    p.add_argument("--docs", default=str(ROOT / "docs/semantics.md"))
    p.add_argument("--check", action="store_true", help="exit 1 when a rate is below its threshold")
    p.add_argument("--min", action="append", default=[], metavar="FORM=RATE",
                   help="threshold for --check (repeatable); defaults: "
                        + ", ".join(f"{k}={v}" for k, v in DEFAULT_MIN.items()))
    p.add_argument("--examples", type=int, default=5, help="misses listed per form (default 5)")
    args = p.parse_args()

    binary = args.unclosed
    if not (Path(binary).is_file() and os.access(binary, os.X_OK)):
        sys.exit(f"mutants: no executable at {binary} (cargo build --release -p unclosed)")
    thresholds = dict(DEFAULT_MIN)
    for spec in args.min:
        form, _, rate = spec.partition("=")
        if form not in FORMS:
            sys.exit(f"mutants: unknown form {form!r} in --min")
        thresholds[form] = float(rate)

    t0 = time.perf_counter()
    stdlib = Path(args.stdlib)
    cases, skips, nfiles = collect(stdlib, args.limit)
    print(f"mutants: {len(cases)} cases from {nfiles} stdlib files in {time.perf_counter() - t0:.1f}s",
          file=sys.stderr)
    if not cases:
        sys.exit("mutants: no cases found")

    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="unclosed-mutants-"))
    results: dict[str, list[tuple[Case, list[str]]]] = {}
    timings = {}
    broken: dict[str, list[str]] = {}
    try:
        for form in FORMS:
            tree = work / form
            if tree.exists():
                shutil.rmtree(tree)
            tree.mkdir(parents=True)
            where: dict[str, tuple[Case, tuple[int, int, int, int]]] = {}
            for i, case in enumerate(cases):
                text, *lines_of = case.mutants[form]
                stem = re.sub(r"[^A-Za-z0-9]+", "_", case.rel[:-3]).strip("_")
                out = tree / f"m{i:04d}_{stem}.py"
                out.write_text(text, encoding="utf-8")
                where[str(out.resolve())] = (case, tuple(lines_of))
            data, elapsed, rc, stderr = run_form(binary, tree)
            if rc not in (0, 1):
                print(f"mutants: unclosed exited {rc} on {form}: {stderr[:500]}", file=sys.stderr)
            timings[form] = elapsed
            broken[form] = sorted({d["filename"] for d in data if d["code"] == "UC000"})
            codes_by_file: dict[str, list[str]] = collections.defaultdict(list)
            for d in data:
                key = str(Path(d["filename"]).resolve())
                if key not in where:
                    continue
                case, (first, last, acq_first, acq_last) = where[key]
                row = d["location"]["row"]
                # Leaks are reported at the acquisition (UC103 at the
                # rebinding, which is the same line here); other rules
                # anywhere in the rewritten lines.
                if d["code"] in LEAK_CODES:
                    if acq_first <= row <= acq_last:
                        codes_by_file[key].append(d["code"])
                elif first <= row <= last:
                    codes_by_file[key].append(d["code"])
            results[form] = [(case, sorted(codes_by_file.get(k, []))) for k, (case, _) in where.items()]
            print(f"mutants: {form}: {len(data)} findings in {elapsed:.2f}s", file=sys.stderr)
    finally:
        if not args.keep and not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep:
            print(f"mutants: trees kept in {work}", file=sys.stderr)

    report, rates = render(results, cases, skips, nfiles, binary, timings, broken, args, stdlib)
    print(report)
    if args.write:
        Path(args.docs).parent.mkdir(parents=True, exist_ok=True)
        # Hand-written notes after the generated report survive a rewrite.
        notes = ""
        if Path(args.docs).exists():
            old = Path(args.docs).read_text(encoding="utf-8")
            marker = old.find(NOTES_MARKER)
            if marker >= 0:
                notes = "\n" + old[marker:]
        Path(args.docs).write_text(report.rstrip("\n") + "\n" + notes)
        print(f"mutants: wrote {args.docs}", file=sys.stderr)
    if args.check:
        failed = [f for f, m in thresholds.items() if rates.get(f, 0.0) < m]
        failed += [f"{f} (UC000 on {len(b)} mutants)" for f, b in broken.items() if b]
        for f in failed:
            if f in thresholds:
                print(f"mutants: FAIL {f}: rate {rates[f]:.3f} < {thresholds[f]}", file=sys.stderr)
            else:
                print(f"mutants: FAIL {f}", file=sys.stderr)
        return 1 if failed else 0
    return 0


def pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.1f}%)" if d else "0/0 (n/a)"


def render(results, cases, skips, nfiles, binary, timings, broken, args, stdlib) -> tuple[str, dict]:
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    if args.unclosed_rev:
        version += f"` built from `{args.unclosed_rev}"
    expect_text = {
        "original": "no UC1xx or UC202 finding",
        "no_close": "UC101/UC103 (UC106 if writer)",
        "happy_close": "UC102 (UC106 if writer); UC101 if the body returns/breaks or an enclosing try/with may catch",
        "try_finally": "no UC1xx or UC202 finding",
        "guarded": "no UC1xx or UC202 finding",
        "unbound_finally": "UC202 and no UC1xx (nothing if NAME was bound before)",
    }
    rates = {}
    lines = [
        "# Semantics checks on real code",
        "",
        "Every function of the Python standard library that uses `with open(...) as NAME:`",
        "is rewritten in the forms below (one rewrite per file copy, the rest of the file",
        "unchanged), `unclosed check` runs once on each form's tree, and only findings on",
        "the `open(...)` call (UC1xx: leaks are reported at the acquisition) or inside the",
        "rewritten lines (other rules) count. The top of `bench/mutants.py` has the exact rules.",
        "",
        "Reproduce (about a minute):",
        "",
        "```sh",
        "cargo build --release -p unclosed",
        "python3 bench/mutants.py --write      # prints this report and writes docs/semantics.md",
        "python3 bench/mutants.py --check      # exit 1 when a rate is below its threshold",
        "```",
        "",
        f"- unclosed: `{version}`; Python {platform.python_version()} standard library "
        f"(`{stdlib}`, {nfiles} files).",
        f"- Cases: {len(cases)} with-statements in "
        f"{len({c.rel for c in cases})} files; {sum(c.local for c in cases)} \"local\" (NAME never handed "
        f"off), {sum(bool(c.writer) for c in cases)} writers, "
        f"{sum(c.writer is None for c in cases)} with a non-constant mode, "
        f"{sum(c.exits_early for c in cases)} whose body returns/breaks/continues.",
        "- Skipped: " + (", ".join(f"{n} {why}" for why, n in skips.most_common()) or "none") + ".",
        "",
        "| form | expected | all cases | local cases | codes reported in the rewritten lines |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    misses: dict[str, list[str]] = {}
    for form in FORMS:
        rows = results[form]
        ok_all = sum(expected(form, c, codes) for c, codes in rows)
        local_rows = [(c, codes) for c, codes in rows if c.local]
        ok_local = sum(expected(form, c, codes) for c, codes in local_rows)
        seen = collections.Counter(code for _, codes in rows for code in codes)
        seen_txt = ", ".join(f"{code} ×{n}" for code, n in sorted(seen.items())) or "none"
        lines.append(f"| `{form}` | {expect_text[form]} | {pct(ok_all, len(rows))} | "
                     f"{pct(ok_local, len(local_rows))} | {seen_txt} |")
        rates[form] = (ok_local / len(local_rows) if local_rows else 1.0) if form in (
            "no_close", "happy_close") else (ok_all / len(rows) if rows else 1.0)
        miss = [f"`{c.rel}:{c.line}` ({c.func}, {'local' if c.local else 'handed off'}"
                f"{', writer' if c.writer else ''}) → {', '.join(codes) or 'nothing'}"
                for c, codes in rows if not expected(form, c, codes) and (c.local or form not in (
                    "no_close", "happy_close"))]
        misses[form] = miss
    if not any(codes for form in ("no_close", "happy_close") for _, codes in results[form]):
        lines += ["", "**This binary reported no finding at all in the leak forms: it does not have the",
                  "leak rules yet.**"]
    lines += [
        "",
        "`--check` uses the \"local\" column for `no_close`/`happy_close` (a resource handed",
        "to an unknown callee is not reported, by design) and \"all\" for the others.",
        "Thresholds: " + ", ".join(f"`{k}` ≥ {v}" for k, v in DEFAULT_MIN.items()) + ".",
        "Times per form (one `unclosed check` over the whole tree): "
        + ", ".join(f"{f} {t:.2f}s" for f, t in timings.items()) + ".",
        "Mutant files unclosed could not parse (UC000): "
        + (", ".join(f"{f} {len(b)}" for f, b in broken.items() if b) or "none") + ".",
        "",
        "## Unexpected results (first few per form)",
        "",
    ]
    for form in FORMS:
        miss = misses[form]
        lines.append(f"- `{form}`: {len(miss)} unexpected" + (":" if miss else "."))
        lines += [f"  - {m}" for m in miss[: args.examples]]
    lines.append("")
    return "\n".join(lines), rates


if __name__ == "__main__":
    sys.exit(main())
