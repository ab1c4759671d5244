//! UC101, UC102, UC106: `f = open(...)` and the statements using `f` become a `with` block, or a `try`/`finally` that releases it.
//!
//! The acquisition must be a statement of its own, `name = call(...)`, in
//! a function or at module level. The block is the statements of the same
//! suite that follow it, up to the explicit release (`f.close()`, or `if f:
//! f.close()`) that the fix removes, or, when there is none, through the
//! last statement that uses `f` or a name derived from it (`r =
//! csv.reader(f)`). The first is `Safe`: the block ends where the program
//! already released the resource. The second is `Unsafe`: where the block
//! ends is a guess.
//!
//! No fix when the resource may escape (returned, yielded, stored in an
//! attribute, a container or a global, passed to an owning call, captured
//! by a nested function), when its name is rebound or deleted in the block,
//! used after it or earlier in a loop that comes back to it, released in a
//! `finally` already, when a statement of the block shares a line with one
//! outside it, or when a line to re-indent starts inside a multi-line
//! string (its value would change).
//!
//! Resources whose `with` does not release them (`sqlite3.connect`), or
//! whose `__enter__` returns something else (`TemporaryDirectory` gives its
//! path), get `try:` / `finally: f.<release>()` instead.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};
use unclosed_catalog::{Acquirer, Kind, Returns};
use unclosed_dataflow::Leak;
use unclosed_diagnostics::{Applicability, Edit, Fix};

use super::FixContext;
use super::edits::{
    alone_on_its_lines, content_end, dotted, indent_lines, indent_unit, indentation, line_end,
    line_ending, line_start, lines_inside_strings, multiline_strings, name_of, trailing_comment,
};

/// Acquirers whose `__enter__` does not return the object itself.
pub(super) const ENTER_RETURNS_OTHER: &[&str] = &["tempfile.TemporaryDirectory"];

/// Methods that keep their argument (on any receiver).
const STORING_METHODS: &[&str] = &[
    "append",
    "appendleft",
    "add",
    "extend",
    "extendleft",
    "insert",
    "put",
    "put_nowait",
    "setdefault",
    "update",
    "push",
    "enter_context",
    "enter_async_context",
    "callback",
    "push_async_callback",
    "push_async_exit",
    "addCleanup",
    "addAsyncCleanup",
    "addClassCleanup",
    "enterContext",
    "enterAsyncContext",
    "setattr",
];

/// Functions that keep their argument.
const STORING_FUNCTIONS: &[&str] = &[
    "setattr",
    "atexit.register",
    "weakref.finalize",
    "weakref.ref",
    "weakref.proxy",
    "contextlib.closing",
    "closing",
];

/// Functions whose result, given the resource, holds no reference to it.
pub(super) const CONSUMING_FUNCTIONS: &[&str] = &[
    "json.load",
    "pickle.load",
    "marshal.load",
    "tomllib.load",
    "plistlib.load",
    "tokenize.detect_encoding",
    "json.dump",
    "pickle.dump",
    "marshal.dump",
    "plistlib.dump",
    "shutil.copyfileobj",
    "hashlib.file_digest",
    "os.fstat",
    "os.read",
    "os.write",
    "print",
    "len",
    "str",
    "bytes",
    "bool",
    "int",
    "repr",
    "hash",
    "id",
    "isinstance",
    "hasattr",
    "list",
    "tuple",
    "sorted",
    "set",
    "frozenset",
    "sum",
    "min",
    "max",
    "any",
    "all",
];

/// Functions and methods whose result keeps a reference to their
/// argument, besides classes (a capitalized name: `TextIOWrapper(f)`).
const KEEPING_CALLS: &[&str] = &[
    "iter",
    "enumerate",
    "zip",
    "map",
    "filter",
    "reversed",
    "reader",
    "writer",
    "DictReader",
    "DictWriter",
    "fdopen",
    "open",
    "closing",
    "nullcontext",
    "generate_tokens",
    "tokenize",
    "iterparse",
    "parse",
    "getreader",
    "getwriter",
    "wrap_socket",
    "makefile",
    "fromfd",
    "mmap",
];

/// Whether a call of `func` keeps its arguments in its result: a class or
/// one of its alternative constructors (`SFTPClient.from_transport(t)`), a
/// known wrapper, or a call of a call's result (`codecs.getreader(e)(f)`).
fn keeps_arguments(func: &Expr) -> bool {
    let capitalized = |s: &str| s.starts_with(|c: char| c.is_ascii_uppercase());
    match func {
        Expr::Name(n) => capitalized(n.id.as_str()) || KEEPING_CALLS.contains(&n.id.as_str()),
        Expr::Attribute(a) => {
            let attr = a.attr.as_str();
            capitalized(attr)
                || KEEPING_CALLS.contains(&attr)
                || attr.starts_with("from")
                || dotted(&a.value).is_some_and(|d| capitalized(d.rsplit('.').next().unwrap_or(&d)))
        }
        _ => true,
    }
}

