//! Descriptors made inheritable (UC501, PEP 446): since Python 3.4 new
//! descriptors are non-inheritable, and these calls undo it, so child
//! processes receive descriptors they should not see.
//!
//! - `os.set_inheritable(fd, True)`;
//! - `os.dup2(fd, fd2)` (inheritable by default) onto a descriptor other
//!   than the standard streams: an integer above 2, or a name bound only to
//!   descriptors this code opened (`os.open`, `os.dup`);
//! - `subprocess.Popen/run/call/check_call/check_output(...,
//!   close_fds=False)`;
//! - `pass_fds=` naming a descriptor of a file opened in the same body
//!   (`fd = os.open(...)`, `f.fileno()` of `f = open(...)`).

use ruff_python_ast::{self as ast, Expr, Number};
use ruff_text_size::{Ranged, TextRange};
use unclosed_catalog::{Kind, Returns};

use crate::Fact;
use crate::misuse::{Body, for_each_call, keyword, method_call};

/// A call that makes a descriptor inheritable.
#[derive(Debug, Clone)]
pub struct MadeInheritable {
    /// The call.
    pub range: TextRange,
    /// How the callee is spelled (`os.set_inheritable`, `Popen`).
    pub callee: String,
    pub how: Inheritable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inheritable {
    /// `os.set_inheritable(fd, True)`.
    SetInheritable,
    /// `os.dup2(fd, target)`: the target as written.
    Dup2 { target: String },
    /// `close_fds=False`.
    CloseFdsFalse,
    /// `pass_fds=` with a descriptor of a file opened here, acquired by
    /// this call (`os.open`, `open`).
    PassFds { fd: String, opened_by: String },
}

const SUBPROCESS: &[&str] = &[
    "subprocess.Popen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
];

pub(crate) fn check(body: &Body<'_, '_>, facts: &mut Vec<Fact>) {
    // A test of descriptor inheritance makes descriptors inheritable on
    // purpose.
    if body.function.is_some_and(|f| f.starts_with("test")) {
        return;
    }
    let restored = restored_descriptors(body);
    for_each_call(body.stmts, &mut |call, _| {
        let Some(q) = body.resolver.resolve(&call.func) else {
            return;
        };
        let callee = unclosed_names::dotted(&call.func).unwrap_or_else(|| q.clone());
        let how = match q.as_str() {
            "os.set_inheritable" | "os.set_handle_inheritable" => {
                if !call.arguments.args.get(1).is_some_and(is_truthy)
                    || call
                        .arguments
                        .args
                        .first()
                        .and_then(unclosed_names::dotted)
                        .is_some_and(|fd| restored.contains(&fd))
                {
                    return;
                }
                Inheritable::SetInheritable
            }
            "os.dup2" => {
                let inheritable = keyword(call, "inheritable").or(call.arguments.args.get(2));
                if inheritable.is_some_and(|e| !is_truthy(e)) {
                    return;
                }
                let Some(target) = call.arguments.args.get(1) else {
                    return;
                };
                if !is_private_descriptor(body, target) {
                    return;
                }
                Inheritable::Dup2 {
                    target: unclosed_names::dotted(target).unwrap_or_else(|| int_text(target)),
                }
            }
            q if SUBPROCESS.contains(&q) => {
                if keyword(call, "close_fds")
                    .is_some_and(|e| matches!(e, Expr::BooleanLiteral(b) if !b.value))
                {
                    Inheritable::CloseFdsFalse
                } else if let Some(fds) = keyword(call, "pass_fds")
                    && let Some((fd, opened_by)) = opened_file_descriptor(body, fds)
                {
                    Inheritable::PassFds { fd, opened_by }
                } else {
                    return;
                }
            }
            _ => return,
        };
        facts.push(Fact::MadeInheritable(MadeInheritable {
            range: call.range(),
            callee,
            how,
        }));
    });
}

/// Descriptors the body makes non-inheritable again
/// (`os.set_inheritable(fd, False)`, typically in a `finally`): the
/// inheritance is scoped to one child.
fn restored_descriptors(body: &Body<'_, '_>) -> Vec<String> {
    let mut out = Vec::new();
    for_each_call(body.stmts, &mut |call, _| {
        if body.resolves_to(
            &call.func,
            &["os.set_inheritable", "os.set_handle_inheritable"],
        ) && call
            .arguments
            .args
            .get(1)
            .is_some_and(|e| matches!(e, Expr::BooleanLiteral(b) if !b.value))
            && let Some(fd) = call.arguments.args.first().and_then(unclosed_names::dotted)
        {
            out.push(fd);
        }
    });
    out
}

fn is_truthy(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(b) => b.value,
        Expr::NumberLiteral(n) => matches!(&n.value, Number::Int(i) if i.as_u64() != Some(0)),
        _ => false,
    }
}

fn int_text(expr: &Expr) -> String {
    match expr {
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: Number::Int(i),
            ..
        }) => i.to_string(),
        _ => "?".to_owned(),
    }
}

/// A `dup2` target that is not a standard stream: an integer above 2, or a
/// name bound only to descriptors this body opened.
fn is_private_descriptor(body: &Body<'_, '_>, target: &Expr) -> bool {
    match target {
        Expr::NumberLiteral(ast::ExprNumberLiteral {
            value: Number::Int(i),
            ..
        }) => i.as_u64().is_some_and(|v| v > 2),
        Expr::Name(n) => fd_opened_by(body, n.id.as_str()).is_some(),
        _ => false,
    }
}

/// When every binding of `name` in the body is a raw descriptor from an
/// acquisition (`os.open`, `os.dup`): the callee.
fn fd_opened_by(body: &Body<'_, '_>, name: &str) -> Option<String> {
    if body.is_outer(name) || body.is_parameter(name) {
        return None;
    }
    let bindings = body.bindings(name);
    let mut callee = None;
    for value in bindings {
        let Some(Expr::Call(call)) = value else {
            return None;
        };
        let (acquirer, spelled) = body.acquirer_of(call)?;
        if acquirer.kind != Kind::Fd || acquirer.returns != Returns::Object {
            return None;
        }
        callee = Some(spelled);
    }
    callee
}

/// A descriptor in `pass_fds=(...)` of a file opened in this body: a name
/// bound only to `os.open(...)`, or `f.fileno()` of a file `f` opened here.
fn opened_file_descriptor(body: &Body<'_, '_>, fds: &Expr) -> Option<(String, String)> {
    let elts = match fds {
        Expr::Tuple(t) => &t.elts,
        Expr::List(l) => &l.elts,
        Expr::Set(s) => &s.elts,
        _ => return None,
    };
    for e in elts {
        match e {
            Expr::Name(n) => {
                if let Some(callee) = fd_opened_by(body, n.id.as_str())
                    && callee.ends_with("open")
                {
                    return Some((n.id.to_string(), callee));
                }
            }
            Expr::Call(c) => {
                if let Some((name, "fileno")) = method_call(c)
                    && !body.is_outer(name)
                    && !body.is_parameter(name)
                {
                    let bindings = body.bindings(name);
                    let opened = !bindings.is_empty()
                        && bindings.iter().all(|v| {
                            matches!(v, Some(Expr::Call(call)) if body
                                .acquirer_of(call)
                                .is_some_and(|(a, _)| matches!(a.kind, Kind::File | Kind::TempFile)))
                        });
                    if opened && let Some(Some(Expr::Call(call))) = bindings.first() {
                        let callee =
                            unclosed_names::dotted(&call.func).unwrap_or_else(|| "open".to_owned());
                        return Some((format!("{name}.fileno()"), callee));
                    }
                }
            }
            _ => {}
        }
    }
    None
}
