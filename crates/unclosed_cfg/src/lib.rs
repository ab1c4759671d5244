//! Control-flow graphs of Python bodies, exceptions included.
//!
//! One node per statement-sized step: a simple statement, the test of an
//! `if`/`while`, the two halves of a `for` (evaluate the iterable, take the
//! next item), each `with` item's enter and exit, each `except` handler, each
//! `match` case. Edges are normal, true/false (after a test), or
//! exceptional. Every node that can raise has one exceptional edge to the
//! innermost handler in force: an `except` dispatch, a `finally` copy, a
//! `with` exit, or the body's exceptional exit.
//!
//! `finally` bodies (and `with` exits) are built once per way of entering
//! them — falling through, an exception, `return`, `break`, `continue` — and
//! each copy leaves the way it was entered: the exception copy re-raises,
//! the return copy continues to the next outer `finally` or returns. The
//! reason a `finally` runs is thus encoded in which copy runs, and paths
//! never mix (a fall-through never leaves a `finally` as if returning).
//!
//! Nested function and class bodies are not part of a graph: each body gets
//! its own.

use std::fmt::Write;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use smallvec::SmallVec;

mod build;
pub use build::{TooComplex, is_expected_failure_call, is_mocking_call, is_suppressing_call};

pub type NodeId = u32;

/// The node graph is refused past this size (per body).
pub const MAX_NODES: usize = 200_000;