/// Methods (of the resource) whose result holds no reference to it.
pub(super) const PLAIN_METHODS: &[&str] = &[
    "read",
    "read1",
    "readline",
    "readlines",
    "readinto",
    "peek",
    "write",
    "writelines",
    "fileno",
    "tell",
    "seek",
    "flush",
    "truncate",
    "isatty",
    "readable",
    "writable",
    "seekable",
    "recv",
    "recv_into",
    "recvfrom",
    "send",
    "sendall",
    "sendto",
    "getvalue",
    "namelist",
    "infolist",
    "getinfo",
    "getnames",
    "getmembers",
    "getmember",
    "testzip",
    "communicate",
    "wait",
    "poll",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    "settimeout",
    "setblocking",
    "connect",
    "bind",
    "listen",
    "shutdown",
];

/// Attributes whose value holds no reference to the resource.
const PLAIN_ATTRIBUTES: &[&str] = &[
    "name",
    "mode",
    "closed",
    "encoding",
    "errors",
    "newlines",
    "returncode",
    "pid",
    "filename",
    "args",
];

pub(crate) fn fix(leak: &Leak, cx: &FixContext) -> Option<Fix> {
    let name = leak.name.as_deref()?;
    let acquirer = leak.acquirer;
    if acquirer.asynchronous
        || acquirer.awaited
        || leak.non_closing_with.is_some()
        || matches!(acquirer.returns, Returns::Tuple(_))
    {
        return None;
    }
    let site = locate(cx.suite, leak.range)?;
    if site.class_body {
        return None;
    }
    let text = cx.source.text.as_str();
    let stmt = &site.suite[site.index];
    let Stmt::Assign(assign) = stmt else {
        return None;
    };
    if assign.targets.len() != 1
        || name_of(&assign.targets[0]) != Some(name)
        || assign.value.range() != leak.range
        || !matches!(*assign.value, Expr::Call(_))
        || mentions(std::slice::from_ref(&*assign.value), &[name])
        || !alone_on_its_lines(text, stmt.range())
    {
        return None;
    }
    let plan = plan_block(&site, name, acquirer)?;
    // A process pool's `with` terminates it; the code's own release
    // (`close()`, which lets the queued tasks finish) must stay what runs.
    let with_is_not_the_release = !acquirer.with_releases
        || ENTER_RETURNS_OTHER.contains(&acquirer.name)
        || acquirer.kind == Kind::Pool;
    let form = if with_is_not_the_release {
        let own = plan
            .release
            .and_then(|r| release_call_method(&site.suite[r], name));
        Form::TryFinally(own.or_else(|| release_method(acquirer))?)
    } else {
        Form::With
    };
    check_uses(&site, name, &plan)?;
    edit(cx, &site, name, &plan, &form)
}

/// Where the acquisition is: its suite and index, the body of the scope it
/// runs in, and the loops of that scope around it.
struct Site<'a> {
    suite: &'a [Stmt],
    index: usize,
    scope: &'a [Stmt],
    class_body: bool,
    loops: Vec<TextRange>,
}

fn locate(module: &[Stmt], call: TextRange) -> Option<Site<'_>> {
    fn walk<'a>(
        suite: &'a [Stmt],
        scope: &'a [Stmt],
        class_body: bool,
        loops: &mut Vec<TextRange>,
        call: TextRange,
    ) -> Option<Site<'a>> {
        for (index, stmt) in suite.iter().enumerate() {
            if !stmt.range().contains_range(call) {
                continue;
            }
            if let Stmt::Assign(a) = stmt
                && a.value.range() == call
            {
                return Some(Site {
                    suite,
                    index,
                    scope,
                    class_body,
                    loops: loops.clone(),
                });
            }
            return match stmt {
                Stmt::FunctionDef(f) => walk(&f.body, &f.body, false, &mut Vec::new(), call),
                Stmt::ClassDef(c) => walk(&c.body, &c.body, true, &mut Vec::new(), call),
                Stmt::If(s) => std::iter::once(&s.body[..])
                    .chain(s.elif_else_clauses.iter().map(|c| &c.body[..]))
                    .find_map(|b| walk(b, scope, class_body, loops, call)),
                Stmt::For(s) => in_loop(stmt, &s.body, &s.orelse, scope, class_body, loops, call),
                Stmt::While(s) => in_loop(stmt, &s.body, &s.orelse, scope, class_body, loops, call),
                Stmt::With(s) => walk(&s.body, scope, class_body, loops, call),
                Stmt::Try(s) => std::iter::once(&s.body[..])
                    .chain(s.handlers.iter().map(|h| {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        &h.body[..]
                    }))
                    .chain([&s.orelse[..], &s.finalbody[..]])
                    .find_map(|b| walk(b, scope, class_body, loops, call)),
                Stmt::Match(s) => s
                    .cases
                    .iter()
                    .find_map(|c| walk(&c.body, scope, class_body, loops, call)),
                _ => None,
            };
        }
        None
    }
    fn in_loop<'a>(
        stmt: &Stmt,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
        scope: &'a [Stmt],
        class_body: bool,
        loops: &mut Vec<TextRange>,
        call: TextRange,
    ) -> Option<Site<'a>> {
        loops.push(stmt.range());
        let found = walk(body, scope, class_body, loops, call);
        loops.pop();
        found.or_else(|| walk(orelse, scope, class_body, loops, call))
    }
    walk(module, module, false, &mut Vec::new(), call)
}

