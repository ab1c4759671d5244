//! Close errors swallowed (UC204): a writer's `close()`/`flush()` (or a
//! `sqlite3` connection's `commit()`) inside a `try` whose handler catches
//! I/O errors (`except:`, `except Exception:`, `except OSError:`) and does
//! nothing, or inside `with contextlib.suppress(OSError):`. The write-back
//! happens in that call: when it fails, the data is lost without a word.
//!
//! Cleanup code that runs while another exception is handled (inside an
//! `except` body) is not reported: there the first error is the one that
//! matters.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use unclosed_catalog::Kind;

use crate::Fact;
use crate::misuse::{Body, catches_io_errors, does_nothing, for_each_call, method_call};

/// A writer's close/flush/commit whose failure is ignored.
#[derive(Debug, Clone)]
pub struct CloseErrorSwallowed {
    /// The `close()`/`flush()`/`commit()` call.
    pub range: TextRange,
    pub name: String,
    pub method: String,
    /// The `except` clause or the `suppress(...)` call.
    pub handler: TextRange,
    /// How the error is swallowed: `except OSError: pass`,
    /// `contextlib.suppress(Exception)`.
    pub swallowed_by: String,
    pub kind: Kind,
}

pub(crate) fn check(body: &Body<'_, '_>, facts: &mut Vec<Fact>) {
    let mut finder = Finder {
        body,
        handling: 0,
        closed_before: Vec::new(),
        facts,
    };
    ast::visitor::Visitor::visit_body(&mut finder, body.stmts);
}

struct Finder<'b, 'a, 'r> {
    body: &'b Body<'a, 'r>,
    /// Depth of `except` bodies around the statement.
    handling: usize,
    /// Names the `try` bodies of the enclosing `finally` blocks close: a
    /// close there is a second one, a no-op unless the first was skipped
    /// by an exception (which then is the error that matters).
    closed_before: Vec<&'a str>,
    facts: &'b mut Vec<Fact>,
}

impl<'a> ast::visitor::Visitor<'a> for Finder<'_, 'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::Try(t) => {
                if self.handling == 0 {
                    for handler in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = handler;
                        if catches_io_errors(h) && does_nothing(&h.body) {
                            let how = format!(
                                "except{}: pass",
                                h.type_
                                    .as_deref()
                                    .and_then(unclosed_names::dotted)
                                    .map_or_else(String::new, |t| format!(" {t}"))
                            );
                            self.report_in(&t.body, h.range(), &how);
                            break;
                        }
                    }
                }
                self.visit_body(&t.body);
                self.handling += 1;
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    self.visit_body(&h.body);
                }
                self.handling -= 1;
                self.visit_body(&t.orelse);
                let before = self.closed_before.len();
                for_each_call(&t.body, &mut |call, _| {
                    if let Some((name, "close")) = method_call(call) {
                        self.closed_before.push(name);
                    }
                });
                self.visit_body(&t.finalbody);
                self.closed_before.truncate(before);
            }
            Stmt::With(w) => {
                if self.handling == 0 {
                    for item in &w.items {
                        if let Expr::Call(call) = &item.context_expr
                            && self.body.resolves_to(&call.func, &["contextlib.suppress"])
                            && let Some(caught) = call.arguments.args.iter().find_map(|a| {
                                unclosed_names::dotted(a)
                                    .filter(|t| crate::misuse::is_io_error_type(t))
                            })
                        {
                            let how = format!("contextlib.suppress({caught})");
                            self.report_in(&w.body, call.range(), &how);
                        }
                    }
                }
                ast::visitor::walk_stmt(self, stmt);
            }
            _ => ast::visitor::walk_stmt(self, stmt),
        }
    }
}

impl<'a> Finder<'_, 'a, '_> {
    /// Report the writers' close/flush/commit statements of `stmts` (not
    /// inside a nested `try`, whose own handlers come first).
    fn report_in(&mut self, stmts: &'a [Stmt], handler: TextRange, how: &str) {
        let body = self.body;
        let closed_before = &self.closed_before;
        let mut found = Vec::new();
        for_each_call(stmts, &mut |call, stack| {
            if stack
                .iter()
                .any(|s| matches!(s, Stmt::Try(_) | Stmt::With(_)))
            {
                return;
            }
            let Some(Stmt::Expr(e)) = stack.last() else {
                return;
            };
            if !matches!(&*e.value, Expr::Call(c) if std::ptr::eq(c, call)) {
                return;
            }
            let Some((name, method)) = method_call(call) else {
                return;
            };
            if !matches!(method, "close" | "flush" | "commit") || closed_before.contains(&name) {
                return;
            }
            if let Some(kind) = writer_kind(body, name, method) {
                found.push(CloseErrorSwallowed {
                    range: call.range(),
                    name: name.to_owned(),
                    method: method.to_owned(),
                    handler,
                    swallowed_by: how.to_owned(),
                    kind,
                });
            }
        });
        self.facts
            .extend(found.into_iter().map(Fact::CloseErrorSwallowed));
    }
}

/// The kind of resource `name` is, when every binding of it in the body is
/// a writer (or, for `commit`, a `sqlite3` connection).
fn writer_kind(body: &Body<'_, '_>, name: &str, method: &str) -> Option<Kind> {
    if body.is_outer(name) || body.is_parameter(name) {
        return None;
    }
    let bindings = body.bindings(name);
    let mut kind = None;
    for value in &bindings {
        let Some(Expr::Call(call)) = value else {
            return None;
        };
        let (acquirer, _) = body.acquirer_of(call)?;
        let ok = if method == "commit" {
            acquirer.type_name == "sqlite3.Connection"
        } else {
            acquirer.type_name != "sqlite3.Connection" && body.is_writer(call, acquirer)
        };
        if !ok {
            return None;
        }
        kind = Some(acquirer.kind);
    }
    kind
}
