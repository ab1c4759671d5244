//! Releases of names that may be unbound (UC202, seed "Mistake 4"):
//!
//! ```python
//! try:
//!     f = open(path, "w")
//!     f.write(data)
//! finally:
//!     f.close()      # if open() raised, `f` is unbound here
//! ```
//!
//! Candidates are found syntactically: a `try` whose body binds a name to
//! an acquisition and whose `finally` (or an `except` clause that catches
//! I/O errors) releases that name. Whether the name may be unbound at the
//! release is then a must-bound dataflow over the body's CFG: a name is
//! bound after a node that binds it or that loads it and completes
//! normally (a load of an unbound name raises), and an exceptional edge
//! carries the state from before the node. The state at the `finally`
//! copy entered by an exception thus lacks the names the `try` body had
//! not bound yet. Guards silence it: a prior `f = None`, `if f is not
//! None:`, `if 'f' in locals():`, or a `try` around the release that
//! catches `NameError`.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use unclosed_catalog::{Acquirer, Returns};
use unclosed_cfg::{Cfg, EdgeKind, NodeKind};

use crate::Fact;
use crate::misuse::{Body, catches_io_errors, for_each_call, handler_types, method_call};

/// A release call on a name the `try` may not have bound.
#[derive(Debug, Clone)]
pub struct PossiblyUnbound {
    /// The release call (`f.close()`, `os.close(fd)`).
    pub range: TextRange,
    pub name: String,
    /// The acquiring call inside the `try` that binds the name.
    pub acquisition: TextRange,
    /// How the acquiring callee is spelled (`open`).
    pub callee: String,
    /// The release as written: `f.close()`, `os.close(fd)`.
    pub release: String,
    /// `UnboundLocalError` in a function, `NameError` elsewhere.
    pub error: &'static str,
    /// The release is in an `except` clause (else in `finally`).
    pub in_handler: bool,
}

struct Candidate<'a> {
    name: &'a str,
    acquisition: TextRange,
    callee: String,
    /// The release call and the statement holding it.
    release: &'a ast::ExprCall,
    release_text: String,
    in_handler: bool,
}

pub(crate) fn check(body: &Body<'_, '_>, facts: &mut Vec<Fact>) {
    let candidates = candidates(body);
    if candidates.is_empty() {
        return;
    }
    let Ok(cfg) = Cfg::build(body.stmts) else {
        return;
    };
    let names: Vec<&str> = {
        let mut names: Vec<&str> = candidates.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        names.truncate(64);
        names
    };
    let bit = |name: &str| names.iter().position(|n| *n == name).map(|i| 1u64 << i);
    // Per node: the names it binds or loads (bound once it completes).
    let gens: Vec<u64> = cfg
        .nodes
        .iter()
        .map(|node| {
            let mut mask = 0;
            for name in names_touched(node.kind) {
                if let Some(b) = bit(name) {
                    mask |= b;
                }
            }
            mask
        })
        .collect();
    let mut entry = 0u64;
    for (i, name) in names.iter().enumerate() {
        if body.is_parameter(name) {
            entry |= 1 << i;
        }
    }
    // Must-bound: the meet is intersection; unvisited nodes are `None`.
    let mut state: Vec<Option<u64>> = vec![None; cfg.len()];
    state[Cfg::ENTRY as usize] = Some(entry);
    let mut work = vec![Cfg::ENTRY];
    while let Some(n) = work.pop() {
        let Some(pre) = state[n as usize] else {
            continue;
        };
        let post = pre | gens[n as usize];
        for &(succ, kind) in &cfg.node(n).succs {
            let out = if kind == EdgeKind::Exception {
                pre
            } else {
                post
            };
            let slot = &mut state[succ as usize];
            let new = match *slot {
                None => out,
                Some(old) => old & out,
            };
            if *slot != Some(new) {
                *slot = Some(new);
                work.push(succ);
            }
        }
    }
    for c in &candidates {
        let Some(b) = bit(c.name) else { continue };
        let unbound = cfg.nodes.iter().enumerate().any(|(id, node)| {
            matches!(node.kind, NodeKind::Stmt(s) if s.range().contains_range(c.release.range()))
                && state[id].is_some_and(|s| s & b == 0)
        });
        if unbound {
            facts.push(Fact::PossiblyUnbound(PossiblyUnbound {
                range: c.release.range(),
                name: c.name.to_owned(),
                acquisition: c.acquisition,
                callee: c.callee.clone(),
                release: c.release_text.clone(),
                error: body.unbound_error(),
                in_handler: c.in_handler,
            }));
        }
    }
}

