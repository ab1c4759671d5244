//! What each CFG node does to names and resources, as an ordered list of
//! [`Event`]s: the right-hand side's uses first, then the bindings.
//!
//! This is where ownership is decided, from the catalog: passing a value to
//! a borrower (`json.load(f)`) keeps the caller responsible; passing it to
//! an owner (`os.fdopen(fd)`, `stack.enter_context(f)`) or, unless
//! `strict`, to an unknown callee hands it off; `return`, `yield`, storing
//! in an attribute, a subscript or a container, and capture by a closure
//! hand it off too. Acquisitions used as temporaries (`open(p).read()`)
//! are recorded here as well.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use unclosed_catalog::{
    self as catalog, Acquirer, ActiveCatalog, ArgUse, MethodUse, Returns, When, Writer,
};
use unclosed_cfg::NodeKind;
use unclosed_names::Resolver;

/// Index into [`Effects::acquisitions`].
pub type AcqId = usize;

/// One thing a node does to a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// The value is used and stays the caller's.
    Borrow(&'a str),
    /// The value is handed to someone else, who becomes responsible.
    Escape(&'a str),
    /// `name.method(...)`: a release when `method` releases the resource.
    MethodCall(&'a str, &'a str),
    /// A release function (`os.close(fd)`) was applied to the name.
    Release(&'a str),
    /// The name was consumed to its end (`list(it)`): iterators that close
    /// themselves when exhausted are released.
    Exhaust(&'a str),
    /// `with name:` ended: releases the resource when its `__exit__` does.
    WithExitOf(&'a str, TextRange),
    /// The `with` item that acquired this resource ended.
    WithExitOfSite(AcqId, TextRange),
    /// `target = source`.
    Alias {
        target: &'a str,
        source: &'a str,
        range: TextRange,
    },
    /// The name is rebound to something untracked.
    Bind(&'a str, TextRange),
    /// `del name`.
    Del(&'a str, TextRange),
    /// A new resource is created and bound to these names.
    Acquire(AcqId),
    /// The name was just bound to a truthy constant (`close_it = True`).
    Truthy(&'a str),
    /// The name was just bound to a falsy constant (`closed = False`).
    Falsy(&'a str),
    /// The name was bound to `None` (also `Falsy`).
    IsNone(&'a str),
}

/// A resource created by a call.
#[derive(Debug, Clone)]
pub struct Acquisition<'a> {
    pub node: unclosed_cfg::NodeId,
    /// The acquiring call.
    pub call: &'a ast::ExprCall,
    pub acquirer: &'static Acquirer,
    /// How the callee is spelled in the source (`open`, `zipfile.ZipFile`).
    pub callee: String,
    /// For tuple-returning acquirers: the element index.
    pub index: Option<usize>,
    /// Names bound to it when created.
    pub names: Vec<&'a str>,
    /// Whether it is a writer (UC106).
    pub writer: bool,
    /// Created by a `with` item: released at the end of the block.
    pub with_item: bool,
}

/// How an acquisition used as a temporary is dropped (UC104).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemporaryUse {
    /// `open(p).read()`.
    Receiver(String),
    /// `json.load(open(p))`.
    Argument(String),
    /// `for line in open(p):` and comprehensions.
    Iterated,
    /// `open(p)` as a statement of its own.
    Dropped,
}

#[derive(Debug, Clone)]
pub struct Temporary<'a> {
    pub call: &'a ast::ExprCall,
    pub acquirer: &'static Acquirer,
    pub callee: String,
    pub how: TemporaryUse,
    pub writer: bool,
}

/// The events of every node of one body, and the acquisitions they create.
#[derive(Debug, Default)]
pub struct Effects<'a> {
    pub events: Vec<Vec<Event<'a>>>,
    /// How each node may fail (see `raises`).
    pub raises: Vec<crate::raises::RaiseInfo<'a>>,
    pub acquisitions: Vec<Acquisition<'a>>,
    pub temporaries: Vec<Temporary<'a>>,
    /// Nodes inside a block the code expects to fail (`with
    /// self.assertRaises(...)`): a lazy object they use does not start
    /// holding anything there.
    pub expected_to_fail: Vec<bool>,
}

/// How a value is used by its context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Borrow,
    Escape,
    Release,
    /// An expression statement: the value is dropped.
    Drop,
    /// Iterated by a `for` or a comprehension.
    Iterate,
}

/// How a call uses each positional and each keyword argument (`None`:
/// as the callee is otherwise decided).
type ArgumentUses = (Vec<Option<Ctx>>, Vec<Option<Ctx>>);

/// The program's functions as the extraction sees them: calls that
/// resolve to one (`Summaries`) use its summary.
#[derive(Clone, Copy)]
pub(crate) struct Calls<'r> {
    pub summaries: &'r dyn crate::summaries::CallSummaries,
    pub site: unclosed_program::Site<'r>,
    /// When summarizing a function: look up what callees do with their
    /// parameters only for calls passing one of these names (the
    /// function's own parameters), so summaries stay cheap.
    pub only_args: Option<&'r [&'r str]>,
}

pub(crate) struct Extractor<'a, 'r> {
    pub resolver: Resolver<'r>,
    pub catalog: ActiveCatalog<'r>,
    /// Names bound to acquisitions outside `with` items so far: what an
    /// `io.TextIOWrapper(name)` layer would own.
    owned_names: rustc_hash::FxHashSet<&'a str>,
    /// Set while resolving the value of a tuple-unpacking assignment.
    unpacking: bool,
    pub strict: bool,
    pub out: Effects<'a>,
    node: unclosed_cfg::NodeId,
    events: Vec<Event<'a>>,
    calls: Option<Calls<'r>>,
}

/// Attributes that are plain data: returning `f.name` does not hand `f` off.
const RESOURCE_PARTS: &[&str] = &[
    "stdin",
    "stdout",
    "stderr",
    "buffer",
    "raw",
    "fp",
    "file",
    "fileobj",
    "sock",
    "socket",
    "_sock",
    "_file",
    "_fp",
    "myfileobj",
    "detach",
];

/// Attributes whose value, handed on, takes the resource with it: its
/// parts (`p.stdout`, `f.buffer`) and its release methods (`f.close`).
fn hands_on(attr: &str) -> bool {
    RESOURCE_PARTS.contains(&attr)
        || matches!(
            attr,
            "close"
                | "aclose"
                | "__exit__"
                | "__aexit__"
                | "communicate"
                | "quit"
                | "logout"
                | "shutdown"
                | "cleanup"
                | "terminate"
                | "kill"
                | "wait"
                // `tracer.setwriter(err.write)`: whoever keeps the bound
                // method keeps the file.
                | "write"
                | "writelines"
                | "read"
                | "readline"
                | "send"
                | "sendall"
                | "recv"
                | "flush"
        )
}

impl<'a, 'r> Extractor<'a, 'r> {
    pub fn new(
        resolver: Resolver<'r>,
        catalog: ActiveCatalog<'r>,
        strict: bool,
        nodes: usize,
    ) -> Self {
        Self {
            resolver,
            catalog,
            strict,
            out: Effects {
                events: vec![Vec::new(); nodes],
                raises: vec![crate::raises::RaiseInfo::default(); nodes],
                ..Effects::default()
            },
            node: 0,
            events: Vec::new(),
            owned_names: rustc_hash::FxHashSet::default(),
            unpacking: false,
            calls: None,
        }
    }

    /// Resolve calls of the program's functions and use their summaries.
    pub fn with_calls(mut self, calls: Calls<'r>) -> Self {
        self.calls = Some(calls);
        self
    }

    /// The program's function a call resolves to.
    fn callee_function(&self, call: &ast::ExprCall) -> Option<unclosed_program::FunctionId> {
        let calls = self.calls.as_ref()?;
        calls
            .summaries
            .program()
            .resolve_call(&calls.site, &call.func)
    }

    /// A call of a function of the program that returns a fresh resource,
    /// and how the callee is spelled.
    pub(crate) fn factory_of(
        &self,
        call: &ast::ExprCall,
    ) -> Option<(crate::summaries::Fresh, String)> {
        let f = self.callee_function(call)?;
        let fresh = self.calls.as_ref()?.summaries.fresh(f)?;
        Some((fresh, unclosed_names::dotted(&call.func)?))
    }

    /// Whether an acquisition is a writer: from its mode argument, or for a
    /// factory from the mode of the acquisition it returns.
    pub(crate) fn writer_of(&self, call: &ast::ExprCall, acquirer: &Acquirer) -> bool {
        match self.factory_of(call) {
            Some((fresh, _)) if std::ptr::eq(fresh.acquirer, acquirer) => fresh.writer,
            _ => is_writer(call, acquirer),
        }
    }

    /// The syntactic pre-filter, knowing the program's factories.
    pub(crate) fn may_acquire(&self, body: &[Stmt]) -> bool {
        may_acquire_with(body, &[], self.catalog, &|call| {
            self.factory_of(call).is_some()
        })
    }

    /// What the callee does with each argument of a call of the program's
    /// function `f`: positional ones in order, then keywords.
    fn argument_uses(&self, call: &ast::ExprCall) -> Option<ArgumentUses> {
        let calls = self.calls.as_ref()?;
        let passes = |e: &Expr| match (e, calls.only_args) {
            (Expr::Name(n), Some(only)) => only.contains(&n.id.as_str()),
            (Expr::Name(_) | Expr::Call(_), None) => true,
            _ => false,
        };
        let args = &call.arguments;
        if !args.args.iter().any(passes) && !args.keywords.iter().any(|k| passes(&k.value)) {
            return None;
        }
        let f = self.callee_function(call)?;
        let program = calls.summaries.program();
        let function = &program.functions[f];
        let uses = calls.summaries.params(f);
        let ctx = |u: crate::summaries::ParamUse| match u {
            crate::summaries::ParamUse::Borrow => Some(Ctx::Borrow),
            crate::summaries::ParamUse::Release => Some(Ctx::Release),
            crate::summaries::ParamUse::Unknown => None,
        };
        let receiver = function.receiver_params();
        let mut starred = false;
        let positional = args
            .args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                starred |= a.is_starred_expr();
                if starred {
                    return None;
                }
                ctx(crate::summaries::use_of_arg(
                    function.def,
                    receiver,
                    &uses,
                    crate::summaries::ArgAt::Positional(i),
                ))
            })
            .collect();
        let keywords = args
            .keywords
            .iter()
            .map(|k| {
                let name = k.arg.as_ref()?;
                ctx(crate::summaries::use_of_arg(
                    function.def,
                    receiver,
                    &uses,
                    crate::summaries::ArgAt::Keyword(name.as_str()),
                ))
            })
            .collect();
        Some((positional, keywords))
    }

    pub fn finish(self) -> Effects<'a> {
        self.out
    }

    pub fn node(&mut self, id: unclosed_cfg::NodeId, kind: &NodeKind<'a>) {
        self.node = id;
        self.events.clear();
        match *kind {
            NodeKind::Stmt(stmt) => self.stmt(stmt),
            NodeKind::Test(test) | NodeKind::MatchSubject(test) => self.expr(test, Ctx::Borrow),
            NodeKind::ForIter(f) => match &*f.iter {
                // `for fd in (r, w):` hands each element to the loop
                // variable, which we don't follow: treat them as handed off.
                Expr::Tuple(ast::ExprTuple { elts, .. })
                | Expr::List(ast::ExprList { elts, .. }) => {
                    for e in elts {
                        self.expr(e, Ctx::Escape);
                    }
                }
                iter => self.expr(iter, Ctx::Iterate),
            },
            NodeKind::ForNext(f) => self.bind_target(&f.target),
            NodeKind::WithEnter(item) => self.with_enter(item),
            NodeKind::WithExit { item, .. } => self.with_exit(item),
            NodeKind::Handler(h) => {
                if let Some(name) = &h.name {
                    self.events.push(Event::Bind(name.id.as_str(), name.range));
                }
            }
            NodeKind::MatchCase(case) => {
                if let Some(guard) = &case.guard {
                    self.expr(guard, Ctx::Borrow);
                }
                self.bind_pattern(&case.pattern);
            }
            NodeKind::Def(stmt) => self.def(stmt),
            NodeKind::Entry
            | NodeKind::Exit
            | NodeKind::Raise
            | NodeKind::Break(_)
            | NodeKind::Continue(_)
            | NodeKind::Join(_)
            | NodeKind::Dispatch(_) => {}
        }
        self.out.events[id as usize] = std::mem::take(&mut self.events);
        self.out.raises[id as usize] = crate::raises::raise_info(*kind, &self.resolver);
    }

    // ---- statements ----

    fn stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(a) => self.assign(&a.targets, &a.value),
            Stmt::AnnAssign(a) => {
                if let Some(value) = &a.value {
                    self.assign(std::slice::from_ref(&*a.target), value);
                }
            }
            Stmt::AugAssign(a) => {
                self.expr(&a.value, Ctx::Escape);
                match &*a.target {
                    Expr::Name(n) => self.events.push(Event::Borrow(n.id.as_str())),
                    other => self.expr(other, Ctx::Borrow),
                }
            }
            Stmt::Expr(e) => self.expr(&e.value, Ctx::Drop),
            Stmt::Return(r) => {
                if let Some(value) = &r.value {
                    self.expr(value, Ctx::Escape);
                }
            }
            Stmt::Raise(r) => {
                if let Some(exc) = &r.exc {
                    self.expr(exc, Ctx::Escape);
                }
                if let Some(cause) = &r.cause {
                    self.expr(cause, Ctx::Escape);
                }
            }
            Stmt::Assert(a) => {
                self.expr(&a.test, Ctx::Borrow);
                if let Some(msg) = &a.msg {
                    self.expr(msg, Ctx::Borrow);
                }
            }
            Stmt::Delete(d) => {
                for target in &d.targets {
                    match target {
                        Expr::Name(n) => self.events.push(Event::Del(n.id.as_str(), n.range)),
                        other => self.expr(other, Ctx::Borrow),
                    }
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let name = alias.asname.as_ref().map_or_else(
                        || alias.name.id.as_str().split('.').next().unwrap_or_default(),
                        |a| a.id.as_str(),
                    );
                    self.events.push(Event::Bind(name, alias.range));
                }
            }
            Stmt::ImportFrom(i) => {
                for alias in &i.names {
                    let name = alias.asname.as_ref().unwrap_or(&alias.name);
                    self.events.push(Event::Bind(name.id.as_str(), alias.range));
                }
            }
            Stmt::TypeAlias(_)
            | Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
            // Compound statements are split into nodes by the CFG.
            _ => {}
        }
    }

    fn assign(&mut self, targets: &'a [Expr], value: &'a Expr) {
        // `f = open(p)`, `a = b = open(p)`, `fd, path = mkstemp()`.
        self.unpacking = targets
            .iter()
            .any(|t| matches!(t, Expr::Tuple(tuple) if tuple.elts.len() == 2));
        let acquired = match value {
            Expr::Call(call) => self.acquirer_of(call).map(|a| (call, a)),
            // `conn = await AsyncConnection.connect()`.
            Expr::Await(ast::ExprAwait { value, .. }) => match &**value {
                Expr::Call(call) => self.awaited_acquirer_of(call, true).map(|a| (call, a)),
                _ => None,
            },
            _ => None,
        };
        self.unpacking = false;
        if let Some((call, (acquirer, callee))) = acquired {
            self.call_parts(call, Some(acquirer));
            match acquirer.returns {
                Returns::Object => {
                    let names: Vec<&'a str> = targets.iter().filter_map(name_of).collect();
                    // `cx = self.cx = connect()`: also stored, so handed off.
                    let stored = targets.iter().any(|t| name_of(t).is_none());
                    if names.is_empty() || stored {
                        // Stored in an attribute or subscript: handed off.
                        for t in targets {
                            self.bind_target(t);
                        }
                    } else {
                        self.acquire(call, acquirer, callee, None, names, false);
                    }
                }
                Returns::Tuple(indices) => {
                    for target in targets {
                        if let Expr::Tuple(ast::ExprTuple { elts, .. })
                        | Expr::List(ast::ExprList { elts, .. }) = target
                        {
                            for &i in indices {
                                if let Some(name) = elts.get(i).and_then(name_of) {
                                    self.acquire(
                                        call,
                                        acquirer,
                                        callee.clone(),
                                        Some(i),
                                        vec![name],
                                        false,
                                    );
                                }
                            }
                            for (i, elt) in elts.iter().enumerate() {
                                if !indices.contains(&i) {
                                    self.bind_target(elt);
                                }
                            }
                        } else {
                            self.bind_target(target);
                        }
                    }
                }
            }
            return;
        }
        // `conn = sock.accept()[0]`.
        if let Expr::Subscript(sub) = value
            && let Expr::Call(call) = &*sub.value
            && let Some((acquirer, callee, indices)) = self.tuple_acquirer(call)
            && let Expr::NumberLiteral(n) = &*sub.slice
            && let Some(i) = n.value.as_int().and_then(ast::Int::as_usize)
            && indices.contains(&i)
        {
            self.call_parts(call, Some(acquirer));
            let names: Vec<&'a str> = targets.iter().filter_map(name_of).collect();
            if !names.is_empty() {
                self.acquire(call, acquirer, callee, Some(i), names, false);
            }
            return;
        }
        // `proc = proc.__enter__()`: the context manager protocol returns
        // the object itself.
        if let Expr::Call(call) = value
            && let Expr::Attribute(a) = &*call.func
            && a.attr.id.as_str() == "__enter__"
            && let Expr::Name(source) = &*a.value
            && let [Expr::Name(t)] = targets
        {
            self.events.push(Event::Alias {
                target: t.id.as_str(),
                source: source.id.as_str(),
                range: t.range,
            });
            return;
        }
        // `g = f` and `a, b = b, a`.
        if let Expr::Name(source) = value {
            for target in targets {
                match target {
                    Expr::Name(t) => self.events.push(Event::Alias {
                        target: t.id.as_str(),
                        source: source.id.as_str(),
                        range: t.range,
                    }),
                    other => {
                        self.events.push(Event::Escape(source.id.as_str()));
                        self.bind_target(other);
                    }
                }
            }
            return;
        }
        if let [Expr::Tuple(t)] = targets
            && let Expr::Tuple(v) = value
            && t.elts.len() == v.elts.len()
            && v.elts.iter().all(|e| matches!(e, Expr::Name(_)))
        {
            let sources: Vec<&'a str> = v.elts.iter().filter_map(name_of).collect();
            for (target, source) in t.elts.iter().zip(sources) {
                match target {
                    Expr::Name(n) => self.events.push(Event::Alias {
                        target: n.id.as_str(),
                        source,
                        range: n.range,
                    }),
                    other => {
                        self.events.push(Event::Escape(source));
                        self.expr(other, Ctx::Borrow);
                    }
                }
            }
            return;
        }
        self.expr(value, Ctx::Escape);
        for target in targets {
            self.bind_target(target);
        }
        if is_truthy_constant(value) {
            for name in targets.iter().filter_map(name_of) {
                self.events.push(Event::Truthy(name));
            }
        } else if is_falsy_constant(value) {
            for name in targets.iter().filter_map(name_of) {
                self.events.push(Event::Falsy(name));
                if value.is_none_literal_expr() {
                    self.events.push(Event::IsNone(name));
                }
            }
        }
    }

    fn bind_target(&mut self, target: &'a Expr) {
        match target {
            // `conn.sock = FakeSocket()`: the object now wraps something
            // else; what it held is the program's business.
            Expr::Attribute(a) if RESOURCE_PARTS.contains(&a.attr.id.as_str()) => {
                if let Expr::Name(n) = &*a.value {
                    self.events.push(Event::Escape(n.id.as_str()));
                }
            }
            Expr::Name(n) => self.events.push(Event::Bind(n.id.as_str(), n.range)),
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.bind_target(e)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.bind_target(e)),
            Expr::Starred(s) => self.bind_target(&s.value),
            other => self.expr(other, Ctx::Borrow),
        }
    }

    fn bind_pattern(&mut self, pattern: &'a ast::Pattern) {
        use ast::Pattern as P;
        match pattern {
            P::MatchAs(p) => {
                if let Some(name) = &p.name {
                    self.events.push(Event::Bind(name.id.as_str(), name.range));
                }
                if let Some(inner) = &p.pattern {
                    self.bind_pattern(inner);
                }
            }
            P::MatchStar(p) => {
                if let Some(name) = &p.name {
                    self.events.push(Event::Bind(name.id.as_str(), name.range));
                }
            }
            P::MatchMapping(p) => {
                p.patterns.iter().for_each(|p| self.bind_pattern(p));
                if let Some(rest) = &p.rest {
                    self.events.push(Event::Bind(rest.id.as_str(), rest.range));
                }
            }
            P::MatchSequence(p) => p.patterns.iter().for_each(|p| self.bind_pattern(p)),
            P::MatchClass(p) => {
                p.arguments
                    .patterns
                    .iter()
                    .for_each(|p| self.bind_pattern(p));
                p.arguments
                    .keywords
                    .iter()
                    .for_each(|k| self.bind_pattern(&k.pattern));
            }
            P::MatchOr(p) => p.patterns.iter().for_each(|p| self.bind_pattern(p)),
            P::MatchValue(_) | P::MatchSingleton(_) => {}
        }
    }

    fn with_enter(&mut self, item: &'a ast::WithItem) {
        let target = item.optional_vars.as_deref();
        match &item.context_expr {
            Expr::Call(call) if self.acquirer_of(call).is_some() => {
                let (acquirer, callee) = self.acquirer_of(call).unwrap_or_else(|| unreachable!());
                self.call_parts(call, Some(acquirer));
                let names: Vec<&'a str> = target.and_then(name_of).into_iter().collect();
                if names.is_empty()
                    && let Some(target) = target
                {
                    self.bind_target(target);
                }
                self.acquire(call, acquirer, callee, None, names, true);
            }
            Expr::Name(n) => {
                self.events.push(Event::Borrow(n.id.as_str()));
                match target {
                    Some(Expr::Name(t)) => self.events.push(Event::Alias {
                        target: t.id.as_str(),
                        source: n.id.as_str(),
                        range: t.range,
                    }),
                    Some(other) => self.bind_target(other),
                    None => {}
                }
            }
            // `with (sys.stdin if c else open(p)) as f:` and other
            // expressions: the `with` manages whatever they produce.
            other => {
                self.expr(other, Ctx::Escape);
                if let Some(target) = target {
                    self.bind_target(target);
                }
            }
        }
    }

    fn with_exit(&mut self, item: &'a ast::WithItem) {
        match &item.context_expr {
            Expr::Call(call) => {
                if let Some(id) = self
                    .out
                    .acquisitions
                    .iter()
                    // A `with` in a `finally` is built once per copy of
                    // the `finally`: this exit belongs to the latest enter.
                    .rposition(|a| std::ptr::eq(a.call, call) && a.with_item)
                {
                    self.events.push(Event::WithExitOfSite(id, item.range));
                }
            }
            Expr::Name(n) => self
                .events
                .push(Event::WithExitOf(n.id.as_str(), item.range)),
            _ => {}
        }
    }

    fn def(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                for decorator in &f.decorator_list {
                    self.expr(&decorator.expression, Ctx::Escape);
                }
                for p in f.parameters.iter_non_variadic_params() {
                    if let Some(default) = &p.default {
                        self.expr(default, Ctx::Escape);
                    }
                }
                // Only free variables are captured: a name the function
                // binds itself is its own local.
                let own = unclosed_names::ScopeNames::function(Some(&f.parameters), &f.body);
                for name in loaded_names_in_body(&f.body) {
                    if !own.bound.contains(name) {
                        self.events.push(Event::Escape(name));
                    }
                }
                self.events
                    .push(Event::Bind(f.name.id.as_str(), f.name.range));
            }
            Stmt::ClassDef(c) => {
                for decorator in &c.decorator_list {
                    self.expr(&decorator.expression, Ctx::Escape);
                }
                if let Some(arguments) = &c.arguments {
                    for arg in &arguments.args {
                        self.expr(arg, Ctx::Escape);
                    }
                }
                for name in loaded_names_in_body(&c.body) {
                    self.events.push(Event::Escape(name));
                }
                self.events
                    .push(Event::Bind(c.name.id.as_str(), c.name.range));
            }
            _ => {}
        }
    }

    // ---- acquisitions ----

    fn acquire(
        &mut self,
        call: &'a ast::ExprCall,
        acquirer: &'static Acquirer,
        callee: String,
        index: Option<usize>,
        names: Vec<&'a str>,
        with_item: bool,
    ) {
        let writer = self.writer_of(call, acquirer);
        if !with_item {
            self.owned_names.extend(names.iter().copied());
        }
        let id = self.out.acquisitions.len();
        self.out.acquisitions.push(Acquisition {
            node: self.node,
            call,
            acquirer,
            callee,
            index,
            names,
            writer,
            with_item,
        });
        self.events.push(Event::Acquire(id));
    }

    /// The acquirer a call stands for, and how its callee is spelled.
    pub(crate) fn acquirer_of(&self, call: &ast::ExprCall) -> Option<(&'static Acquirer, String)> {
        self.awaited_acquirer_of(call, false)
    }

    /// The acquirer a call stands for when it is (or is not) the operand of
    /// `await`: an acquirer that returns a coroutine acquires only there.
    pub(crate) fn awaited_acquirer_of(
        &self,
        call: &ast::ExprCall,
        awaited: bool,
    ) -> Option<(&'static Acquirer, String)> {
        let Some((acquirer, spelled)) = self.acquirer_of_callee(call) else {
            // A function of the program that returns a fresh resource: its
            // arguments are its own business, not the acquirer's.
            let (fresh, spelled) = self.factory_of(call)?;
            return (!awaited).then_some((fresh.acquirer, spelled));
        };
        if acquirer.awaited != awaited || !acquires_when(call, acquirer.when) {
            return None;
        }
        // `urlopen("data:...")` reads an in-memory buffer.
        if acquirer.kind == catalog::Kind::Connection
            && let Some(Expr::StringLiteral(url)) = call.arguments.args.first()
            && url.value.to_str().starts_with("data:")
        {
            return None;
        }
        if acquirer.accepts_fileobj
            && (self.wraps_memory_stream(call)
                || (!is_writer(call, acquirer) && self.wraps_file_object(call)))
        {
            return None;
        }
        // `io.FileIO(fd, closefd=False)`: the caller keeps the descriptor.
        if let Some(k) = call.arguments.find_keyword("closefd")
            && matches!(&k.value, Expr::BooleanLiteral(b) if !b.value)
        {
            return None;
        }
        // `io.TextIOWrapper(buffer)` is a resource only when `buffer` is one
        // this code acquired (and does not leave to a `with`).
        if acquirer.owns_args && acquirer.kind == catalog::Kind::File && is_layer(&spelled) {
            let wraps_resource = match call.arguments.args.first() {
                // `TextIOWrapper(BufferedReader(BytesIO(...)))` holds nothing.
                Some(Expr::Call(inner)) => self.acquirer_of(inner).is_some(),
                Some(Expr::Name(n)) => self.owned_names.contains(n.id.as_str()),
                _ => false,
            };
            if !wraps_resource {
                return None;
            }
        }
        Some((acquirer, spelled))
    }

    /// `tarfile.open(fileobj=io.BytesIO())`: an archive in memory.
    fn wraps_memory_stream(&self, call: &ast::ExprCall) -> bool {
        let arg = call
            .arguments
            .find_keyword("fileobj")
            .map(|k| &k.value)
            .or_else(|| call.arguments.args.first());
        match arg {
            Some(Expr::Call(inner)) => self.is_memory_stream(&inner.func),
            Some(Expr::Name(n)) => self
                .resolver
                .call_type(n.id.as_str())
                .is_some_and(|c| matches!(c.as_str(), "io.BytesIO" | "io.StringIO")),
            _ => false,
        }
    }

    /// `ZipFile(fileobj)`, `tarfile.open(fileobj=f)`, `ZipFile(self)`: the
    /// first argument is an open file-like object, not a path.
    fn wraps_file_object(&self, call: &ast::ExprCall) -> bool {
        if call.arguments.find_keyword("fileobj").is_some() {
            return true;
        }
        let Some(first) = call.arguments.args.first() else {
            return false;
        };
        match first {
            // `self`, and the names code gives to open file objects.
            Expr::Name(n)
                if matches!(
                    n.id.as_str(),
                    "self"
                        | "f"
                        | "fp"
                        | "fo"
                        | "fh"
                        | "fobj"
                        | "fileobj"
                        | "file"
                        | "stream"
                        | "buf"
                        | "buffer"
                        | "handle"
                ) =>
            {
                true
            }
            Expr::Call(inner) => {
                self.acquirer_of_callee(inner).is_some() || self.is_memory_stream(&inner.func)
            }
            Expr::Name(n) => self
                .resolver
                .call_type(n.id.as_str())
                .is_some_and(|callee| {
                    self.catalog.acquirer(&callee).is_some()
                        || matches!(callee.as_str(), "io.BytesIO" | "io.StringIO")
                }),
            _ => false,
        }
    }

    fn is_memory_stream(&self, func: &Expr) -> bool {
        self.resolver
            .resolve(func)
            .is_some_and(|q| matches!(q.as_str(), "io.BytesIO" | "io.StringIO"))
    }

    pub(crate) fn acquirer_of_callee(
        &self,
        call: &ast::ExprCall,
    ) -> Option<(&'static Acquirer, String)> {
        if let Some(name) = self.resolver.resolve(&call.func)
            && let Some(acquirer) = self.catalog.acquirer(&name)
        {
            let spelled = unclosed_names::dotted(&call.func).unwrap_or(name);
            return Some((acquirer, spelled));
        }
        // `Session()` where `Session = sessionmaker(engine)`, and
        // `sessionmaker(engine)()`: calling an object whose type acquires
        // when called.
        if matches!(&*call.func, Expr::Name(_) | Expr::Call(_))
            && self.catalog.has_method_acquirer(CALL)
            && let Some(type_name) = self.type_of(&call.func)
            && let Some(acquirer) = self.catalog.method_acquirer(&type_name, CALL)
        {
            let spelled = match &*call.func {
                Expr::Call(inner) => format!(
                    "{}()",
                    unclosed_names::dotted(&inner.func).unwrap_or_default()
                ),
                func => unclosed_names::dotted(func).unwrap_or_default(),
            };
            return Some((acquirer, spelled));
        }
        let Expr::Attribute(attr) = &*call.func else {
            return None;
        };
        let method = attr.attr.id.as_str();
        let typed = self
            .type_of(&attr.value)
            .and_then(|t| self.catalog.method_acquirer(&t, method).map(|a| (a, t)));
        let (acquirer, receiver_type) = match typed {
            Some(found) => found,
            // Duck-typed methods (`conn, addr = x.accept()`) only where the
            // result is unpacked as that API returns it.
            None if self.unpacking => (
                self.catalog
                    .method_acquirer(catalog::ANY_RECEIVER, method)?,
                String::from("socket"),
            ),
            None => return None,
        };
        let spelled = match unclosed_names::dotted(&call.func) {
            Some(d) => d,
            None => format!("{}.{}", short_type(&receiver_type), attr.attr.id),
        };
        Some((acquirer, spelled))
    }

    /// `sel.register(...)` where `sel` is a `selectors`/`select` object.
    fn is_poller(&self, func: &Expr) -> bool {
        let Expr::Attribute(a) = func else {
            return false;
        };
        let Expr::Name(n) = &*a.value else {
            return false;
        };
        self.resolver
            .call_type(n.id.as_str())
            .is_some_and(|t| t.starts_with("select.") || t.starts_with("selectors."))
    }

    /// An acquirer that returns a tuple of resources, with their indices.
    fn tuple_acquirer(
        &self,
        call: &ast::ExprCall,
    ) -> Option<(&'static Acquirer, String, &'static [usize])> {
        let (acquirer, callee) = self.acquirer_of(call)?;
        match acquirer.returns {
            Returns::Tuple(indices) => Some((acquirer, callee, indices)),
            Returns::Object => None,
        }
    }

    /// A flow-insensitive type for method lookups: `Path(p)`, a name bound
    /// to `Path(p)`, `ZipFile(p)`, `p / "x"` for a path `p`.
    fn type_of(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Call(call) => {
                if let Some(name) = self.resolver.resolve(&call.func) {
                    return self.catalog.type_of_call(&name).map(str::to_owned);
                }
                if let Expr::Attribute(attr) = &*call.func {
                    let receiver = self.type_of(&attr.value)?;
                    let method = attr.attr.id.as_str();
                    if receiver == "pathlib.Path"
                        && catalog::PATH_RETURNING_METHODS.contains(&method)
                    {
                        return Some(receiver);
                    }
                    // `client.open_sftp().open(p)`.
                    return self
                        .catalog
                        .method_acquirer(&receiver, method)
                        .map(|a| a.type_name.to_owned());
                }
                None
            }
            Expr::Name(n) => self.type_of_name(n.id.as_str(), 0),
            Expr::BinOp(b) if b.op == ast::Operator::Div => {
                self.type_of(&b.left).filter(|t| t == "pathlib.Path")
            }
            Expr::Attribute(a) if a.attr.id.as_str() == "parent" => {
                self.type_of(&a.value).filter(|t| t == "pathlib.Path")
            }
            _ => None,
        }
    }

    /// The type of a name bound to a call: `p = Path(x)`, or, through a
    /// method acquirer of the receiver's type, `sftp = client.open_sftp()`
    /// where `client = paramiko.SSHClient()`.
    fn type_of_name(&self, name: &str, depth: u8) -> Option<String> {
        if let Some(callee) = self.resolver.call_type(name) {
            return self.catalog.type_of_call(&callee).map(str::to_owned);
        }
        let callee = self.resolver.call_callee(name)?;
        let (receiver, method) = callee.split_once('.')?;
        if depth >= 3 || receiver == name || method.contains('.') {
            return None;
        }
        let receiver_type = self.type_of_name(receiver, depth + 1)?;
        self.catalog
            .method_acquirer(&receiver_type, method)
            .map(|a| a.type_name.to_owned())
    }

    // ---- expressions ----

    fn expr(&mut self, expr: &'a Expr, ctx: Ctx) {
        match expr {
            Expr::Name(n) => {
                let name = n.id.as_str();
                self.events.push(match ctx {
                    Ctx::Escape => Event::Escape(name),
                    Ctx::Release => Event::Release(name),
                    Ctx::Borrow | Ctx::Drop | Ctx::Iterate => Event::Borrow(name),
                });
            }
            Expr::Call(call) => self.call(call, ctx),
            Expr::Attribute(a) => {
                if let Expr::Name(n) = &*a.value {
                    let name = n.id.as_str();
                    let attr = a.attr.id.as_str();
                    if hands_on(attr) {
                        // A bound method or a part of the resource handed
                        // on: `stack.callback(f.close)`, `return p.stdout`.
                        self.events.push(if ctx == Ctx::Borrow || ctx == Ctx::Drop {
                            Event::Borrow(name)
                        } else {
                            Event::Escape(name)
                        });
                    } else {
                        self.events.push(Event::Borrow(name));
                    }
                } else {
                    self.expr(&a.value, Ctx::Borrow);
                }
            }
            Expr::Subscript(s) => {
                // `sock.accept()[0]` picks the resource out of the tuple:
                // it is used as the subscript is.
                match &*s.value {
                    Expr::Call(call) if self.tuple_acquirer(call).is_some() => self.call(call, ctx),
                    value => self.expr(value, Ctx::Borrow),
                }
                self.expr(&s.slice, Ctx::Borrow);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. })
            | Expr::List(ast::ExprList { elts, .. })
            | Expr::Set(ast::ExprSet { elts, .. }) => {
                let inner = container_ctx(ctx);
                for e in elts {
                    self.expr(e, inner);
                }
            }
            Expr::Dict(d) => {
                let inner = container_ctx(ctx);
                for item in &d.items {
                    if let Some(key) = &item.key {
                        self.expr(key, inner);
                    }
                    self.expr(&item.value, inner);
                }
            }
            Expr::Starred(s) => self.expr(&s.value, ctx),
            Expr::Await(a) => self.expr(&a.value, Ctx::Borrow),
            Expr::Yield(y) => {
                if let Some(value) = &y.value {
                    self.expr(value, Ctx::Escape);
                }
            }
            Expr::YieldFrom(y) => self.expr(&y.value, Ctx::Escape),
            Expr::Named(n) => {
                if let Expr::Call(call) = &*n.value
                    && let Some((acquirer, callee)) = self.acquirer_of(call)
                    && let Returns::Object = acquirer.returns
                    && let Some(name) = name_of(&n.target)
                {
                    self.call_parts(call, Some(acquirer));
                    self.acquire(call, acquirer, callee, None, vec![name], false);
                } else if let (Expr::Name(source), Some(target)) = (&*n.value, name_of(&n.target)) {
                    self.events.push(Event::Alias {
                        target,
                        source: source.id.as_str(),
                        range: n.target.range(),
                    });
                } else {
                    self.expr(&n.value, Ctx::Escape);
                    self.bind_target(&n.target);
                }
            }
            Expr::If(i) => {
                self.expr(&i.test, Ctx::Borrow);
                let branch = if ctx == Ctx::Borrow {
                    Ctx::Borrow
                } else {
                    Ctx::Escape
                };
                self.expr(&i.body, branch);
                self.expr(&i.orelse, branch);
            }
            Expr::BoolOp(b) => {
                let operand = if ctx == Ctx::Borrow || ctx == Ctx::Drop {
                    Ctx::Borrow
                } else {
                    Ctx::Escape
                };
                for v in &b.values {
                    self.expr(v, operand);
                }
            }
            Expr::Lambda(l) => {
                for name in loaded_names_in_expr(&l.body) {
                    self.events.push(Event::Escape(name));
                }
            }
            Expr::ListComp(c) => self.comprehension(&c.generators, &[&c.elt], false, ctx),
            Expr::SetComp(c) => self.comprehension(&c.generators, &[&c.elt], false, ctx),
            Expr::DictComp(c) => {
                let mut elements: Vec<&'a Expr> = vec![&c.value];
                elements.extend(c.key.as_deref());
                self.comprehension(&c.generators, &elements, false, ctx);
            }
            Expr::Generator(c) => self.comprehension(&c.generators, &[&c.elt], true, ctx),
            Expr::BinOp(b) => {
                self.expr(&b.left, Ctx::Borrow);
                self.expr(&b.right, Ctx::Borrow);
            }
            Expr::UnaryOp(u) => self.expr(&u.operand, Ctx::Borrow),
            Expr::Compare(c) => {
                self.expr(&c.left, Ctx::Borrow);
                for e in &c.comparators {
                    self.expr(e, Ctx::Borrow);
                }
            }
            Expr::FString(_) | Expr::TString(_) | Expr::Slice(_) => {
                let mut walker = NameLoads::default();
                ast::visitor::Visitor::visit_expr(&mut walker, expr);
                for call in walker.calls {
                    self.call(call, Ctx::Borrow);
                }
                // A descriptor written into code or a command line
                // (`f"open({fd})"`) is handed on when that text is.
                for name in walker.names {
                    self.events.push(if ctx == Ctx::Escape {
                        Event::Escape(name)
                    } else {
                        Event::Borrow(name)
                    });
                }
            }
            Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::IpyEscapeCommand(_) => {}
        }
    }

    fn comprehension(
        &mut self,
        generators: &'a [ast::Comprehension],
        elements: &[&'a Expr],
        lazy: bool,
        ctx: Ctx,
    ) {
        // A generator expression that is stored or returned keeps its
        // iterable alive: that hands the iterable off.
        let outer = if lazy && ctx == Ctx::Escape {
            Ctx::Escape
        } else {
            Ctx::Iterate
        };
        for (i, generator) in generators.iter().enumerate() {
            if i == 0 {
                self.expr(&generator.iter, outer);
            } else {
                self.expr(&generator.iter, Ctx::Borrow);
            }
            for cond in &generator.ifs {
                self.expr(cond, Ctx::Borrow);
            }
        }
        for element in elements {
            self.expr(element, if lazy { outer } else { Ctx::Escape });
        }
    }

    /// The callee and arguments of a call, given the acquirer it is (if
    /// any); decides how arguments are used.
    fn call_parts(&mut self, call: &'a ast::ExprCall, acquirer: Option<&'static Acquirer>) {
        let resolved = self.resolver.resolve(&call.func);
        let method = match &*call.func {
            Expr::Attribute(a) => Some(a.attr.id.as_str()),
            _ => None,
        };
        let mut unknown_callee = false;
        let arg_ctx = if let Some(acquirer) = acquirer
            && self.acquirer_of_callee(call).is_some()
        {
            if acquirer.owns_args {
                Ctx::Escape
            } else {
                Ctx::Borrow
            }
        } else if let Some(used) = resolved
            .as_deref()
            .and_then(|name| self.catalog.callee_use(name))
        {
            match used {
                ArgUse::Release => Ctx::Release,
                ArgUse::Borrow => Ctx::Borrow,
                ArgUse::Own => Ctx::Escape,
            }
        } else if let Some(used) = method.and_then(|m| self.catalog.method_use(m))
            && (used != MethodUse::BorrowOnPoller || self.is_poller(&call.func))
        {
            match used {
                MethodUse::Own => Ctx::Escape,
                MethodUse::Borrow | MethodUse::BorrowOnPoller => Ctx::Borrow,
            }
        } else {
            unknown_callee = true;
            self.unknown()
        };
        // A function of the program: what its summary says it does with
        // each parameter.
        let summarized = if unknown_callee {
            self.argument_uses(call)
        } else {
            None
        };

        // `os.waitpid(p.pid, 0)`, `support.wait_process(p.pid)`: reaping a
        // child by its pid releases the `Popen` that started it.
        let reaps = unclosed_names::dotted(&call.func).is_some_and(|d| {
            d.rsplit('.')
                .next()
                .is_some_and(|last| last.contains("wait"))
        });
        if reaps {
            for arg in &call.arguments.args {
                if let Expr::Attribute(a) = arg
                    && a.attr.id.as_str() == "pid"
                    && let Expr::Name(n) = &*a.value
                {
                    self.events.push(Event::Release(n.id.as_str()));
                }
            }
        }
        // The callee: `f.read(...)` is a method call on `f`.
        match &*call.func {
            Expr::Attribute(a) => match &*a.value {
                Expr::Name(n) => {
                    let method = a.attr.id.as_str();
                    let full_read = method == "read" && call.arguments.is_empty();
                    self.events.push(Event::MethodCall(
                        n.id.as_str(),
                        if full_read {
                            catalog::FULL_READ
                        } else {
                            method
                        },
                    ));
                }
                Expr::Call(inner) => {
                    if let Some((inner_acq, callee)) = self.acquirer_of(inner) {
                        self.call_parts(inner, Some(inner_acq));
                        let m = a.attr.id.as_str();
                        let full_read = m == "read" && call.arguments.is_empty();
                        let releases = inner_acq.release.contains(&m)
                            || (full_read && inner_acq.release.contains(&catalog::FULL_READ))
                            || matches!(m, "close" | "__enter__" | "__exit__");
                        if !releases {
                            self.temporary(
                                inner,
                                inner_acq,
                                callee,
                                TemporaryUse::Receiver(m.to_owned()),
                            );
                        }
                    } else {
                        self.call(inner, Ctx::Borrow);
                    }
                }
                other => self.expr(other, Ctx::Borrow),
            },
            other => self.expr(other, Ctx::Borrow),
        }

        let callee_name = unclosed_names::dotted(&call.func).unwrap_or_default();
        let exhausting = resolved.as_deref().is_some_and(is_exhausting);
        for (i, arg) in call.arguments.args.iter().enumerate() {
            let arg_ctx = summarized
                .as_ref()
                .and_then(|(positional, _)| positional.get(i).copied().flatten())
                .unwrap_or(arg_ctx);
            if exhausting {
                match arg {
                    Expr::Name(n) => self.events.push(Event::Exhaust(n.id.as_str())),
                    Expr::Call(inner)
                        if self
                            .acquirer_of(inner)
                            .is_some_and(|(a, _)| a.exhaustion_releases) =>
                    {
                        // `list(os.scandir(p))` reads it to the end.
                        self.call_parts(inner, self.acquirer_of(inner).map(|(a, _)| a));
                        continue;
                    }
                    _ => {}
                }
            }
            self.argument(arg, arg_ctx, &callee_name);
        }
        for (i, keyword) in call.arguments.keywords.iter().enumerate() {
            let arg_ctx = summarized
                .as_ref()
                .and_then(|(_, keywords)| keywords.get(i).copied().flatten())
                .unwrap_or(arg_ctx);
            self.argument(&keyword.value, arg_ctx, &callee_name);
        }
    }

    fn argument(&mut self, arg: &'a Expr, ctx: Ctx, callee: &str) {
        if let Expr::Call(inner) = arg
            && let Some((acquirer, name)) = self.acquirer_of(inner)
        {
            self.call_parts(inner, Some(acquirer));
            if ctx == Ctx::Borrow {
                self.temporary(
                    inner,
                    acquirer,
                    name,
                    TemporaryUse::Argument(callee.to_owned()),
                );
            }
            return;
        }
        self.expr(arg, ctx);
    }

    fn unknown(&self) -> Ctx {
        if self.strict {
            Ctx::Borrow
        } else {
            Ctx::Escape
        }
    }

    fn call(&mut self, call: &'a ast::ExprCall, ctx: Ctx) {
        let acquirer = self.acquirer_of(call);
        self.call_parts(call, acquirer.as_ref().map(|(a, _)| *a));
        let Some((acquirer, callee)) = acquirer else {
            return;
        };
        let how = match ctx {
            // `sock.detach()` as a statement: the way to forget a socket
            // whose descriptor belongs to someone else.
            Ctx::Drop if acquirer.name == "detach" => return,
            Ctx::Drop => TemporaryUse::Dropped,
            Ctx::Iterate if acquirer.exhaustion_releases => return,
            Ctx::Iterate => TemporaryUse::Iterated,
            Ctx::Borrow => TemporaryUse::Argument(String::new()),
            Ctx::Escape | Ctx::Release => return,
        };
        self.temporary(call, acquirer, callee, how);
    }

    fn temporary(
        &mut self,
        call: &'a ast::ExprCall,
        acquirer: &'static Acquirer,
        callee: String,
        how: TemporaryUse,
    ) {
        // A lazy object used once holds something only if that use makes
        // it connect or read (`requests.Session().get(url)`, not
        // `Transport(sock).packetizer`).
        let lazy = acquirer.lazy;
        let holds = held_from_construction(lazy, call)
            || match &how {
                TemporaryUse::Receiver(m) => {
                    lazy == catalog::Lazy::UntilUse || armed_by_method(lazy, m)
                }
                TemporaryUse::Argument(_) | TemporaryUse::Iterated => {
                    lazy == catalog::Lazy::UntilUse
                }
                TemporaryUse::Dropped => false,
            };
        if !holds {
            return;
        }
        let writer = self.writer_of(call, acquirer);
        self.out.temporaries.push(Temporary {
            call,
            acquirer,
            callee,
            how,
            writer,
        });
    }
}

