//! Which failures count when a resource is only leaked on exception paths.
//!
//! The CFG gives every call an exceptional edge, which is right for
//! control flow but too eager for reporting: `sys.path.insert()`,
//! `os.dup2()` or iterating a local list "can raise" only in theory, and a
//! finding that rests on them is not worth a developer's time. For the
//! obligations analysis, an exceptional edge out of a node counts only when
//! the node *plausibly* fails:
//!
//! - it does something with the resource itself (`f.read()`, `os.write(fd,
//!   ...)`, `json.dump(data, f)`), or
//! - it calls code whose behaviour we can't see — the program's own
//!   functions and methods on its own objects (`process(data)`,
//!   `self.parse()`, `loop.run_until_complete()`) — or raises, asserts,
//!   awaits or yields.
//!
//! Calls that resolve to the standard library and don't involve the
//! resource, and hand-off registrations (`self.addCleanup(...)`), do not.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;
use smallvec::SmallVec;
use unclosed_catalog as catalog;
use unclosed_cfg::NodeKind;
use unclosed_names::Resolver;

/// How a node may fail, for the obligations analysis.
#[derive(Debug, Clone, Default)]
pub struct RaiseInfo<'a> {
    /// Fails for reasons of its own (user code, `raise`, `await`, ...).
    pub strong: bool,
    /// For the calls that make it `strong`: the name of the object whose
    /// method was called (`None` for a plain function call).
    pub strong_receivers: SmallVec<[Option<&'a str>; 2]>,
    /// Names whose objects it operates on: it fails if they do.
    pub touched: SmallVec<[&'a str; 2]>,
    /// The first call that makes it fail, with how to name it.
    pub culprit: Option<(ruff_text_size::TextRange, String)>,
}

pub(crate) fn raise_info<'a>(kind: NodeKind<'a>, resolver: &Resolver<'_>) -> RaiseInfo<'a> {
    let mut v = Visitor {
        resolver,
        info: RaiseInfo::default(),
    };
    match kind {
        NodeKind::Stmt(stmt) => match stmt {
            ast::Stmt::Raise(_) => {
                v.info.strong = true;
                v.info.strong_receivers.push(None);
            }
            // A failing assertion fails the test (or the program): not a
            // path to clean up after.
            ast::Stmt::Assert(_) => {}
            _ => ast::visitor::Visitor::visit_stmt(&mut v, stmt),
        },
        NodeKind::Test(e) | NodeKind::MatchSubject(e) => {
            ast::visitor::Visitor::visit_expr(&mut v, e)
        }
        NodeKind::ForIter(f) => ast::visitor::Visitor::visit_expr(&mut v, &f.iter),
        NodeKind::ForNext(f) => {
            // Taking the next item fails when the iterable does: iterating
            // a resource (`for line in f`) or user code (a generator).
            if let Some(root) = root_name(&f.iter) {
                v.info.touched.push(root);
            }
            ast::visitor::Visitor::visit_expr(&mut v, &f.iter);
            if v.info.strong || !v.info.touched.is_empty() {
                let name = unclosed_names::dotted(&f.iter).unwrap_or_else(|| "…".to_owned());
                v.info.culprit = Some((f.iter.range(), format!("next({name})")));
            }
        }
        NodeKind::WithEnter(item) => ast::visitor::Visitor::visit_expr(&mut v, &item.context_expr),
        NodeKind::Def(ast::Stmt::FunctionDef(f)) => {
            for d in &f.decorator_list {
                ast::visitor::Visitor::visit_expr(&mut v, &d.expression);
            }
        }
        // `__exit__` methods, handlers, patterns: not failures to plan for.
        _ => {}
    }
    v.info
}

struct Visitor<'r, 'a> {
    resolver: &'r Resolver<'r>,
    info: RaiseInfo<'a>,
}

impl<'a> ast::visitor::Visitor<'a> for Visitor<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a ast::Stmt) {
        match stmt {
            // Nested bodies don't run here.
            ast::Stmt::FunctionDef(_) | ast::Stmt::ClassDef(_) => {}
            _ => ast::visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Call(call) => {
                // Arguments run first.
                ast::visitor::walk_expr(self, expr);
                self.call(call);
            }
            Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) => {
                self.info.strong = true;
                self.info.strong_receivers.push(None);
                ast::visitor::walk_expr(self, expr);
            }
            Expr::Lambda(_) => {}
            _ => ast::visitor::walk_expr(self, expr),
        }
    }
}

