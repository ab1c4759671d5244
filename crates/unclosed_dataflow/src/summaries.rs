//! Summaries of the program's own functions (DESIGN.md section 4.5), for
//! their callers.
//!
//! A call to a function of the analyzed program used to be a call to an
//! unknown callee: what it returned was nothing we track, and a resource
//! passed to it was handed off. With the program index
//! (`unclosed_program`), a call resolves to the function it calls, and
//! that function's summary says:
//!
//! - **Returns a fresh resource** ([`Fresh`]): every `return` gives either
//!   `None` or a resource acquired in the function (a catalog acquirer, or
//!   another factory) that is not kept anywhere else: the call is an
//!   acquisition for the caller (`f = open_log(p)`), of the same kind and
//!   released the same way. `return self._f` and a name also stored,
//!   passed on, captured or rebound are not fresh; nor is what a `with`
//!   acquired.
//! - **Releases a parameter** ([`ParamUse::Release`]): `p.close()`, a
//!   release function or another releaser on every normal path to the end
//!   (an `if p is not None:` guard counts), and `p` never rebound.
//! - **Borrows a parameter** ([`ParamUse::Borrow`]): `p` is only read,
//!   has methods called on it that are not releases, or is passed to
//!   borrowers (the catalog's or other summaries'); never stored, returned,
//!   yielded, captured, aliased, rebound, nor passed to an unknown callee.
//!   Passing a resource to a borrower is no longer a hand-off.
//! - Anything else is unknown, as before.
//!
//! Only plain functions and methods are summarized: not `async` functions,
//! generators, functions with a decorator other than `staticmethod`,
//! `classmethod` or `override` (a decorator can change what a call
//! returns and does), stubs (a body of `pass`, `...`, a docstring or `raise
//! NotImplementedError`, which subclasses override), nor functions in a
//! cycle of calls (`Program::is_recursive`), so that every summary depends
//! only on summaries below it.
//!
//! Each summary is computed on first need and memoized per function (the
//! two halves separately: whether it returns a fresh resource, and what it
//! does with its parameters), with the catalog of the function's own file.
//! A function is summarized with the same extraction of events as the
//! bodies the analysis checks (`effects::Extractor`).

use std::cell::RefCell;
use std::sync::OnceLock;

use ruff_python_ast::{self as ast, Expr, Stmt};
use unclosed_catalog::{Acquirer, ActiveCatalog, Catalog, Lazy, Returns};
use unclosed_cfg::{Cfg, EdgeKind, NodeKind};
use unclosed_names::{Resolver, ScopeNames};
use unclosed_program::{FunctionId, ModuleId, Program, Site};

use crate::effects::{self, Event};
use crate::generators::{self, GeneratorSummary};

/// What a call of a factory gives its caller.
#[derive(Debug, Clone, Copy)]
pub struct Fresh {
    /// The acquirer of the resource the function returns: the kind and the
    /// ways of releasing it are those of the inner acquisition.
    pub acquirer: &'static Acquirer,
    /// Whether it is a writer (the inner acquisition's mode).
    pub writer: bool,
}

/// What a function does with one of its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamUse {
    /// Only used: the caller stays responsible.
    Borrow,
    /// Released on every normal path.
    Release,
    Unknown,
}

/// Decorators that do not change what calling the function does.
const TRANSPARENT_DECORATORS: &[&str] = &[
    "staticmethod",
    "classmethod",
    "override",
    "typing.override",
    "typing_extensions.override",
];

/// Methods that end or give away the receiver: a parameter they are
/// called on is not borrowed.
const NOT_BORROWING_METHODS: &[&str] = &[
    "close",
    "aclose",
    "__exit__",
    "__aexit__",
    "detach",
    "terminate",
    "kill",
    "shutdown",
    "cleanup",
    "quit",
    "logout",
    "dispose",
    "release",
    "closeall",
    "unlink",
];

/// Whether a method releases some resource of the standard catalog
/// (`wait()` a `Popen`, `join()` a pool): called on a parameter, the
/// function may release it, so it does not only borrow it.
fn releases_something(method: &str) -> bool {
    static RELEASES: OnceLock<rustc_hash::FxHashSet<&'static str>> = OnceLock::new();
    RELEASES
        .get_or_init(|| {
            unclosed_catalog::ACQUIRERS
                .iter()
                .flat_map(|a| a.release.iter().copied())
                .collect()
        })
        .contains(method)
}

