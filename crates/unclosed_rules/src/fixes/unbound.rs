//! UC202: `name = None` hoisted before the `try`, the release guarded by `if name is not None:`.
//!
//! ```python
//! try:                          f = None
//!     f = open(path)            try:
//!     ...                  →        f = open(path)
//! finally:                          ...
//!     f.close()                 finally:
//!                                   if f is not None:
//!                                       f.close()
//! ```
//!
//! Only when the release is a statement of its own, directly in the
//! `finally` (or `except`) body and alone on its line. No fix when the name
//! is a parameter or declared `global`/`nonlocal` (binding it to `None`
//! would change what it means). The fix is safe: it changes the program
//! only where it raised `NameError`/`UnboundLocalError`; unsafe when the
//! name is also bound outside the `try`, where `name = None` could hide an
//! earlier value the release meant to close.

use ruff_python_ast::{self as ast, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use unclosed_dataflow::PossiblyUnbound;
use unclosed_diagnostics::{Applicability, Edit, Fix};

use super::FixContext;
use super::edits::{
    ends_line, indent_unit, indentation, is_parameter, line_ending, line_start, locate, references,
};

pub(crate) fn fix(fact: &PossiblyUnbound, cx: &FixContext) -> Option<Fix> {
    let text = &cx.source.text;
    let name = fact.name.as_str();
    let located = locate(cx.suite, fact.range);
    if is_parameter(located.params, name) {
        return None;
    }
    // The innermost `try` whose body holds the acquisition, and the
    // statement of its `finally`/`except` body holding the release.
    let (k, try_stmt) = located
        .stmts
        .iter()
        .enumerate()
        .rev()
        .find_map(|(k, s)| match s {
            Stmt::Try(t)
                if t.body
                    .iter()
                    .any(|b| b.range().contains_range(fact.acquisition)) =>
            {
                Some((k, t))
            }
            _ => None,
        })?;
    let release_stmt = located.stmts.get(k + 1)?;
    let Stmt::Expr(expr) = release_stmt else {
        return None;
    };
    if expr.value.range() != fact.range {
        return None;
    }
    let in_cleanup = try_stmt
        .finalbody
        .iter()
        .any(|s| s.range() == release_stmt.range())
        || try_stmt.handlers.iter().any(|h| {
            let ast::ExceptHandler::ExceptHandler(h) = h;
            h.body.iter().any(|s| s.range() == release_stmt.range())
        });
    if !in_cleanup {
        return None;
    }
    let refs = references(located.scope, name);
    if refs.iter().any(|r| r.declares) {
        return None;
    }
    let try_indent = indentation(text, try_stmt.start().to_usize())?;
    let stmt_indent = indentation(text, release_stmt.start().to_usize())?;
    if !ends_line(text, release_stmt.end().to_usize()) || !stmt_indent.starts_with(try_indent) {
        return None;
    }
    let unit = indent_unit(text, cx.suite, stmt_indent);
    let mut edits = Vec::new();
    // `name = None` already right before the `try`: only the guard is
    // missing.
    let hoisted = previous_sibling(&located, k).is_some_and(|prev| {
        matches!(prev, Stmt::Assign(a)
            if a.targets.len() == 1
                && matches!(&a.targets[0], ast::Expr::Name(n) if n.id.as_str() == name)
                && a.value.is_none_literal_expr())
    });
    if !hoisted {
        let newline = line_ending(text, try_stmt.start().to_usize());
        edits.push(Edit::insertion(
            format!("{try_indent}{name} = None{newline}"),
            TextSize::try_from(line_start(text, try_stmt.start().to_usize())).ok()?,
        ));
    }
    let newline = line_ending(text, release_stmt.start().to_usize());
    let release_line =
        TextSize::try_from(line_start(text, release_stmt.start().to_usize())).ok()?;
    edits.push(Edit::replacement(
        format!("{stmt_indent}if {name} is not None:{newline}{stmt_indent}{unit}"),
        TextRange::new(release_line, release_stmt.start()),
    ));
    // Bound elsewhere in the scope (outside the `try` body): `name = None`
    // may hide a value the release was meant to see.
    let bound_elsewhere = refs.iter().any(|r| {
        r.binds
            && !try_stmt
                .body
                .iter()
                .any(|b| b.range().contains_range(r.range))
    });
    let applicability = if bound_elsewhere {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    Some(Fix {
        applicability,
        message: format!(
            "Bind `{name}` to `None` before the `try` and call `{}` only if it is not `None`",
            fact.release
        ),
        edits,
    })
}

/// The statement before the `k`th enclosing statement of `located`, in the
/// same body.
fn previous_sibling<'a>(located: &super::edits::Located<'a>, k: usize) -> Option<&'a Stmt> {
    let target = located.stmts.get(k)?;
    let body: &[Stmt] = match k.checked_sub(1) {
        None => located.scope,
        Some(parent) => super::edits::child_bodies(located.stmts[parent])
            .into_iter()
            .find(|b| b.iter().any(|s| s == *target))?,
    };
    let i = body.iter().position(|s| s.range() == target.range())?;
    i.checked_sub(1).map(|p| &body[p])
}