/// The statements the block covers.
struct Plan {
    /// Indices into the suite: `first..end` are the block's statements.
    first: usize,
    end: usize,
    /// The release statement to remove (index), when there is one.
    release: Option<usize>,
    /// The name and the names derived from it.
    aliases: Vec<String>,
    /// Index of a later statement of the suite that rebinds the name:
    /// uses from there on are of another object.
    rebound_at: Option<usize>,
}

fn plan_block(site: &Site, name: &str, acquirer: &Acquirer) -> Option<Plan> {
    let suite = site.suite;
    let first = site.index + 1;
    let rebound_at = (first..suite.len()).find(|&j| is_plain_rebinding(&suite[j], name));
    let limit = rebound_at.unwrap_or(suite.len());
    let release = (first..limit).find(|&j| is_release(&suite[j], name, acquirer));
    let mut aliases = vec![name.to_owned()];
    let end = if let Some(release) = release {
        aliases = derived_names(&suite[first..release], name)?;
        release
    } else {
        // Through the last statement using the name or a derived one; the
        // derived names depend on the statements covered: to a fixpoint.
        let mut end = first;
        loop {
            let names: Vec<&str> = aliases.iter().map(String::as_str).collect();
            let last = (first..limit)
                .rev()
                .find(|&j| mentions(std::slice::from_ref(&suite[j]), &names))
                .map_or(first, |j| j + 1);
            let derived = derived_names(&suite[first..last], name)?;
            if last == end && derived == aliases {
                break end;
            }
            end = last;
            aliases = derived;
        }
    };
    Some(Plan {
        first,
        end,
        release,
        aliases,
        rebound_at,
    })
}

/// `name = <expression not using name>`, a statement of its own.
fn is_plain_rebinding(stmt: &Stmt, name: &str) -> bool {
    matches!(stmt, Stmt::Assign(a)
        if a.targets.len() == 1
            && name_of(&a.targets[0]) == Some(name)
            && !mentions(std::slice::from_ref(&*a.value), &[name]))
}

/// `f.close()`, or `if f: f.close()` / `if f is not None: f.close()` /
/// `if not f.closed: f.close()` with no other branch.
fn is_release(stmt: &Stmt, name: &str, acquirer: &Acquirer) -> bool {
    match stmt {
        Stmt::Expr(e) => is_release_call(&e.value, name, acquirer),
        Stmt::If(s) => {
            s.elif_else_clauses.is_empty()
                && s.body.len() == 1
                && is_guard(&s.test, name)
                && matches!(&s.body[0], Stmt::Expr(e) if is_release_call(&e.value, name, acquirer))
        }
        _ => false,
    }
}

fn is_release_call(expr: &Expr, name: &str, acquirer: &Acquirer) -> bool {
    let Expr::Call(call) = expr else {
        return false;
    };
    let Expr::Attribute(attr) = &*call.func else {
        return false;
    };
    let method = attr.attr.as_str();
    name_of(&attr.value) == Some(name)
        && call.arguments.is_empty()
        && (method == "close"
            || (acquirer.release.contains(&method) && !NOT_LIKE_EXIT.contains(&method)))
}

/// Release methods that do something else than the end of a `with` block
/// (`poll()` does not wait, `kill()` and `terminate()` signal,
/// `communicate()` feeds and drains the pipes): removing them for a `with`
/// would change the program.
const NOT_LIKE_EXIT: &[&str] = &["poll", "kill", "terminate", "communicate", "detach"];

fn is_guard(test: &Expr, name: &str) -> bool {
    match test {
        Expr::Name(_) => name_of(test) == Some(name),
        Expr::Compare(c) => {
            name_of(&c.left) == Some(name)
                && matches!(&*c.ops, [ast::CmpOp::IsNot])
                && matches!(&*c.comparators, [Expr::NoneLiteral(_)])
        }
        Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => {
            matches!(&*u.operand, Expr::Attribute(a)
                if a.attr.as_str() == "closed" && name_of(&a.value) == Some(name))
        }
        _ => false,
    }
}

