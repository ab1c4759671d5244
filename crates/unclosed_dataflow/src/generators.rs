//! Generators and resources (PEP 342 `close()`, PEP 525 `aclose()`).
//!
//! A *resource generator* is a generator function that is suspended at a
//! `yield` while it holds something that must be released:
//!
//! - the `yield` is in the body of a `with` (or `async with`) whose context
//!   manager is an acquisition of the catalog (`with open(p) as f:`), or a
//!   call of a generator of the module managed by
//!   `@contextlib.contextmanager` that is itself a resource generator;
//! - or it is in a `try` whose `finally` releases something (`f.close()`,
//!   `os.close(fd)`, `lock.release()`, ... the release statements of the
//!   obligations analysis);
//! - or it delegates to another resource generator of the module: `yield
//!   from gen()`, or a `yield` inside `for x in gen():`.
//!
//! A `with` of anything else (`warnings.catch_warnings()`, `self._lock`,
//! `decimal.localcontext()`) and a `finally` that only restores state
//! (`os.chdir(old)`) do not make one: suspending there holds no resource
//! of the catalog, and reporting every caller would cost more than it finds.
//!
//! [`generator_summary`] says whether one `def` is such a generator (and
//! whether it is asynchronous, and managed by a decorator such as
//! `@contextmanager`, whose callers are then not concerned); it is the
//! reusable part, given a way to decide about the calls it delegates to.
//!
//! On the module, [`analyze`] finds:
//!
//! - [`AbandonedGenerator`]: a `for`/`async for` loop over a call of a
//!   resource generator of the module (a function in scope, or
//!   `self.method()` of the enclosing class), directly or through a name
//!   bound to that call, that can leave the loop early — `break`, `return`,
//!   an explicit `raise`, or an exception that plausibly happens in the body
//!   (a call of code we cannot see, `await`: see `raises.rs`) — with the
//!   generator still suspended and nothing closing it (a later use of the
//!   name, such as `g.close()` in a `finally`, counts as closing it).
//!   An exception is reported only when the generator is kept by a name
//!   (the traceback keeps the frame, the frame keeps the generator): a
//!   temporary generator is dropped, and on CPython closed, while the
//!   exception unwinds the loop; `strict` reports those too, and so do
//!   `async for` loops (an async generator is never closed synchronously);
//! - [`GeneratorExitIgnored`]: a generator whose `except GeneratorExit:`
//!   (or `except BaseException:`, or bare `except:`) around a `yield` can
//!   reach another `yield` without re-raising.

use std::cell::OnceCell;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};
use unclosed_catalog::ActiveCatalog;
use unclosed_cfg::{Cfg, EdgeKind, NodeId, NodeKind};
use unclosed_names::{Resolver, ScopeKind, ScopeNames};

use crate::Fact;
use crate::summaries::CallSummaries;
use unclosed_program::ModuleId;

/// What one generator function is, for its callers.
#[derive(Debug, Clone)]
pub struct GeneratorSummary {
    /// `async def` with a `yield`: an asynchronous generator (PEP 525).
    pub is_async: bool,
    /// The qualified name of the decorator that manages the generator
    /// (`contextlib.contextmanager`, `contextlib.asynccontextmanager`,
    /// `pytest.fixture`): its callers never iterate it themselves.
    pub managed: Option<String>,
    /// Decorated by something else we don't know (not `staticmethod`,
    /// `classmethod`, `functools.wraps(...)`): a call may not return the
    /// generator at all.
    pub wrapped: bool,
    /// Where it is suspended holding something, if anywhere.
    pub held: Option<Held>,
}

impl GeneratorSummary {
    /// Whether a caller that abandons the generator leaves a resource to
    /// the garbage collector: it holds something across `yield` and the
    /// caller gets the generator itself.
    pub fn abandoning_leaks(&self) -> bool {
        self.held.is_some() && self.managed.is_none() && !self.wrapped
    }
}

/// A `yield` at which a generator holds something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The `yield` (or `yield from`) expression.
    pub yield_at: TextRange,
    pub by: HeldBy,
}

/// What is held at the `yield`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldBy {
    /// The body of `with CALL(...)`: `callee` is how the call is spelled
    /// (`open`), `range` the `with` item.
    With {
        callee: String,
        is_async: bool,
        range: TextRange,
    },
    /// A `try` whose `finally` releases: `release` is the release call as
    /// written (`f.close()`), `range` that call.
    Finally { release: String, range: TextRange },
    /// `yield from gen()` or a `yield` inside `for x in gen():` where
    /// `gen` is itself a resource generator: `callee` as spelled (`gen`).
    Delegates { callee: String, range: TextRange },
}

/// How a generator uses a call it could delegate to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delegation {
    /// `yield from CALL`.
    YieldFrom,
    /// `for x in CALL:` (or `async for`) with a `yield` in the body.
    Loop { is_async: bool },
    /// `with CALL:` (or `async with`) with a `yield` in the body: the call
    /// holds something if it is a managed resource generator.
    With { is_async: bool },
}

/// Whether a callee summarized as `summary` holds something when a
/// generator uses it as `how`.
pub fn delegation_holds(summary: &GeneratorSummary, how: Delegation) -> bool {
    if summary.held.is_none() {
        return false;
    }
    match how {
        Delegation::YieldFrom => !summary.is_async && summary.abandoning_leaks(),
        Delegation::Loop { is_async } => summary.is_async == is_async && summary.abandoning_leaks(),
        Delegation::With { is_async } => {
            let wanted = if is_async {
                "contextlib.asynccontextmanager"
            } else {
                "contextlib.contextmanager"
            };
            summary.managed.as_deref() == Some(wanted) && !summary.wrapped
        }
    }
}

/// Summarize a function definition: `None` if it is not a generator.
///
/// `resolver` resolves names where the `def` statement is (its decorators);
/// the body is resolved in the function's own scope on top of it.
/// `delegate` decides about the calls the generator delegates to (`yield
/// from gen()`, `for x in gen(): yield x`, `with cm(): yield`): whether
/// that call holds something (see [`delegation_holds`]). Within one module
/// [`analyze`] answers it from the module's own functions; a caller with
/// summaries of other modules can answer for those too.
pub fn generator_summary(
    def: &ast::StmtFunctionDef,
    resolver: &Resolver<'_>,
    catalog: ActiveCatalog<'_>,
    delegate: &mut dyn FnMut(&ast::ExprCall, Delegation) -> bool,
) -> Option<GeneratorSummary> {
    let yields = find_yields(&def.body);
    if yields.is_empty() {
        return None;
    }
    let (managed, wrapped) = decorators(def, resolver);
    let scope = ScopeNames::function(Some(&def.parameters), &def.body);
    let mut chain = resolver.chain.to_vec();
    chain.push(&scope);
    let inner = Resolver {
        module: resolver.module,
        chain: &chain,
    };
    let scan = scan(&yields, &inner, catalog);
    let held = scan.direct.or_else(|| {
        scan.candidates
            .into_iter()
            .find(|c| delegate(c.call, c.how))
            .map(|c| c.held())
    });
    Some(GeneratorSummary {
        is_async: def.is_async,
        managed,
        wrapped,
        held,
    })
}