/// Whether an object the catalog calls lazy holds its resource as soon as
/// it is built: always for eager ones, and `smtplib.SMTP(host)` given a
/// host.
pub(crate) fn held_from_construction(lazy: catalog::Lazy, call: &ast::ExprCall) -> bool {
    match lazy {
        catalog::Lazy::No => true,
        catalog::Lazy::UntilMethod(_) | catalog::Lazy::UntilUse => false,
        catalog::Lazy::UnlessHost(_) => {
            !call.arguments.args.is_empty() || call.arguments.find_keyword("host").is_some()
        }
    }
}

/// Whether calling `method` on a lazy object makes it hold its resource
/// (`conn.request()`, `fileinput.input().readline()`).
pub(crate) fn armed_by_method(lazy: catalog::Lazy, method: &str) -> bool {
    match lazy {
        catalog::Lazy::No => true,
        catalog::Lazy::UntilMethod(methods) | catalog::Lazy::UnlessHost(methods) => {
            methods.contains(&method)
        }
        catalog::Lazy::UntilUse => matches!(method, "readline" | "readlines" | "read" | "__next__"),
    }
}

fn is_truthy_constant(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(b) => b.value,
        Expr::NumberLiteral(n) => !matches!(&n.value, ast::Number::Int(i) if i.as_u64() == Some(0)),
        Expr::StringLiteral(s) => !s.value.is_empty(),
        _ => false,
    }
}

