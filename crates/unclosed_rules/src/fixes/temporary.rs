//! UC104: `open(p).read()` becomes `Path(p).read_text()`, or a `with` block.
//!
//! `open(p).read()` and `open(p, "w").write(s)` (text or binary mode,
//! `encoding=`/`errors=` carried over) become `Path(p).read_text()`,
//! `read_bytes()`, `write_text(s)`, `write_bytes(s)`, which open and close
//! the file themselves (CPython's `pathlib` calls `open()` with the same
//! mode). `Path` is the module's own import of it, or `pathlib.Path` when
//! the module imports `pathlib`, or a `from pathlib import Path` the fix
//! adds after the docstring and the `__future__` imports. Safe when `p` is
//! a string literal; otherwise unsafe, because `open()` also takes a file
//! descriptor or a `bytes` path and `Path()` does not.
//!
//! Otherwise, when the temporary is in a statement of its own (an
//! assignment, an expression, a `return`, or the iterable of a `for`) and is
//! used in a way that ends with the statement (a method that returns plain
//! data, a function that reads it whole like `json.load`, iterated by the
//! `for` or a list comprehension, or dropped), the statement goes in a
//! `with call as NAME:` block with a fresh name. Safe unless a call that
//! the statement evaluates before the temporary now runs after it.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashSet;
use unclosed_catalog::Kind;
use unclosed_dataflow::{Temporary, TemporaryUse};
use unclosed_diagnostics::{Applicability, Edit, Fix};

use super::FixContext;
use super::edits::{
    dotted, import_position, indent_lines, indent_unit, line_ending, reindentable_lines,
};
use super::with_block::{CONSUMING_FUNCTIONS, ENTER_RETURNS_OTHER, PLAIN_METHODS};

pub(crate) fn fix(fact: &Temporary, cx: &FixContext) -> Option<Fix> {
    path_fix(fact, cx).or_else(|| with_fix(fact, cx))
}