/// The name and the names bound, in `stmts`, to values that may refer to
/// it (`r = csv.reader(f)`, `g = f`), to a fixpoint; `None` when the
/// resource may escape in them or one of the names is rebound.
fn derived_names(stmts: &[Stmt], name: &str) -> Option<Vec<String>> {
    let mut names = vec![name.to_owned()];
    let mut defined_at: FxHashMap<String, TextRange> = FxHashMap::default();
    for _ in 0..8 {
        let mut check = Escapes {
            names: names.iter().cloned().collect(),
            defined_at: defined_at.clone(),
            derived: Vec::new(),
            escapes: false,
        };
        check.visit_body(stmts);
        if check.escapes {
            return None;
        }
        let before = names.len();
        for (d, at) in check.derived {
            if !names.contains(&d) {
                names.push(d.clone());
                defined_at.insert(d, at);
            }
        }
        if names.len() == before {
            return Some(names);
        }
    }
    None
}

/// Finds, in the block, the ways the resource (under any of `names`) may
/// escape or be rebound, and the names bound to values referring to it.
struct Escapes {
    names: FxHashSet<String>,
    /// The assignment that derives each derived name: binding it there is
    /// no rebinding.
    defined_at: FxHashMap<String, TextRange>,
    derived: Vec<(String, TextRange)>,
    escapes: bool,
}

impl Escapes {
    fn is_ours(&self, expr: &Expr) -> bool {
        name_of(expr).is_some_and(|n| self.names.contains(n))
    }

    /// Whether the value of `expr` may hold a reference to the resource.
    fn refers(&self, expr: &Expr) -> bool {
        let refers_unless_ours = |e: &Expr| !self.is_ours(e) && self.refers(e);
        match expr {
            Expr::Name(n) => self.names.contains(n.id.as_str()),
            Expr::Attribute(a) if self.is_ours(&a.value) => {
                !PLAIN_ATTRIBUTES.contains(&a.attr.as_str())
            }
            Expr::Attribute(a) => self.refers(&a.value),
            Expr::Call(call) => {
                let mut args = call
                    .arguments
                    .args
                    .iter()
                    .chain(call.arguments.keywords.iter().map(|k| &k.value));
                // A bound method of ours (`tokenize.detect_encoding(f.readline)`)
                // given to a function that returns plain data.
                let plain_arg = |e: &Expr| {
                    self.is_ours(e)
                        || matches!(e, Expr::Attribute(a) if self.is_ours(&a.value))
                        || !self.refers(e)
                };
                match &*call.func {
                    Expr::Attribute(a) if self.is_ours(&a.value) => {
                        !PLAIN_METHODS.contains(&a.attr.as_str()) || args.any(|a| self.refers(a))
                    }
                    func if dotted(func)
                        .is_some_and(|d| CONSUMING_FUNCTIONS.contains(&d.as_str())) =>
                    {
                        !args.all(plain_arg)
                    }
                    func if keeps_arguments(func) => {
                        self.refers(func) || args.any(|a| self.refers(a))
                    }
                    // Another function: assumed to return something of its
                    // own (`res = test(h, f)`), which is why a fix with no
                    // release to end the block is unsafe.
                    func => self.refers(func),
                }
            }
            Expr::Subscript(s) => refers_unless_ours(&s.value) || self.refers(&s.slice),
            Expr::Compare(c) => std::iter::once(&*c.left)
                .chain(c.comparators.iter())
                .any(refers_unless_ours),
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => refers_unless_ours(&u.operand),
            Expr::ListComp(c) => self.comprehension_refers(&c.generators, &[&c.elt]),
            Expr::SetComp(c) => self.comprehension_refers(&c.generators, &[&c.elt]),
            Expr::DictComp(c) => {
                let elts: Vec<&Expr> = c.key.as_deref().into_iter().chain([&*c.value]).collect();
                self.comprehension_refers(&c.generators, &elts)
            }
            // Lazy: a generator or a function keeps what it sees.
            Expr::Generator(_) | Expr::Lambda(_) => {
                let mut any = AnyName {
                    names: &self.names,
                    found: false,
                };
                visitor::walk_expr(&mut any, expr);
                any.found
            }
            _ => {
                let mut children = Children(Vec::new());
                visitor::walk_expr(&mut children, expr);
                children.0.iter().any(|c| self.refers(c))
            }
        }
    }

    fn comprehension_refers(&self, generators: &[ast::Comprehension], elts: &[&Expr]) -> bool {
        generators.iter().any(|g| {
            (!self.is_ours(&g.iter) && self.refers(&g.iter)) || g.ifs.iter().any(|e| self.refers(e))
        }) || elts.iter().any(|e| self.refers(e))
    }

