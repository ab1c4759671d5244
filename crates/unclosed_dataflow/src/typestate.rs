//! Use after close (UC201): a typestate (open → closed) on the names bound
//! to resources, as a must-closed dataflow over the body's CFG.
//!
//! A name is closed after `name.close()` (a statement of its own) and
//! after the normal exit of the `with` block that acquired it (`with
//! open(p) as f:`) or that manages it (`with f:`), when that `with`
//! closes the kind (`sqlite3` connections are only committed). Binding the
//! name again opens it. An operation that raises on a closed object (I/O
//! methods, iteration; not `close()`, `.closed`, `.name`) is reported only
//! when the name is closed on every path reaching it. Exceptional edges
//! carry the state from before the node.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashMap;
use unclosed_catalog::{Acquirer, Kind, Returns};
use unclosed_cfg::{Cfg, EdgeKind, NodeKind};

use crate::Fact;
use crate::misuse::{Body, method_call};

/// An operation on a resource closed on every path reaching it.
#[derive(Debug, Clone)]
pub struct UseAfterClose {
    /// The operation: the method call, or the iterated name.
    pub range: TextRange,
    pub name: String,
    /// `write()`, or `iteration`.
    pub operation: String,
    /// The `close()` call, or the `with` item whose block's end closed it.
    pub closed_at: TextRange,
    /// Closed by the end of its `with` block, which ends here.
    pub with_end: Option<TextSize>,
    /// What the operation raises (`ValueError`).
    pub exception: &'static str,
    pub kind: Kind,
}

/// Where a name was closed: the site and, when a `with` closed it, where
/// its block ends.
type Closed = Option<(TextRange, Option<TextSize>)>;

/// What the kind's objects raise when used closed, and which methods do.
fn closed_behaviour(acquirer: &Acquirer) -> Option<(&'static str, &'static [&'static str], bool)> {
    const FILE: &[&str] = &[
        "read",
        "read1",
        "readline",
        "readlines",
        "readinto",
        "readinto1",
        "write",
        "writelines",
        "seek",
        "tell",
        "flush",
        "fileno",
        "truncate",
        "isatty",
        "readable",
        "writable",
        "seekable",
        "peek",
        "__next__",
    ];
    const SOCKET: &[&str] = &[
        "send",
        "sendall",
        "sendto",
        "sendmsg",
        "sendfile",
        "recv",
        "recv_into",
        "recvfrom",
        "recvfrom_into",
        "recvmsg",
        "accept",
        "connect",
        "connect_ex",
        "bind",
        "listen",
        "getpeername",
        "getsockname",
        "setsockopt",
        "getsockopt",
        "shutdown",
    ];
    const SQLITE: &[&str] = &[
        "execute",
        "executemany",
        "executescript",
        "cursor",
        "commit",
        "rollback",
        "create_function",
        "create_aggregate",
        "backup",
        "iterdump",
        "blobopen",
    ];
    const ZIP: &[&str] = &[
        "read",
        "open",
        "write",
        "writestr",
        "extract",
        "extractall",
        "testzip",
        "mkdir",
    ];
    const TAR: &[&str] = &[
        "getmembers",
        "getnames",
        "getmember",
        "extract",
        "extractall",
        "extractfile",
        "add",
        "addfile",
        "list",
        "next",
    ];
    const MMAP: &[&str] = &[
        "read",
        "read_byte",
        "readline",
        "write",
        "write_byte",
        "seek",
        "tell",
        "find",
        "rfind",
        "flush",
        "move",
        "resize",
        "size",
    ];
    Some(match (acquirer.kind, acquirer.type_name) {
        (Kind::File | Kind::TempFile, _) => ("ValueError", FILE, true),
        (Kind::Socket, "socket.socket") => ("OSError", SOCKET, false),
        (Kind::Database, "sqlite3.Connection") => ("sqlite3.ProgrammingError", SQLITE, false),
        (Kind::Archive, "zipfile.ZipFile") => ("ValueError", ZIP, false),
        (Kind::Archive, "tarfile.TarFile") => ("OSError", TAR, false),
        (Kind::Mmap, _) => ("ValueError", MMAP, false),
        _ => return None,
    })
}

struct Tracked<'a> {
    name: &'a str,
    acquirer: &'static Acquirer,
}