/// The summaries of one program's functions, computed on demand.
pub struct Summaries<'p> {
    pub program: &'p Program<'p>,
    /// Each module's catalog (its file's configuration).
    catalogs: Vec<&'p Catalog>,
    modules: Vec<OnceLock<ModuleInfo<'p>>>,
    fresh: Vec<OnceLock<Option<Fresh>>>,
    params: Vec<OnceLock<Box<[ParamUse]>>>,
    generators: Vec<OnceLock<Option<GeneratorSummary>>>,
}

struct ModuleInfo<'p> {
    catalog: ActiveCatalog<'p>,
}

thread_local! {
    /// Summaries being computed on this thread: a lookup of one of them is
    /// a cycle the call graph did not show, answered "unknown".
    static IN_PROGRESS: RefCell<Vec<(FunctionId, Half)>> = const { RefCell::new(Vec::new()) };
}

/// The summaries of one function, each computed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Half {
    Fresh,
    Params,
    Generator,
}

/// Calls [`Summaries`] can answer about, as the extraction of events sees
/// them (object-safe, so that `Extractor` needs no lifetime of the
/// program).
pub(crate) trait CallSummaries: Sync {
    fn program(&self) -> &Program<'_>;
    fn fresh(&self, f: FunctionId) -> Option<Fresh>;
    fn params(&self, f: FunctionId) -> Box<[ParamUse]>;
    fn generator(&self, f: FunctionId) -> Option<GeneratorSummary>;
}

impl<'p> Summaries<'p> {
    /// `catalogs[m]` is the catalog of module `m`'s file.
    pub fn new(program: &'p Program<'p>, catalogs: Vec<&'p Catalog>) -> Self {
        let n = program.functions.len();
        Summaries {
            program,
            modules: (0..program.modules.len())
                .map(|_| OnceLock::new())
                .collect(),
            catalogs,
            fresh: (0..n).map(|_| OnceLock::new()).collect(),
            params: (0..n).map(|_| OnceLock::new()).collect(),
            generators: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    fn module(&self, m: ModuleId) -> &ModuleInfo<'p> {
        self.modules[m].get_or_init(|| {
            let suite = self.program.modules[m].suite;
            let catalog = self.catalogs[m];
            let catalog = if catalog.depends_on_imports() {
                catalog.for_imports(crate::imported_modules(suite))
            } else {
                catalog.for_imports([])
            };
            ModuleInfo { catalog }
        })
    }

    /// The module-level scope of a module, as the analysis uses it.
    pub fn module_scope(&self, m: ModuleId) -> &ScopeNames {
        self.program.module_scope(m)
    }

    /// The catalog a module's file sees.
    pub fn module_catalog(&self, m: ModuleId) -> ActiveCatalog<'p> {
        self.module(m).catalog
    }

    /// The program's function a call at `site` calls, if any: the way
    /// other analyses ask "what does this call resolve to" (the function's
    /// definition and module are in `self.program.functions[id]`).
    pub fn resolve(&self, site: &Site<'_>, func: &Expr) -> Option<FunctionId> {
        self.program.resolve_call(site, func)
    }

    /// Whether calling `f` returns a fresh resource, and which.
    pub fn returns_fresh(&self, f: FunctionId) -> Option<Fresh> {
        if let Some(known) = self.fresh[f].get() {
            return *known;
        }
        let computed = self.guarded(f, Half::Fresh, |s| s.compute_fresh(f))?;
        // Never block on another thread computing the same summary: the
        // same value is computed twice at worst.
        *self.fresh[f].get_or_init(|| computed)
    }

    /// What `f` does with each of its parameters, in the order of its
    /// definition (positional-only, positional, keyword-only; `self`
    /// included).
    pub fn param_uses(&self, f: FunctionId) -> Box<[ParamUse]> {
        if let Some(known) = self.params[f].get() {
            return known.clone();
        }
        match self.guarded(f, Half::Params, |s| s.compute_params(f)) {
            Some(computed) => self.params[f].get_or_init(|| computed).clone(),
            None => vec![ParamUse::Unknown; param_count(self.program, f)].into(),
        }
    }

