//! The obligations analysis (DESIGN.md section 4.4).
//!
//! For every body of a module (the module itself, each function, each
//! class body) that contains a call that may acquire a resource:
//!
//! 1. build the body's control-flow graph (`unclosed_cfg`);
//! 2. extract each node's [`effects::Event`]s: uses, hand-offs, releases,
//!    bindings and acquisitions, deciding ownership from the catalog;
//! 3. follow each acquisition along every path ([`explore`]) and record
//!    how it can end: released or handed off (fine), or still open at the
//!    normal exit, at the exceptional exit, or when its last name is
//!    rebound.
//!
//! The result is a list of [`Fact`]s. Which rule reports a fact, and with
//! what words, is decided by `unclosed_rules`; nothing here knows rule
//! codes.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::FxHashSet;
use unclosed_catalog::{Acquirer, ActiveCatalog, Catalog, Kind};
use unclosed_cfg::{Cfg, EdgeKind, NodeKind};
use unclosed_names::{Resolver, ScopeKind, ScopeNames};

mod classes;
pub mod effects;
mod explore;
pub mod generators;
mod inherit;
mod misuse;
mod pipes;
mod raises;
pub mod summaries;
mod swallowed;
mod typestate;
mod unbound;

pub use classes::{Closeable, ExitSwallows, NoContextManager, OwnedResource, ReleasedOnlyInDel};
pub use effects::TemporaryUse;
pub use explore::LostHow;
pub use generators::{AbandonedGenerator, EarlyExit, GeneratorExitIgnored, Held, HeldBy};
pub use inherit::{Inheritable, MadeInheritable};
pub use pipes::{DeadlockCause, PipeDeadlock};
pub use summaries::{Fresh, ParamUse, Summaries};
pub use swallowed::CloseErrorSwallowed;
pub use typestate::UseAfterClose;
pub use unbound::PossiblyUnbound;
pub use unclosed_program::{self, ClassId, FunctionId, ModuleId, Program};

/// Analysis options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Resources passed to callees of unknown ownership stay the caller's.
    pub strict: bool,
}

/// How a leaked resource got away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeakCause {
    /// Still open when the function returns here.
    Return(TextRange),
    /// Still open after `break` leaves the loop here.
    Break(TextRange),
    /// Still open at the end of the function or module.
    EndOfBody { module: bool },
    /// Still open when the same line opens another one (next iteration).
    Reopened(TextRange),
    /// Its only name is rebound here (UC103).
    Rebound(TextRange),
    /// Its only name is deleted here.
    Deleted(TextRange),
    /// A `with` block that does not close it ended with no name left.
    WithEnded(TextRange),
    /// Only exceptional paths leak: an exception raised here skips the
    /// release. `call` is the first call of that statement (`parse()`);
    /// `uncaught` the exception types handled on the way, when the leak
    /// needs another type (`OSError` is caught and closes, others leak).
    Exception {
        at: TextRange,
        call: Option<String>,
        uncaught: Vec<String>,
    },
}

/// A resource that is not released on some path.
#[derive(Debug, Clone)]
pub struct Leak {
    /// The acquiring call.
    pub range: TextRange,
    /// How the callee is spelled (`open`, `socket.socket`).
    pub callee: String,
    pub acquirer: &'static Acquirer,
    pub writer: bool,
    /// The first name bound to it, if any.
    pub name: Option<String>,
    pub cause: LeakCause,
    /// A `with` block that did not close it (a `sqlite3` connection).
    pub non_closing_with: Option<TextRange>,
}

impl Leak {
    pub fn kind(&self) -> Kind {
        self.acquirer.kind
    }
}

/// An acquisition used once and dropped inside an expression (UC104).
#[derive(Debug, Clone)]
pub struct Temporary {
    pub range: TextRange,
    pub callee: String,
    pub acquirer: &'static Acquirer,
    pub writer: bool,
    pub how: TemporaryUse,
}

