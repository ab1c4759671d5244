//! From analysis facts to diagnostics: which rule reports a fact, and the
//! words shared by the leak rules (the path a resource escapes by).

use unclosed_catalog::Kind;
use unclosed_dataflow::{Fact, Leak, LeakCause, OwnedResource};
use unclosed_diagnostics::{Diagnostic, SourceText, TextRange};

use crate::rules::{
    uc101, uc102, uc103, uc104, uc105, uc106, uc107, uc201, uc202, uc203, uc204, uc501,
};
use crate::rules::{uc301, uc302, uc303};
use crate::rules::{uc401, uc402, uc403, uc404};

/// The rule that reports a fact. Misuse facts map to their own rule; for
/// leaks, by priority: rebinding (UC103), a
/// non-closing `with` (UC105), raw descriptors (UC107), writers (UC106),
/// exception-only leaks (UC102), other leaks (UC101).
pub(crate) fn diagnostic(
    fact: &Fact,
    source: &SourceText,
    settings: &crate::Settings,
) -> Option<Diagnostic> {
    let leak = match fact {
        Fact::Temporary(t) => return Some(uc104::diagnostic(t, source)),
        Fact::TooComplex(_) => return None,
        Fact::UseAfterClose(f) => return Some(uc201::diagnostic(f, source)),
        Fact::PossiblyUnbound(f) => return Some(uc202::diagnostic(f, source)),
        Fact::PipeDeadlock(f) => return Some(uc203::diagnostic(f, source)),
        Fact::CloseErrorSwallowed(f) => return Some(uc204::diagnostic(f, source)),
        Fact::MadeInheritable(f) => return Some(uc501::diagnostic(f, source)),
        Fact::AbandonedGenerator(f) if f.is_async => {
            return Some(uc302::diagnostic(f, source, settings));
        }
        Fact::AbandonedGenerator(f) => return Some(uc301::diagnostic(f, source)),
        Fact::GeneratorExitIgnored(f) => return Some(uc303::diagnostic(f, source)),
        Fact::OwnedNeverReleased(f) => return Some(uc401::diagnostic(f, source)),
        Fact::ReleasedOnlyInDel(f) => return Some(uc402::diagnostic(f, source)),
        Fact::NoContextManager(f) => return Some(uc403::diagnostic(f, source)),
        Fact::ExitSwallows(f) => return Some(uc404::diagnostic(f, source)),
        Fact::Leak(leak) => leak,
    };
    let exceptional = matches!(leak.cause, LeakCause::Exception { .. });
    Some(match leak.cause {
        LeakCause::Rebound(_) => uc103::diagnostic(leak, source),
        _ if leak.non_closing_with.is_some() && !exceptional => uc105::diagnostic(leak, source),
        _ if leak.kind() == Kind::Fd => uc107::diagnostic(leak, source),
        _ if leak.writer => uc106::diagnostic(leak, source),
        _ if exceptional => uc102::diagnostic(leak, source),
        _ => uc101::diagnostic(leak, source),
    })
}

pub(crate) fn line(source: &SourceText, range: TextRange) -> usize {
    source.location(range.start()).row
}

/// "file `f` opened by `open()` at line 3", "socket `s` created by
/// `socket.socket()` at line 9".
pub(crate) fn subject(leak: &Leak, source: &SourceText) -> String {
    let kind = leak.kind();
    let verb = if leak.writer && kind == Kind::File {
        "opened for writing"
    } else {
        kind.verb()
    };
    let name = leak
        .name
        .as_deref()
        .map_or_else(String::new, |n| format!(" `{n}`"));
    format!(
        "{}{name} {verb} by `{}()` at line {}",
        kind.noun(),
        leak.callee,
        line(source, leak.range)
    )
}

/// When the resource is still open: "when the function returns at line 9".
pub(crate) fn when(leak: &Leak, source: &SourceText) -> String {
    match &leak.cause {
        LeakCause::Return(r) => format!(
            "it is still open when the function returns at line {}",
            line(source, *r)
        ),
        LeakCause::Break(r) => format!(
            "it is still open when `break` at line {} leaves the loop",
            line(source, *r)
        ),
        LeakCause::EndOfBody { module: false } => {
            "it is still open when the function ends".to_owned()
        }
        LeakCause::EndOfBody { module: true } => {
            "it is still open at the end of the module".to_owned()
        }
        LeakCause::Reopened(r) => format!(
            "the next loop iteration opens another one at line {} and drops this one",
            line(source, *r)
        ),
        LeakCause::Deleted(r) => format!(
            "`del` at line {} drops it while it is open",
            line(source, *r)
        ),
        LeakCause::WithEnded(r) => format!(
            "the `with` block ending at line {} does not close it",
            line(source, *r)
        ),
        LeakCause::Rebound(r) => format!("its name is rebound at line {}", line(source, *r)),
        LeakCause::Exception { at, call, uncaught } => {
            let what = if uncaught.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = uncaught.iter().map(|t| format!("`{t}`")).collect();
                format!(" an exception other than {}", names.join(" or "))
            };
            format!(
                "it is not closed if `{}` raises{what} at line {}",
                call.clone().unwrap_or_else(|| snippet(source, *at)),
                line(source, *at)
            )
        }
    }
}