/// The call `open(...).read()` / `open(...).write(s)` around the temporary.
fn outer_call(suite: &[Stmt], inner: TextRange) -> Option<&ast::ExprCall> {
    struct Find<'a> {
        inner: TextRange,
        found: Option<&'a ast::ExprCall>,
    }
    impl<'a> Visitor<'a> for Find<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.found.is_none() && stmt.range().contains_range(self.inner) {
                visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.found.is_some() || !expr.range().contains_range(self.inner) {
                return;
            }
            if let Expr::Call(call) = expr
                && let Expr::Attribute(a) = &*call.func
                && a.value.range() == self.inner
            {
                self.found = Some(call);
                return;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut find = Find { inner, found: None };
    find.visit_body(suite);
    find.found
}

fn path_fix(t: &Temporary, cx: &FixContext) -> Option<Fix> {
    if !matches!(t.acquirer.name, "builtins.open" | "io.open") {
        return None;
    }
    let TemporaryUse::Receiver(method) = &t.how else {
        return None;
    };
    let outer = outer_call(cx.suite, t.range)?;
    let Expr::Attribute(attr) = &*outer.func else {
        return None;
    };
    let Expr::Call(open) = &*attr.value else {
        return None;
    };
    let text = cx.source.text.as_str();
    // `open(file, mode, *, encoding=, errors=)` and nothing else.
    let args = &open.arguments;
    if args.args.is_empty()
        || args.args.len() > 2
        || args.args.iter().any(Expr::is_starred_expr)
        || args.keywords.iter().any(|k| {
            !matches!(
                k.arg.as_ref().map(|a| a.as_str()),
                Some("mode" | "encoding" | "errors")
            )
        })
    {
        return None;
    }
    let mode = match (args.args.get(1), args.find_keyword("mode")) {
        (None, None) => "r".to_owned(),
        (Some(Expr::StringLiteral(s)), None) => s.value.to_str().to_owned(),
        (None, Some(k)) => match &k.value {
            Expr::StringLiteral(s) => s.value.to_str().to_owned(),
            _ => return None,
        },
        _ => return None,
    };
    let binary = mode.contains('b');
    let mut letters: Vec<char> = mode.chars().filter(|&c| c != 'b' && c != 't').collect();
    letters.sort_unstable();
    let (new_method, data) = match (method.as_str(), letters.as_slice(), binary) {
        ("read", ['r'], false) if outer.arguments.is_empty() => ("read_text", None),
        ("read", ['r'], true) if outer.arguments.is_empty() => ("read_bytes", None),
        ("write", ['w'], false) => ("write_text", Some(single_argument(outer)?)),
        ("write", ['w'], true) => ("write_bytes", Some(single_argument(outer)?)),
        _ => return None,
    };
    if mode.chars().filter(|&c| c == 't' || c == 'b').count() > 1 {
        return None;
    }
    let extras: Vec<&ast::Keyword> = args
        .keywords
        .iter()
        .filter(|k| k.arg.as_ref().is_some_and(|a| a.as_str() != "mode"))
        .collect();
    if binary && !extras.is_empty() {
        return None;
    }
    let (path_name, import) = path_name(cx, t.range.start())?;
    let file = &args.args[0];
    let mut call = format!("{path_name}({}).{new_method}(", &text[file.range()]);
    let mut parts: Vec<String> = Vec::new();
    if let Some(data) = data {
        parts.push(text[data.range()].to_owned());
    }
    parts.extend(extras.iter().map(|k| text[k.range()].to_owned()));
    call.push_str(&parts.join(", "));
    call.push(')');
    let mut edits = vec![Edit::replacement(call, outer.range())];
    if let Some(import) = import {
        edits.push(import);
    }
    let literal = matches!(file, Expr::StringLiteral(_) | Expr::FString(_));
    Some(Fix {
        applicability: if literal {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        },
        message: format!("Use `{path_name}(...).{new_method}()`"),
        edits,
    })
}

fn single_argument(call: &ast::ExprCall) -> Option<&Expr> {
    match (&*call.arguments.args, &*call.arguments.keywords) {
        ([arg], []) if !arg.is_starred_expr() => Some(arg),
        _ => None,
    }
}

/// How to spell `pathlib.Path` in this module, and the import to add if
/// one is needed. `None` when `Path` (or `pathlib`) means something else
/// somewhere in the module.
fn path_name(cx: &FixContext, used_at: TextSize) -> Option<(&'static str, Option<Edit>)> {
    let suite = cx.suite;
    let mut bindings = Bindings::default();
    bindings.visit_body(suite);
    // An import the module runs before the use.
    let imports_path = suite.iter().filter(|s| s.end() <= used_at).any(|s| {
        matches!(s, Stmt::ImportFrom(i)
            if i.module.as_ref().is_some_and(|m| m.as_str() == "pathlib")
                && i.level == 0
                && i.names.iter().any(|a| a.name.as_str() == "Path" && a.asname.is_none()))
    });
    if imports_path && bindings.count("Path") == 1 {
        return Some(("Path", None));
    }
    let imports_pathlib = suite.iter().filter(|s| s.end() <= used_at).any(|s| {
        matches!(s, Stmt::Import(i)
            if i.names.iter().any(|a| a.name.as_str() == "pathlib" && a.asname.is_none()))
    });
    if imports_pathlib && bindings.count("pathlib") == 1 {
        return Some(("pathlib.Path", None));
    }
    if bindings.mentioned.contains("Path") {
        return None;
    }
    let text = cx.source.text.as_str();
    let at = import_position(text, suite)?;
    let eol = line_ending(text, at.to_usize());
    Some((
        "Path",
        Some(Edit::insertion(
            format!("from pathlib import Path{eol}"),
            at,
        )),
    ))
}

/// The names a module binds or mentions, anywhere.
#[derive(Default)]
struct Bindings {
    mentioned: FxHashSet<String>,
    bound: Vec<String>,
}

impl Bindings {
    fn count(&self, name: &str) -> usize {
        self.bound.iter().filter(|b| *b == name).count()
    }
    fn bind(&mut self, name: &str) {
        self.mentioned.insert(name.to_owned());
        self.bound.push(name.to_owned());
    }
}

impl<'a> Visitor<'a> for Bindings {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.bind(f.name.as_str());
                for p in f.parameters.iter() {
                    self.bind(p.name().as_str());
                }
            }
            Stmt::ClassDef(c) => self.bind(c.name.as_str()),
            Stmt::Import(ast::StmtImport { names, .. })
            | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                for a in names {
                    let bound = a.asname.as_ref().unwrap_or(&a.name);
                    self.bind(bound.as_str().split('.').next().unwrap_or_default());
                }
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                for n in names {
                    self.bind(n.as_str());
                }
            }
            Stmt::Try(t) => {
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(n) = &h.name {
                        self.bind(n.as_str());
                    }
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(n) = expr {
            if n.ctx.is_load() {
                self.mentioned.insert(n.id.to_string());
            } else {
                self.bind(n.id.as_str());
            }
        }
        if let Expr::Lambda(l) = expr
            && let Some(p) = &l.parameters
        {
            for p in p.iter() {
                self.bind(p.name().as_str());
            }
        }
        visitor::walk_expr(self, expr);
    }
}