#[derive(Debug, Clone)]
pub enum Fact {
    Leak(Leak),
    Temporary(Temporary),
    /// A body too large to analyze (no findings for it).
    TooComplex(TextRange),
    /// An operation on a resource closed on every path reaching it (UC201).
    UseAfterClose(UseAfterClose),
    /// A release in `finally`/`except` of a name the `try` may not have
    /// bound (UC202).
    PossiblyUnbound(PossiblyUnbound),
    /// A `Popen` pipe read or waited on in a way that blocks (UC203).
    PipeDeadlock(PipeDeadlock),
    /// A writer's `close()`/`flush()` whose failure is ignored (UC204).
    CloseErrorSwallowed(CloseErrorSwallowed),
    /// A call that makes a descriptor inheritable (UC501).
    MadeInheritable(MadeInheritable),
    /// A loop that can leave a generator holding a resource suspended
    /// (UC301, UC302).
    AbandonedGenerator(AbandonedGenerator),
    /// A generator that can swallow `GeneratorExit` and yield again (UC303).
    GeneratorExitIgnored(GeneratorExitIgnored),
    /// A resource stored in `self` that no method of the class releases
    /// (UC401).
    OwnedNeverReleased(OwnedResource),
    /// A resource stored in `self` released only by `__del__` (UC402).
    ReleasedOnlyInDel(ReleasedOnlyInDel),
    /// A closeable class without `__enter__`/`__exit__` (UC403).
    NoContextManager(NoContextManager),
    /// `__exit__` returns a truthy constant (UC404).
    ExitSwallows(ExitSwallows),
}

/// Analyze every body of a module with the resource catalog in force (the
/// third-party catalogs it switches on by import are decided here). The
/// module is a program of its own: calls of its functions use their
/// summaries, calls into other modules are unknown.
pub fn analyze_module(suite: &[Stmt], catalog: &Catalog, options: Options) -> Vec<Fact> {
    let program = Program::single(std::path::Path::new("module.py"), suite);
    let summaries = Summaries::new(&program, vec![catalog]);
    analyze_program_module(&summaries, 0, options)
}

/// Analyze every body of one module of a program: calls of the program's
/// functions (in this module or imported from another) use their
/// summaries.
pub fn analyze_program_module(
    summaries: &Summaries<'_>,
    module_id: ModuleId,
    options: Options,
) -> Vec<Fact> {
    let suite = summaries.program.modules[module_id].suite;
    let module = summaries.module_scope(module_id);
    let catalog = summaries.module_catalog(module_id);
    let resolver = Resolver { module, chain: &[] };
    // Local aliases of acquirers (`from zipfile import ZipFile as Z`) and
    // module-level factories that acquire when called (`Session =
    // sessionmaker(engine)`), for the syntactic pre-filter.
    let mut extra: Vec<&str> = module
        .imports
        .iter()
        .filter(|(local, path)| {
            let tail = path.rsplit('.').next().unwrap_or(path);
            local.as_str() != tail && catalog.is_acquirer_tail(tail)
        })
        .map(|(local, _)| local.as_str())
        .collect();
    if catalog.has_method_acquirer(effects::CALL) {
        extra.extend(module.call_types.keys().map(|n| n.as_str()).filter(|n| {
            resolver
                .call_type(n)
                .and_then(|callee| catalog.type_of_call(&callee))
                .is_some_and(|t| catalog.method_acquirer(t, effects::CALL).is_some())
        }));
    }
    let mut cx = ModuleCx {
        module,
        catalog,
        summaries,
        module_id,
        options,
        extra: &extra,
        facts: Vec::new(),
        globals_used: None,
        suite,
    };
    cx.body(suite, &[], ScopeKind::Module, TextRange::default(), None);
    cx.nested(suite, &[], None);
    // A `finally` body is in the graph once per way of entering it: what
    // it acquires is found once per copy. Report each call once.
    let mut seen = FxHashSet::default();
    cx.facts.retain(|fact| match fact {
        Fact::Leak(l) => seen.insert((l.range, 0)),
        Fact::Temporary(t) => seen.insert((t.range, 1)),
        Fact::TooComplex(r) => seen.insert((*r, 2)),
        _ => true,
    });
    cx.facts.extend(misuse::analyze(suite, module, catalog));
    cx.facts.extend(generators::analyze(
        suite,
        module,
        catalog,
        options.strict,
        summaries,
        module_id,
    ));
    cx.facts.extend(classes::analyze(
        suite, module, catalog, &extra, summaries, module_id,
    ));
    cx.facts
}

