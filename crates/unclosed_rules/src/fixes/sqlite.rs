//! UC105: `with sqlite3.connect(x) as c:` becomes `with contextlib.closing(sqlite3.connect(x)) as c, c:`.
//!
//! The connection's own `with` still commits or rolls back; the
//! `closing(...)` around it closes the connection when the block ends. The
//! form `conn = sqlite3.connect(x)` ... `with conn:` becomes `with
//! contextlib.closing(conn), conn:`. `contextlib` is imported at the top
//! of the module when it is not already (an existing `import contextlib as
//! cl` or `from contextlib import closing` is used instead).
//!
//! No fix when the connection is used after the block (or, in a loop,
//! anywhere else in the loop, or in a nested function): closing it at the
//! end of the block would break that use. The fix is safe when every use
//! of the connection in the block is a statement `conn.method(...)`
//! (`conn.execute(...)`, `conn.commit()`), so nothing made from it (a
//! cursor) outlives the block; otherwise it is unsafe.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use unclosed_dataflow::Leak;
use unclosed_diagnostics::{Applicability, Edit, Fix};

use super::FixContext;
use super::edits::{imported, locate, references};

pub(crate) fn fix(fact: &Leak, cx: &FixContext) -> Option<Fix> {
    let text = &cx.source.text;
    if !fact.acquirer.release.contains(&"close") {
        return None;
    }
    let item_range = fact.non_closing_with.unwrap_or(fact.range);
    let located = locate(cx.suite, item_range);
    let Some(Stmt::With(with)) = located.stmts.last() else {
        return None;
    };
    if with.is_async {
        return None;
    }
    let item = with.items.iter().find(|item| {
        let r = item.context_expr.range();
        r == item_range || r == fact.range
    })?;
    let ctx_range = item.context_expr.range();
    let ctx_text = &text[ctx_range];
    let (closing, import) = imported(cx.suite, text, "contextlib", "closing")?;
    // The name the connection is known by, and the edit of the item.
    let (var, replacement, replaced) = if ctx_range == fact.range {
        // `with sqlite3.connect(x) as conn:`
        let Expr::Name(target) = item.optional_vars.as_deref()? else {
            return None;
        };
        let var = target.id.as_str().to_owned();
        (
            var.clone(),
            format!("{closing}({ctx_text}) as {var}, {var}"),
            TextRange::new(ctx_range.start(), target.end()),
        )
    } else {
        // `with conn:` or `with conn as c:`
        let Expr::Name(conn) = &item.context_expr else {
            return None;
        };
        let var = conn.id.as_str().to_owned();
        if let Some(vars) = item.optional_vars.as_deref()
            && !matches!(vars, Expr::Name(_))
        {
            return None;
        }
        (var.clone(), format!("{closing}({var}), {var}"), ctx_range)
    };
    if fact.name.as_deref().is_some_and(|n| n != var) {
        return None;
    }
    let refs = references(located.scope, &var);
    let with_range = with.range();
    let loop_range = located
        .loops
        .iter()
        .find(|l| l.contains_range(with_range))
        .copied();
    let used_outside = refs.iter().any(|r| {
        !with_range.contains_range(r.range)
            && (r.range.start() >= with_range.end()
                || r.nested
                || r.declares
                || loop_range.is_some_and(|l| l.contains_range(r.range)))
    });
    if used_outside {
        return None;
    }
    // Safe when every use inside the block is a statement `conn.m(...)`.
    let inside: Vec<_> = refs
        .iter()
        .filter(|r| with.body.iter().any(|s| s.range().contains_range(r.range)))
        .collect();
    let statement_calls = method_call_statements(&with.body, &var);
    let safe = inside.iter().all(|r| {
        r.attribute && !r.nested && statement_calls.iter().any(|s| s.contains_range(r.range))
    });
    let mut edits = vec![Edit::replacement(replacement, replaced)];
    edits.extend(import);
    Some(Fix {
        applicability: if safe {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        },
        message: format!("Close `{var}` at the end of the `with` block with `{closing}()`"),
        edits,
    })
}

/// The ranges of the statements `var.method(args)` in `body` (at any
/// depth) whose arguments do not mention `var`.
fn method_call_statements(body: &[Stmt], var: &str) -> Vec<TextRange> {
    let mut out = Vec::new();
    for stmt in body {
        if let Stmt::Expr(expr) = stmt
            && let Expr::Call(call) = &*expr.value
            && let Expr::Attribute(attr) = &*call.func
            && matches!(&*attr.value, Expr::Name(n) if n.id.as_str() == var)
        {
            let args_mention = references_in_range(stmt, var) > 1;
            if !args_mention {
                out.push(stmt.range());
            }
            continue;
        }
        for child in super::edits::child_bodies(stmt) {
            out.extend(method_call_statements(child, var));
        }
    }
    out
}

fn references_in_range(stmt: &Stmt, var: &str) -> usize {
    references(std::slice::from_ref(stmt), var).len()
}