/// The statement holding the temporary, its suite and index.
fn statement_of(suite: &[Stmt], inner: TextRange) -> Option<&Stmt> {
    for stmt in suite {
        if !stmt.range().contains_range(inner) {
            continue;
        }
        let nested: Option<&Stmt> = match stmt {
            Stmt::FunctionDef(f) => statement_of(&f.body, inner),
            Stmt::ClassDef(c) => statement_of(&c.body, inner),
            Stmt::If(s) => std::iter::once(&s.body[..])
                .chain(s.elif_else_clauses.iter().map(|c| &c.body[..]))
                .find_map(|b| statement_of(b, inner)),
            Stmt::For(s) => statement_of(&s.body, inner).or_else(|| statement_of(&s.orelse, inner)),
            Stmt::While(s) => {
                statement_of(&s.body, inner).or_else(|| statement_of(&s.orelse, inner))
            }
            Stmt::With(s) => statement_of(&s.body, inner),
            Stmt::Try(s) => std::iter::once(&s.body[..])
                .chain(s.handlers.iter().map(|h| {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    &h.body[..]
                }))
                .chain([&s.orelse[..], &s.finalbody[..]])
                .find_map(|b| statement_of(b, inner)),
            Stmt::Match(s) => s.cases.iter().find_map(|c| statement_of(&c.body, inner)),
            _ => None,
        };
        return nested.or(Some(stmt));
    }
    None
}

fn with_fix(t: &Temporary, cx: &FixContext) -> Option<Fix> {
    let a = t.acquirer;
    if !a.with_releases || a.asynchronous || a.awaited || ENTER_RETURNS_OTHER.contains(&a.name) {
        return None;
    }
    let text = cx.source.text.as_str();
    let stmt = statement_of(cx.suite, t.range)?;
    // The expressions evaluated once, before the statement's effect, where
    // the temporary may be.
    let (value, is_for): (&Expr, bool) = match stmt {
        Stmt::Assign(s) => (&s.value, false),
        Stmt::AnnAssign(ast::StmtAnnAssign {
            value: Some(value), ..
        }) => (value, false),
        Stmt::AugAssign(s) => (&s.value, false),
        Stmt::Expr(s) => (&s.value, false),
        Stmt::Return(ast::StmtReturn {
            value: Some(value), ..
        }) => (value, false),
        Stmt::For(s) if s.iter.range() == t.range && !s.is_async => (&s.iter, true),
        _ => return None,
    };
    if !value.range().contains_range(t.range) {
        return None;
    }
    let hoist = Hoist::find(value, t.range)?;
    let ends_with_statement = match &t.how {
        TemporaryUse::Receiver(m) => {
            PLAIN_METHODS.contains(&m.as_str()) && hoist.parent_is_method_call
        }
        TemporaryUse::Argument(callee) => {
            CONSUMING_FUNCTIONS.contains(&callee.as_str()) && hoist.parent_is_consuming_call
        }
        TemporaryUse::Iterated => is_for || hoist.parent_is_list_comprehension,
        TemporaryUse::Dropped => matches!(stmt, Stmt::Expr(e) if e.value.range() == t.range),
    };
    if !ends_with_statement {
        return None;
    }
    let (region, indent) = reindentable_lines(text, stmt)?;
    let (start, end) = (region.start().to_usize(), region.end().to_usize());
    let name = fresh_name(cx.suite, a.kind);
    let eol = line_ending(text, start);
    let unit = indent_unit(text, cx.suite, indent);
    let call = &text[t.range];
    let replacement = if matches!(t.how, TemporaryUse::Dropped) {
        format!("{indent}with {call}:{eol}{indent}{unit}pass")
    } else {
        let before = &text[start..t.range.start().to_usize()];
        let after = &text[t.range.end().to_usize()..end];
        let statement = format!("{before}{name}{after}");
        let mut body = indent_lines(&statement, indent, &unit);
        if !body.ends_with(['\n', '\r']) && end < text.len() {
            body.push_str(eol);
        }
        format!("{indent}with {call} as {name}:{eol}{body}")
    };
    let replacement = if matches!(t.how, TemporaryUse::Dropped) {
        // Keep what followed the statement on its line (a comment).
        format!("{replacement}{}", &text[stmt.end().to_usize()..end])
    } else {
        replacement
    };
    let applicability = if hoist.calls_before {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    Some(Fix {
        applicability,
        message: format!("Use `with {}(...) as {name}:`", t.callee),
        edits: vec![Edit::replacement(replacement, region)],
    })
}

/// What lies between a statement's expression and the temporary in it.
struct Hoist {
    /// The temporary is the receiver of a method call (`open(p).read()`).
    parent_is_method_call: bool,
    /// The temporary is an argument of a call of a function that reads it
    /// whole (`json.load(open(p))`).
    parent_is_consuming_call: bool,
    /// The temporary is the first iterable of a list, set or dict
    /// comprehension.
    parent_is_list_comprehension: bool,
    /// A call evaluated before the temporary.
    calls_before: bool,
}

impl Hoist {
    /// `None` when the temporary is evaluated conditionally, repeatedly or
    /// in a nested scope: it cannot run once before the statement.
    fn find(root: &Expr, target: TextRange) -> Option<Hoist> {
        let mut path: Vec<&Expr> = Vec::new();
        let mut at = root;
        loop {
            if at.range() == target {
                break;
            }
            path.push(at);
            let mut children = Children(Vec::new());
            visitor::walk_expr(&mut children, at);
            let next = children
                .0
                .into_iter()
                .find(|c| c.range().contains_range(target))?;
            // Conditional, repeated or deferred evaluation.
            match at {
                Expr::If(e) if e.test.range() != next.range() => return None,
                Expr::BoolOp(e) if e.values.first().map(Ranged::range) != Some(next.range()) => {
                    return None;
                }
                Expr::Lambda(_) => return None,
                Expr::ListComp(ast::ExprListComp { generators, .. })
                | Expr::SetComp(ast::ExprSetComp { generators, .. })
                | Expr::DictComp(ast::ExprDictComp { generators, .. })
                | Expr::Generator(ast::ExprGenerator { generators, .. })
                    if generators.first().map(|g| g.iter.range()) != Some(next.range())
                        || matches!(at, Expr::Generator(_)) =>
                {
                    return None;
                }
                _ => {}
            }
            at = next;
        }
        let parent = path.last().copied();
        let parent_is_method_call = path.len() >= 2
            && matches!(parent, Some(Expr::Attribute(a)) if a.value.range() == target)
            && matches!(path[path.len() - 2], Expr::Call(c) if c.func.range() == parent.map(Ranged::range).unwrap_or_default());
        let parent_is_consuming_call = matches!(parent, Some(Expr::Call(c))
            if c.arguments.args.iter().any(|a| a.range() == target)
                && dotted(&c.func).is_some_and(|d| CONSUMING_FUNCTIONS.contains(&d.as_str())));
        let parent_is_list_comprehension = matches!(
            parent,
            Some(Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_))
        );
        let mut calls = Calls {
            before: target.start(),
            found: false,
        };
        calls.visit_expr(root);
        Some(Hoist {
            parent_is_method_call,
            parent_is_consuming_call,
            parent_is_list_comprehension,
            calls_before: calls.found,
        })
    }
}