/// A `for` loop that can abandon a resource generator (UC301, UC302).
#[derive(Debug, Clone)]
pub struct AbandonedGenerator {
    /// The loop's header: `for x in gen(...)`.
    pub range: TextRange,
    pub is_async: bool,
    /// The generator function as called (`read_lines`, `self.rows`).
    pub callee: String,
    /// The name bound to the generator, when the loop iterates a name.
    pub name: Option<String>,
    /// Where the generator is suspended holding something (ranges in the
    /// module that defines it).
    pub held: Held,
    /// The module that defines the generator, when it is not this one
    /// (`pkg.util`): `held`'s ranges are in that module's file.
    pub defined_in: Option<String>,
    /// How the loop is left with the generator suspended.
    pub exit: EarlyExit,
}

/// How a loop is left early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EarlyExit {
    Break(TextRange),
    Return(TextRange),
    /// An explicit `raise` in the loop body.
    Raise(TextRange),
    /// A call (or `await`) of the body that plausibly raises: its range and
    /// how to name it (`process()`).
    Exception {
        at: TextRange,
        call: String,
    },
}

impl EarlyExit {
    pub fn range(&self) -> TextRange {
        match self {
            EarlyExit::Break(r) | EarlyExit::Return(r) | EarlyExit::Raise(r) => *r,
            EarlyExit::Exception { at, .. } => *at,
        }
    }
}

/// A generator that can swallow `GeneratorExit` and yield again (UC303).
#[derive(Debug, Clone)]
pub struct GeneratorExitIgnored {
    /// The `except ...` clause's header.
    pub range: TextRange,
    /// What the clause catches as written (`GeneratorExit`,
    /// `BaseException`, `(GeneratorExit, ValueError)`), `None` for a bare
    /// `except:`.
    pub caught: Option<String>,
    /// Whether it names `GeneratorExit` (rather than catching it with
    /// everything else).
    pub explicit: bool,
    pub is_async: bool,
    /// The generator function's name.
    pub function: String,
    /// The `yield` where `close()` throws `GeneratorExit`.
    pub suspended_at: TextRange,
    /// The `yield` reached after the handler.
    pub yields_again: TextRange,
}

/// Run both analyses on a module.
pub(crate) fn analyze(
    suite: &[Stmt],
    module: &ScopeNames,
    catalog: ActiveCatalog<'_>,
    strict: bool,
    summaries: &dyn CallSummaries,
    module_id: ModuleId,
) -> Vec<Fact> {
    let mut facts = Vec::new();
    let others = Others {
        summaries,
        module: module_id,
    };
    // Pass 1: summarize every generator function, with the calls it
    // delegates to resolved to the module's functions (and to other
    // modules' through their summaries).
    let mut gens = Gens {
        catalog,
        others,
        entries: FxHashMap::default(),
        facts: &mut facts,
    };
    walk_scopes(suite, module, &mut gens);
    let Gens { entries, .. } = gens;
    let status = settle(&entries);
    if !status.values().any(|s| s.abandoning_leaks()) && !others.imports_analyzed_module(suite) {
        return facts;
    }
    // Pass 2: the loops over them.
    let mut loops = Loops {
        status: &status,
        others,
        strict,
        facts: &mut facts,
    };
    walk_scopes(suite, module, &mut loops);
    facts
}

// ---------------------------------------------------------------------
// Scopes

/// One scope on the way to the current body. What it binds is computed
/// on first need: most bodies never need it.
struct Frame<'a> {
    kind: ScopeKind,
    body: &'a [Stmt],
    parameters: Option<&'a ast::Parameters>,
    /// For a method: the name of its first parameter (`self`, `cls`).
    receiver: Option<&'a str>,
    /// Functions defined once in this scope and bound by nothing else.
    defs: OnceCell<FxHashMap<&'a str, &'a ast::StmtFunctionDef>>,
    /// Function and class scopes' names (the module's are given).
    names: OnceCell<ScopeNames>,
}

impl<'a> Frame<'a> {
    fn new(
        kind: ScopeKind,
        body: &'a [Stmt],
        parameters: Option<&'a ast::Parameters>,
        receiver: Option<&'a str>,
    ) -> Self {
        Frame {
            kind,
            body,
            parameters,
            receiver,
            defs: OnceCell::new(),
            names: OnceCell::new(),
        }
    }

    fn defs(&self) -> &FxHashMap<&'a str, &'a ast::StmtFunctionDef> {
        self.defs.get_or_init(|| {
            let mut collector = DefCollector::default();
            ast::visitor::Visitor::visit_body(&mut collector, self.body);
            collector
                .defs
                .into_iter()
                .filter(|(name, defs)| defs.len() == 1 && !collector.other.contains(name))
                .map(|(name, defs)| (name, defs[0]))
                .collect()
        })
    }

    fn names(&self) -> &ScopeNames {
        self.names.get_or_init(|| match self.kind {
            ScopeKind::Class => ScopeNames::class(self.body),
            _ => ScopeNames::function(self.parameters, self.body),
        })
    }
}

/// The `def` statements of a scope (not of nested scopes) and the names it
/// binds otherwise.
#[derive(Default)]
struct DefCollector<'a> {
    defs: FxHashMap<&'a str, Vec<&'a ast::StmtFunctionDef>>,
    other: FxHashSet<&'a str>,
}

impl<'a> DefCollector<'a> {
    fn target(&mut self, target: &'a Expr) {
        match target {
            Expr::Name(n) => {
                self.other.insert(n.id.as_str());
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.target(e)),
            Expr::List(t) => t.elts.iter().for_each(|e| self.target(e)),
            Expr::Starred(s) => self.target(&s.value),
            _ => {}
        }
    }
}