/// One step of execution.
#[derive(Debug, Clone, Copy)]
pub enum NodeKind<'a> {
    Entry,
    /// The normal exit: `return` or falling off the end.
    Exit,
    /// The exceptional exit: an exception leaves the body.
    Raise,
    /// A simple statement (assignment, expression, `return`, `raise`,
    /// `assert`, `del`, `import`, ...), evaluated as a whole.
    Stmt(&'a Stmt),
    /// The test of an `if`, `elif` or `while`.
    Test(&'a Expr),
    /// Evaluating the iterable of a `for` loop.
    ForIter(&'a ast::StmtFor),
    /// Taking the next item and binding the target; true edge into the
    /// body, false edge when exhausted.
    ForNext(&'a ast::StmtFor),
    /// Evaluating a `with` item and calling `__enter__`.
    WithEnter(&'a ast::WithItem),
    /// Calling `__exit__` of a `with` item.
    WithExit {
        item: &'a ast::WithItem,
        exceptional: bool,
    },
    /// Entering an `except` clause.
    Handler(&'a ast::ExceptHandlerExceptHandler),
    /// Evaluating a `match` subject.
    MatchSubject(&'a Expr),
    /// Testing one `case` (pattern and guard): true edge into its body.
    MatchCase(&'a ast::MatchCase),
    /// A `def` or `class` statement: binds a name, may capture locals.
    Def(&'a Stmt),
    Break(&'a ast::StmtBreak),
    Continue(&'a ast::StmtContinue),
    /// Where an exception raised in a `try` body looks for its handler:
    /// an edge to each `except` clause, and an exceptional edge onwards
    /// when no clause catches everything.
    Dispatch(&'a ast::StmtTry),
    /// A join point with no effect (`finally` entry, loop exit, re-raise).
    Join(JoinKind),
}

/// Why a join node exists; shown in dumps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    FinallyOnException,
    FinallyOnReturn,
    FinallyOnBreak,
    FinallyOnContinue,
    LoopExit,
    /// The end of a cleanup entered by an exception: raise it again.
    Reraise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Normal,
    True,
    False,
    Exception,
}

#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
    pub succs: SmallVec<[(NodeId, EdgeKind); 2]>,
    /// Runs while an exception is being handled: inside an `except` body,
    /// or in the copy of a `finally`/`with` exit entered by an exception.
    pub handling: bool,
}

impl Node<'_> {
    /// The source range of the step, if it has one.
    pub fn range(&self) -> Option<TextRange> {
        Some(match self.kind {
            NodeKind::Stmt(s) | NodeKind::Def(s) => s.range(),
            NodeKind::Test(e) | NodeKind::MatchSubject(e) => e.range(),
            NodeKind::ForIter(f) => f.iter.range(),
            NodeKind::ForNext(f) => f.target.range(),
            NodeKind::WithEnter(item) | NodeKind::WithExit { item, .. } => item.range(),
            NodeKind::Handler(h) => h.range(),
            NodeKind::MatchCase(c) => c.pattern.range(),
            NodeKind::Break(b) => b.range(),
            NodeKind::Continue(c) => c.range(),
            NodeKind::Entry
            | NodeKind::Exit
            | NodeKind::Raise
            | NodeKind::Join(_)
            | NodeKind::Dispatch(_) => {
                return None;
            }
        })
    }
}

/// The graph of one body.
#[derive(Debug)]
pub struct Cfg<'a> {
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Cfg<'a> {
    pub const ENTRY: NodeId = 0;
    pub const EXIT: NodeId = 1;
    pub const RAISE: NodeId = 2;

    /// Build the graph of a function, module or class body.
    pub fn build(body: &'a [Stmt]) -> Result<Self, TooComplex> {
        build::Builder::build(body)
    }

    pub fn node(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// A readable listing of the reachable nodes, for tests and debugging:
    /// `n3 L2 stmt `f = open(p)` -> n4, exc n2`.
    pub fn dump(&self, source: &str) -> String {
        let line_of = |offset: usize| source[..offset.min(source.len())].matches('\n').count() + 1;
        let mut reachable = vec![false; self.nodes.len()];
        let mut stack = vec![Self::ENTRY];
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut reachable[n as usize], true) {
                continue;
            }
            stack.extend(self.node(n).succs.iter().map(|(s, _)| *s));
        }
        let mut out = String::new();
        for (id, node) in self.nodes.iter().enumerate() {
            if !reachable[id] {
                continue;
            }
            let label = match node.kind {
                NodeKind::Entry => "entry".to_owned(),
                NodeKind::Exit => "exit".to_owned(),
                NodeKind::Raise => "raise-exit".to_owned(),
                NodeKind::Stmt(_) => "stmt".to_owned(),
                NodeKind::Test(_) => "test".to_owned(),
                NodeKind::ForIter(_) => "for-iter".to_owned(),
                NodeKind::ForNext(_) => "for-next".to_owned(),
                NodeKind::WithEnter(_) => "with-enter".to_owned(),
                NodeKind::WithExit { exceptional, .. } => if exceptional {
                    "with-exit(exc)"
                } else {
                    "with-exit"
                }
                .to_owned(),
                NodeKind::Handler(_) => "except".to_owned(),
                NodeKind::MatchSubject(_) => "match".to_owned(),
                NodeKind::MatchCase(_) => "case".to_owned(),
                NodeKind::Def(_) => "def".to_owned(),
                NodeKind::Break(_) => "break".to_owned(),
                NodeKind::Continue(_) => "continue".to_owned(),
                NodeKind::Join(kind) => format!("join({kind:?})"),
                NodeKind::Dispatch(_) => "except-dispatch".to_owned(),
            };
            let _ = write!(out, "n{id}{}", if node.handling { "!" } else { "" });
            if let Some(range) = node.range() {
                let start = usize::from(range.start());
                let text = source[start..usize::from(range.end()).min(source.len())]
                    .lines()
                    .next()
                    .unwrap_or("");
                let _ = write!(out, " L{} {label} `{}`", line_of(start), text.trim());
            } else {
                let _ = write!(out, " {label}");
            }
            let succs: Vec<String> = node
                .succs
                .iter()
                .map(|(s, kind)| match kind {
                    EdgeKind::Normal => format!("n{s}"),
                    EdgeKind::True => format!("T:n{s}"),
                    EdgeKind::False => format!("F:n{s}"),
                    EdgeKind::Exception => format!("exc:n{s}"),
                })
                .collect();
            if !succs.is_empty() {
                let _ = write!(out, " -> {}", succs.join(", "));
            }
            out.push('\n');
        }
        out
    }
}

/// Whether evaluating `expr` can raise, as far as a reader would care: calls,
/// `await`, `yield` (a generator can be closed or thrown into at a yield),
/// subscripts (`KeyError`, `IndexError`), comprehensions. Names, attribute
/// loads, constants and arithmetic on them do not count: an
/// `AttributeError` there is a bug to fix, not a path to clean up after.
pub fn expr_can_raise(expr: &Expr) -> bool {
    struct Finder(bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.0 {
                return;
            }
            match expr {
                Expr::Call(call) if is_harmless_call(call) => {
                    ast::visitor::walk_expr(self, expr);
                }
                Expr::Call(_)
                | Expr::Await(_)
                | Expr::Yield(_)
                | Expr::YieldFrom(_)
                | Expr::ListComp(_)
                | Expr::SetComp(_)
                | Expr::DictComp(_)
                | Expr::Generator(_) => self.0 = true,
                // Slicing does not raise; indexing may (`KeyError`).
                Expr::Subscript(sub) if matches!(&*sub.slice, Expr::Slice(_)) => {
                    ast::visitor::walk_expr(self, expr);
                }
                Expr::Subscript(_) => self.0 = true,
                Expr::Lambda(_) => {}
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(false);
    ast::visitor::Visitor::visit_expr(&mut finder, expr);
    finder.0
}

/// Calls that don't fail in ways code is expected to clean up after:
/// introspection builtins (`locals()`, `isinstance()`), `len`/`repr`/
/// `print`/`range`, `getattr` with a default, logging calls
/// (`logger.debug(...)`), and the `os.path` predicates and string helpers.
/// Counting them as raising would report a leak on paths nobody considers.
fn is_harmless_call(call: &ast::ExprCall) -> bool {
    match &*call.func {
        Expr::Name(n) => match n.id.as_str() {
            "locals" | "globals" | "vars" | "isinstance" | "issubclass" | "id" | "callable"
            | "hasattr" | "type" | "len" | "repr" | "print" | "range" | "enumerate" | "zip"
            | "bool" => true,
            "getattr" => call.arguments.args.len() == 3,
            _ => false,
        },
        Expr::Attribute(a) => {
            let method = a.attr.id.as_str();
            let receiver = match &*a.value {
                Expr::Name(n) => n.id.as_str().to_owned(),
                Expr::Attribute(inner) => match &*inner.value {
                    Expr::Name(base) => format!("{}.{}", base.id, inner.attr.id),
                    _ => return false,
                },
                _ => return false,
            };
            // Configuring a socket that was just created does not fail.
            if matches!(
                method,
                "settimeout"
                    | "setblocking"
                    | "setsockopt"
                    | "fileno"
                    | "gettimeout"
                    | "getblocking"
                    | "getsockname"
                    | "set_inheritable"
                    | "get_inheritable"
            ) {
                return true;
            }
            let logging = matches!(
                method,
                "debug" | "info" | "warning" | "warn" | "error" | "exception" | "critical" | "log"
            ) && (receiver.contains("log") || receiver.contains("LOG"));
            let os_path = receiver == "os.path"
                && matches!(
                    method,
                    "join"
                        | "exists"
                        | "lexists"
                        | "isfile"
                        | "isdir"
                        | "islink"
                        | "isabs"
                        | "basename"
                        | "dirname"
                        | "split"
                        | "splitext"
                        | "normpath"
                        | "normcase"
                        | "abspath"
                );
            logging || os_path
        }
        _ => false,
    }
}

/// Calls that never return normally: `sys.exit()`, `os._exit()`,
/// `self.fail()`, `pytest.fail()`, `self.skipTest()`.
pub fn is_noreturn_call(expr: &Expr) -> bool {
    let Expr::Call(call) = expr else {
        return false;
    };
    let name = match &*call.func {
        Expr::Attribute(a) => match &*a.value {
            Expr::Name(n) => format!("{}.{}", n.id, a.attr.id),
            _ => return false,
        },
        _ => return false,
    };
    matches!(
        name.as_str(),
        "sys.exit"
            | "os._exit"
            | "os.abort"
            | "self.fail"
            | "self.skipTest"
            | "pytest.fail"
            | "pytest.skip"
            | "pytest.exit"
            | "pytest.xfail"
    )
}

/// Whether a simple statement can raise.
pub fn stmt_can_raise(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Raise(_) | Stmt::Assert(_) => true,
        // A missing module is a broken installation, not a path to clean
        // up after.
        Stmt::Import(_) | Stmt::ImportFrom(_) => false,
        Stmt::Pass(_)
        | Stmt::Global(_)
        | Stmt::Nonlocal(_)
        | Stmt::Break(_)
        | Stmt::Continue(_) => false,
        Stmt::Return(r) => r.value.as_deref().is_some_and(expr_can_raise),
        Stmt::Expr(e) => expr_can_raise(&e.value),
        Stmt::Assign(a) => {
            expr_can_raise(&a.value)
                || a.targets.iter().any(target_can_raise)
                || a.targets.iter().any(|t| unpacks(t, &a.value))
        }
        Stmt::AugAssign(a) => expr_can_raise(&a.value) || target_can_raise(&a.target),
        Stmt::AnnAssign(a) => {
            a.value.as_deref().is_some_and(expr_can_raise) || target_can_raise(&a.target)
        }
        Stmt::Delete(d) => d.targets.iter().any(target_can_raise),
        Stmt::TypeAlias(_) => false,
        _ => true,
    }
}

/// Storing to `a.b` or `a[k]` raises only if evaluating its parts does.
fn target_can_raise(target: &Expr) -> bool {
    match target {
        Expr::Name(_) => false,
        Expr::Attribute(a) => target_can_raise(&a.value),
        Expr::Subscript(s) => target_can_raise(&s.value) || expr_can_raise(&s.slice),
        Expr::Tuple(t) => t.elts.iter().any(target_can_raise),
        Expr::List(l) => l.elts.iter().any(target_can_raise),
        Expr::Starred(s) => target_can_raise(&s.value),
        other => expr_can_raise(other),
    }
}

/// Unpacking `a, b = value` raises when the lengths may differ.
fn unpacks(target: &Expr, value: &Expr) -> bool {
    let n = match target {
        Expr::Tuple(t) => t.elts.len(),
        Expr::List(l) => l.elts.len(),
        _ => return false,
    };
    match value {
        Expr::Tuple(t) => t.elts.len() != n,
        Expr::List(l) => l.elts.len() != n,
        _ => true,
    }
}
