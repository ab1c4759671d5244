//! UC203: the write-then-read (or write-then-wait) sequence of a `Popen`
//! replaced by `communicate()`.
//!
//! ```python
//! p.stdin.write(data)                    out = p.communicate(data)[0]
//! out = p.stdout.read()          →
//!
//! p.stdin.write(data)                    p.communicate(data)
//! p.wait()                       →
//! ```
//!
//! Only these two simple forms: the write is the statement right before
//! the blocking one, in the same block, with one plain argument; the read
//! is `p.stdout.read()` with no argument, the wait `p.wait()` as a
//! statement of its own. `communicate()` writes the input, closes stdin,
//! reads the pipes to the end and waits: what the code meant, without the
//! deadlock. Unsafe: it also reads `stderr` when that is a pipe, and the
//! timing of the child's input changes (all at once).

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use unclosed_dataflow::{DeadlockCause, PipeDeadlock};
use unclosed_diagnostics::{Applicability, Edit, Fix};

use super::FixContext;
use super::edits::{
    alone_on_its_lines, child_bodies, line_end, line_start, locate, trailing_comment,
};

pub(crate) fn fix(fact: &PipeDeadlock, cx: &FixContext) -> Option<Fix> {
    if fact.cause != DeadlockCause::StdinOpen {
        return None;
    }
    let text = &cx.source.text;
    let name = fact.name.as_str();
    let located = locate(cx.suite, fact.range);
    let (&stmt, outer) = located.stmts.split_last()?;
    let block: &[Stmt] = match outer.last() {
        Some(parent) => child_bodies(parent)
            .into_iter()
            .find(|b| b.iter().any(|s| s.range() == stmt.range()))?,
        None => located.scope,
    };
    let at = block.iter().position(|s| s.range() == stmt.range())?;
    let write = block.get(at.checked_sub(1)?)?;
    let data = stdin_write_argument(write, name)?;
    // The write's line goes: keep any comment on it by giving no fix.
    if !alone_on_its_lines(text, write.range())
        || !alone_on_its_lines(text, stmt.range())
        || trailing_comment(text, write.end().to_usize()).is_some()
    {
        return None;
    }
    let data = &text[data.range()];
    let (range, content) = match stmt {
        // `out = p.stdout.read()`
        Stmt::Assign(ast::StmtAssign { value, .. })
            if value.range() == fact.range && is_call(value, name, Some("stdout"), "read") =>
        {
            (value.range(), format!("{name}.communicate({data})[0]"))
        }
        // `p.wait()`
        Stmt::Expr(ast::StmtExpr { value, .. })
            if value.range() == fact.range && is_call(value, name, None, "wait") =>
        {
            (value.range(), format!("{name}.communicate({data})"))
        }
        _ => return None,
    };
    let start = line_start(text, write.start().to_usize());
    let end = line_end(text, write.end().to_usize());
    let write_lines = TextRange::new(
        u32::try_from(start).ok()?.into(),
        u32::try_from(end).ok()?.into(),
    );
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("Use `{name}.communicate(...)`"),
        edits: vec![
            Edit::deletion(write_lines),
            Edit::replacement(content, range),
        ],
    })
}

/// `name.stdin.write(data)` as a statement: the argument.
fn stdin_write_argument<'a>(stmt: &'a Stmt, name: &str) -> Option<&'a Expr> {
    let Stmt::Expr(ast::StmtExpr { value, .. }) = stmt else {
        return None;
    };
    let Expr::Call(call) = value.as_ref() else {
        return None;
    };
    if !is_call(value, name, Some("stdin"), "write")
        || call.arguments.args.len() != 1
        || !call.arguments.keywords.is_empty()
        || call.arguments.args[0].is_starred_expr()
    {
        return None;
    }
    call.arguments.args.first()
}

/// Whether `expr` is `name.method()` or `name.stream.method(...)`; with no
/// stream, and for `read`, without arguments.
fn is_call(expr: &Expr, name: &str, stream: Option<&str>, method: &str) -> bool {
    let Expr::Call(call) = expr else {
        return false;
    };
    let Expr::Attribute(attr) = call.func.as_ref() else {
        return false;
    };
    if attr.attr.as_str() != method {
        return false;
    }
    let receiver = match stream {
        Some(stream) => match attr.value.as_ref() {
            Expr::Attribute(inner) if inner.attr.as_str() == stream => inner.value.as_ref(),
            _ => return false,
        },
        None => attr.value.as_ref(),
    };
    let bare = method != "write" && call.arguments.is_empty();
    matches!(receiver, Expr::Name(n) if n.id.as_str() == name) && (method == "write" || bare)
}