impl<'a> ast::visitor::Visitor<'a> for DefCollector<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.defs.entry(f.name.id.as_str()).or_default().push(f);
                return;
            }
            Stmt::ClassDef(c) => {
                self.other.insert(c.name.id.as_str());
                return;
            }
            Stmt::Assign(a) => a.targets.iter().for_each(|t| self.target(t)),
            Stmt::AnnAssign(a) if a.value.is_some() => self.target(&a.target),
            Stmt::AugAssign(a) => self.target(&a.target),
            Stmt::For(f) => self.target(&f.target),
            Stmt::Delete(d) => d.targets.iter().for_each(|t| self.target(t)),
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(vars) = &item.optional_vars {
                        self.target(vars);
                    }
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let bound = alias.asname.as_ref().map_or_else(
                        || alias.name.id.split('.').next().unwrap_or_default(),
                        |a| a.id.as_str(),
                    );
                    self.other.insert(bound);
                }
            }
            Stmt::ImportFrom(i) => {
                for alias in &i.names {
                    self.other
                        .insert(alias.asname.as_ref().unwrap_or(&alias.name).id.as_str());
                }
            }
            _ => {}
        }
        ast::visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Named(n) => self.target(&n.target),
            Expr::Lambda(_) => return,
            _ => {}
        }
        ast::visitor::walk_expr(self, expr);
    }
}

/// The current body and the scopes around it.
struct Scope<'s, 'a> {
    /// The body's statements.
    body: &'a [Stmt],
    /// The function whose body it is.
    def: Option<&'a ast::StmtFunctionDef>,
    /// Frames of the module, the enclosing scopes and this one (last).
    frames: &'s [&'s Frame<'a>],
    module: &'s ScopeNames,
    /// The scope names of the enclosing scopes and this one (last), on
    /// first need; the module's are `module`.
    chain: OnceCell<Vec<&'s ScopeNames>>,
}

impl<'s, 'a> Scope<'s, 'a> {
    fn chain(&self) -> &[&'s ScopeNames] {
        self.chain.get_or_init(|| {
            let frames: &'s [&'s Frame<'a>] = self.frames;
            frames[1..].iter().map(|f| f.names()).collect()
        })
    }

    fn resolver(&self) -> Resolver<'_> {
        Resolver {
            module: self.module,
            chain: self.chain(),
        }
    }

    /// Where the `def` statement of this body is resolved.
    fn outer_resolver(&self) -> Resolver<'_> {
        let chain = self.chain();
        Resolver {
            module: self.module,
            chain: &chain[..chain.len().saturating_sub(1)],
        }
    }

    fn names(&self, frame: usize) -> &ScopeNames {
        if frame == 0 {
            self.module
        } else {
            self.frames[frame].names()
        }
    }

    /// The function of the module a call calls: `gen(...)` (a function in
    /// scope) or `self.gen(...)` (a method of the enclosing class).
    fn callee_def(&self, call: &ast::ExprCall) -> Option<&'a ast::StmtFunctionDef> {
        match &*call.func {
            Expr::Name(n) => self.lookup(n.id.as_str()),
            Expr::Attribute(a) => {
                let Expr::Name(receiver) = &*a.value else {
                    return None;
                };
                self.method(receiver.id.as_str(), a.attr.id.as_str())
            }
            _ => None,
        }
    }

    fn lookup(&self, name: &str) -> Option<&'a ast::StmtFunctionDef> {
        let last = self.frames.len() - 1;
        for i in (0..self.frames.len()).rev() {
            let names = self.names(i);
            if names.declared_outer.contains(name) {
                return None;
            }
            if self.frames[i].kind == ScopeKind::Class && i != last {
                continue;
            }
            if i == 0 || names.bound.contains(name) {
                return self.frames[i].defs().get(name).copied();
            }
        }
        None
    }

    fn method(&self, receiver: &str, method: &str) -> Option<&'a ast::StmtFunctionDef> {
        for i in (1..self.frames.len()).rev() {
            let frame = &self.frames[i];
            if frame.kind != ScopeKind::Function || !self.names(i).bound.contains(receiver) {
                continue;
            }
            if frame.receiver != Some(receiver) {
                return None;
            }
            let class = &self.frames[i - 1];
            return (class.kind == ScopeKind::Class)
                .then(|| class.defs().get(method).copied())
                .flatten();
        }
        None
    }
}

trait ScopeVisitor {
    fn visit(&mut self, scope: &Scope<'_, '_>);
}

/// Visit the module and every function body, with their scopes.
fn walk_scopes(suite: &[Stmt], module: &ScopeNames, visitor: &mut dyn ScopeVisitor) {
    let module_frame = Frame::new(ScopeKind::Module, suite, None, None);
    let frames = vec![&module_frame];
    let scope = Scope {
        body: suite,
        def: None,
        frames: &frames,
        module,
        chain: OnceCell::new(),
    };
    visitor.visit(&scope);
    walk_nested(suite, module, &frames, visitor);
}

fn walk_nested<'a>(
    body: &'a [Stmt],
    module: &ScopeNames,
    frames: &[&Frame<'a>],
    visitor: &mut dyn ScopeVisitor,
) {
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(f) => {
                let in_class = frames.last().is_some_and(|f| f.kind == ScopeKind::Class);
                let is_static = f.decorator_list.iter().any(|d| {
                    unclosed_names::dotted(&d.expression).as_deref() == Some("staticmethod")
                });
                let receiver = (in_class && !is_static)
                    .then(|| {
                        f.parameters
                            .posonlyargs
                            .iter()
                            .chain(&f.parameters.args)
                            .next()
                            .map(|p| p.parameter.name.id.as_str())
                    })
                    .flatten();
                let frame = Frame::new(ScopeKind::Function, &f.body, Some(&f.parameters), receiver);
                let mut inner_frames = frames.to_vec();
                inner_frames.push(&frame);
                let scope = Scope {
                    body: &f.body,
                    def: Some(f),
                    frames: &inner_frames,
                    module,
                    chain: OnceCell::new(),
                };
                visitor.visit(&scope);
                walk_nested(&f.body, module, &inner_frames, visitor);
            }
            Stmt::ClassDef(c) => {
                let frame = Frame::new(ScopeKind::Class, &c.body, None, None);
                let mut inner_frames = frames.to_vec();
                inner_frames.push(&frame);
                walk_nested(&c.body, module, &inner_frames, visitor);
            }
            Stmt::If(s) => {
                walk_nested(&s.body, module, frames, visitor);
                for clause in &s.elif_else_clauses {
                    walk_nested(&clause.body, module, frames, visitor);
                }
            }
            Stmt::For(s) => {
                walk_nested(&s.body, module, frames, visitor);
                walk_nested(&s.orelse, module, frames, visitor);
            }
            Stmt::While(s) => {
                walk_nested(&s.body, module, frames, visitor);
                walk_nested(&s.orelse, module, frames, visitor);
            }
            Stmt::With(s) => walk_nested(&s.body, module, frames, visitor),
            Stmt::Try(s) => {
                walk_nested(&s.body, module, frames, visitor);
                for handler in &s.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    walk_nested(&h.body, module, frames, visitor);
                }
                walk_nested(&s.orelse, module, frames, visitor);
                walk_nested(&s.finalbody, module, frames, visitor);
            }
            Stmt::Match(s) => {
                for case in &s.cases {
                    walk_nested(&case.body, module, frames, visitor);
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------
// Generators of other modules

/// The other modules of the program, for generators defined there
/// (`from .util import read_lines`).
#[derive(Clone, Copy)]
struct Others<'m> {
    summaries: &'m dyn CallSummaries,
    /// The module analyzed.
    module: ModuleId,
}

impl Others<'_> {
    /// The summary of the generator of another module a call calls, and
    /// that module's name. Calls of this module's functions are left to
    /// its own analysis.
    fn generator(
        &self,
        scope: &Scope<'_, '_>,
        call: &ast::ExprCall,
    ) -> Option<(GeneratorSummary, String)> {
        let program = self.summaries.program();
        let site = unclosed_program::Site {
            module: self.module,
            resolver: scope.resolver(),
            class: None,
            self_name: None,
        };
        let f = program.resolve_call(&site, &call.func)?;
        let defined_in = program.functions[f].module;
        if defined_in == self.module {
            return None;
        }
        let summary = self.summaries.generator(f)?;
        Some((summary, program.modules[defined_in].name.clone()))
    }

    /// Whether the module may call a function of another analyzed module:
    /// it imports one (or a package above one, or a name of one) at top
    /// level, or imports anything inside a function or class. Only then
    /// can it loop over their generators.
    fn imports_analyzed_module(&self, suite: &[Stmt]) -> bool {
        let program = self.summaries.program();
        if program.modules.len() < 2 {
            return false;
        }
        let module = &program.modules[self.module];
        let top_level = module.defs.values().any(|def| match def {
            unclosed_program::Def::Import(target) => {
                program.is_module_or_package(target)
                    || target
                        .rsplit_once('.')
                        .is_some_and(|(m, _)| program.is_module_or_package(m))
            }
            _ => false,
        });
        top_level || crate::has_import(suite, 1)
    }
}