/// `try` statements whose body binds a name to an acquisition and whose
/// cleanup releases it without a guard.
fn candidates<'a>(body: &Body<'a, '_>) -> Vec<Candidate<'a>> {
    let mut out = Vec::new();
    for t in crate::misuse::tries(body.stmts) {
        let acquired = acquisitions_in(body, &t.body);
        if acquired.is_empty() {
            continue;
        }
        let mut cleanups: Vec<(&[Stmt], bool)> = Vec::new();
        if !t.finalbody.is_empty() {
            cleanups.push((&t.finalbody, false));
        }
        for handler in &t.handlers {
            let ast::ExceptHandler::ExceptHandler(h) = handler;
            if catches_io_errors(h) {
                cleanups.push((&h.body, true));
            }
        }
        for (cleanup, in_handler) in cleanups {
            for_each_call(cleanup, &mut |call, stack| {
                let Some((name, _, acq_call, callee)) = released(body, call, &acquired) else {
                    return;
                };
                if body.is_outer(name) || guarded(name, call, stack) {
                    return;
                }
                out.push(Candidate {
                    name,
                    acquisition: acq_call.range(),
                    callee: callee.clone(),
                    release: call,
                    release_text: release_text(call, name),
                    in_handler,
                });
            });
        }
    }
    out
}

type Acquired<'a> = Vec<(&'a str, &'static Acquirer, &'a ast::ExprCall, String)>;