struct ModuleCx<'m> {
    module: &'m ScopeNames,
    catalog: ActiveCatalog<'m>,
    summaries: &'m dyn summaries::CallSummaries,
    module_id: ModuleId,
    options: Options,
    extra: &'m [&'m str],
    facts: Vec<Fact>,
    /// Names loaded inside functions: module-level resources bound to them
    /// are shared, not leaked. Computed on first need.
    globals_used: Option<FxHashSet<String>>,
    suite: &'m [Stmt],
}

impl<'m> ModuleCx<'m> {
    /// Find nested function and class bodies inside `body` (also inside
    /// compound statements) and analyze each.
    /// `class` is the program's class whose body `body` is (in it, methods
    /// resolve `self.method()`).
    fn nested(&mut self, body: &[Stmt], chain: &[&ScopeNames], class: Option<ClassId>) {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(f) => {
                    let method = class.map(|c| (c, self_name(f)));
                    let scope = ScopeNames::function(Some(&f.parameters), &f.body);
                    let mut inner: Vec<&ScopeNames> = chain.to_vec();
                    inner.push(&scope);
                    // `@mock.patch("builtins.open")`: names in the body may
                    // stand for mocks.
                    let mocked = f
                        .decorator_list
                        .iter()
                        .any(|d| unclosed_cfg::is_mocking_call(&d.expression));
                    if !mocked {
                        self.body(&f.body, &inner, ScopeKind::Function, f.range(), method);
                    }
                    self.nested(&f.body, &inner, None);
                }
                Stmt::ClassDef(c) => {
                    let scope = ScopeNames::class(&c.body);
                    let mut inner: Vec<&ScopeNames> = chain.to_vec();
                    inner.push(&scope);
                    self.body(&c.body, &inner, ScopeKind::Class, c.range(), None);
                    let id = self.summaries.program().class_of(self.module_id, c);
                    self.nested(&c.body, &inner, id);
                }
                Stmt::If(s) => {
                    self.nested(&s.body, chain, class);
                    for clause in &s.elif_else_clauses {
                        self.nested(&clause.body, chain, class);
                    }
                }
                Stmt::For(s) => {
                    self.nested(&s.body, chain, class);
                    self.nested(&s.orelse, chain, class);
                }
                Stmt::While(s) => {
                    self.nested(&s.body, chain, class);
                    self.nested(&s.orelse, chain, class);
                }
                Stmt::With(s) => self.nested(&s.body, chain, class),
                Stmt::Try(s) => {
                    self.nested(&s.body, chain, class);
                    for handler in &s.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = handler;
                        self.nested(&h.body, chain, class);
                    }
                    self.nested(&s.orelse, chain, class);
                    self.nested(&s.finalbody, chain, class);
                }
                Stmt::Match(s) => {
                    for case in &s.cases {
                        self.nested(&case.body, chain, class);
                    }
                }
                _ => {}
            }
        }
    }

    fn body(
        &mut self,
        body: &[Stmt],
        chain: &[&ScopeNames],
        kind: ScopeKind,
        range: TextRange,
        method: Option<(ClassId, Option<&str>)>,
    ) {
        let resolver = Resolver {
            module: self.module,
            chain,
        };
        let calls = effects::Calls {
            summaries: self.summaries,
            site: unclosed_program::Site {
                module: self.module_id,
                resolver,
                class: method.map(|(c, _)| c),
                self_name: method.and_then(|(_, s)| s),
            },
            only_args: None,
        };
        let program = self.summaries.program();
        let summaries = self.summaries;
        let factory = |call: &ast::ExprCall| {
            program
                .resolve_call(&calls.site, &call.func)
                .is_some_and(|f| summaries.fresh(f).is_some())
        };
        if !effects::may_acquire_with(body, self.extra, self.catalog, &factory) {
            return;
        }
        let cfg = match Cfg::build(body) {
            Ok(cfg) => cfg,
            Err(_) => {
                self.facts.push(Fact::TooComplex(range));
                return;
            }
        };
        let mut extractor =
            effects::Extractor::new(resolver, self.catalog, self.options.strict, cfg.len())
                .with_calls(calls);
        for (id, node) in cfg.nodes.iter().enumerate() {
            extractor.node(id as unclosed_cfg::NodeId, &node.kind);
        }
        let mut effects = extractor.finish();
        // Code inside `with self.assertRaises(...)` is expected to fail
        // half-way: what it acquires is not a finding.
        let idioms = Idioms::find(body);
        let expected_to_fail = &idioms.expected_to_fail;
        let excused = |range: TextRange| expected_to_fail.iter().any(|b| b.contains_range(range));
        for &(stmt, name) in &idioms.released_only_on_failure {
            if let Some(node) = cfg
                .nodes
                .iter()
                .position(|n| matches!(n.kind, NodeKind::Stmt(s) if std::ptr::eq(s, stmt)))
            {
                effects.events[node].push(effects::Event::Escape(name));
            }
        }
        if !expected_to_fail.is_empty() {
            effects.expected_to_fail = cfg
                .nodes
                .iter()
                .map(|n| n.range().is_some_and(excused))
                .collect();
        }

        let probes = &idioms.probes;
        let probe = |t: &effects::Temporary<'_>| {
            t.how == effects::TemporaryUse::Dropped
                && t.acquirer.kind == Kind::File
                && probes.contains(&t.call.range())
        };
        for t in effects
            .temporaries
            .iter()
            .filter(|t| !excused(t.call.range()) && !probe(t))
        {
            self.facts.push(Fact::Temporary(Temporary {
                range: t.call.range(),
                callee: t.callee.clone(),
                acquirer: t.acquirer,
                writer: t.writer,
                how: t.how.clone(),
            }));
        }
        if kind == ScopeKind::Class {
            // Class attributes are shared state, not leaks of a body.
            return;
        }
        let declared_outer = chain.last().map(|s| &s.declared_outer);
        let mut preds = None;
        for (id, acq) in effects.acquisitions.iter().enumerate() {
            if excused(acq.call.range()) {
                continue;
            }
            if acq
                .names
                .iter()
                .any(|n| declared_outer.is_some_and(|d| d.contains(*n)))
            {
                continue;
            }
            if kind == ScopeKind::Module
                && (acq.acquirer.long_lived || acq.names.iter().any(|n| self.is_global_used(n)))
            {
                continue;
            }
            let preds = preds.get_or_insert_with(|| predecessors(&cfg));
            let mut known = explore::Known::from_enclosing_ifs(body, acq.call.range());
            known.add_straight_line(preds, &effects, acq.node);
            let outcome = explore::explore(&cfg, &effects, id, &known);
            if outcome.gave_up {
                continue;
            }
            if let Some(cause) = cause_of(
                &cfg,
                &effects,
                &outcome,
                acq.node,
                kind == ScopeKind::Module,
                self.options.strict,
            ) {
                self.facts.push(Fact::Leak(Leak {
                    range: acq.call.range(),
                    callee: acq.callee.clone(),
                    acquirer: acq.acquirer,
                    writer: acq.writer,
                    name: acq.names.first().map(|n| (*n).to_owned()),
                    cause,
                    non_closing_with: outcome.non_closing_with,
                }));
            }
        }
    }

    fn is_global_used(&mut self, name: &str) -> bool {
        let suite = self.suite;
        self.globals_used
            .get_or_insert_with(|| {
                let mut used = FxHashSet::default();
                collect_function_loads(suite, &mut used);
                used
            })
            .contains(name)
    }
}