    /// What `f` is as a generator (`None`: not one), with the calls it
    /// delegates to (`yield from gen()`) resolved in the program: how UC301
    /// and UC302 know a generator of another module.
    pub fn generator_of(&self, f: FunctionId) -> Option<GeneratorSummary> {
        if let Some(known) = self.generators[f].get() {
            return known.clone();
        }
        // In a cycle of delegations: not known to hold anything.
        let computed = self.guarded(f, Half::Generator, |s| s.compute_generator(f))?;
        self.generators[f].get_or_init(|| computed).clone()
    }

    fn compute_generator(&self, f: FunctionId) -> Option<GeneratorSummary> {
        let function = &self.program.functions[f];
        let module = self.program.module_scope(function.module);
        let (class_scope, own) = self.program.scopes_of(f);
        // The `def` statement is resolved in the class body (if any), its
        // body in its own scope on top of that.
        let outer: Vec<&ScopeNames> = class_scope.iter().collect();
        let resolver = Resolver {
            module,
            chain: &outer,
        };
        let inner: Vec<&ScopeNames> = class_scope.iter().chain([&own]).collect();
        let site = Site {
            module: function.module,
            resolver: Resolver {
                module,
                chain: &inner,
            },
            class: function.class,
            self_name: function.self_name(),
        };
        let catalog = self.module(function.module).catalog;
        // A generator in a cycle of calls follows only delegations out of
        // cycles: otherwise what it is would depend on which generator of
        // the cycle was asked about first (the guard cuts the cycle there).
        // Generators holding a resource themselves (`os.walk`'s shape) are
        // found all the same.
        let recursive = self.program.is_recursive(f);
        generators::generator_summary(function.def, &resolver, catalog, &mut |call, how| {
            self.program
                .resolve_call(&site, &call.func)
                .filter(|&g| !(recursive && self.program.is_recursive(g)))
                .and_then(|g| self.generator_of(g))
                .is_some_and(|s| generators::delegation_holds(&s, how))
        })
    }

    /// Run `compute` unless the same summary is already being computed on
    /// this thread (a cycle): then `None`.
    fn guarded<T>(&self, f: FunctionId, half: Half, compute: impl FnOnce(&Self) -> T) -> Option<T> {
        let key = (f, half);
        let busy = IN_PROGRESS.with(|s| {
            let mut s = s.borrow_mut();
            if s.contains(&key) {
                true
            } else {
                s.push(key);
                false
            }
        });
        if busy {
            return None;
        }
        struct Pop;
        impl Drop for Pop {
            fn drop(&mut self) {
                IN_PROGRESS.with(|s| {
                    s.borrow_mut().pop();
                });
            }
        }
        let _pop = Pop;
        Some(compute(self))
    }

    /// Whether the function can be summarized at all.
    fn summarizable(&self, f: FunctionId) -> bool {
        let def = self.program.functions[f].def;
        !self.program.is_recursive(f)
            && !def.is_async
            && def.decorator_list.iter().all(|d| {
                unclosed_program::decorator_name(&d.expression)
                    .is_some_and(|n| TRANSPARENT_DECORATORS.contains(&n.as_str()))
            })
            && !is_stub(&def.body)
            && !is_generator(&def.body)
    }

    fn compute_fresh(&self, f: FunctionId) -> Option<Fresh> {
        if !self.summarizable(f) {
            return None;
        }
        let function = &self.program.functions[f];
        let body = &function.def.body;
        // Cheap tests first: something is returned, and the body acquires.
        let returns = returned_values(body);
        if !returns
            .iter()
            .any(|v| v.is_some_and(|v| !v.is_none_literal_expr()))
        {
            return None;
        }
        if returns
            .iter()
            .flatten()
            .any(|v| !matches!(v, Expr::Call(_) | Expr::Name(_) | Expr::NoneLiteral(_)))
        {
            return None;
        }
        self.with_extraction(f, |x, cfg| {
            if !x.may_acquire(body) {
                return None;
            }
            for (id, node) in cfg.nodes.iter().enumerate() {
                x.node(id as unclosed_cfg::NodeId, &node.kind);
            }
            fresh_returned(x, cfg)
        })
        .flatten()
    }