fn is_falsy_constant(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(b) => !b.value,
        Expr::NoneLiteral(_) => true,
        Expr::NumberLiteral(n) => matches!(&n.value, ast::Number::Int(i) if i.as_u64() == Some(0)),
        Expr::StringLiteral(s) => s.value.is_empty(),
        _ => false,
    }
}

fn container_ctx(ctx: Ctx) -> Ctx {
    match ctx {
        Ctx::Borrow | Ctx::Drop | Ctx::Iterate => Ctx::Borrow,
        Ctx::Escape | Ctx::Release => Ctx::Escape,
    }
}

fn name_of(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        _ => None,
    }
}

/// Builtins that consume an iterable to its end.
fn is_exhausting(q: &str) -> bool {
    matches!(
        q,
        "builtins.list"
            | "builtins.tuple"
            | "builtins.sorted"
            | "builtins.set"
            | "builtins.frozenset"
    )
}

/// `io.TextIOWrapper`, `io.BufferedReader`, ...: layers over a stream.
fn is_layer(spelled: &str) -> bool {
    let last = spelled.rsplit('.').next().unwrap_or(spelled);
    matches!(
        last,
        "TextIOWrapper" | "BufferedReader" | "BufferedWriter" | "BufferedRandom" | "BufferedRWPair"
    )
}