/// The name of `self` in a method (its first parameter), unless it is a
/// static or class method.
fn self_name(f: &ast::StmtFunctionDef) -> Option<&str> {
    let special = f.decorator_list.iter().any(|d| {
        matches!(
            unclosed_program::decorator_name(&d.expression).as_deref(),
            Some("staticmethod" | "classmethod")
        )
    });
    if special {
        return None;
    }
    f.parameters
        .posonlyargs
        .iter()
        .chain(&f.parameters.args)
        .next()
        .map(|p| p.parameter.name.id.as_str())
}

/// The modules a file imports anywhere (functions included), for the
/// third-party catalogs they switch on. Only statements are visited.
fn imported_modules(suite: &[Stmt]) -> Vec<&str> {
    struct Imports<'a>(Vec<&'a str>);
    impl<'a> ast::visitor::Visitor<'a> for Imports<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Import(i) => self.0.extend(i.names.iter().map(|a| a.name.id.as_str())),
                Stmt::ImportFrom(i) if i.level == 0 => {
                    self.0.extend(i.module.as_ref().map(|m| m.id.as_str()));
                }
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a ast::Expr) {}
    }
    let mut imports = Imports(Vec::new());
    ast::visitor::Visitor::visit_body(&mut imports, suite);
    imports.0
}