    fn binds_ours(&self, target: &Expr) -> bool {
        self.binds_ours_outside(target, None)
    }

    /// Whether `target` binds one of the names, other than a derived name
    /// in the assignment (`at`) that derives it.
    fn binds_ours_outside(&self, target: &Expr, at: Option<TextRange>) -> bool {
        let mut bound = Bound {
            names: &self.names,
            found: Vec::new(),
        };
        bound.visit_expr(target);
        bound
            .found
            .iter()
            .any(|n| at.is_none() || self.defined_at.get(n) != at.as_ref())
    }
}

impl<'a> Visitor<'a> for Escapes {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let escapes = match stmt {
            Stmt::Return(r) => r.value.as_deref().is_some_and(|v| self.refers(v)),
            Stmt::Assign(a) => {
                if a.targets
                    .iter()
                    .any(|t| self.binds_ours_outside(t, Some(stmt.range())))
                {
                    true
                } else if self.refers(&a.value) {
                    let mut stored = false;
                    for t in &a.targets {
                        match names_of_target(t) {
                            Some(names) => self
                                .derived
                                .extend(names.into_iter().map(|n| (n, stmt.range()))),
                            None => stored = true,
                        }
                    }
                    stored
                } else {
                    false
                }
            }
            Stmt::AnnAssign(a) => {
                if self.binds_ours_outside(&a.target, Some(stmt.range())) {
                    true
                } else if a.value.as_deref().is_some_and(|v| self.refers(v)) {
                    match name_of(&a.target) {
                        Some(n) => {
                            self.derived.push((n.to_owned(), stmt.range()));
                            false
                        }
                        None => true,
                    }
                } else {
                    false
                }
            }
            Stmt::AugAssign(a) => self.binds_ours(&a.target) || self.refers(&a.value),
            Stmt::Delete(d) => d.targets.iter().any(|t| self.binds_ours(t)),
            Stmt::For(f) => self.binds_ours(&f.target),
            Stmt::With(w) => w
                .items
                .iter()
                .filter_map(|i| i.optional_vars.as_deref())
                .any(|t| self.binds_ours(t)),
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                names.iter().any(|n| self.names.contains(n.as_str()))
            }
            Stmt::Import(ast::StmtImport { names, .. })
            | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => names.iter().any(|a| {
                let bound = a.asname.as_ref().unwrap_or(&a.name);
                let top = bound.as_str().split('.').next().unwrap_or_default();
                self.names.contains(top)
            }),
            Stmt::FunctionDef(f) => self.names.contains(f.name.as_str()),
            Stmt::ClassDef(c) => self.names.contains(c.name.as_str()),
            Stmt::Try(t) => t.handlers.iter().any(|h| {
                let ast::ExceptHandler::ExceptHandler(h) = h;
                h.name
                    .as_ref()
                    .is_some_and(|n| self.names.contains(n.as_str()))
            }),
            _ => false,
        };
        if escapes {
            self.escapes = true;
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        let escapes = match expr {
            Expr::Yield(y) => y.value.as_deref().is_some_and(|v| self.refers(v)),
            Expr::YieldFrom(y) => self.refers(&y.value),
            Expr::Named(n) => self.binds_ours(&n.target) || self.refers(&n.value),
            _ => false,
        };
        if escapes {
            self.escapes = true;
        }
        match expr {
            Expr::Call(call) => {
                let args = || {
                    call.arguments
                        .args
                        .iter()
                        .chain(call.arguments.keywords.iter().map(|k| &k.value))
                };
                let storing = match &*call.func {
                    Expr::Attribute(a) if !self.is_ours(&a.value) => {
                        STORING_METHODS.contains(&a.attr.as_str())
                    }
                    func => dotted(func).is_some_and(|d| STORING_FUNCTIONS.contains(&d.as_str())),
                };
                let mut any = AnyName {
                    names: &self.names,
                    found: false,
                };
                if storing {
                    args().for_each(|a| any.visit_expr(a));
                    if any.found {
                        self.escapes = true;
                    }
                }
            }
            // A nested scope that sees the resource may keep it.
            Expr::Lambda(_) => {
                let mut any = AnyName {
                    names: &self.names,
                    found: false,
                };
                visitor::walk_expr(&mut any, expr);
                if any.found {
                    self.escapes = true;
                }
            }
            _ => {}
        }
        if let Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) = expr
        {
            let generators = match expr {
                Expr::ListComp(c) => &c.generators,
                Expr::SetComp(c) => &c.generators,
                Expr::DictComp(c) => &c.generators,
                Expr::Generator(c) => &c.generators,
                _ => unreachable!("matched above"),
            };
            if generators.iter().any(|g| self.binds_ours(&g.target)) {
                self.escapes = true;
            }
        }
        visitor::walk_expr(self, expr);
    }
}