/// The direct sub-expressions of an expression.
struct Children<'a>(Vec<&'a Expr>);

impl<'a> Visitor<'a> for Children<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        self.0.push(expr);
    }
}

/// Whether a call ends before `before` (is evaluated before it).
struct Calls {
    before: TextSize,
    found: bool,
}

impl<'a> Visitor<'a> for Calls {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if matches!(expr, Expr::Call(_) | Expr::Await(_) | Expr::Yield(_))
            && expr.end() <= self.before
        {
            self.found = true;
        }
        match expr {
            // Only the first iterable is evaluated before the rest (and
            // the temporary is there when it is in a comprehension).
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. }) => {
                if let Some(first) = generators.first() {
                    self.visit_expr(&first.iter);
                }
            }
            Expr::Lambda(_) => {}
            _ => visitor::walk_expr(self, expr),
        }
    }
}

/// A name for the resource that the module does not use anywhere.
fn fresh_name(suite: &[Stmt], kind: Kind) -> String {
    let mut bindings = Bindings::default();
    bindings.visit_body(suite);
    let base = match kind {
        Kind::File | Kind::TempFile => "f",
        Kind::Socket => "sock",
        Kind::Process => "proc",
        Kind::Archive => "archive",
        _ => "resource",
    };
    unused_name(&bindings, base)
}

/// `base`, else `base1`, `base2`, ...: the first that `bindings` does not
/// mention.
fn unused_name(bindings: &Bindings, base: &str) -> String {
    std::iter::once(base.to_owned())
        .chain((1..).map(|i| format!("{base}{i}")))
        .find(|n| !bindings.mentioned.contains(n))
        .unwrap_or_else(|| base.to_owned())
}

/// A name that the module does not use anywhere: `base`, else `base1`, ...
pub(super) fn name_unused_in(suite: &[Stmt], base: &str) -> String {
    let mut bindings = Bindings::default();
    bindings.visit_body(suite);
    unused_name(&bindings, base)
}