    fn compute_params(&self, f: FunctionId) -> Box<[ParamUse]> {
        let count = param_count(self.program, f);
        let unknown = || vec![ParamUse::Unknown; count].into();
        if !self.summarizable(f) {
            return unknown();
        }
        let function = &self.program.functions[f];
        let def = function.def;
        let names: Vec<&str> = all_params(def).map(|p| p.name.id.as_str()).collect();
        let receiver = function.receiver_params();
        self.with_extraction(f, |x, cfg| {
            for (id, node) in cfg.nodes.iter().enumerate() {
                x.node(id as unclosed_cfg::NodeId, &node.kind);
            }
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    if i < receiver {
                        ParamUse::Unknown
                    } else {
                        param_use(cfg, &x.out.events, name)
                    }
                })
                .collect()
        })
        .unwrap_or_else(unknown)
    }

    /// Build the function's graph and an extractor for it (which looks up
    /// the summaries of the calls it makes), and run `then` on them.
    fn with_extraction<T>(
        &self,
        f: FunctionId,
        then: impl for<'x> FnOnce(&mut effects::Extractor<'p, 'x>, &Cfg<'p>) -> T,
    ) -> Option<T> {
        let function = &self.program.functions[f];
        let def: &'p ast::StmtFunctionDef = function.def;
        let cfg = Cfg::build(&def.body).ok()?;
        let module = self.module(function.module);
        let (class_scope, own) = self.program.scopes_of(f);
        let chain: Vec<&ScopeNames> = class_scope.iter().chain([&own]).collect();
        let resolver = Resolver {
            module: self.program.module_scope(function.module),
            chain: &chain,
        };
        let params: Vec<&str> = all_params(def).map(|p| p.name.id.as_str()).collect();
        let site = Site {
            module: function.module,
            resolver,
            class: function.class,
            self_name: function.self_name(),
        };
        let calls = effects::Calls {
            summaries: self,
            site,
            only_args: Some(&params),
        };
        let mut x =
            effects::Extractor::new(resolver, module.catalog, false, cfg.len()).with_calls(calls);
        Some(then(&mut x, &cfg))
    }
}

impl CallSummaries for Summaries<'_> {
    fn program(&self) -> &Program<'_> {
        self.program
    }
    fn fresh(&self, f: FunctionId) -> Option<Fresh> {
        self.returns_fresh(f)
    }
    fn params(&self, f: FunctionId) -> Box<[ParamUse]> {
        self.param_uses(f)
    }
    fn generator(&self, f: FunctionId) -> Option<GeneratorSummary> {
        self.generator_of(f)
    }
}

fn all_params(def: &ast::StmtFunctionDef) -> impl Iterator<Item = &ast::Parameter> {
    let p = &def.parameters;
    p.posonlyargs
        .iter()
        .chain(&p.args)
        .chain(&p.kwonlyargs)
        .map(|p| &p.parameter)
}

fn param_count(program: &Program<'_>, f: FunctionId) -> usize {
    all_params(program.functions[f].def).count()
}

/// How an argument of a call binds to the callee's parameters.
pub(crate) enum ArgAt<'c> {
    Positional(usize),
    Keyword(&'c str),
}

/// The use of the parameter an argument binds to (`receiver` leading
/// parameters are not passed by the caller).
pub(crate) fn use_of_arg(
    def: &ast::StmtFunctionDef,
    receiver: usize,
    uses: &[ParamUse],
    at: ArgAt<'_>,
) -> ParamUse {
    let p = &def.parameters;
    let positional = p.posonlyargs.len() + p.args.len();
    let index = match at {
        ArgAt::Positional(i) => {
            let i = i + receiver;
            (i < positional).then_some(i)
        }
        ArgAt::Keyword(name) => all_params(def)
            .enumerate()
            .skip(p.posonlyargs.len())
            .find(|(_, param)| param.name.id.as_str() == name)
            .map(|(i, _)| i),
    };
    index
        .and_then(|i| uses.get(i).copied())
        .unwrap_or(ParamUse::Unknown)
}