/// The names a target binds when it is made only of names (`a`, `a, b`,
/// `[a, *b]`); `None` for attributes and subscripts (a store elsewhere).
fn names_of_target(target: &Expr) -> Option<Vec<String>> {
    match target {
        Expr::Name(n) => Some(vec![n.id.to_string()]),
        Expr::Starred(s) => names_of_target(&s.value),
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            let mut out = Vec::new();
            for e in elts {
                out.extend(names_of_target(e)?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// The direct sub-expressions of an expression.
struct Children<'a>(Vec<&'a Expr>);

impl<'a> Visitor<'a> for Children<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        self.0.push(expr);
    }
}

/// Whether an expression mentions one of the names.
struct AnyName<'n> {
    names: &'n FxHashSet<String>,
    found: bool,
}

impl<'a> Visitor<'a> for AnyName<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(n) = expr
            && self.names.contains(n.id.as_str())
        {
            self.found = true;
        }
        visitor::walk_expr(self, expr);
    }
}

/// The names among `names` a target binds (or deletes).
struct Bound<'n> {
    names: &'n FxHashSet<String>,
    found: Vec<String>,
}

impl<'a> Visitor<'a> for Bound<'_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n)
                if matches!(n.ctx, ExprContext::Store | ExprContext::Del)
                    && self.names.contains(n.id.as_str()) =>
            {
                self.found.push(n.id.to_string());
            }
            Expr::Tuple(_) | Expr::List(_) | Expr::Starred(_) => visitor::walk_expr(self, expr),
            _ => {}
        }
    }
}

/// Whether `stmts` mention one of `names` anywhere (nested scopes too).
fn mentions(stmts_or_expr: &[impl MentionSource], names: &[&str]) -> bool {
    let names: FxHashSet<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut any = AllNames {
        names: &names,
        found: Vec::new(),
    };
    for s in stmts_or_expr {
        s.visit(&mut any);
    }
    !any.found.is_empty()
}

trait MentionSource {
    fn visit(&self, v: &mut AllNames<'_>);
}

impl MentionSource for Stmt {
    fn visit(&self, v: &mut AllNames<'_>) {
        v.visit_stmt(self);
    }
}

impl MentionSource for Expr {
    fn visit(&self, v: &mut AllNames<'_>) {
        v.visit_expr(self);
    }
}

/// Every occurrence of the names: name expressions, and the names that
/// statements bind without an expression (`def`, `class`, `import`,
/// `global`, `except ... as`, parameters), with whether it is in a nested
/// scope.
struct AllNames<'n> {
    names: &'n FxHashSet<String>,
    found: Vec<Occurrence>,
}

#[derive(Debug, Clone, Copy)]
struct Occurrence {
    range: TextRange,
    nested: bool,
}

impl AllNames<'_> {
    fn add(&mut self, name: &str, range: TextRange) {
        if self.names.contains(name) {
            self.found.push(Occurrence {
                range,
                nested: false,
            });
        }
    }
}