/// Whether `body` has an `import` statement inside at least `depth`
/// function or class definitions (0: anywhere in it). Only statements are
/// visited.
pub(crate) fn has_import(body: &[Stmt], depth: usize) -> bool {
    struct Finder {
        depth: usize,
        min_depth: usize,
        found: bool,
    }
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.found {
                return;
            }
            match stmt {
                Stmt::Import(_) | Stmt::ImportFrom(_) => {
                    self.found = self.depth >= self.min_depth;
                }
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                    self.depth += 1;
                    ast::visitor::walk_stmt(self, stmt);
                    self.depth -= 1;
                }
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a ast::Expr) {}
    }
    let mut finder = Finder {
        depth: 0,
        min_depth: depth,
        found: false,
    };
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.found
}

/// What the code around an acquisition says it expects, found in one walk
/// of a body (nested definitions are other bodies).
#[derive(Default)]
struct Idioms<'a> {
    /// The bodies of `with` statements whose context manager expects an
    /// exception (`assertRaises`, `pytest.raises`) or patches names with
    /// mocks (`mock.patch`), and of `try: ... else: self.fail()`: what is
    /// acquired there is not a real resource's story.
    expected_to_fail: Vec<TextRange>,
    /// `try: open(path)` / `except FileNotFoundError as e: ...`: a bare call
    /// in a `try` with handlers, its result unused, probes whether it fails
    /// (often to capture the exception). The calls' ranges.
    probes: Vec<TextRange>,
    /// `try: use(fd)` / `except OSError: os.close(fd)` with no re-raise:
    /// the code releases the resource only when that one statement fails,
    /// so the statement succeeding hands the resource on (or the test
    /// expects it to fail: `Popen(["*"], stdin=fd)`). The statement and the
    /// name.
    released_only_on_failure: Vec<(&'a Stmt, &'a str)>,
}

impl<'a> Idioms<'a> {
    fn find(body: &'a [Stmt]) -> Self {
        let mut idioms = Idioms::default();
        ast::visitor::Visitor::visit_body(&mut idioms, body);
        idioms
    }

    fn try_stmt(&mut self, t: &'a ast::StmtTry) {
        if t.handlers.is_empty() {
            return;
        }
        if t.orelse.first().is_some_and(fails_the_test)
            && let (Some(first), Some(last)) = (t.body.first(), t.body.last())
        {
            self.expected_to_fail
                .push(TextRange::new(first.start(), last.end()));
        }
        for s in &t.body {
            if let Stmt::Expr(e) = s
                && let Expr::Call(call) = &*e.value
            {
                self.probes.push(call.range());
            }
        }
        if let [only] = &t.body[..]
            && t.finalbody.is_empty()
        {
            for handler in &t.handlers {
                let ast::ExceptHandler::ExceptHandler(h) = handler;
                if h.body.last().is_some_and(|last| {
                    matches!(
                        last,
                        Stmt::Raise(_) | Stmt::Return(_) | Stmt::Break(_) | Stmt::Continue(_)
                    )
                }) {
                    continue;
                }
                for name in released_names(&h.body) {
                    if mentions(only, name)
                        && !self.released_only_on_failure.contains(&(only, name))
                    {
                        self.released_only_on_failure.push((only, name));
                    }
                }
            }
        }
    }
}

