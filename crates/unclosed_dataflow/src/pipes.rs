//! Subprocess pipe deadlocks (UC203). For a `Popen` bound to a name
//! (its only binding in the body), the uses of the name are read in source
//! order:
//!
//! - with `stdin=PIPE` written to (`p.stdin.write(...)`) and never closed
//!   (no other use of `p.stdin`), reading `p.stdout`/`p.stderr` to the end
//!   (`read()`, `readlines()`, iteration) or `p.wait()` blocks: the child
//!   waits for the end of its input, the parent for the child;
//! - with `stdout=PIPE` or `stderr=PIPE`, `p.wait()` (no timeout) before
//!   any use of that pipe blocks as soon as the child fills the pipe
//!   buffer.
//!
//! Any use the analysis does not understand (`p` passed on, `p.stdout`
//! given to a thread, `communicate()`) ends the scan without a finding.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::Fact;
use crate::misuse::{Body, for_each_call, keyword};

/// A read or wait that can block forever.
#[derive(Debug, Clone)]
pub struct PipeDeadlock {
    /// The read or `wait()` call (or the iterated pipe).
    pub range: TextRange,
    /// The name of the `Popen` object.
    pub name: String,
    /// The `Popen(...)` call.
    pub popen: TextRange,
    /// The operation as written: `p.stdout.read()`, `p.wait()`.
    pub operation: String,
    pub cause: DeadlockCause,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlockCause {
    /// `stdin` was written to and is still open.
    StdinOpen,
    /// This pipe (`stdout`, `stderr`) is not read before `wait()`.
    PipeUnread(&'static str),
}

/// One use of the `Popen` name.
#[derive(Debug)]
enum Use {
    /// `p.stream.method(...)` with the number of arguments.
    StreamCall(&'static str, String, usize, TextRange),
    /// `for x in p.stream` (or a comprehension).
    StreamIter(&'static str, TextRange),
    /// Any other use of `p.stream`.
    Stream(&'static str),
    /// `p.method(...)` with the number of arguments (keywords included).
    Call(String, usize, TextRange),
    /// `p.attr` that is plain data (`pid`, `returncode`, `args`).
    Data,
    /// Anything else: `p` handed on.
    Other,
}

pub(crate) fn check(body: &Body<'_, '_>, facts: &mut Vec<Fact>) {
    for_each_call(body.stmts, &mut |call, stack| {
        let Some(name) = bound_name(call, stack.last().copied()) else {
            return;
        };
        if !body.resolves_to(&call.func, &["subprocess.Popen"])
            || body.is_outer(name)
            || body.bindings(name).len() != 1
        {
            return;
        }
        let pipe =
            |kw: &str| keyword(call, kw).is_some_and(|e| body.resolves_to(e, &["subprocess.PIPE"]));
        let stdin = pipe("stdin");
        let mut unread: Vec<&'static str> = Vec::new();
        if pipe("stdout") {
            unread.push("stdout");
        }
        if pipe("stderr") {
            unread.push("stderr");
        }
        if !stdin && unread.is_empty() {
            return;
        }
        let after = call.end();
        let mut stdin_written = false;
        for u in uses(body.stmts, name, after) {
            let stdin_open = stdin && stdin_written;
            let mut report = |range, operation: String, cause| {
                facts.push(Fact::PipeDeadlock(PipeDeadlock {
                    range,
                    name: name.to_owned(),
                    popen: call.range(),
                    operation,
                    cause,
                }));
            };
            match u {
                Use::StreamCall("stdin", m, _, _) if m == "write" || m == "flush" => {
                    stdin_written = true;
                }
                Use::StreamCall(stream, m, 0, range)
                    if stream != "stdin" && (m == "read" || m == "readlines") =>
                {
                    if stdin_open {
                        report(
                            range,
                            format!("{name}.{stream}.{m}()"),
                            DeadlockCause::StdinOpen,
                        );
                        return;
                    }
                    unread.retain(|s| *s != stream);
                }
                Use::StreamIter(stream, range) if stream != "stdin" => {
                    if stdin_open {
                        report(range, format!("{name}.{stream}"), DeadlockCause::StdinOpen);
                        return;
                    }
                    unread.retain(|s| *s != stream);
                }
                Use::StreamCall("stdin", ..)
                | Use::StreamIter("stdin", _)
                | Use::Stream("stdin") => {
                    return;
                }
                Use::StreamCall(stream, ..) | Use::StreamIter(stream, _) | Use::Stream(stream) => {
                    unread.retain(|s| *s != stream);
                }
                Use::Call(m, 0, range) if m == "wait" => {
                    if stdin_open {
                        report(range, format!("{name}.wait()"), DeadlockCause::StdinOpen);
                    } else if let Some(stream) = unread.first() {
                        report(
                            range,
                            format!("{name}.wait()"),
                            DeadlockCause::PipeUnread(stream),
                        );
                    }
                    return;
                }
                Use::Call(m, ..) if m == "poll" => {}
                Use::Data => {}
                Use::Call(..) | Use::Other => return,
            }
        }
    });
}

/// `name = Popen(...)` or `with Popen(...) as name:`.
fn bound_name<'a>(call: &ast::ExprCall, stmt: Option<&'a Stmt>) -> Option<&'a str> {
    match stmt? {
        Stmt::Assign(a) if a.targets.len() == 1 => match (&a.targets[0], &*a.value) {
            (Expr::Name(n), Expr::Call(c)) if std::ptr::eq(c, call) => Some(n.id.as_str()),
            _ => None,
        },
        Stmt::With(w) => w
            .items
            .iter()
            .find_map(|i| match (&i.context_expr, &i.optional_vars) {
                (Expr::Call(c), Some(vars)) if std::ptr::eq(c, call) => match &**vars {
                    Expr::Name(n) => Some(n.id.as_str()),
                    _ => None,
                },
                _ => None,
            }),
        _ => None,
    }
}

fn stream_of(attr: &str) -> Option<&'static str> {
    match attr {
        "stdin" => Some("stdin"),
        "stdout" => Some("stdout"),
        "stderr" => Some("stderr"),
        _ => None,
    }
}

/// The uses of `name` after `after`, in source order (nested scopes
/// capturing it count as `Other`).
fn uses(body: &[Stmt], name: &str, after: ruff_text_size::TextSize) -> Vec<Use> {
    struct Finder<'n> {
        name: &'n str,
        after: ruff_text_size::TextSize,
        out: Vec<(ruff_text_size::TextSize, Use)>,
    }
    impl Finder<'_> {
        fn is_name(&self, e: &Expr) -> bool {
            matches!(e, Expr::Name(n) if n.id.as_str() == self.name)
        }
        /// `p.stream` → the stream.
        fn stream(&self, e: &Expr) -> Option<&'static str> {
            match e {
                Expr::Attribute(a) if self.is_name(&a.value) => stream_of(a.attr.id.as_str()),
                _ => None,
            }
        }
        fn push(&mut self, at: ruff_text_size::TextSize, u: Use) {
            if at >= self.after {
                self.out.push((at, u));
            }
        }
    }
    impl<'a> ast::visitor::Visitor<'a> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                    let loads = crate::effects::loaded_names_in_body(std::slice::from_ref(stmt));
                    if loads.contains(&self.name) {
                        self.push(stmt.start(), Use::Other);
                    }
                }
                Stmt::For(f) => {
                    if let Some(stream) = self.stream(&f.iter) {
                        self.push(f.iter.start(), Use::StreamIter(stream, f.iter.range()));
                        self.visit_expr(&f.target);
                        self.visit_body(&f.body);
                        self.visit_body(&f.orelse);
                    } else {
                        ast::visitor::walk_stmt(self, stmt);
                    }
                }
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_comprehension(&mut self, c: &'a ast::Comprehension) {
            if let Some(stream) = self.stream(&c.iter) {
                self.push(c.iter.start(), Use::StreamIter(stream, c.iter.range()));
                self.visit_expr(&c.target);
                for cond in &c.ifs {
                    self.visit_expr(cond);
                }
            } else {
                ast::visitor::walk_comprehension(self, c);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Call(call) => {
                    let nargs = call.arguments.args.len() + call.arguments.keywords.len();
                    if let Expr::Attribute(m) = &*call.func {
                        if let Some(stream) = self.stream(&m.value) {
                            self.push(
                                expr.start(),
                                Use::StreamCall(stream, m.attr.id.to_string(), nargs, call.range()),
                            );
                            ast::visitor::walk_arguments(self, &call.arguments);
                            return;
                        }
                        if self.is_name(&m.value) {
                            self.push(
                                expr.start(),
                                Use::Call(m.attr.id.to_string(), nargs, call.range()),
                            );
                            ast::visitor::walk_arguments(self, &call.arguments);
                            return;
                        }
                    }
                    ast::visitor::walk_expr(self, expr);
                }
                Expr::Attribute(a) if self.is_name(&a.value) => {
                    let attr = a.attr.id.as_str();
                    let u = match stream_of(attr) {
                        Some(stream) => Use::Stream(stream),
                        None if matches!(attr, "pid" | "returncode" | "args") => Use::Data,
                        None => Use::Other,
                    };
                    self.push(expr.start(), u);
                }
                Expr::Name(n) if n.id.as_str() == self.name && n.ctx.is_load() => {
                    self.push(expr.start(), Use::Other);
                }
                Expr::Lambda(l) => {
                    if crate::effects::loaded_names_in_expr(&l.body).contains(&self.name) {
                        self.push(expr.start(), Use::Other);
                    }
                }
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder {
        name,
        after,
        out: Vec::new(),
    };
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.out.sort_by_key(|(at, _)| *at);
    finder.out.into_iter().map(|(_, u)| u).collect()
}