fn short_type(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

/// The method name under which the catalog lists objects that acquire
/// when called (`sessionmaker()` factories).
pub(crate) const CALL: &str = "__call__";

/// Whether this call of an acquirer acquires, given its arguments.
fn acquires_when(call: &ast::ExprCall, when: When) -> bool {
    match when {
        When::Always => true,
        When::Argument { position, keyword } => {
            let arg = call
                .arguments
                .find_keyword(keyword)
                .map(|k| &k.value)
                .or_else(|| call.arguments.args.get(position));
            match arg {
                None | Some(Expr::NoneLiteral(_)) => false,
                Some(Expr::StringLiteral(s)) => !s.value.is_empty(),
                Some(_) => true,
            }
        }
        // `**options` may hold it: precision first.
        When::WithoutKeyword(keyword) => call
            .arguments
            .keywords
            .iter()
            .all(|k| k.arg.as_ref().is_some_and(|arg| arg.as_str() != keyword)),
    }
}

/// Whether the mode argument makes this acquisition a writer.
pub(crate) fn is_writer(call: &ast::ExprCall, acquirer: &Acquirer) -> bool {
    let (position, keyword, default) = match acquirer.writer {
        Writer::Never => return false,
        Writer::Always => return true,
        Writer::Mode {
            position,
            keyword,
            default,
        }
        | Writer::Flag {
            position,
            keyword,
            default,
        } => (position, keyword, default),
    };
    let arg = call
        .arguments
        .find_keyword(keyword)
        .map(|k| &k.value)
        .or_else(|| call.arguments.args.get(position));
    match arg {
        None => catalog::mode_writes(acquirer.writer, default),
        Some(Expr::StringLiteral(s)) => catalog::mode_writes(acquirer.writer, s.value.to_str()),
        // A mode we can't read: don't claim it writes.
        Some(_) => false,
    }
}

/// Names and calls found under an f-string or slice.
#[derive(Default)]
struct NameLoads<'a> {
    names: Vec<&'a str>,
    calls: Vec<&'a ast::ExprCall>,
}