// ---------------------------------------------------------------------
// Pass 1: generator summaries

type DefKey = TextSize;

fn key(def: &ast::StmtFunctionDef) -> DefKey {
    def.range.start()
}

/// One generator function of the module, before delegations are settled.
struct Entry {
    summary: GeneratorSummary,
    /// Calls it delegates to that are the module's own generators.
    candidates: Vec<(DefKey, Delegation, Held)>,
}

struct Gens<'c, 'f> {
    catalog: ActiveCatalog<'c>,
    others: Others<'c>,
    entries: FxHashMap<DefKey, Entry>,
    facts: &'f mut Vec<Fact>,
}

impl ScopeVisitor for Gens<'_, '_> {
    fn visit(&mut self, scope: &Scope<'_, '_>) {
        let Some(def) = scope.def else {
            return;
        };
        let yields = find_yields(&def.body);
        if yields.is_empty() {
            return;
        }
        let (managed, wrapped) = decorators(def, &scope.outer_resolver());
        let resolver = scope.resolver();
        let scan = scan(&yields, &resolver, self.catalog);
        let candidates = scan
            .candidates
            .iter()
            .filter_map(|c| Some((key(scope.callee_def(c.call)?), c.how, c.held())))
            .collect();
        // Delegating to a resource generator of another module holds what
        // it holds, as the module's own delegations do once settled.
        let held = scan.direct.or_else(|| {
            scan.candidates
                .iter()
                .filter(|c| scope.callee_def(c.call).is_none())
                .find(|c| {
                    self.others
                        .generator(scope, c.call)
                        .is_some_and(|(s, _)| delegation_holds(&s, c.how))
                })
                .map(|c| c.held())
        });
        self.entries.insert(
            key(def),
            Entry {
                summary: GeneratorSummary {
                    is_async: def.is_async,
                    managed,
                    wrapped,
                    held,
                },
                candidates,
            },
        );
        exit_ignored(def, &yields, self.facts);
    }
}

/// Settle delegations: a generator delegating to a resource generator is
/// one (to a fixpoint; recursion such as `os.walk` is fine).
fn settle(entries: &FxHashMap<DefKey, Entry>) -> FxHashMap<DefKey, GeneratorSummary> {
    let mut status: FxHashMap<DefKey, GeneratorSummary> = entries
        .iter()
        .map(|(k, e)| (*k, e.summary.clone()))
        .collect();
    loop {
        let mut changed = false;
        for (k, entry) in entries {
            if status[k].held.is_some() {
                continue;
            }
            let found = entry.candidates.iter().find(|(callee, how, _)| {
                status
                    .get(callee)
                    .is_some_and(|s| delegation_holds(s, *how))
            });
            if let Some((_, _, held)) = found {
                if let Some(s) = status.get_mut(k) {
                    s.held = Some(held.clone());
                }
                changed = true;
            }
        }
        if !changed {
            return status;
        }
    }
}

/// The decorators of a function: the managing one, and whether another
/// decorator may replace the generator.
fn decorators(def: &ast::StmtFunctionDef, resolver: &Resolver<'_>) -> (Option<String>, bool) {
    let mut managed = None;
    let mut wrapped = false;
    for d in &def.decorator_list {
        let expr = match &d.expression {
            Expr::Call(call) => &*call.func,
            other => other,
        };
        match resolver.resolve(expr).as_deref() {
            Some(
                q @ ("contextlib.contextmanager"
                | "contextlib.asynccontextmanager"
                | "pytest.fixture"
                | "pytest_asyncio.fixture"),
            ) => managed = Some(q.to_owned()),
            Some(
                "builtins.staticmethod"
                | "builtins.classmethod"
                | "functools.wraps"
                | "typing.override"
                | "typing_extensions.override"
                | "abc.abstractmethod",
            ) => {}
            _ => wrapped = true,
        }
    }
    (managed, wrapped)
}

/// A `yield` of a function body with the statements around it.
struct Yield<'a> {
    expr: &'a Expr,
    stack: Vec<&'a Stmt>,
}

/// Every `yield`/`yield from` of a function body (not of nested scopes),
/// with the statements enclosing it, outermost first.
fn find_yields(body: &[Stmt]) -> Vec<Yield<'_>> {
    struct Finder<'a> {
        stack: Vec<&'a Stmt>,
        found: Vec<Yield<'a>>,
    }
    impl<'a> ast::visitor::Visitor<'a> for Finder<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                return;
            }
            self.stack.push(stmt);
            ast::visitor::walk_stmt(self, stmt);
            self.stack.pop();
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Lambda(_) => return,
                Expr::Yield(_) | Expr::YieldFrom(_) => self.found.push(Yield {
                    expr,
                    stack: self.stack.clone(),
                }),
                _ => {}
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder {
        stack: Vec::new(),
        found: Vec::new(),
    };
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.found
}