/// The first line of a range's text, shortened.
fn snippet(source: &SourceText, range: TextRange) -> String {
    let text = source.text[range].lines().next().unwrap_or_default().trim();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(39).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// "is never closed: it is still open when ..." for normal-path leaks,
/// "is not closed if `f()` raises at line 9" for exceptional ones.
pub(crate) fn predicate(leak: &Leak, source: &SourceText) -> String {
    let when = when(leak, source);
    match when.strip_prefix("it is ") {
        Some(rest) if matches!(leak.cause, LeakCause::Exception { .. }) => format!("is {rest}"),
        _ => format!("is never closed: {when}"),
    }
}

/// The usual fix: a `with` statement, or the kind's own release.
pub(crate) fn help(leak: &Leak) -> String {
    let var = leak.name.as_deref().unwrap_or(default_var(leak.kind()));
    let a = leak.acquirer;
    if a.kind == Kind::Process {
        return format!(
            "call `{var}.wait()` or `{var}.communicate()` on every path; `with {}(...) as {var}:` waits for the process at the end of the block",
            leak.callee
        );
    }
    if a.kind == Kind::Fd {
        return "close it with `os.close()` in a `finally:` block, or hand it to `os.fdopen()` in a `with` statement".to_owned();
    }
    let release = a.release.first().unwrap_or(&"close");
    if a.with_releases {
        let with = match (a.asynchronous, a.awaited) {
            (_, true) => "async with await",
            (true, false) => "async with",
            (false, false) => "with",
        };
        format!(
            "use `{with} {}(...) as {var}:` so it is released on every path, exceptions included",
            leak.callee
        )
    } else if a.asynchronous {
        format!("call `await {var}.{release}()` in a `finally:` block")
    } else if a.release.contains(&"close") {
        format!(
            "use `with contextlib.closing({}(...)) as {var}:` or call `{var}.{release}()` in a `finally:` block",
            leak.callee,
        )
    } else {
        // Not a context manager, and `contextlib.closing` calls `close()`.
        format!("call `{var}.{release}()` in a `finally:` block")
    }
}

fn default_var(kind: Kind) -> &'static str {
    match kind {
        Kind::File | Kind::TempFile => "f",
        Kind::Socket => "sock",
        Kind::Connection | Kind::Database => "conn",
        Kind::Process => "proc",
        Kind::Archive => "archive",
        Kind::TempDir => "tmpdir",
        Kind::Fd => "fd",
        Kind::Mmap => "mm",
        Kind::Selector => "sel",
        Kind::Pool => "pool",
        Kind::Executor => "executor",
        Kind::DirIterator => "entries",
        Kind::Wrapper => "thing",
        Kind::Client => "client",
        Kind::Session => "session",
        Kind::ConnectionPool => "pool",
        Kind::Cursor => "cur",
    }
}

/// The diagnostic of the leak rules: "<subject> <predicate>[; <consequence>]"
/// with the path labels and the usual fix.
pub(crate) fn leak_diagnostic(
    rule: &crate::Rule,
    leak: &Leak,
    source: &SourceText,
    consequence: &str,
) -> Diagnostic {
    let mut message = format!("{} {}", subject(leak, source), predicate(leak, source));
    if !consequence.is_empty() {
        message.push_str("; ");
        message.push_str(consequence);
    }
    with_path_labels(
        Diagnostic::new(rule.code, rule.name, message, leak.range).with_help(help(leak)),
        leak,
    )
}

/// The labels every leak diagnostic carries: where the path goes.
pub(crate) fn with_path_labels(mut d: Diagnostic, leak: &Leak) -> Diagnostic {
    match &leak.cause {
        LeakCause::Return(r) => d = d.with_label(*r, "returns with it open"),
        LeakCause::Break(r) => d = d.with_label(*r, "leaves the loop with it open"),
        LeakCause::Reopened(r) if *r != leak.range => d = d.with_label(*r, "opened again here"),
        LeakCause::Deleted(r) => d = d.with_label(*r, "dropped here"),
        LeakCause::WithEnded(r) => d = d.with_label(*r, "does not close it"),
        LeakCause::Exception { at, .. } => {
            d = d.with_label(*at, "if this raises, it is not closed")
        }
        _ => {}
    }
    if let Some(with) = leak.non_closing_with
        && !matches!(leak.cause, LeakCause::WithEnded(_))
        && with.intersect(leak.range).is_none()
    {
        d = d.with_label(with, "this `with` commits or rolls back, it does not close");
    }
    d
}

/// "file opened by `open()` at line 3": a resource a class owns.
pub(crate) fn owned_subject(owned: &OwnedResource, source: &SourceText) -> String {
    let kind = owned.acquirer.kind;
    let verb = if owned.writer && kind == Kind::File {
        "opened for writing"
    } else {
        kind.verb()
    };
    format!(
        "{} {verb} by `{}()` at line {}",
        kind.noun(),
        owned.callee,
        line(source, owned.call)
    )
}

/// The usual fix for a resource a class owns: a `close()` that releases
/// it, called by the context manager protocol.
pub(crate) fn owned_help(owned: &OwnedResource) -> String {
    let a = owned.acquirer;
    let attr = &owned.attr;
    let release = a.release.first().unwrap_or(&"close");
    let (close, release, enter, exit, with) = if a.kind == Kind::Fd {
        (
            "close()",
            format!("os.close(self.{attr})"),
            "__enter__",
            "__exit__",
            "with",
        )
    } else if a.asynchronous {
        (
            "async def aclose()",
            format!("await self.{attr}.{release}()"),
            "__aenter__",
            "__aexit__",
            "async with",
        )
    } else {
        (
            "close()",
            format!("self.{attr}.{release}()"),
            "__enter__",
            "__exit__",
            "with",
        )
    };
    format!(
        "add a `{close}` method that calls `{release}`, and `{enter}`/`{exit}` that call it, so that callers can write `{with} {}(...) as obj:`",
        owned.class
    )
}