impl<'a> Visitor<'_, 'a> {
    fn call(&mut self, call: &'a ast::ExprCall) {
        let method = match &*call.func {
            Expr::Attribute(a) => Some(a.attr.id.as_str()),
            _ => None,
        };
        if method.is_some_and(|m| {
            catalog::OWNING_METHODS.contains(&m)
                || QUIET_METHODS.contains(&m)
                || m.starts_with("assert")
                || m == "fail"
        }) {
            return;
        }
        // `event.wait()`, `proc.wait()` without a timeout only block.
        if method == Some("wait") && call.arguments.is_empty() {
            return;
        }
        // `f.write(b"spam")`: a short constant goes to the buffer, no
        // system call happens until `flush()`/`close()`.
        if matches!(method, Some("write" | "writelines"))
            && call.arguments.keywords.is_empty()
            && call.arguments.args.iter().all(is_constant_data)
        {
            return;
        }
        let mut touched: SmallVec<[&'a str; 2]> = SmallVec::new();
        if let Expr::Attribute(a) = &*call.func
            && let Some(root) = root_name(&a.value)
        {
            touched.push(root);
        }
        for arg in call
            .arguments
            .args
            .iter()
            .chain(call.arguments.keywords.iter().map(|k| &k.value))
        {
            if let Some(root) = root_name(arg) {
                touched.push(root);
            }
        }
        // Code we can't see: the program's own functions (also names bound
        // nowhere, from star imports or other modules) and methods on its
        // objects, except the everyday methods of lists, dicts and strings;
        // and the builtins that fail on bad input.
        let resolved = self.resolver.resolve(&call.func);
        // `os.dup2(fd, 1)`, `os.set_blocking(fd, False)`: managing a valid
        // descriptor does not fail; reading and writing it may.
        if let Some(os_call) = resolved.as_deref().and_then(|q| q.strip_prefix("os."))
            && !matches!(
                os_call,
                "read"
                    | "write"
                    | "readv"
                    | "writev"
                    | "pread"
                    | "pwrite"
                    | "sendfile"
                    | "fsync"
                    | "ftruncate"
                    | "lseek"
                    | "fdopen"
                    | "fstat"
            )
            && !os_call.starts_with("path.")
        {
            return;
        }
        // Pure builtins (`type(f)`, `len(data)`) don't fail on the resource.
        if resolved.as_deref().is_some_and(|q| {
            q.strip_prefix("builtins.")
                .is_some_and(|b| BUILTINS.contains(&b) && !FAILING_BUILTINS.contains(&b))
        }) {
            return;
        }
        let user_code = match resolved {
            None => !method.is_some_and(|m| EVERYDAY_METHODS.contains(&m)),
            Some(q) => match q.strip_prefix("builtins.") {
                Some(name) => !BUILTINS.contains(&name) || FAILING_BUILTINS.contains(&name),
                None => false,
            },
        };
        self.info.strong |= user_code;
        if user_code {
            let receiver = match &*call.func {
                Expr::Attribute(a) => root_name(&a.value),
                _ => None,
            };
            self.info.strong_receivers.push(receiver);
        }
        let plausible = user_code || !touched.is_empty();
        self.info.touched.extend(touched);
        if plausible && self.info.culprit.is_none() {
            let name = unclosed_names::dotted(&call.func)
                .or_else(|| method.map(|m| format!("….{m}")))
                .unwrap_or_else(|| "…".to_owned());
            self.info.culprit = Some((call.range(), format!("{name}()")));
        }
    }
}

/// Methods that don't fail on a healthy object: configuration of a socket,
/// releases.
const QUIET_METHODS: &[&str] = &[
    "close",
    "__enter__",
    "detach",
    "settimeout",
    "setblocking",
    "setsockopt",
    "fileno",
    "getsockname",
    "gettimeout",
    "getpeername",
    "set_inheritable",
    // A stream's capabilities, known when it was opened.
    "readable",
    "writable",
    "seekable",
    "isatty",
    // A database cursor on an open connection.
    "cursor",
    // An archive's directory, read when it was opened.
    "namelist",
    "infolist",
    // An HTTP response's parsed headers and status.
    "getheader",
    "getheaders",
    "geturl",
    "getcode",
];

/// Methods of lists, dicts, sets and strings, which code calls without
/// planning for failure.
const EVERYDAY_METHODS: &[&str] = &[
    "encode",
    "getvalue",
    "seek",
    "tell",
    "flush",
    "write",
    "append",
    "extend",
    "insert",
    "get",
    "setdefault",
    "update",
    "items",
    "keys",
    "values",
    "copy",
    "add",
    "discard",
    "clear",
    "sort",
    "reverse",
    "strip",
    "lstrip",
    "rstrip",
    "split",
    "rsplit",
    "splitlines",
    "join",
    "startswith",
    "endswith",
    "replace",
    "format",
    "lower",
    "upper",
    "count",
    "find",
    "rfind",
    "partition",
    "rpartition",
    "isdigit",
    "isalpha",
    "isspace",
    "zfill",
    "ljust",
    "rjust",
    "center",
    "title",
    "capitalize",
    "casefold",
];

/// Builtins that fail on bad input, which code should plan for.
const FAILING_BUILTINS: &[&str] = &[
    "int",
    "float",
    "complex",
    "exec",
    "eval",
    "compile",
    "__import__",
    "input",
    "open",
    "next",
];

/// Python's builtin functions and types; any other `builtins.x` is a name
/// bound nowhere we can see (another module's function).
const BUILTINS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
    "__import__",
];

/// Data known when the code is written: literals, expressions of them
/// (`"a" * 22`, `b"x" + b"y"`), and module constants by convention
/// (`RESOURCE_DATA`).
fn is_constant_data(expr: &Expr) -> bool {
    match expr {
        Expr::StringLiteral(_) | Expr::BytesLiteral(_) | Expr::NumberLiteral(_) => true,
        Expr::BinOp(b) => is_constant_data(&b.left) && is_constant_data(&b.right),
        Expr::Name(n) => {
            let id = n.id.as_str();
            id.len() > 1
                && id.chars().any(|c| c.is_ascii_uppercase())
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        }
        _ => false,
    }
}

/// `f`, `f.x.y`, `f[0]`: the name at the root.
fn root_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => root_name(&a.value),
        Expr::Subscript(s) => root_name(&s.value),
        Expr::Starred(s) => root_name(&s.value),
        _ => None,
    }
}