struct Candidate<'a> {
    call: &'a ast::ExprCall,
    how: Delegation,
    yield_at: TextRange,
}

impl Candidate<'_> {
    fn held(&self) -> Held {
        Held {
            yield_at: self.yield_at,
            by: HeldBy::Delegates {
                callee: unclosed_names::dotted(&self.call.func).unwrap_or_else(|| "…".to_owned()),
                range: self.call.range(),
            },
        }
    }
}

struct Scan<'a> {
    /// The first `yield` held by a `with` or `finally` of its own.
    direct: Option<Held>,
    /// Calls whose generator or context manager may hold something.
    candidates: Vec<Candidate<'a>>,
}

fn scan<'a>(yields: &[Yield<'a>], resolver: &Resolver<'_>, catalog: ActiveCatalog<'_>) -> Scan<'a> {
    let extractor = crate::effects::Extractor::new(*resolver, catalog, false, 0);
    let mut direct = None;
    let mut candidates = Vec::new();
    for y in yields {
        let yield_at = y.expr.range();
        if let Expr::YieldFrom(from) = y.expr
            && let Expr::Call(call) = &*from.value
        {
            candidates.push(Candidate {
                call,
                how: Delegation::YieldFrom,
                yield_at,
            });
        }
        // Innermost first: the closest holder is the one to name.
        for stmt in y.stack.iter().rev() {
            if direct.is_some() {
                break;
            }
            match stmt {
                Stmt::With(w) if in_body(&w.body, yield_at) => {
                    for item in &w.items {
                        let Expr::Call(call) = &item.context_expr else {
                            continue;
                        };
                        match extractor.acquirer_of(call) {
                            Some((acquirer, callee)) if acquirer.with_releases => {
                                direct = Some(Held {
                                    yield_at,
                                    by: HeldBy::With {
                                        callee,
                                        is_async: w.is_async,
                                        range: item.range(),
                                    },
                                });
                                break;
                            }
                            Some(_) => {}
                            None => candidates.push(Candidate {
                                call,
                                how: Delegation::With {
                                    is_async: w.is_async,
                                },
                                yield_at,
                            }),
                        }
                    }
                }
                Stmt::Try(t) if !t.finalbody.is_empty() && !in_body(&t.finalbody, yield_at) => {
                    if let Some(call) = release_in(&t.finalbody, resolver, catalog) {
                        direct = Some(Held {
                            yield_at,
                            by: HeldBy::Finally {
                                release: call_text(call),
                                range: call.range(),
                            },
                        });
                    }
                }
                Stmt::For(f) if in_body(&f.body, yield_at) => {
                    if let Expr::Call(call) = &*f.iter {
                        candidates.push(Candidate {
                            call,
                            how: Delegation::Loop {
                                is_async: f.is_async,
                            },
                            yield_at,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    Scan { direct, candidates }
}

fn in_body(body: &[Stmt], range: TextRange) -> bool {
    match (body.first(), body.last()) {
        (Some(first), Some(last)) => {
            TextRange::new(first.start(), last.end()).contains_range(range)
        }
        _ => false,
    }
}

/// A release in a `finally` body: `x.close()` and the other release
/// statements, or a release function of the catalog (`os.close(fd)`).
fn release_in<'a>(
    body: &'a [Stmt],
    resolver: &Resolver<'_>,
    catalog: ActiveCatalog<'_>,
) -> Option<&'a ast::ExprCall> {
    let mut found = None;
    crate::misuse::for_each_call(body, &mut |call, _| {
        if found.is_some() {
            return;
        }
        let releases = match &*call.func {
            Expr::Attribute(a) => crate::explore::is_release_method(a.attr.id.as_str()),
            func => resolver
                .resolve(func)
                .is_some_and(|q| catalog.callee_use(&q) == Some(unclosed_catalog::ArgUse::Release)),
        };
        if releases {
            found = Some(call);
        }
    });
    found
}

fn call_text(call: &ast::ExprCall) -> String {
    let func = unclosed_names::dotted(&call.func).unwrap_or_else(|| match &*call.func {
        Expr::Attribute(a) => format!("….{}", a.attr.id),
        _ => "…".to_owned(),
    });
    format!("{func}()")
}

// ---------------------------------------------------------------------
// UC303: GeneratorExit swallowed

fn exit_ignored(def: &ast::StmtFunctionDef, yields: &[Yield<'_>], facts: &mut Vec<Fact>) {
    // `try` statements with a `yield` in their body.
    let mut tries: Vec<(&ast::StmtTry, TextRange)> = Vec::new();
    for y in yields {
        for stmt in &y.stack {
            if let Stmt::Try(t) = stmt
                && !t.handlers.is_empty()
                && in_body(&t.body, y.expr.range())
                && !tries.iter().any(|(seen, _)| std::ptr::eq(*seen, t))
            {
                tries.push((t, y.expr.range()));
            }
        }
    }
    let mut cfg = None;
    for (t, suspended_at) in tries {
        for handler in &t.handlers {
            let ast::ExceptHandler::ExceptHandler(h) = handler;
            let Some(explicit) = catches_generator_exit(h) else {
                continue;
            };
            // `except BaseException as e: if isinstance(e, GeneratorExit):
            // raise`: the handler tells them apart.
            if !explicit && mentions_generator_exit(&h.body) {
                continue;
            }
            let cfg = match cfg.get_or_insert_with(|| Cfg::build(&def.body).ok()) {
                Some(cfg) => &*cfg,
                None => return,
            };
            if let Some(again) = yield_after_handler(cfg, h) {
                let end = h
                    .type_
                    .as_deref()
                    .map_or(h.start() + TextSize::from(6), Ranged::end);
                facts.push(Fact::GeneratorExitIgnored(GeneratorExitIgnored {
                    range: TextRange::new(h.start(), end),
                    caught: h.type_.as_deref().map(type_text),
                    explicit,
                    is_async: def.is_async,
                    function: def.name.id.to_string(),
                    suspended_at,
                    yields_again: again,
                }));
            }
            if explicit {
                // Later clauses never see it.
                break;
            }
        }
    }
}

/// Whether a clause catches `GeneratorExit`: `Some(true)` when it names
/// it, `Some(false)` for `BaseException` or a bare `except:`.
fn catches_generator_exit(h: &ast::ExceptHandlerExceptHandler) -> Option<bool> {
    let Some(types) = crate::misuse::handler_types(h) else {
        return Some(false);
    };
    let mut broad = None;
    for t in types {
        match t.strip_prefix("builtins.").unwrap_or(&t) {
            "GeneratorExit" => return Some(true),
            "BaseException" => broad = Some(false),
            _ => {}
        }
    }
    broad
}

/// An exception type as written: `GeneratorExit`, `(A, b.B)`.
fn type_text(expr: &Expr) -> String {
    match expr {
        Expr::Tuple(t) => {
            let names: Vec<String> = t
                .elts
                .iter()
                .map(|e| unclosed_names::dotted(e).unwrap_or_else(|| "…".to_owned()))
                .collect();
            format!("({})", names.join(", "))
        }
        other => unclosed_names::dotted(other).unwrap_or_else(|| "…".to_owned()),
    }
}

fn mentions_generator_exit(body: &[Stmt]) -> bool {
    struct Finder(bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(n) = expr
                && n.id.as_str() == "GeneratorExit"
            {
                self.0 = true;
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder(false);
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.0
}

/// The first `yield` a path from the handler reaches without raising or
/// returning. A `while` whose test reads something the handler assigns
/// (`self.running = False`) is taken to stop there.
fn yield_after_handler(cfg: &Cfg<'_>, h: &ast::ExceptHandlerExceptHandler) -> Option<TextRange> {
    let start = cfg
        .nodes
        .iter()
        .position(|n| matches!(n.kind, NodeKind::Handler(x) if std::ptr::eq(x, h)))?;
    let flags = assigned_in(&h.body);
    let mut seen = vec![false; cfg.len()];
    let mut stack = vec![start as NodeId];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id as usize], true) {
            continue;
        }
        let node = cfg.node(id);
        if id as usize != start {
            if let Some(y) = node_yield(node.kind) {
                return Some(y);
            }
            if let NodeKind::Test(test) = node.kind
                && flags.iter().any(|f| mentions_target(test, f))
            {
                continue;
            }
        }
        for &(succ, kind) in &node.succs {
            if kind != EdgeKind::Exception {
                stack.push(succ);
            }
        }
    }
    None
}

/// The dotted targets a body assigns: `running`, `self.running`.
fn assigned_in(body: &[Stmt]) -> Vec<String> {
    let mut out = Vec::new();
    for stmt in body {
        match stmt {
            Stmt::Assign(a) => out.extend(a.targets.iter().filter_map(unclosed_names::dotted)),
            Stmt::AugAssign(a) => out.extend(unclosed_names::dotted(&a.target)),
            Stmt::AnnAssign(a) => out.extend(unclosed_names::dotted(&a.target)),
            Stmt::If(s) => {
                out.extend(assigned_in(&s.body));
                for clause in &s.elif_else_clauses {
                    out.extend(assigned_in(&clause.body));
                }
            }
            Stmt::Expr(e) => {
                // `self.stop_event.set()`: a flag of another kind.
                if let Expr::Call(call) = &*e.value
                    && let Expr::Attribute(a) = &*call.func
                    && let Some(receiver) = unclosed_names::dotted(&a.value)
                {
                    out.push(receiver);
                }
            }
            _ => {}
        }
    }
    out
}

fn mentions_target(expr: &Expr, target: &str) -> bool {
    struct Finder<'t>(&'t str, bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            if matches!(expr, Expr::Name(_) | Expr::Attribute(_))
                && unclosed_names::dotted(expr).as_deref() == Some(self.0)
            {
                self.1 = true;
                return;
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder(target, false);
    ast::visitor::Visitor::visit_expr(&mut finder, expr);
    finder.1
}

/// The first `yield` a node evaluates.
fn node_yield(kind: NodeKind<'_>) -> Option<TextRange> {
    struct Finder(Option<TextRange>);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                ast::visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if self.0.is_some() {
                return;
            }
            match expr {
                Expr::Lambda(_) => {}
                Expr::Yield(_) | Expr::YieldFrom(_) => self.0 = Some(expr.range()),
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(None);
    match kind {
        NodeKind::Stmt(stmt) => ast::visitor::Visitor::visit_stmt(&mut finder, stmt),
        NodeKind::Test(e) | NodeKind::MatchSubject(e) => {
            ast::visitor::Visitor::visit_expr(&mut finder, e)
        }
        NodeKind::ForIter(f) => ast::visitor::Visitor::visit_expr(&mut finder, &f.iter),
        NodeKind::WithEnter(item) => {
            ast::visitor::Visitor::visit_expr(&mut finder, &item.context_expr)
        }
        _ => {}
    }
    finder.0
}

// ---------------------------------------------------------------------
// Pass 2: loops that abandon resource generators (UC301, UC302)

struct Loops<'s, 'f> {
    status: &'s FxHashMap<DefKey, GeneratorSummary>,
    others: Others<'s>,
    /// Report exceptions out of loops over temporaries too.
    strict: bool,
    facts: &'f mut Vec<Fact>,
}

/// A loop over a resource generator.
struct LoopOver<'a> {
    stmt: &'a ast::StmtFor,
    callee: String,
    name: Option<&'a str>,
    held: Held,
    defined_in: Option<String>,
}

impl ScopeVisitor for Loops<'_, '_> {
    fn visit(&mut self, scope: &Scope<'_, '_>) {
        let loops = self.loops(scope);
        if loops.is_empty() {
            return;
        }
        let Ok(cfg) = Cfg::build(scope.body) else {
            return;
        };
        let resolver = scope.resolver();
        let mut raises: FxHashMap<NodeId, Option<EarlyExit>> = FxHashMap::default();
        for l in loops {
            let Some(exit) = early_exit(&cfg, l.stmt, l.name, &resolver, &mut raises) else {
                continue;
            };
            // A failure unwinding the loop drops the only reference to a
            // temporary generator: CPython closes it there and then, so
            // only deliberate exits are reported for it (unless strict).
            // Async generators are never closed synchronously.
            if l.name.is_none()
                && !l.stmt.is_async
                && matches!(exit, EarlyExit::Exception { .. })
                && !self.strict
            {
                continue;
            }
            self.facts
                .push(Fact::AbandonedGenerator(AbandonedGenerator {
                    range: TextRange::new(l.stmt.start(), l.stmt.iter.end()),
                    is_async: l.stmt.is_async,
                    callee: l.callee,
                    name: l.name.map(str::to_owned),
                    held: l.held,
                    defined_in: l.defined_in,
                    exit,
                }));
        }
    }
}

impl<'s> Loops<'s, '_> {
    /// The loops of a body over a call of a resource generator, or over a
    /// name bound only to such calls in this body.
    fn loops<'a>(&self, scope: &Scope<'_, 'a>) -> Vec<LoopOver<'a>> {
        let mut fors: Vec<&'a ast::StmtFor> = Vec::new();
        collect_fors(scope.body, &mut fors);
        let mut out = Vec::new();
        for f in fors {
            let (call, name) = match unwrap_iter(&f.iter) {
                Expr::Call(call) => (call, None),
                Expr::Name(n) => match self.bound_call(scope, n.id.as_str()) {
                    Some(call) => (call, Some(n.id.as_str())),
                    None => continue,
                },
                _ => continue,
            };
            let Some((summary, defined_in)) = self.generator(scope, call) else {
                continue;
            };
            if summary.is_async != f.is_async {
                continue;
            }
            let Some(held) = summary.held else {
                continue;
            };
            out.push(LoopOver {
                stmt: f,
                callee: unclosed_names::dotted(&call.func).unwrap_or_else(|| "…".to_owned()),
                name,
                held,
                defined_in,
            });
        }
        out
    }

    /// The resource generator a call calls: one of the module's, or of
    /// another module (with that module's name).
    fn generator(
        &self,
        scope: &Scope<'_, '_>,
        call: &ast::ExprCall,
    ) -> Option<(GeneratorSummary, Option<String>)> {
        match scope.callee_def(call) {
            Some(def) => self
                .status
                .get(&key(def))
                .filter(|s| s.abandoning_leaks())
                .map(|s| (s.clone(), None)),
            None => self
                .others
                .generator(scope, call)
                .filter(|(s, _)| s.abandoning_leaks())
                .map(|(s, module)| (s, Some(module))),
        }
    }

    /// The resource-generator call a local name is bound to: every binding
    /// of it in this body is `name = gen(...)` of one.
    fn bound_call<'a>(&self, scope: &Scope<'_, 'a>, name: &str) -> Option<&'a ast::ExprCall> {
        let names = scope.names(scope.frames.len() - 1);
        if names.declared_outer.contains(name)
            || scope
                .def
                .is_some_and(|d| d.parameters.iter().any(|p| p.name().id.as_str() == name))
        {
            return None;
        }
        let mut bindings = Bindings {
            name,
            calls: Vec::new(),
            other: false,
        };
        ast::visitor::Visitor::visit_body(&mut bindings, scope.body);
        if bindings.other {
            return None;
        }
        let first = *bindings.calls.first()?;
        bindings
            .calls
            .iter()
            .all(|c| self.generator(scope, c).is_some())
            .then_some(first)
    }
}

/// `enumerate(gen())`, `iter(gen())`: the iterable inside.
fn unwrap_iter(expr: &Expr) -> &Expr {
    if let Expr::Call(call) = expr
        && let Expr::Name(n) = &*call.func
        && matches!(n.id.as_str(), "enumerate" | "iter")
        && let Some(first) = call.arguments.args.first()
        && call.arguments.args.len() <= 2
    {
        return unwrap_iter(first);
    }
    expr
}

fn collect_fors<'a>(body: &'a [Stmt], out: &mut Vec<&'a ast::StmtFor>) {
    struct Finder<'a, 'o>(&'o mut Vec<&'a ast::StmtFor>);
    impl<'a> ast::visitor::Visitor<'a> for Finder<'a, '_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::For(f) => {
                    self.0.push(f);
                    ast::visitor::walk_stmt(self, stmt);
                }
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    ast::visitor::Visitor::visit_body(&mut Finder(out), body);
}

/// The bindings of a name in one body: calls bound by `name = call(...)`,
/// and whether anything else binds it.
struct Bindings<'n, 'a> {
    name: &'n str,
    calls: Vec<&'a ast::ExprCall>,
    other: bool,
}

impl<'a> Bindings<'_, 'a> {
    fn target(&mut self, target: &'a Expr, value: Option<&'a Expr>) {
        match target {
            Expr::Name(n) if n.id.as_str() == self.name => match value {
                Some(Expr::Call(call)) => self.calls.push(call),
                _ => self.other = true,
            },
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.target(e, None)),
            Expr::List(t) => t.elts.iter().for_each(|e| self.target(e, None)),
            Expr::Starred(s) => self.target(&s.value, None),
            _ => {}
        }
    }
}

impl<'a> ast::visitor::Visitor<'a> for Bindings<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.other |= f.name.id.as_str() == self.name;
                return;
            }
            Stmt::ClassDef(c) => {
                self.other |= c.name.id.as_str() == self.name;
                return;
            }
            Stmt::Assign(a) => {
                for t in &a.targets {
                    self.target(t, Some(&a.value));
                }
            }
            Stmt::AnnAssign(a) => self.target(&a.target, a.value.as_deref()),
            Stmt::AugAssign(a) => self.target(&a.target, None),
            Stmt::For(f) => self.target(&f.target, None),
            // `with closing(gen()) as g:` is closed by the `with`.
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(vars) = &item.optional_vars {
                        self.target(vars, None);
                    }
                }
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) => {
                let mut collector = DefCollector::default();
                ast::visitor::Visitor::visit_stmt(&mut collector, stmt);
                self.other |= collector.other.contains(self.name);
            }
            Stmt::Try(t) => {
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    self.other |= h.name.as_ref().is_some_and(|n| n.id.as_str() == self.name);
                }
            }
            _ => {}
        }
        ast::visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Named(n) => self.target(&n.target, Some(&n.value)),
            Expr::Lambda(_) => return,
            _ => {}
        }
        ast::visitor::walk_expr(self, expr);
    }
}