impl<'a> Visitor<'a> for AllNames<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.add(f.name.as_str(), stmt.range());
                let before = self.found.len();
                visitor::walk_stmt(self, stmt);
                for p in f.parameters.iter() {
                    self.add(p.name().as_str(), stmt.range());
                }
                for o in &mut self.found[before..] {
                    o.nested = true;
                }
                return;
            }
            Stmt::ClassDef(c) => {
                self.add(c.name.as_str(), stmt.range());
                let before = self.found.len();
                visitor::walk_stmt(self, stmt);
                for o in &mut self.found[before..] {
                    o.nested = true;
                }
                return;
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                for n in names {
                    self.add(n.as_str(), stmt.range());
                }
            }
            Stmt::Import(ast::StmtImport { names, .. })
            | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                for a in names {
                    let bound = a.asname.as_ref().unwrap_or(&a.name);
                    self.add(
                        bound.as_str().split('.').next().unwrap_or_default(),
                        stmt.range(),
                    );
                }
            }
            Stmt::Try(t) => {
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(n) = &h.name {
                        self.add(n.as_str(), h.range);
                    }
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) => self.add(n.id.as_str(), n.range),
            Expr::Lambda(_) => {
                let before = self.found.len();
                visitor::walk_expr(self, expr);
                for o in &mut self.found[before..] {
                    o.nested = true;
                }
                return;
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

/// The names are used nowhere but in the block, before it outside any loop
/// around it, and (the name itself) after a later rebinding in the suite;
/// and never from a nested scope or released in a `finally`.
fn check_uses(site: &Site, name: &str, plan: &Plan) -> Option<()> {
    let suite = site.suite;
    let acquisition = suite[site.index].range();
    let block_end = block_last(site, plan).end();
    // With a release ending the block, a derived name used after it was
    // used after the release already: only the name itself matters.
    let names: FxHashSet<String> = if plan.release.is_some() {
        std::iter::once(name.to_owned()).collect()
    } else {
        plan.aliases.iter().cloned().collect()
    };
    let mut all = AllNames {
        names: &names,
        found: Vec::new(),
    };
    all.visit_body(site.scope);
    let rebound = plan
        .rebound_at
        .map(|r| TextRange::new(suite[r].start(), suite[suite.len() - 1].end()));
    for occurrence in &all.found {
        let at = occurrence.range;
        if occurrence.nested {
            return None;
        }
        if acquisition.start() <= at.start() && at.end() <= block_end {
            continue;
        }
        if at.end() <= acquisition.start() && !site.loops.iter().any(|l| l.contains_range(at)) {
            continue;
        }
        if let Some(rebound) = rebound
            && rebound.contains_range(at)
            && name_here(at, name, site)
        {
            continue;
        }
        return None;
    }
    if released_in_finally(site.scope, name, acquisition) {
        return None;
    }
    Some(())
}

/// Whether the occurrence at `at` is of `name` itself (not a derived name).
fn name_here(at: TextRange, name: &str, site: &Site) -> bool {
    let mut only = FxHashSet::default();
    only.insert(name.to_owned());
    let mut all = AllNames {
        names: &only,
        found: Vec::new(),
    };
    all.visit_body(site.suite);
    all.found.iter().any(|o| o.range == at)
}

/// The range of the block's last statement (or the acquisition when the
/// block is empty), the release statement included.
fn block_last(site: &Site, plan: &Plan) -> TextRange {
    let last = plan.release.unwrap_or(plan.end.saturating_sub(1));
    site.suite
        .get(last)
        .filter(|_| plan.release.is_some() || plan.end > plan.first)
        .unwrap_or(&site.suite[site.index])
        .range()
}

/// Whether a `try` around or after the acquisition releases the name in
/// its `finally`: then the leak is on another path, not a missing release.
/// (A `try` that ended before the acquisition released an older object; a
/// `finally` the acquisition is in is only where it happens.)
fn released_in_finally(scope: &[Stmt], name: &str, acquisition: TextRange) -> bool {
    struct Finally<'n> {
        name: &'n str,
        acquisition: TextRange,
        found: bool,
    }
    impl<'a> Visitor<'a> for Finally<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if let Stmt::Try(t) = stmt
                && t.range.end() > self.acquisition.start()
                && !t
                    .finalbody
                    .iter()
                    .any(|s| s.range().contains_range(self.acquisition))
                && mentions(&t.finalbody, &[self.name])
            {
                self.found = true;
            }
            visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut finally = Finally {
        name,
        acquisition,
        found: false,
    };
    finally.visit_body(scope);
    finally.found
}

fn release_method(acquirer: &Acquirer) -> Option<&'static str> {
    acquirer
        .release
        .iter()
        .copied()
        .find(|m| !m.contains('(') && *m != "detach")
}

enum Form<'a> {
    With,
    TryFinally(&'a str),
}

/// The method of a release statement (`f.close()`, `if f: f.close()`).
fn release_call_method<'a>(stmt: &'a Stmt, name: &str) -> Option<&'a str> {
    let call = match stmt {
        Stmt::Expr(e) => &e.value,
        Stmt::If(s) => match s.body.first() {
            Some(Stmt::Expr(e)) => &e.value,
            _ => return None,
        },
        _ => return None,
    };
    let Expr::Call(call) = &**call else {
        return None;
    };
    match &*call.func {
        Expr::Attribute(a) if name_of(&a.value) == Some(name) => Some(a.attr.as_str()),
        _ => None,
    }
}