pub(crate) fn check(body: &Body<'_, '_>, facts: &mut Vec<Fact>) {
    let tracked = tracked_names(body);
    if tracked.is_empty() {
        return;
    }
    let Ok(cfg) = Cfg::build(body.stmts) else {
        return;
    };
    let index = |name: &str| tracked.iter().position(|t| t.name == name);
    let expected = expected_errors(body.stmts);
    let with_ends = with_statement_ends(body.stmts);
    // Per node: closes (after its uses) and rebinds.
    let mut state: Vec<Option<Vec<Closed>>> = vec![None; cfg.len()];
    state[Cfg::ENTRY as usize] = Some(vec![None; tracked.len()]);
    let mut work = vec![Cfg::ENTRY];
    while let Some(n) = work.pop() {
        let Some(pre) = state[n as usize].clone() else {
            continue;
        };
        let mut post = pre.clone();
        transfer(cfg.node(n).kind, &index, &tracked, &with_ends, &mut post);
        for &(succ, kind) in &cfg.node(n).succs {
            let out = if kind == EdgeKind::Exception {
                &pre
            } else {
                &post
            };
            let slot = &mut state[succ as usize];
            let new = match slot {
                None => out.clone(),
                Some(old) => old
                    .iter()
                    .zip(out)
                    .map(|(a, b)| match (a, b) {
                        (Some(x), Some(y)) => {
                            Some(if x.0.start() <= y.0.start() { *x } else { *y })
                        }
                        _ => None,
                    })
                    .collect(),
            };
            if slot.as_ref() != Some(&new) {
                *slot = Some(new);
                work.push(succ);
            }
        }
    }
    for (id, node) in cfg.nodes.iter().enumerate() {
        let Some(pre) = &state[id] else { continue };
        if pre.iter().all(Option::is_none) {
            continue;
        }
        for (name, range, operation) in uses(node.kind) {
            let Some(i) = index(name) else { continue };
            let Some((closed_at, with_end)) = pre[i] else {
                continue;
            };
            let Some((exception, methods, iterable)) = closed_behaviour(tracked[i].acquirer) else {
                continue;
            };
            let raises = match &operation {
                Some(method) => methods.contains(&method.as_str()),
                None => iterable,
            };
            if !raises
                || expected
                    .iter()
                    .any(|(r, types)| r.contains_range(range) && types.caught(exception))
            {
                continue;
            }
            facts.push(Fact::UseAfterClose(UseAfterClose {
                range,
                name: name.to_owned(),
                operation: operation.map_or_else(|| "iteration".to_owned(), |m| format!("{m}()")),
                closed_at,
                with_end,
                exception,
                kind: tracked[i].acquirer.kind,
            }));
        }
    }
}