/// Names bound to an acquisition somewhere in `stmts` (`f = open(p)`,
/// `fd, path = mkstemp()`).
fn acquisitions_in<'a>(body: &Body<'a, '_>, stmts: &'a [Stmt]) -> Acquired<'a> {
    let mut out = Vec::new();
    for_each_call(stmts, &mut |call, stack| {
        let Some(Stmt::Assign(assign)) = stack.last() else {
            return;
        };
        let Expr::Call(value) = &*assign.value else {
            return;
        };
        if !std::ptr::eq(value, call) {
            return;
        }
        let Some((acquirer, callee)) = body.acquirer_of(call) else {
            return;
        };
        for target in &assign.targets {
            match (target, acquirer.returns) {
                (Expr::Name(n), Returns::Object) => {
                    out.push((n.id.as_str(), acquirer, call, callee.clone()))
                }
                (Expr::Tuple(t), Returns::Tuple(indices)) => {
                    for &i in indices {
                        if let Some(Expr::Name(n)) = t.elts.get(i) {
                            out.push((n.id.as_str(), acquirer, call, callee.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
    });
    out
}

/// The acquired name a call releases: `f.close()` (a release method of its
/// acquirer) or `os.close(fd)` (a release function).
fn released<'a, 'c>(
    body: &Body<'a, '_>,
    call: &ast::ExprCall,
    acquired: &'c Acquired<'a>,
) -> Option<(&'a str, &'static Acquirer, &'a ast::ExprCall, &'c String)> {
    let by_method = method_call(call).and_then(|(name, method)| {
        let (n, a, _, _) = acquired.iter().find(|(n, ..)| *n == name)?;
        (a.release.contains(&method) || method == "close").then_some(*n)
    });
    let name = match by_method {
        Some(name) => name,
        None => {
            let q = body.resolver.resolve(&call.func)?;
            if body.catalog.callee_use(&q) != Some(unclosed_catalog::ArgUse::Release) {
                return None;
            }
            let Some(Expr::Name(arg)) = call.arguments.args.first() else {
                return None;
            };
            acquired
                .iter()
                .find(|(n, ..)| *n == arg.id.as_str())
                .map(|(n, ..)| *n)?
        }
    };
    acquired
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(n, a, c, s)| (*n, *a, *c, s))
}

fn release_text(call: &ast::ExprCall, name: &str) -> String {
    match method_call(call) {
        Some((receiver, method)) if receiver == name => format!("{name}.{method}()"),
        _ => {
            let func = unclosed_names::dotted(&call.func).unwrap_or_else(|| "close".to_owned());
            format!("{func}({name})")
        }
    }
}

/// Whether the release is guarded in its cleanup: inside an `if`/`while`
/// whose test mentions the name (`if f is not None`, `if 'f' in
/// locals()`), a conditional expression (`f and f.close()`), or a `try`
/// that catches `NameError`.
fn guarded(name: &str, call: &ast::ExprCall, stack: &[&Stmt]) -> bool {
    stack.iter().any(|stmt| match stmt {
        Stmt::If(s) => {
            mentions(&s.test, name)
                || s.elif_else_clauses
                    .iter()
                    .any(|c| c.test.as_ref().is_some_and(|t| mentions(t, name)))
        }
        Stmt::While(s) => mentions(&s.test, name),
        Stmt::Try(t) => t.handlers.iter().any(|handler| {
            let ast::ExceptHandler::ExceptHandler(h) = handler;
            match handler_types(h) {
                None => true,
                Some(types) => types.iter().any(|t| {
                    matches!(
                        t.as_str(),
                        "NameError" | "UnboundLocalError" | "Exception" | "BaseException"
                    )
                }),
            }
        }),
        Stmt::Expr(e) => !matches!(&*e.value, Expr::Call(c) if std::ptr::eq(c, call)),
        _ => false,
    })
}

/// Whether an expression loads the name or spells it as a string
/// (`'f' in locals()`).
fn mentions(expr: &Expr, name: &str) -> bool {
    struct Finder<'n>(&'n str, bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Name(n) if n.id.as_str() == self.0 => self.1 = true,
                Expr::StringLiteral(s) if s.value.to_str() == self.0 => self.1 = true,
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(name, false);
    ast::visitor::Visitor::visit_expr(&mut finder, expr);
    finder.1
}

/// The names a node binds, or loads (so they are bound if it completes).
fn names_touched<'a>(kind: NodeKind<'a>) -> Vec<&'a str> {
    #[derive(Default)]
    struct Names<'a>(Vec<&'a str>);
    impl<'a> ast::visitor::Visitor<'a> for Names<'a> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                // A lambda's body does not run here.
                Expr::Lambda(_) => {}
                Expr::Name(n) => self.0.push(n.id.as_str()),
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Import(i) => {
                    for alias in &i.names {
                        match &alias.asname {
                            Some(a) => self.0.push(a.id.as_str()),
                            None => self
                                .0
                                .push(alias.name.id.split('.').next().unwrap_or_default()),
                        }
                    }
                }
                Stmt::ImportFrom(i) => {
                    for alias in &i.names {
                        self.0
                            .push(alias.asname.as_ref().unwrap_or(&alias.name).id.as_str());
                    }
                }
                // `del f` unbinds: don't count its load.
                Stmt::Delete(_) => {}
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
    }
    let mut names = Names::default();
    let v = &mut names;
    match kind {
        NodeKind::Stmt(s) => ast::visitor::Visitor::visit_stmt(v, s),
        NodeKind::Test(e) | NodeKind::MatchSubject(e) => ast::visitor::Visitor::visit_expr(v, e),
        NodeKind::ForIter(f) => ast::visitor::Visitor::visit_expr(v, &f.iter),
        NodeKind::ForNext(f) => ast::visitor::Visitor::visit_expr(v, &f.target),
        NodeKind::WithEnter(item) => {
            ast::visitor::Visitor::visit_expr(v, &item.context_expr);
            if let Some(vars) = &item.optional_vars {
                ast::visitor::Visitor::visit_expr(v, vars);
            }
        }
        NodeKind::Handler(h) => {
            if let Some(n) = &h.name {
                v.0.push(n.id.as_str());
            }
        }
        NodeKind::MatchCase(c) => {
            ast::visitor::Visitor::visit_pattern(v, &c.pattern);
            if let Some(g) = &c.guard {
                ast::visitor::Visitor::visit_expr(v, g);
            }
            // Capture patterns bind names the visitor does not report as
            // expressions: count the case as binding nothing we track.
        }
        NodeKind::Def(s) => match s {
            Stmt::FunctionDef(f) => v.0.push(f.name.id.as_str()),
            Stmt::ClassDef(c) => v.0.push(c.name.id.as_str()),
            _ => {}
        },
        NodeKind::WithExit { .. }
        | NodeKind::Entry
        | NodeKind::Exit
        | NodeKind::Raise
        | NodeKind::Break(_)
        | NodeKind::Continue(_)
        | NodeKind::Join(_)
        | NodeKind::Dispatch(_) => {}
    }
    names.0
}
