//! UC301/UC302: close the generator where the loop ends.
//!
//! `for x in gen(a):` becomes
//!
//! ```python
//! with contextlib.closing(gen(a)) as lines:
//!     for x in lines:
//!         ...
//! ```
//!
//! (`closing()` gives a context manager, not an iterator: the loop must be
//! inside a `with`); `for i, x in enumerate(gen(a)):` iterates
//! `enumerate(items)`. `async for` gets `async with contextlib.aclosing(...)`
//! when the target version is 3.10 or newer (or not configured), else no
//! fix. The loop, its `else:` clause included, is re-indented one level
//! with the file's indentation unit; `contextlib` is imported when the
//! module does not already (an `import contextlib as cl` or a `from
//! contextlib import closing` is used instead). The new name is one the
//! module does not use anywhere.
//!
//! No fix when the loop iterates a name (`lines = gen(a)`: the name may be
//! used after the loop), when a multi-line string would be re-indented,
//! when the loop shares its lines with other statements, or when it is
//! directly in a class body (the name would become a class attribute).
//!
//! The fix is safe when the generator is a function called by its name
//! (`read_lines(p)`): the loop held the only reference, so the generator
//! was closed when it was collected and is now closed when the block
//! ends; what changes is that this happens at the end of the loop on
//! every implementation and before an exception propagates (instead of
//! when its traceback is freed), and that an exception raised by the
//! generator's cleanup now propagates instead of being printed as
//! unraisable (a function of another module called through it,
//! `util.read_lines(p)`, is the same). It is unsafe for a method
//! (`self.lines()`): an override may return something without `close()`,
//! and for `async for` when no target
//! version is configured (`aclosing()` needs 3.10).

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;
use unclosed_dataflow::AbandonedGenerator;
use unclosed_diagnostics::{Applicability, Edit, Fix};

use super::FixContext;
use super::edits::{
    dotted, imported, indent_lines, indent_unit, line_ending, locate, reindentable_lines,
};
use super::temporary::name_unused_in;
use crate::PythonVersion;

pub(crate) fn fix(fact: &AbandonedGenerator, cx: &FixContext) -> Option<Fix> {
    if fact.name.is_some() {
        return None;
    }
    if fact.is_async && !cx.settings.targets_at_least(PythonVersion::PY310) {
        return None;
    }
    let text = cx.source.text.as_str();
    let located = locate(cx.suite, fact.range);
    let (last, outer) = located.stmts.split_last()?;
    let Stmt::For(for_stmt) = last else {
        return None;
    };
    if for_stmt.is_async != fact.is_async
        || !for_stmt.range().contains_range(fact.range)
        || outer.iter().any(|s| matches!(s, Stmt::ClassDef(_)))
    {
        return None;
    }
    let generator = generator_call(&for_stmt.iter, &fact.callee)?;
    let stmt = last;
    let (region, indent) = reindentable_lines(text, stmt)?;
    let (start, end) = (region.start().to_usize(), region.end().to_usize());
    let (wrapper, keyword) = if fact.is_async {
        ("aclosing", "async with")
    } else {
        ("closing", "with")
    };
    let (closing, import) = imported(cx.suite, text, "contextlib", wrapper)?;
    let name = name_unused_in(cx.suite, "items");
    let iter = generator.range();
    let eol = line_ending(text, start);
    let unit = indent_unit(text, cx.suite, indent);
    let loop_text = format!(
        "{}{name}{}",
        &text[start..iter.start().to_usize()],
        &text[iter.end().to_usize()..end]
    );
    let mut body = indent_lines(&loop_text, indent, &unit);
    if !body.ends_with(['\n', '\r']) && end < text.len() {
        body.push_str(eol);
    }
    let replacement = format!(
        "{indent}{keyword} {closing}({}) as {name}:{eol}{body}",
        &text[iter]
    );
    // `aclosing()` is new in 3.10: a guess when no target is configured.
    // A dotted callee is a method (an override may return anything) unless
    // it resolved to another module's function (`util.read_lines()`).
    let method = fact.callee.contains('.') && fact.defined_in.is_none();
    let applicability = if method || (fact.is_async && cx.settings.target_version.is_none()) {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let mut edits = vec![Edit::replacement(replacement, region)];
    edits.extend(import);
    Some(Fix {
        applicability,
        message: format!(
            "Iterate `{keyword} {closing}({}(...)) as {name}:`",
            fact.callee
        ),
        edits,
    })
}

/// The call of the generator function `callee` that the loop iterates:
/// `iter` itself, or the first argument of `enumerate(...)`.
fn generator_call<'a>(iter: &'a Expr, callee: &str) -> Option<&'a Expr> {
    let Expr::Call(call) = iter else {
        return None;
    };
    if dotted(&call.func).as_deref() == Some(callee) {
        return Some(iter);
    }
    if dotted(&call.func).as_deref() == Some("enumerate")
        && let Some(first) = call.arguments.args.first()
        && let Expr::Call(inner) = first
        && dotted(&inner.func).as_deref() == Some(callee)
    {
        return Some(first);
    }
    None
}