impl<'a> ast::visitor::Visitor<'a> for NameLoads<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) => self.names.push(n.id.as_str()),
            Expr::Call(c) => self.calls.push(c),
            _ => ast::visitor::walk_expr(self, expr),
        }
    }
}

/// Every name loaded anywhere in a nested body (an over-approximation of
/// its free variables): capturing a resource in a closure hands it off.
pub(crate) fn loaded_names_in_body(body: &[Stmt]) -> Vec<&str> {
    let mut walker = AllLoads::default();
    ast::visitor::Visitor::visit_body(&mut walker, body);
    walker.0
}

pub(crate) fn loaded_names_in_expr(expr: &Expr) -> Vec<&str> {
    let mut walker = AllLoads::default();
    ast::visitor::Visitor::visit_expr(&mut walker, expr);
    walker.0
}

#[derive(Default)]
struct AllLoads<'a>(Vec<&'a str>);

impl<'a> ast::visitor::Visitor<'a> for AllLoads<'a> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Name(n) = expr
            && n.ctx.is_load()
        {
            self.0.push(n.id.as_str());
        }
        ast::visitor::walk_expr(self, expr);
    }
}

/// Does the body contain a call that may acquire? A cheap syntactic
/// pre-filter on the callee's last name, so bodies without any skip the
/// graph and the analysis.
/// `factory` also says which calls acquire (the program's functions that
/// return a fresh resource).
pub(crate) fn may_acquire_with(
    body: &[Stmt],
    extra_names: &[&str],
    catalog: ActiveCatalog<'_>,
    factory: &dyn Fn(&ast::ExprCall) -> bool,
) -> bool {
    struct Finder<'x> {
        extra: &'x [&'x str],
        catalog: ActiveCatalog<'x>,
        factory: &'x dyn Fn(&ast::ExprCall) -> bool,
        found: bool,
    }
    impl<'a> ast::visitor::Visitor<'a> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.found {
                return;
            }
            match stmt {
                // Nested scopes are analyzed on their own.
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.found {
                return;
            }
            if let Expr::Call(call) = expr {
                let last = match &*call.func {
                    Expr::Name(n) => Some(n.id.as_str()),
                    Expr::Attribute(a) => Some(a.attr.id.as_str()),
                    _ => None,
                };
                if let Some(last) = last
                    && (self.catalog.is_acquirer_tail(last) || self.extra.contains(&last))
                {
                    self.found = true;
                    return;
                }
                if (self.factory)(call) {
                    self.found = true;
                    return;
                }
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder {
        extra: extra_names,
        catalog,
        factory,
        found: false,
    };
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.found
}