/// Names bound to an acquisition of a kind that raises when used closed,
/// with one acquirer for all their acquisitions.
fn tracked_names<'a>(body: &Body<'a, '_>) -> Vec<Tracked<'a>> {
    let mut found: FxHashMap<&'a str, Option<&'static Acquirer>> = FxHashMap::default();
    let mut order = Vec::new();
    crate::misuse::for_each_call(body.stmts, &mut |call, stack| {
        let name = match stack.last() {
            Some(Stmt::Assign(a)) if a.targets.len() == 1 => match (&a.targets[0], &*a.value) {
                (Expr::Name(n), Expr::Call(c)) if std::ptr::eq(c, call) => n.id.as_str(),
                _ => return,
            },
            Some(Stmt::With(w)) => match w
                .items
                .iter()
                .find(|i| matches!(&i.context_expr, Expr::Call(c) if std::ptr::eq(c, call)))
            {
                Some(ast::WithItem {
                    optional_vars: Some(vars),
                    ..
                }) => match &**vars {
                    Expr::Name(n) => n.id.as_str(),
                    _ => return,
                },
                _ => return,
            },
            _ => return,
        };
        let Some((acquirer, _)) = body.acquirer_of(call) else {
            return;
        };
        if acquirer.returns != Returns::Object || closed_behaviour(acquirer).is_none() {
            return;
        }
        match found.get_mut(name) {
            None => {
                found.insert(name, Some(acquirer));
                order.push(name);
            }
            Some(slot) => {
                if slot.is_some_and(|a| a.type_name != acquirer.type_name) {
                    *slot = None;
                }
            }
        }
    });
    order
        .into_iter()
        .filter(|n| !body.is_outer(n))
        .filter_map(|name| found[name].map(|acquirer| Tracked { name, acquirer }))
        .collect()
}

/// Which errors a block expects.
enum Expected {
    /// Every error: `with self.assertRaises(...)`, `pytest.raises(...)`.
    All,
    /// The types of the `except` clauses of a `try`.
    Types(Option<Vec<String>>),
}

impl Expected {
    /// Whether an error of this type is expected.
    fn caught(&self, exception: &str) -> bool {
        let Expected::Types(types) = self else {
            return true;
        };
        let Some(types) = types else { return true };
        let short = exception.rsplit('.').next().unwrap_or(exception);
        types.iter().any(|t| {
            let t = t.rsplit('.').next().unwrap_or(t);
            t == short
                || matches!(t, "Exception" | "BaseException" | "Error")
                || (short == "OSError" && matches!(t, "IOError" | "EnvironmentError"))
        })
    }
}

/// Blocks where the code expects an operation to fail: the bodies of
/// `with self.assertRaises(...)` (tests of the closed state) and of `try`
/// statements, with the errors their handlers catch.
fn expected_errors(body: &[Stmt]) -> Vec<(TextRange, Expected)> {
    struct Finder(Vec<(TextRange, Expected)>);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => return,
                Stmt::With(w)
                    if w.items
                        .iter()
                        .any(|i| unclosed_cfg::is_expected_failure_call(&i.context_expr)) =>
                {
                    self.0.push((w.range(), Expected::All));
                }
                Stmt::Try(t) => {
                    if let (Some(first), Some(last)) = (t.body.first(), t.body.last()) {
                        let range = TextRange::new(first.start(), last.end());
                        for handler in &t.handlers {
                            let ast::ExceptHandler::ExceptHandler(h) = handler;
                            self.0
                                .push((range, Expected::Types(crate::misuse::handler_types(h))));
                        }
                    }
                }
                _ => {}
            }
            ast::visitor::walk_stmt(self, stmt);
        }
    }
    let mut finder = Finder(Vec::new());
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.0
}

/// The end of each `with` statement, by the address of its items.
fn with_statement_ends(body: &[Stmt]) -> FxHashMap<*const ast::WithItem, TextSize> {
    struct Finder(FxHashMap<*const ast::WithItem, TextSize>);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::With(w) => {
                    let end = w.body.last().map_or(w.end(), Ranged::end);
                    for item in &w.items {
                        self.0.insert(item as *const _, end);
                    }
                    ast::visitor::walk_stmt(self, stmt);
                }
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
    }
    let mut finder = Finder(FxHashMap::default());
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.0
}