fn edit(cx: &FixContext, site: &Site, name: &str, plan: &Plan, form: &Form) -> Option<Fix> {
    let text = cx.source.text.as_str();
    let suite = site.suite;
    let stmt = &suite[site.index];
    let Stmt::Assign(assign) = stmt else {
        return None;
    };
    let start = stmt.start().to_usize();
    let indent = indentation(text, start)?;
    let unit = indent_unit(text, cx.suite, indent);
    let eol = line_ending(text, start);
    let body_start = line_end(text, stmt.end().to_usize());
    // Every statement involved has its lines to itself.
    let covered = plan.first..plan.release.map_or(plan.end, |r| r + 1);
    for j in covered.clone() {
        if !super::edits::alone_on_its_lines(text, suite[j].range()) {
            return None;
        }
    }
    if let Some(next) = suite.get(covered.end)
        && indentation(text, next.start().to_usize()).is_none()
    {
        return None;
    }
    let body_end = match plan.release {
        Some(r) => line_start(text, suite[r].start().to_usize()),
        None if plan.end > plan.first => line_end(text, suite[plan.end - 1].end().to_usize()),
        None => body_start,
    };
    let region_end = match plan.release {
        Some(r) => line_end(text, suite[r].end().to_usize()),
        None => body_end,
    };
    if body_start > body_end {
        return None;
    }
    let body = text.get(body_start..body_end)?;
    let strings = multiline_strings(text, &suite[plan.first..plan.end]);
    let region = TextRange::new(
        TextSize::try_from(line_start(text, body_start)).ok()?,
        TextSize::try_from(body_end).ok()?,
    );
    if lines_inside_strings(text, region, &strings)
        || lines_inside_strings(
            text,
            TextRange::new(stmt.start(), TextSize::try_from(body_start).ok()?),
            &multiline_strings(text, std::slice::from_ref(stmt)),
        )
    {
        return None;
    }
    let mut indented = indent_lines(body, indent, &unit);
    if plan.end == plan.first {
        indented.insert_str(0, &format!("{indent}{unit}pass{eol}"));
    }
    if !indented.is_empty() && !indented.ends_with(['\n', '\r']) {
        indented.push_str(eol);
    }
    let call = &text[assign.value.range()];
    let rest_of_line = &text[stmt.end().to_usize()..body_start];
    let mut out = String::new();
    match form {
        Form::With => {
            out.push_str(&format!("with {call} as {name}:"));
            out.push_str(rest_of_line);
            if !rest_of_line.ends_with(['\n', '\r']) {
                out.push_str(eol);
            }
            out.push_str(&indented);
        }
        Form::TryFinally(release) => {
            out.push_str(&text[stmt.range()]);
            out.push_str(rest_of_line);
            if !rest_of_line.ends_with(['\n', '\r']) {
                out.push_str(eol);
            }
            out.push_str(&format!("{indent}try:{eol}"));
            out.push_str(&indented);
            out.push_str(&format!(
                "{indent}finally:{eol}{indent}{unit}{name}.{release}(){eol}"
            ));
        }
    }
    if let Some(r) = plan.release {
        let release = &suite[r];
        if let Some(comment) = trailing_comment(text, release.end().to_usize()) {
            out.push_str(&format!("{indent}{comment}{eol}"));
        }
        // Keep the file's last line without a newline if it had none.
        if region_end == text.len()
            && content_end(text, release.end().to_usize()) == text.len()
            && out.ends_with(eol)
        {
            out.truncate(out.len() - eol.len());
        }
    } else if body_end == text.len() && !body.ends_with(['\n', '\r']) && out.ends_with(eol) {
        out.truncate(out.len() - eol.len());
    }
    let range = TextRange::new(stmt.start(), TextSize::try_from(region_end).ok()?);
    // A `return` that hands a value computed from the resource to the
    // caller skipped the release before; now the block closes it first.
    let applicability = if plan.release.is_some()
        && !returns_mentioning(&suite[plan.first..plan.end], &plan.aliases)
    {
        Applicability::Safe
    } else {
        Applicability::Unsafe
    };
    let message = match form {
        Form::With => format!("Use `with {} as {name}:`", short(call)),
        Form::TryFinally(release) => format!("Call `{name}.{release}()` in a `finally:` block"),
    };
    Some(Fix {
        applicability,
        message,
        edits: vec![Edit::replacement(out, range)],
    })
}

/// Whether a `return` or `yield` in `stmts` mentions one of `names`.
fn returns_mentioning(stmts: &[Stmt], names: &[String]) -> bool {
    struct Returns {
        names: FxHashSet<String>,
        found: bool,
    }
    impl<'a> Visitor<'a> for Returns {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if let Stmt::Return(r) = stmt
                && let Some(value) = &r.value
            {
                let mut any = AnyName {
                    names: &self.names,
                    found: false,
                };
                any.visit_expr(value);
                self.found |= any.found;
            }
            visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Yield(_) | Expr::YieldFrom(_) = expr {
                let mut any = AnyName {
                    names: &self.names,
                    found: false,
                };
                visitor::walk_expr(&mut any, expr);
                self.found |= any.found;
            }
            visitor::walk_expr(self, expr);
        }
    }
    let mut returns = Returns {
        names: names.iter().cloned().collect(),
        found: false,
    };
    returns.visit_body(stmts);
    returns.found
}

/// The call as shown in a message: its first line, shortened.
fn short(call: &str) -> String {
    let first = call.lines().next().unwrap_or_default();
    if first.len() != call.len() || first.chars().count() > 40 {
        let callee = first.split('(').next().unwrap_or(first);
        format!("{callee}(...)")
    } else {
        first.to_owned()
    }
}