/// What the function does with parameter `name`, from the events of its
/// body.
fn param_use(cfg: &Cfg<'_>, events: &[Vec<Event<'_>>], name: &str) -> ParamUse {
    let mut mentioned = false;
    let mut borrowed_only = true;
    for event in events.iter().flatten() {
        let ok = match *event {
            Event::Borrow(n) | Event::Exhaust(n) => {
                if n != name {
                    continue;
                }
                true
            }
            Event::MethodCall(n, m) => {
                if n != name {
                    continue;
                }
                !NOT_BORROWING_METHODS.contains(&m) && !releases_something(m)
            }
            Event::Escape(n)
            | Event::Release(n)
            | Event::Truthy(n)
            | Event::Falsy(n)
            | Event::IsNone(n) => {
                if n != name {
                    continue;
                }
                false
            }
            Event::WithExitOf(n, _) | Event::Bind(n, _) | Event::Del(n, _) => {
                if n != name {
                    continue;
                }
                false
            }
            Event::Alias { target, source, .. } => {
                if target != name && source != name {
                    continue;
                }
                false
            }
            Event::Acquire(_) | Event::WithExitOfSite(..) => continue,
        };
        mentioned = true;
        borrowed_only &= ok;
    }
    if !mentioned {
        // A parameter the body never uses: a hook or a placeholder whose
        // real behavior is elsewhere.
        return ParamUse::Unknown;
    }
    if borrowed_only {
        return ParamUse::Borrow;
    }
    if !rebinds(events, name) && released_on_every_path(cfg, events, name) {
        return ParamUse::Release;
    }
    ParamUse::Unknown
}

fn rebinds(events: &[Vec<Event<'_>>], name: &str) -> bool {
    events.iter().flatten().any(|e| match *e {
        Event::Bind(n, _) | Event::Del(n, _) => n == name,
        Event::Alias { target, .. } => target == name,
        _ => false,
    })
}

/// Must-analysis over the normal edges: is `name` released (`name.close()`,
/// a release function, a releaser) on every path from the entry to the
/// normal exit? An edge where a test says `name` is `None` or falsy counts
/// as released: there is nothing to release.
fn released_on_every_path(cfg: &Cfg<'_>, events: &[Vec<Event<'_>>], name: &str) -> bool {
    let n = cfg.len();
    let releases: Vec<bool> = events
        .iter()
        .map(|evs| {
            evs.iter().any(|e| match *e {
                Event::Release(x) => x == name,
                Event::MethodCall(x, m) => x == name && m == "close",
                _ => false,
            })
        })
        .collect();
    let mut preds: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    for (id, node) in cfg.nodes.iter().enumerate() {
        for &(succ, kind) in &node.succs {
            if kind == EdgeKind::Exception {
                continue;
            }
            let absent = match (node.kind, kind) {
                (NodeKind::Test(test), EdgeKind::True | EdgeKind::False) => {
                    let mut facts = Vec::new();
                    crate::explore::guard_facts(test, kind == EdgeKind::True, &mut facts);
                    facts
                        .iter()
                        .any(|g| matches!(g, crate::explore::Guard::Absent(x) if *x == name))
                }
                _ => false,
            };
            preds[succ as usize].push((id, absent));
        }
    }
    // Optimistic start, then lower until nothing changes (AND of
    // predecessors: monotone, at most n rounds per node).
    let mut released_in = vec![true; n];
    released_in[Cfg::ENTRY as usize] = false;
    let mut changed = true;
    let mut rounds = 0;
    while changed && rounds <= n + 1 {
        changed = false;
        rounds += 1;
        for id in 0..n {
            if id == Cfg::ENTRY as usize {
                continue;
            }
            let value = !preds[id].is_empty()
                && preds[id]
                    .iter()
                    .all(|&(p, absent)| absent || released_in[p] || releases[p]);
            if value != released_in[id] {
                released_in[id] = value;
                changed = true;
            }
        }
    }
    released_in[Cfg::EXIT as usize]
}

/// The fresh resource every `return` of the function gives (or `None`).
fn fresh_returned(x: &effects::Extractor<'_, '_>, cfg: &Cfg<'_>) -> Option<Fresh> {
    let events = &x.out.events;
    let mut found: Option<Fresh> = None;
    let mut add = |fresh: Fresh| -> bool {
        match &mut found {
            None => {
                found = Some(fresh);
                true
            }
            Some(f) if std::ptr::eq(f.acquirer, fresh.acquirer) => {
                f.writer |= fresh.writer;
                true
            }
            Some(_) => false,
        }
    };
    for node in &cfg.nodes {
        let NodeKind::Stmt(Stmt::Return(r)) = node.kind else {
            continue;
        };
        let Some(value) = &r.value else { continue };
        let fresh = match &**value {
            Expr::NoneLiteral(_) => continue,
            Expr::Call(call) => {
                let (acquirer, _) = x.acquirer_of(call)?;
                if !holds_at_once(acquirer) {
                    return None;
                }
                Fresh {
                    acquirer,
                    writer: x.writer_of(call, acquirer),
                }
            }
            Expr::Name(n) => fresh_name(x, cfg, events, n.id.as_str())?,
            _ => return None,
        };
        if !add(fresh) {
            return None;
        }
    }
    found
}