fn transfer(
    kind: NodeKind<'_>,
    index: &dyn Fn(&str) -> Option<usize>,
    tracked: &[Tracked<'_>],
    with_ends: &FxHashMap<*const ast::WithItem, TextSize>,
    state: &mut [Closed],
) {
    match kind {
        NodeKind::Stmt(Stmt::Expr(e)) => {
            if let Expr::Call(call) = &*e.value
                && let Some((name, "close")) = method_call(call)
                && let Some(i) = index(name)
            {
                state[i] = Some((call.range(), None));
            }
        }
        NodeKind::WithExit {
            item,
            exceptional: false,
        } => {
            let name = match (&item.optional_vars, &item.context_expr) {
                (Some(vars), _) => match &**vars {
                    Expr::Name(n) => Some(n.id.as_str()),
                    _ => None,
                },
                (None, Expr::Name(n)) => Some(n.id.as_str()),
                _ => None,
            };
            if let Some(i) = name.and_then(index)
                && tracked[i].acquirer.with_releases
                && let Some(end) = with_ends.get(&(item as *const _))
            {
                state[i] = Some((item.range(), Some(*end)));
            }
        }
        _ => {}
    }
    for name in stores(kind) {
        if name == "*" {
            state.iter_mut().for_each(|s| *s = None);
        } else if let Some(i) = index(name) {
            state[i] = None;
        }
    }
}

/// Names a node binds or deletes.
fn stores<'a>(kind: NodeKind<'a>) -> Vec<&'a str> {
    #[derive(Default)]
    struct Stores<'a>(Vec<&'a str>);
    impl<'a> ast::visitor::Visitor<'a> for Stores<'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Lambda(_) => {}
                Expr::Name(n) if !n.ctx.is_load() => self.0.push(n.id.as_str()),
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
    }
    let mut v = Stores::default();
    match kind {
        NodeKind::Stmt(s) => ast::visitor::Visitor::visit_stmt(&mut v, s),
        NodeKind::ForNext(f) => ast::visitor::Visitor::visit_expr(&mut v, &f.target),
        NodeKind::WithEnter(item) => {
            if let Some(vars) = &item.optional_vars {
                ast::visitor::Visitor::visit_expr(&mut v, vars);
            }
        }
        NodeKind::Handler(h) => {
            if let Some(n) = &h.name {
                v.0.push(n.id.as_str());
            }
        }
        NodeKind::Def(Stmt::FunctionDef(f)) => v.0.push(f.name.id.as_str()),
        NodeKind::Def(Stmt::ClassDef(c)) => v.0.push(c.name.id.as_str()),
        // Capture patterns may bind anything: forget every name.
        NodeKind::MatchCase(_) => v.0.push("*"),
        _ => {}
    }
    v.0
}

/// The operations a node performs on names: `name.method(...)` (with the
/// method) and iteration of a name (`for x in f`, comprehensions).
fn uses<'a>(kind: NodeKind<'a>) -> Vec<(&'a str, TextRange, Option<String>)> {
    #[derive(Default)]
    struct Uses<'a>(Vec<(&'a str, TextRange, Option<String>)>);
    impl<'a> ast::visitor::Visitor<'a> for Uses<'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Lambda(_) => return,
                Expr::Call(call) => {
                    if let Some((name, method)) = method_call(call) {
                        self.0.push((name, call.range(), Some(method.to_owned())));
                    }
                }
                _ => {}
            }
            ast::visitor::walk_expr(self, expr);
        }
        fn visit_comprehension(&mut self, c: &'a ast::Comprehension) {
            if let Expr::Name(n) = &c.iter {
                self.0.push((n.id.as_str(), n.range(), None));
            }
            ast::visitor::walk_comprehension(self, c);
        }
    }
    let mut v = Uses::default();
    match kind {
        NodeKind::Stmt(s) => ast::visitor::Visitor::visit_stmt(&mut v, s),
        NodeKind::Test(e) | NodeKind::MatchSubject(e) => {
            ast::visitor::Visitor::visit_expr(&mut v, e)
        }
        NodeKind::ForIter(f) => {
            if let Expr::Name(n) = &*f.iter {
                v.0.push((n.id.as_str(), n.range(), None));
            } else {
                ast::visitor::Visitor::visit_expr(&mut v, &f.iter);
            }
        }
        NodeKind::WithEnter(item) => ast::visitor::Visitor::visit_expr(&mut v, &item.context_expr),
        _ => {}
    }
    v.0
}
