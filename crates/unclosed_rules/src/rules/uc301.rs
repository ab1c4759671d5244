use unclosed_dataflow::AbandonedGenerator;
use unclosed_diagnostics::{Diagnostic, SourceText};

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds a `for` loop over a *resource generator* that can leave the
    /// loop while the generator is suspended, with nothing that closes it.
    ///
    /// A resource generator is a generator function of the same module
    /// (a function in scope, or a method called as `self.method()`), or of
    /// another analyzed module (`from .util import read_lines`, `util.
    /// read_lines()`), that is suspended at a `yield`:
    ///
    /// - inside `with` of an acquisition the tool knows (`with open(p) as
    ///   f:`, a socket, a connection, `os.scandir()`, ...) or of a
    ///   `@contextmanager` generator of the module that is itself one;
    /// - inside a `try` whose `finally` releases something (`f.close()`,
    ///   `os.close(fd)`, `lock.release()`, ...);
    /// - or inside `yield from gen()` / `for x in gen(): yield x` of another
    ///   resource generator.
    ///
    /// A `with` of anything else (`warnings.catch_warnings()`, a lock
    /// attribute) and a `finally` that only restores state are not
    /// resources. Generators decorated with `@contextlib.contextmanager`,
    /// `@asynccontextmanager` or `@pytest.fixture` are managed by the
    /// decorator: their callers are not reported.
    ///
    /// The loop is left early by `break`, `return`, an explicit `raise`, or
    /// an exception from a call in the body that plausibly fails: a call of
    /// the program's own code or code the tool cannot see (`process(row)`),
    /// not `out.append(row)` or `print(row)`. A loop that always runs to
    /// completion exhausts the generator, which then cleans up by itself.
    /// When the loop iterates a name (`g = gen()`), a later use of the name
    /// on that path (`g.close()` in a `finally:`, another loop over `g`)
    /// means the code still takes care of it.
    ///
    /// ## Why is this bad?
    /// A suspended generator runs its `finally` blocks and `with` exits only
    /// when it is resumed to the end or closed: `gen.close()` (PEP 342)
    /// throws `GeneratorExit` at the `yield`. A loop that stops early leaves
    /// it suspended, and the file stays open until the garbage collector
    /// finalizes the generator.
    ///
    /// On CPython, reference counting does that at once in the simple case:
    /// `for line in read_lines(p): break` drops the only reference when the
    /// loop ends, and the file is closed there. That does not hold:
    ///
    /// - on PyPy and other implementations without reference counting,
    ///   where finalization waits for a garbage collection;
    /// - when a variable keeps the generator (`lines = read_lines(p)`):
    ///   it stays open until the function returns, for ever at module
    ///   level or in a long-running loop;
    /// - when an exception's traceback keeps the frame (logged, stored by a
    ///   test runner, `except ... as e` saved): the frame keeps the
    ///   generator and the generator keeps the file;
    /// - in a reference cycle, until the cyclic collector runs.
    ///
    /// Closing explicitly makes the cleanup happen where the loop ends, on
    /// every implementation (the article's section on PEP 342 `close()`).
    ///
    /// ## Example
    /// ```python
    /// def read_lines(path):
    ///     with open(path) as f:
    ///         for line in f:
    ///             yield line
    ///
    /// def first_error(path):
    ///     for line in read_lines(path):
    ///         if "ERROR" in line:
    ///             return line
    /// ```
    ///
    /// ## Use instead
    /// ```python
    /// import contextlib
    ///
    /// def first_error(path):
    ///     with contextlib.closing(read_lines(path)) as lines:
    ///         for line in lines:
    ///             if "ERROR" in line:
    ///                 return line
    /// ```
    /// or keep the generator in a name and call `lines.close()` in a
    /// `finally:` block.
    ///
    /// ## Fix
    /// `--fix` puts the loop (its `else:` clause included) inside `with
    /// contextlib.closing(gen(...)) as items:` and iterates `items` (or
    /// `enumerate(items)`), re-indented with the file's indentation and
    /// importing `contextlib` if needed. The fix is safe when the generator
    /// function is called by its name (or through its module,
    /// `util.lines()`): the loop held the only reference, so
    /// only the moment of the cleanup changes (at the end of the loop, on
    /// every implementation, and before an exception propagates); an error
    /// raised by the generator's cleanup now propagates instead of being
    /// printed. It is unsafe for a method (`self.lines()`, an override may
    /// return something without `close()`). No fix when the loop iterates a
    /// name (`lines = gen(...)`), when it shares its lines with other
    /// statements, when re-indenting would change a multi-line string, or in
    /// a class body.
    ///
    /// ## References
    /// - [PEP 342 – Coroutines via Enhanced Generators](https://peps.python.org/pep-0342/)
    /// - [`generator.close()`](https://docs.python.org/3/reference/expressions.html#generator.close)
    /// - [`contextlib.closing`](https://docs.python.org/3/library/contextlib.html#contextlib.closing)
    pub struct ResourceGeneratorAbandoned {
        code: "UC301",
        name: "resource-generator-abandoned",
        summary: "a loop that can stop early over a generator holding a resource across `yield`, without `contextlib.closing()`",
    }
}

pub(crate) fn diagnostic(fact: &AbandonedGenerator, source: &SourceText) -> Diagnostic {
    let rule = &ResourceGeneratorAbandoned::RULE;
    let message = format!(
        "{}; {} with the generator suspended and nothing closes it: {}",
        super::uc302::holder(fact, source),
        super::uc302::exit_words(fact, source),
        match &fact.name {
            Some(name) => format!(
                "its cleanup waits until `{name}` is garbage-collected"
            ),
            None => "its cleanup waits for garbage collection (at once on CPython, later on PyPy or if a traceback keeps the frame)".to_owned(),
        }
    );
    let help = match &fact.name {
        Some(name) => format!(
            "call `{name}.close()` in a `finally:` block, or bind it with `with contextlib.closing({}(...)) as {name}:`",
            fact.callee
        ),
        None => format!(
            "iterate `with contextlib.closing({}(...)) as items:` and loop over `items`, so the generator is closed when the loop ends",
            fact.callee
        ),
    };
    super::uc302::labelled(
        Diagnostic::new(rule.code, rule.name, message, fact.range),
        fact,
    )
    .with_help(help)
}