/// How the loop `f` can be left with its generator suspended, by priority:
/// `break`, `return`, `raise`, an exception. With `name`, an exit after
/// which the name is used again (`g.close()` in a `finally`, another loop
/// over it) is not one.
fn early_exit(
    cfg: &Cfg<'_>,
    f: &ast::StmtFor,
    name: Option<&str>,
    resolver: &Resolver<'_>,
    raises: &mut FxHashMap<NodeId, Option<EarlyExit>>,
) -> Option<EarlyExit> {
    let head = cfg
        .nodes
        .iter()
        .position(|n| matches!(n.kind, NodeKind::ForNext(x) if std::ptr::eq(x, f)))?
        as NodeId;
    let body = body_range(&f.body)?;
    let inside = |id: NodeId| -> bool {
        match cfg.node(id).kind {
            NodeKind::Entry | NodeKind::Exit | NodeKind::Raise => false,
            NodeKind::Join(_) => true,
            NodeKind::Dispatch(t) => body.contains_range(t.range()),
            _ => cfg.node(id).range().is_some_and(|r| body.contains_range(r)),
        }
    };
    let breaks = own_breaks(&f.body);
    let mut exits: Vec<EarlyExit> = Vec::new();
    let mut seen: FxHashSet<(NodeId, bool)> = FxHashSet::default();
    let mut stack: Vec<(NodeId, Option<EarlyExit>)> = cfg
        .node(head)
        .succs
        .iter()
        .filter(|(_, k)| *k == EdgeKind::True)
        .map(|(s, _)| (*s, None))
        .collect();
    while let Some((id, cause)) = stack.pop() {
        if id == head || !seen.insert((id, cause.is_some())) {
            continue;
        }
        if !inside(id) {
            if let Some(cause) = cause
                && name.is_none_or(|n| !used_after(cfg, id, n))
                && !exits.contains(&cause)
            {
                exits.push(cause);
            }
            continue;
        }
        let node = cfg.node(id);
        // An exception caught inside the loop is over.
        let cause = if matches!(node.kind, NodeKind::Handler(_)) {
            None
        } else {
            cause
        };
        let own = match node.kind {
            NodeKind::Break(b) if breaks.contains(&b.range()) => Some(EarlyExit::Break(b.range())),
            NodeKind::Stmt(Stmt::Return(r)) => Some(EarlyExit::Return(r.range())),
            NodeKind::Stmt(Stmt::Raise(r)) => Some(EarlyExit::Raise(r.range())),
            _ => None,
        };
        for &(succ, kind) in &node.succs {
            let next = if kind == EdgeKind::Exception {
                match node.kind {
                    NodeKind::Join(_) | NodeKind::Dispatch(_) => cause.clone(),
                    NodeKind::Stmt(Stmt::Raise(r)) => {
                        Some(cause.clone().unwrap_or(EarlyExit::Raise(r.range())))
                    }
                    NodeKind::Handler(_) | NodeKind::WithExit { .. } => continue,
                    _ => match raises
                        .entry(id)
                        .or_insert_with(|| plausible_failure(node.kind, resolver))
                    {
                        Some(exit) => Some(cause.clone().unwrap_or_else(|| exit.clone())),
                        None => continue,
                    },
                }
            } else {
                cause.clone().or_else(|| own.clone())
            };
            stack.push((succ, next));
        }
    }
    exits.sort_by_key(|e| match e {
        EarlyExit::Break(_) => 0,
        EarlyExit::Return(_) => 1,
        EarlyExit::Raise(_) => 2,
        EarlyExit::Exception { .. } => 3,
    });
    exits.into_iter().next()
}