impl<'a> ast::visitor::Visitor<'a> for Idioms<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => return,
            Stmt::Try(t) => self.try_stmt(t),
            Stmt::With(w) => {
                if w.items.iter().any(|i| {
                    unclosed_cfg::is_expected_failure_call(&i.context_expr)
                        || unclosed_cfg::is_mocking_call(&i.context_expr)
                }) && let (Some(first), Some(last)) = (w.body.first(), w.body.last())
                {
                    self.expected_to_fail
                        .push(TextRange::new(first.start(), last.end()));
                }
            }
            _ => {}
        }
        ast::visitor::walk_stmt(self, stmt);
    }
}

/// Names released by a statement of `body`: `os.close(fd)`, `f.close()`.
fn released_names(body: &[Stmt]) -> Vec<&str> {
    body.iter()
        .filter_map(|stmt| {
            let Stmt::Expr(e) = stmt else { return None };
            let Expr::Call(call) = &*e.value else {
                return None;
            };
            match &*call.func {
                func if unclosed_names::dotted(func).as_deref() == Some("os.close") => {
                    match call.arguments.args.first() {
                        Some(Expr::Name(n)) => Some(n.id.as_str()),
                        _ => None,
                    }
                }
                Expr::Attribute(a) if a.attr.id.as_str() == "close" => match &*a.value {
                    Expr::Name(n) => Some(n.id.as_str()),
                    _ => None,
                },
                _ => None,
            }
        })
        .collect()
}

/// Whether a statement reads the name.
fn mentions(stmt: &Stmt, name: &str) -> bool {
    struct Finder<'n>(&'n str, bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(n) = expr
                && n.id.as_str() == self.0
            {
                self.1 = true;
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder(name, false);
    ast::visitor::Visitor::visit_stmt(&mut finder, stmt);
    finder.1
}

/// Each node's predecessors.
fn predecessors(cfg: &Cfg<'_>) -> Vec<smallvec::SmallVec<[unclosed_cfg::NodeId; 2]>> {
    let mut preds = vec![smallvec::SmallVec::new(); cfg.len()];
    for (id, node) in cfg.nodes.iter().enumerate() {
        for &(succ, _) in &node.succs {
            preds[succ as usize].push(id as unclosed_cfg::NodeId);
        }
    }
    preds
}

/// `self.fail(...)`, `pytest.fail(...)`, `raise ...`, `assert False`: a
/// statement that makes the test fail.
fn fails_the_test(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Raise(_) => true,
        Stmt::Assert(a) => matches!(&*a.test, Expr::BooleanLiteral(b) if !b.value),
        Stmt::Expr(e) => {
            let Expr::Call(call) = &*e.value else {
                return false;
            };
            unclosed_names::dotted(&call.func)
                .is_some_and(|name| matches!(name.as_str(), "self.fail" | "pytest.fail"))
        }
        _ => false,
    }
}

/// Names that functions of the module read without binding them in
/// their own or an enclosing function: the module-level objects they share.
fn collect_function_loads(body: &[Stmt], out: &mut FxHashSet<String>) {
    fn walk(body: &[Stmt], enclosing: &mut Vec<FxHashSet<String>>, out: &mut FxHashSet<String>) {
        struct Defs<'a>(Vec<&'a Stmt>);
        impl<'a> ast::visitor::Visitor<'a> for Defs<'a> {
            fn visit_stmt(&mut self, stmt: &'a Stmt) {
                match stmt {
                    Stmt::FunctionDef(_) | Stmt::ClassDef(_) => self.0.push(stmt),
                    _ => ast::visitor::walk_stmt(self, stmt),
                }
            }
        }
        let mut defs = Defs(Vec::new());
        ast::visitor::Visitor::visit_body(&mut defs, body);
        for def in defs.0 {
            let (inner, bound) = match def {
                Stmt::FunctionDef(f) => {
                    let scope = ScopeNames::function(Some(&f.parameters), &f.body);
                    (&f.body, scope.bound.iter().map(|n| n.to_string()).collect())
                }
                Stmt::ClassDef(c) => (&c.body, FxHashSet::default()),
                _ => continue,
            };
            enclosing.push(bound);
            for name in effects::loaded_names_in_body(inner) {
                if !enclosing.iter().any(|b| b.contains(name)) {
                    out.insert(name.to_owned());
                }
            }
            walk(inner, enclosing, out);
            enclosing.pop();
        }
    }
    walk(body, &mut Vec::new(), out);
}