/// A resource the caller must release from the start: not lazy, one
/// object.
fn holds_at_once(acquirer: &Acquirer) -> bool {
    acquirer.lazy == Lazy::No && matches!(acquirer.returns, Returns::Object)
}

/// A returned name that only ever refers to fresh acquisitions of this
/// function (or `None`), and that goes nowhere but to `return`.
fn fresh_name(
    x: &effects::Extractor<'_, '_>,
    cfg: &Cfg<'_>,
    events: &[Vec<Event<'_>>],
    name: &str,
) -> Option<Fresh> {
    if !x.resolver.is_local(name) {
        return None;
    }
    let mut found: Option<Fresh> = None;
    for (id, evs) in events.iter().enumerate() {
        let is_return = matches!(cfg.nodes[id].kind, NodeKind::Stmt(Stmt::Return(_)));
        for event in evs {
            match *event {
                Event::Acquire(a) => {
                    let acq = &x.out.acquisitions[a];
                    if !acq.names.contains(&name) {
                        continue;
                    }
                    if acq.with_item || acq.index.is_some() || !holds_at_once(acq.acquirer) {
                        return None;
                    }
                    match &mut found {
                        None => {
                            found = Some(Fresh {
                                acquirer: acq.acquirer,
                                writer: acq.writer,
                            })
                        }
                        Some(f) if std::ptr::eq(f.acquirer, acq.acquirer) => f.writer |= acq.writer,
                        Some(_) => return None,
                    }
                }
                Event::Bind(n, _) if n == name && !evs.contains(&Event::IsNone(name)) => {
                    return None;
                }
                Event::Escape(n) if n == name && !is_return => return None,
                Event::Alias { target, source, .. } if target == name || source == name => {
                    return None;
                }
                Event::Del(n, _) | Event::WithExitOf(n, _) if n == name => return None,
                Event::MethodCall(n, "detach") if n == name => return None,
                _ => {}
            }
        }
    }
    found
}

/// The values of the `return` statements of a body (not of nested
/// definitions); `None` for a bare `return`.
fn returned_values(body: &[Stmt]) -> Vec<Option<&Expr>> {
    struct Returns<'a>(Vec<Option<&'a Expr>>);
    impl<'a> ast::visitor::Visitor<'a> for Returns<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::Return(r) => self.0.push(r.value.as_deref()),
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut returns = Returns(Vec::new());
    ast::visitor::Visitor::visit_body(&mut returns, body);
    returns.0
}

/// Whether a body has `yield` (not in nested definitions).
fn is_generator(body: &[Stmt]) -> bool {
    struct Yields(bool);
    impl<'a> ast::visitor::Visitor<'a> for Yields {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Yield(_) | Expr::YieldFrom(_) => self.0 = true,
                Expr::Lambda(_) => {}
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
    }
    let mut yields = Yields(false);
    ast::visitor::Visitor::visit_body(&mut yields, body);
    yields.0
}

/// A body that does nothing of its own: `pass`, `...`, a docstring,
/// `raise NotImplementedError`. Subclasses override such methods.
fn is_stub(body: &[Stmt]) -> bool {
    body.iter().all(|stmt| match stmt {
        Stmt::Pass(_) => true,
        Stmt::Expr(e) => matches!(&*e.value, Expr::StringLiteral(_) | Expr::EllipsisLiteral(_)),
        Stmt::Raise(r) => r.exc.as_deref().is_some_and(|e| {
            let e = match e {
                Expr::Call(c) => &*c.func,
                other => other,
            };
            unclosed_names::dotted(e).is_some_and(|n| n.ends_with("NotImplementedError"))
        }),
        _ => false,
    })
}