/// The `break` statements of a loop body that leave this loop (not an
/// inner one).
fn own_breaks(body: &[Stmt]) -> Vec<TextRange> {
    struct Finder(Vec<TextRange>);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Break(b) => self.0.push(b.range()),
                Stmt::For(f) => self.visit_body(&f.orelse),
                Stmt::While(w) => self.visit_body(&w.orelse),
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut finder = Finder(Vec::new());
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.0
}

fn body_range(body: &[Stmt]) -> Option<TextRange> {
    Some(TextRange::new(body.first()?.start(), body.last()?.end()))
}

/// Whether a node's exceptional edge is a failure worth planning for: a
/// call of code we cannot see, an `await` (see `raises.rs`). A `yield`
/// alone is not (the caller closing this generator closes the other).
fn plausible_failure(kind: NodeKind<'_>, resolver: &Resolver<'_>) -> Option<EarlyExit> {
    let info = crate::raises::raise_info(kind, resolver);
    if !info.strong {
        return None;
    }
    if let Some((at, call)) = info.culprit
        && info.strong_receivers.len() > usize::from(contains_yield(kind))
    {
        return Some(EarlyExit::Exception { at, call });
    }
    let range = kind_range(kind)?;
    contains_await(kind).then(|| EarlyExit::Exception {
        at: range,
        call: "await".to_owned(),
    })
}