/// Turn an exploration outcome into the cause to report, by priority: a
/// rebinding elsewhere (UC103), a normal-path leak, a re-open in a loop,
/// a deletion, then an exceptional-path leak.
fn cause_of(
    cfg: &Cfg<'_>,
    effects: &effects::Effects<'_>,
    outcome: &explore::Outcome,
    acq_node: unclosed_cfg::NodeId,
    module: bool,
    strict: bool,
) -> Option<LeakCause> {
    if let Some((range, _, _)) = outcome
        .lost
        .iter()
        .find(|(_, how, _)| *how == LostHow::Rebound)
    {
        return Some(LeakCause::Rebound(*range));
    }
    if let Some((range, _, _)) = outcome
        .lost
        .iter()
        .find(|(_, how, _)| *how == LostHow::WithEnded)
    {
        return Some(LeakCause::WithEnded(*range));
    }
    if let Some(path) = &outcome.normal {
        return Some(normal_cause(cfg, path, module));
    }
    if let Some((range, how, _)) = outcome.lost.first() {
        return Some(match how {
            LostHow::Deleted => LeakCause::Deleted(*range),
            _ => LeakCause::Reopened(*range),
        });
    }
    // Exception-only leaks are reported for resources this code closes
    // itself on some normal path ("closed only on the happy path"). One
    // that is only ever handed off (returned, stored) leaks only if the
    // hand-off is never reached, which `--strict` reports.
    if !outcome.released && !strict {
        return None;
    }
    let path = outcome
        .swallowed
        .as_ref()
        .or(outcome.exceptional.as_ref())?;
    // The first exceptional edge taken after the acquisition.
    let mut prev = acq_node;
    for (i, &(node, kind)) in path.iter().enumerate().skip(1) {
        if kind == EdgeKind::Exception {
            let raising = cfg.node(prev);
            let at = raising.range().unwrap_or_default();
            let call = effects.raises[prev as usize]
                .culprit
                .clone()
                .or_else(|| explore::raising_call(raising.kind));
            return Some(LeakCause::Exception {
                at: call.as_ref().map_or(at, |(r, _)| *r),
                call: call.map(|(_, text)| text),
                uncaught: uncaught_types(cfg, &path[i..]),
            });
        }
        prev = node;
    }
    None
}

/// The exception types of the `except` clauses that the leaking
/// exception passed by (left through the dispatch's exceptional edge).
fn uncaught_types(cfg: &Cfg<'_>, path: &[(unclosed_cfg::NodeId, EdgeKind)]) -> Vec<String> {
    let mut types = Vec::new();
    for pair in path.windows(2) {
        let (node, _) = pair[0];
        let (_, edge) = pair[1];
        if let NodeKind::Dispatch(t) = cfg.node(node).kind
            && edge == EdgeKind::Exception
        {
            for handler in &t.handlers {
                let ast::ExceptHandler::ExceptHandler(h) = handler;
                if let Some(type_) = &h.type_ {
                    match type_.as_ref() {
                        ast::Expr::Tuple(tuple) => {
                            types.extend(tuple.elts.iter().filter_map(unclosed_names::dotted))
                        }
                        other => types.extend(unclosed_names::dotted(other)),
                    }
                }
            }
        }
    }
    types.dedup();
    types
}

fn normal_cause(
    cfg: &Cfg<'_>,
    path: &[(unclosed_cfg::NodeId, EdgeKind)],
    module: bool,
) -> LeakCause {
    for &(node, _) in path.iter().rev() {
        match cfg.node(node).kind {
            NodeKind::Stmt(Stmt::Return(r)) => return LeakCause::Return(r.range()),
            NodeKind::Break(b) => return LeakCause::Break(b.range()),
            _ => {}
        }
    }
    LeakCause::EndOfBody { module }
}

#[cfg(test)]
mod tests;