fn kind_range(kind: NodeKind<'_>) -> Option<TextRange> {
    Some(match kind {
        NodeKind::Stmt(s) => s.range(),
        NodeKind::Test(e) | NodeKind::MatchSubject(e) => e.range(),
        NodeKind::ForIter(f) => f.iter.range(),
        NodeKind::WithEnter(item) => item.range(),
        _ => return None,
    })
}

fn contains_yield(kind: NodeKind<'_>) -> bool {
    node_yield(kind).is_some()
}

fn contains_await(kind: NodeKind<'_>) -> bool {
    struct Finder(bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                ast::visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Lambda(_) => {}
                Expr::Await(_) => self.0 = true,
                _ => ast::visitor::walk_expr(self, expr),
            }
        }
    }
    let mut finder = Finder(false);
    match kind {
        NodeKind::Stmt(stmt) => ast::visitor::Visitor::visit_stmt(&mut finder, stmt),
        NodeKind::Test(e) | NodeKind::MatchSubject(e) => {
            ast::visitor::Visitor::visit_expr(&mut finder, e)
        }
        NodeKind::ForIter(f) => ast::visitor::Visitor::visit_expr(&mut finder, &f.iter),
        NodeKind::WithEnter(item) => {
            ast::visitor::Visitor::visit_expr(&mut finder, &item.context_expr)
        }
        _ => {}
    }
    finder.0
}

/// Whether, on every way on from `from` (following the exit in flight,
/// not new failures), the name is used again before the body ends: closed
/// in a `finally`, iterated again, handed on.
fn used_after(cfg: &Cfg<'_>, from: NodeId, name: &str) -> bool {
    let mut seen = vec![false; cfg.len()];
    let mut stack = vec![from];
    while let Some(id) = stack.pop() {
        if std::mem::replace(&mut seen[id as usize], true) {
            continue;
        }
        let node = cfg.node(id);
        match node.kind {
            NodeKind::Exit | NodeKind::Raise => return false,
            kind if loads(kind, name) => continue,
            _ => {}
        }
        let propagates = matches!(node.kind, NodeKind::Join(_) | NodeKind::Dispatch(_));
        for &(succ, kind) in &node.succs {
            if kind != EdgeKind::Exception || propagates {
                stack.push(succ);
            }
        }
    }
    true
}

/// Whether a node reads the name.
fn loads(kind: NodeKind<'_>, name: &str) -> bool {
    struct Finder<'n>(&'n str, bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if !matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
                ast::visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Name(n) = expr
                && n.id.as_str() == self.0
                && matches!(n.ctx, ast::ExprContext::Load)
            {
                self.1 = true;
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder(name, false);
    match kind {
        NodeKind::Stmt(stmt) | NodeKind::Def(stmt) => {
            ast::visitor::Visitor::visit_stmt(&mut finder, stmt)
        }
        NodeKind::Test(e) | NodeKind::MatchSubject(e) => {
            ast::visitor::Visitor::visit_expr(&mut finder, e)
        }
        NodeKind::ForIter(f) => ast::visitor::Visitor::visit_expr(&mut finder, &f.iter),
        NodeKind::WithEnter(item) => {
            ast::visitor::Visitor::visit_expr(&mut finder, &item.context_expr)
        }
        _ => {}
    }
    finder.1
}
