//! Classes that own resources (UC4; DESIGN.md section 4.5): `self.x`
//! ownership connects the method that stores a resource (`__init__`,
//! `open()`) to the one that releases it (`close()`, `__exit__`).
//!
//! A first walk of the module summarizes every class (nested ones
//! included): its bases, the names it binds, what its methods store in
//! attributes of `self` that the catalog calls an acquisition
//! ([`ClassWalk::acquisition`], the one place that decides it; only in
//! methods that pass the leak analysis's syntactic pre-filter), and what
//! its `__exit__` returns. A second walk, only for the classes in the
//! family of one that owns something, follows every use of an attribute of
//! `self` that may release it or hand it on, and what `close()` does. The
//! facts are then decided over each class's family in the module (its
//! bases and its subclasses defined there). A module without any method
//! that may acquire gets only the `__exit__` check.
//!
//! Ownership is followed generously, because a class's attributes live as
//! long as the object and any method may be the one that closes them. An
//! attribute counts as released (or handed on, which ends the class's
//! responsibility as far as we can tell) by:
//!
//! - a release method of its kind (`self.f.close()`, `self.p.wait()`) or of
//!   any resource (`shutdown()`, `terminate()`, ...), `with self.f:`, a
//!   release function (`os.close(self.fd)`);
//! - the same on an alias (`f = self.f`, `f, self.f = self.f, None`, `for
//!   f in (self.a, self.b):`, `with self.f as f:`);
//! - being passed to any call that is not a known borrower (it may close
//!   it), returned, yielded, stored anywhere else, its bound release method
//!   handed on (`atexit.register(self.f.close)`);
//! - a release of `anything.attr` elsewhere in the module (`server.sock.
//!   close()` in a helper or a test);
//! - a base class of the standard library known to release it
//!   ([`unclosed_catalog::KNOWN_BASES`]).
//!
//! The checks give up on a class whose attributes are reached dynamically
//! (`getattr(self, name)`, `setattr`, `vars(self)`, `self.__dict__`
//! anywhere in its hierarchy) and on a class with a base that is neither
//! defined in the module nor known: that base may release anything, and
//! provide `__enter__`/`__exit__`.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;
use unclosed_catalog::{Acquirer, ActiveCatalog, ArgUse, KnownBase, MethodUse, Returns};
use unclosed_names::{Resolver, ScopeNames};
use unclosed_program::{ClassId, ModuleId, Site as CallSite};

use crate::Fact;
use crate::summaries::CallSummaries;

/// A resource a class stores in an attribute of `self`.
#[derive(Debug, Clone)]
pub struct OwnedResource {
    /// The assignment that stores it (`self.f = open(p)`).
    pub range: TextRange,
    pub class: String,
    /// The attribute (`f`).
    pub attr: String,
    /// The method that stores it.
    pub method: String,
    /// The acquiring call.
    pub call: TextRange,
    /// How the callee is spelled (`open`, `socket.socket`).
    pub callee: String,
    pub acquirer: &'static Acquirer,
    pub writer: bool,
    /// Holds its resource from construction (not a lazy `smtplib.SMTP()`
    /// that connects later).
    held: bool,
}

/// A resource of a class released only by `__del__` (or by helpers only
/// `__del__` calls).
#[derive(Debug, Clone)]
pub struct ReleasedOnlyInDel {
    pub owned: OwnedResource,
    /// The release in `__del__` (or the call of the helper that releases).
    pub release: TextRange,
}

/// What makes a class closeable.
#[derive(Debug, Clone)]
pub enum Closeable {
    /// It defines `close()` (or `aclose()`), which releases something.
    Method { name: String, is_async: bool },
    /// It owns a resource, released in this method.
    Owns {
        owned: OwnedResource,
        released_in: String,
    },
}

/// A closeable class without `__enter__`/`__exit__`.
#[derive(Debug, Clone)]
pub struct NoContextManager {
    /// The class name on the `class` line.
    pub range: TextRange,
    pub class: String,
    pub closeable: Closeable,
}

/// A `return` of a truthy constant in `__exit__`/`__aexit__`.
#[derive(Debug, Clone)]
pub struct ExitSwallows {
    /// The `return` statement.
    pub range: TextRange,
    /// The constant returned.
    pub value: TextRange,
    pub class: String,
    /// `__exit__` or `__aexit__`.
    pub method: String,
}

/// Analyze every class of module `module_id` of the program `summaries`
/// knows. `extra` are the local names that may acquire (aliases of
/// acquirers), for the syntactic pre-filter.
pub(crate) fn analyze(
    suite: &[Stmt],
    module: &ScopeNames,
    catalog: ActiveCatalog<'_>,
    extra: &[&str],
    summaries: &dyn CallSummaries,
    module_id: ModuleId,
) -> Vec<Fact> {
    // Without a method that may acquire, no class owns a resource: only
    // `__exit__` (UC404) is left to check.
    let factories = Factories {
        summaries,
        module: module_id,
    };
    if !any_method_may_acquire(suite, module, extra, catalog, factories) {
        let mut facts = Vec::new();
        exits_only(suite, &mut facts);
        return facts;
    }
    let mut walk = ClassWalk {
        module,
        catalog,
        factories,
        extra,
        classes: Vec::new(),
        facts: Vec::new(),
        pass: Pass::Summary,
        next: 0,
        needed: FxHashSet::default(),
    };
    walk.body(suite, &[]);
    // The uses of attributes matter only in the families of classes that
    // own something: a second walk follows them there.
    let mut needed = FxHashSet::default();
    {
        let hierarchy = Hierarchy::new(&walk.classes, suite);
        for (i, class) in walk.classes.iter().enumerate() {
            if class.owned.is_empty() {
                continue;
            }
            if let Some((ancestors, _)) = hierarchy.ancestry(i) {
                needed.extend(ancestors);
            }
            needed.extend(hierarchy.descendants(i));
        }
    }
    if !needed.is_empty() {
        walk.pass = Pass::Uses;
        walk.next = 0;
        walk.needed = needed;
        walk.body(suite, &[]);
    }
    let ClassWalk {
        classes, mut facts, ..
    } = walk;
    if !classes.is_empty() {
        Hierarchy::new(&classes, suite).decide(&mut facts);
    }
    facts
}

/// Method names that release a resource of some kind, whatever the
/// attribute's kind: a use that counts as releasing it.
const RELEASE_METHODS: &[&str] = &[
    "close",
    "aclose",
    "shutdown",
    "terminate",
    "kill",
    "wait",
    "communicate",
    "cleanup",
    "quit",
    "logout",
    "dispose",
    "detach",
    "closeall",
    "disconnect",
    "release",
    "__exit__",
    "__aexit__",
];

/// Method names whose call in `close()` releases something: what makes a
/// class closeable (UC403). Narrower than [`RELEASE_METHODS`]: `wait()` and
/// `release()` are as often events and locks.
const CLOSING_METHODS: &[&str] = &[
    "close",
    "aclose",
    "shutdown",
    "terminate",
    "kill",
    "cleanup",
    "quit",
    "logout",
    "dispose",
    "closeall",
    "__exit__",
    "__aexit__",
];

/// Names of methods whose job is to release what the object holds.
const CLOSE_LIKE: &[&str] = &[
    "close",
    "aclose",
    "stop",
    "shutdown",
    "terminate",
    "cleanup",
    "quit",
    "disconnect",
    "dispose",
    "release",
    "finish",
];

/// Methods a test framework calls around each test: a class that has them
/// is set up and torn down for the user.
const TEST_LIFECYCLE: &[&str] = &[
    "setUp",
    "tearDown",
    "setUpClass",
    "tearDownClass",
    "asyncSetUp",
    "asyncTearDown",
    "setup_method",
    "teardown_method",
    "setup_class",
    "teardown_class",
];

const CONTEXT_METHODS: &[&str] = &["__enter__", "__exit__", "__aenter__", "__aexit__"];

const ITERATOR_METHODS: &[&str] = &["__iter__", "__next__", "__aiter__", "__anext__"];

/// A base class as written in the `class` statement.
#[derive(Debug, Clone)]
enum Base {
    /// A class of this module, by name.
    InModule(String),
    Known(KnownBase),
    Unknown,
}

/// Where an attribute is used in a way that may release it.
#[derive(Debug, Clone)]
struct Site {
    method: String,
    range: TextRange,
    /// A release proper, not a hand-off.
    release: bool,
}

/// A method called on an attribute: a release when the attribute's kind
/// says so.
#[derive(Debug, Clone)]
struct MethodCallSite {
    method: String,
    no_args: bool,
    site: Site,
}

/// What one class's own body says.
#[derive(Debug)]
struct ClassInfo {
    name: String,
    /// The class name on the `class` line.
    name_range: TextRange,
    bases: Vec<Base>,
    /// Names the class body binds (methods, `__exit__ = close`).
    defines: FxHashSet<String>,
    /// Resources stored in attributes, in source order.
    owned: Vec<OwnedResource>,
    /// Per attribute: uses that may release it or hand it on.
    handled: FxHashMap<String, Vec<Site>>,
    /// Per attribute: methods called on it.
    calls: FxHashMap<String, Vec<MethodCallSite>>,
    /// Per attribute of `self` (methods included): the methods that load it.
    loaded_by: FxHashMap<String, Vec<String>>,
    /// Attributes are reached by name (`getattr(self, name)`).
    dynamic: bool,
    /// A `close()`/`aclose()` that releases something.
    close: Option<(String, bool)>,
}

/// The program's functions, for the factories among them (`self._connect()`,
/// `open_log(p)` of another module): what their summaries say they return
/// is an acquisition like the catalog's.
#[derive(Clone, Copy)]
struct Factories<'m> {
    summaries: &'m dyn CallSummaries,
    /// The module analyzed.
    module: ModuleId,
}

impl<'m> Factories<'m> {
    /// Where a call in a method is: `class` the program's class the method
    /// belongs to (a class at the top of the module), `receiver` its
    /// `self`.
    fn site<'s>(
        &self,
        resolver: Resolver<'s>,
        class: Option<ClassId>,
        receiver: Option<&'s str>,
    ) -> CallSite<'s> {
        CallSite {
            module: self.module,
            resolver,
            class,
            self_name: receiver,
        }
    }

    /// The program's class a `class` statement of the module is.
    fn class_of(&self, def: &ast::StmtClassDef) -> Option<ClassId> {
        self.summaries.program().class_of(self.module, def)
    }

    /// Whether a method's body may acquire (the leak analysis's syntactic
    /// pre-filter): a catalog acquirer, a local alias of one (`extra`), or
    /// a call of a factory of the program.
    fn may_acquire(
        &self,
        body: &[Stmt],
        extra: &[&str],
        catalog: ActiveCatalog<'_>,
        site: &CallSite<'_>,
    ) -> bool {
        let program = self.summaries.program();
        crate::effects::may_acquire_with(body, extra, catalog, &|call| {
            program
                .resolve_call(site, &call.func)
                .is_some_and(|f| self.summaries.fresh(f).is_some())
        })
    }
}

struct ClassWalk<'m, 'c> {
    module: &'m ScopeNames,
    catalog: ActiveCatalog<'c>,
    factories: Factories<'m>,
    extra: &'m [&'m str],
    classes: Vec<ClassInfo>,
    facts: Vec<Fact>,
    pass: Pass,
    /// The index of the next class statement met (the same order in both
    /// walks).
    next: usize,
    /// The classes whose uses of attributes the second walk follows.
    needed: FxHashSet<usize>,
}

/// The two walks of the classes of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Bases, names, what the methods store in `self`; `__exit__`.
    Summary,
    /// The uses of `self`'s attributes, for the classes in `needed`.
    Uses,
}

/// A resource acquired by a value stored in `self`.
#[derive(Clone)]
struct Acquired {
    call: TextRange,
    callee: String,
    acquirer: &'static Acquirer,
    writer: bool,
    held: bool,
}

impl<'m, 'c> ClassWalk<'m, 'c> {
    /// Find classes in a body (also inside compound statements and
    /// functions).
    fn body(&mut self, body: &[Stmt], chain: &[&ScopeNames]) {
        for stmt in body {
            match stmt {
                Stmt::FunctionDef(f) if contains_class(&f.body) => {
                    let scope = ScopeNames::function(Some(&f.parameters), &f.body);
                    let mut inner: Vec<&ScopeNames> = chain.to_vec();
                    inner.push(&scope);
                    self.body(&f.body, &inner);
                }
                Stmt::ClassDef(c) => {
                    let scope = ScopeNames::class(&c.body);
                    let index = self.next;
                    self.next += 1;
                    match self.pass {
                        Pass::Summary => self.class(c, chain, &scope),
                        Pass::Uses if self.needed.contains(&index) => {
                            self.uses(c, chain, &scope, index);
                        }
                        Pass::Uses => {}
                    }
                    let mut inner: Vec<&ScopeNames> = chain.to_vec();
                    inner.push(&scope);
                    self.body(&c.body, &inner);
                }
                Stmt::If(s) => {
                    self.body(&s.body, chain);
                    for clause in &s.elif_else_clauses {
                        self.body(&clause.body, chain);
                    }
                }
                Stmt::For(s) => {
                    self.body(&s.body, chain);
                    self.body(&s.orelse, chain);
                }
                Stmt::While(s) => {
                    self.body(&s.body, chain);
                    self.body(&s.orelse, chain);
                }
                Stmt::With(s) => self.body(&s.body, chain),
                Stmt::Try(s) => {
                    self.body(&s.body, chain);
                    for handler in &s.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = handler;
                        self.body(&h.body, chain);
                    }
                    self.body(&s.orelse, chain);
                    self.body(&s.finalbody, chain);
                }
                Stmt::Match(s) => {
                    for case in &s.cases {
                        self.body(&case.body, chain);
                    }
                }
                _ => {}
            }
        }
    }

    /// Summarize one class. `chain` is the scopes around the `class`
    /// statement; `scope` the class body's.
    fn class(&mut self, def: &ast::StmtClassDef, chain: &[&ScopeNames], scope: &ScopeNames) {
        let outer = Resolver {
            module: self.module,
            chain,
        };
        let bases = def
            .arguments
            .as_ref()
            .map(|a| a.args.iter().map(|b| base(b, outer)).collect())
            .unwrap_or_default();
        let name = def.name.id.to_string();
        let mut info = ClassInfo {
            name: name.clone(),
            name_range: def.name.range(),
            bases,
            defines: scope.bound.iter().map(|n| n.to_string()).collect(),
            owned: Vec::new(),
            handled: FxHashMap::default(),
            calls: FxHashMap::default(),
            loaded_by: FxHashMap::default(),
            dynamic: false,
            close: None,
        };
        let class = self.factories.class_of(def);
        let mut methods = Vec::new();
        collect_methods(&def.body, &mut methods);
        for m in methods {
            let method = m.name.id.as_str();
            if matches!(method, "__exit__" | "__aexit__") {
                exit_returns(m, &name, &mut self.facts);
            }
            let Some((receiver, true)) = receiver(m) else {
                continue;
            };
            let fn_scope = ScopeNames::function(Some(&m.parameters), &m.body);
            let mut inner: Vec<&ScopeNames> = chain.to_vec();
            inner.push(scope);
            inner.push(&fn_scope);
            let resolver = Resolver {
                module: self.module,
                chain: &inner,
            };
            let site = self.factories.site(resolver, class, Some(receiver));
            if !self
                .factories
                .may_acquire(&m.body, self.extra, self.catalog, &site)
            {
                continue;
            }
            self.stores(&m.body, receiver, method, &site, &mut info);
        }
        self.classes.push(info);
    }

    /// Follow the uses of `self`'s attributes in the methods of a class
    /// (the `index`-th met) whose family owns something.
    fn uses(
        &mut self,
        def: &ast::StmtClassDef,
        chain: &[&ScopeNames],
        scope: &ScopeNames,
        index: usize,
    ) {
        let Some(info) = self.classes.get_mut(index) else {
            return;
        };
        let mut methods = Vec::new();
        collect_methods(&def.body, &mut methods);
        for m in methods {
            let method = m.name.id.as_str();
            let fn_scope = ScopeNames::function(Some(&m.parameters), &m.body);
            let mut inner: Vec<&ScopeNames> = chain.to_vec();
            inner.push(scope);
            inner.push(&fn_scope);
            let resolver = Resolver {
                module: self.module,
                chain: &inner,
            };
            if matches!(method, "close" | "aclose")
                && releases_something(&m.body, resolver, self.catalog)
            {
                info.close = Some((method.to_owned(), m.is_async));
            }
            let Some((receiver, _)) = receiver(m) else {
                continue;
            };
            let mut uses = Uses {
                receiver,
                resolver,
                catalog: self.catalog,
                aliases: FxHashMap::default(),
                elements: FxHashMap::default(),
                handled: Vec::new(),
                calls: Vec::new(),
                loaded: Vec::new(),
                dynamic: false,
            };
            uses.find_aliases(&m.body);
            uses.body(&m.body);
            info.dynamic |= uses.dynamic;
            for (attr, range) in uses.handled {
                info.handled.entry(attr.to_owned()).or_default().push(Site {
                    method: method.to_owned(),
                    range,
                    release: false,
                });
            }
            for (attr, called, no_args, range) in uses.calls {
                info.calls
                    .entry(attr.to_owned())
                    .or_default()
                    .push(MethodCallSite {
                        method: called.to_owned(),
                        no_args,
                        site: Site {
                            method: method.to_owned(),
                            range,
                            release: true,
                        },
                    });
            }
            for attr in uses.loaded {
                let by = info.loaded_by.entry(attr.to_owned()).or_default();
                if !by.iter().any(|m| m == method) {
                    by.push(method.to_owned());
                }
            }
        }
    }

    /// The `self.attr = <acquisition>` assignments of a method.
    fn stores(
        &self,
        body: &[Stmt],
        receiver: &str,
        method: &str,
        site: &CallSite<'_>,
        info: &mut ClassInfo,
    ) {
        let mut assignments = Vec::new();
        collect_assignments(body, &mut assignments);
        for (stmt, targets, value) in assignments {
            for target in targets {
                let stored: Vec<(&str, Acquired)> = match target {
                    Expr::Attribute(a) if is_name(&a.value, receiver) => {
                        match self.acquisition(value, site) {
                            Some((acquired, Returns::Object)) => {
                                vec![(a.attr.id.as_str(), acquired)]
                            }
                            _ => Vec::new(),
                        }
                    }
                    // `self.r, self.w = os.pipe()`.
                    Expr::Tuple(t) => match self.acquisition(value, site) {
                        Some((acquired, Returns::Tuple(indices))) => indices
                            .iter()
                            .filter_map(|&i| match t.elts.get(i) {
                                Some(Expr::Attribute(a)) if is_name(&a.value, receiver) => {
                                    Some((a.attr.id.as_str(), acquired.clone()))
                                }
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                for (attr, acquired) in stored {
                    info.owned.push(OwnedResource {
                        range: stmt,
                        class: info.name.clone(),
                        attr: attr.to_owned(),
                        method: method.to_owned(),
                        call: acquired.call,
                        callee: acquired.callee,
                        acquirer: acquired.acquirer,
                        writer: acquired.writer,
                        held: acquired.held,
                    });
                }
            }
        }
    }

    /// Whether a value stored in an attribute acquires a resource the
    /// object then owns, and which. Every check of this module asks here:
    /// the catalog's acquirers (`open(p)`, `await connect()`, `open(p) if
    /// c else None`). Summaries of the program's own factories
    /// (`self._make()`) belong here too.
    fn acquisition(&self, value: &Expr, site: &CallSite<'_>) -> Option<(Acquired, Returns)> {
        let calls = crate::effects::Calls {
            summaries: self.factories.summaries,
            site: *site,
            only_args: None,
        };
        let extractor =
            crate::effects::Extractor::new(site.resolver, self.catalog, false, 0).with_calls(calls);
        let (call, (acquirer, callee)) = match value {
            Expr::Call(call) => (call, extractor.acquirer_of(call)?),
            Expr::Await(a) => match &*a.value {
                Expr::Call(call) => (call, extractor.awaited_acquirer_of(call, true)?),
                _ => return None,
            },
            Expr::If(e) => {
                return self
                    .acquisition(&e.body, site)
                    .or_else(|| self.acquisition(&e.orelse, site));
            }
            // `[connect(a) for _ in range(n)]`: the attribute holds the
            // resources.
            Expr::ListComp(ast::ExprListComp { elt, .. })
            | Expr::SetComp(ast::ExprSetComp { elt, .. })
            | Expr::Generator(ast::ExprGenerator { elt, .. }) => {
                return self
                    .acquisition(elt, site)
                    .filter(|(_, returns)| *returns == Returns::Object);
            }
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                return elts
                    .iter()
                    .find_map(|e| self.acquisition(e, site))
                    .filter(|(_, returns)| *returns == Returns::Object);
            }
            _ => return None,
        };
        // A factory of the program returns the resource (one object) its
        // summary names; the call's arguments are not the acquirer's.
        if extractor.acquirer_of_callee(call).is_none() {
            return Some((
                Acquired {
                    call: call.range(),
                    callee,
                    acquirer,
                    writer: extractor.writer_of(call, acquirer),
                    held: matches!(acquirer.lazy, unclosed_catalog::Lazy::No),
                },
                Returns::Object,
            ));
        }
        Some((
            Acquired {
                call: call.range(),
                callee,
                acquirer,
                writer: crate::effects::is_writer(call, acquirer),
                held: crate::effects::held_from_construction(acquirer.lazy, call),
            },
            acquirer.returns,
        ))
    }
}

/// Whether some method of some class of the module may acquire a resource
/// (the leak analysis's syntactic pre-filter).
fn any_method_may_acquire(
    suite: &[Stmt],
    module: &ScopeNames,
    extra: &[&str],
    catalog: ActiveCatalog<'_>,
    factories: Factories<'_>,
) -> bool {
    struct Finder<'x> {
        module: &'x ScopeNames,
        extra: &'x [&'x str],
        catalog: ActiveCatalog<'x>,
        factories: Factories<'x>,
        found: bool,
    }
    impl<'a> ast::visitor::Visitor<'a> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.found {
                return;
            }
            if let Stmt::ClassDef(c) = stmt {
                let class = self.factories.class_of(c);
                let mut methods = Vec::new();
                collect_methods(&c.body, &mut methods);
                // Only the module's names: a method's own names are looked
                // at when it is analyzed (this may only say yes too often).
                let resolver = Resolver {
                    module: self.module,
                    chain: &[],
                };
                // A method that imports may bind a factory the module's
                // names do not show (`from .util import open_log` inside
                // it): it may acquire.
                self.found = methods.iter().any(|m| {
                    let site = self
                        .factories
                        .site(resolver, class, receiver(m).map(|(r, _)| r));
                    crate::has_import(&m.body, 0)
                        || self
                            .factories
                            .may_acquire(&m.body, self.extra, self.catalog, &site)
                });
            }
            ast::visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut finder = Finder {
        module,
        extra,
        catalog,
        factories,
        found: false,
    };
    ast::visitor::Visitor::visit_body(&mut finder, suite);
    finder.found
}

/// UC404 alone: the `__exit__` methods of every class.
fn exits_only(suite: &[Stmt], facts: &mut Vec<Fact>) {
    struct Finder<'f>(&'f mut Vec<Fact>);
    impl<'a> ast::visitor::Visitor<'a> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if let Stmt::ClassDef(c) = stmt {
                let mut methods = Vec::new();
                collect_methods(&c.body, &mut methods);
                for m in methods {
                    if matches!(m.name.id.as_str(), "__exit__" | "__aexit__") {
                        exit_returns(m, c.name.id.as_str(), self.0);
                    }
                }
            }
            ast::visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    ast::visitor::Visitor::visit_body(&mut Finder(facts), suite);
}

/// Whether a body defines a class somewhere (nested functions included).
fn contains_class(body: &[Stmt]) -> bool {
    struct Finder(bool);
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if matches!(stmt, Stmt::ClassDef(_)) {
                self.0 = true;
            } else if !self.0 {
                ast::visitor::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut finder = Finder(false);
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.0
}

/// The methods of a class body (also those defined under `if`/`try`).
fn collect_methods<'a>(body: &'a [Stmt], out: &mut Vec<&'a ast::StmtFunctionDef>) {
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(f) => out.push(f),
            Stmt::If(s) => {
                collect_methods(&s.body, out);
                for clause in &s.elif_else_clauses {
                    collect_methods(&clause.body, out);
                }
            }
            Stmt::Try(s) => {
                collect_methods(&s.body, out);
                for handler in &s.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    collect_methods(&h.body, out);
                }
                collect_methods(&s.orelse, out);
                collect_methods(&s.finalbody, out);
            }
            Stmt::With(s) => collect_methods(&s.body, out),
            _ => {}
        }
    }
}

/// The assignments of a body, not in nested scopes: the statement's range,
/// its targets and its value.
fn collect_assignments<'a>(body: &'a [Stmt], out: &mut Vec<(TextRange, &'a [Expr], &'a Expr)>) {
    struct Finder<'a, 'o>(&'o mut Vec<(TextRange, &'a [Expr], &'a Expr)>);
    impl<'a> ast::visitor::Visitor<'a> for Finder<'a, '_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => return,
                Stmt::Assign(a) => self.0.push((a.range(), &a.targets, &a.value)),
                Stmt::AnnAssign(a) => {
                    if let Some(value) = &a.value {
                        self.0
                            .push((a.range(), std::slice::from_ref(&*a.target), value));
                    }
                }
                _ => {}
            }
            ast::visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    ast::visitor::Visitor::visit_body(&mut Finder(out), body);
}

fn is_name(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(n) if n.id.as_str() == name)
}

/// The name a method calls its instance (or class), and whether it is the
/// instance: `None` for static methods and methods without parameters.
fn receiver(m: &ast::StmtFunctionDef) -> Option<(&str, bool)> {
    let decorated = |name: &str| {
        m.decorator_list.iter().any(|d| {
            unclosed_names::dotted(&d.expression)
                .is_some_and(|t| t.rsplit('.').next() == Some(name))
        })
    };
    if decorated("staticmethod") {
        return None;
    }
    let first = m
        .parameters
        .posonlyargs
        .first()
        .or_else(|| m.parameters.args.first())?;
    Some((first.parameter.name.id.as_str(), !decorated("classmethod")))
}

/// A base class expression: a class of the module, a known base of the
/// standard library, or unknown.
fn base(expr: &Expr, resolver: Resolver<'_>) -> Base {
    let expr = match expr {
        // `Generic[T]`, `Protocol[T]`.
        Expr::Subscript(s) => &*s.value,
        other => other,
    };
    match expr {
        Expr::Name(n) => match resolver.resolve_name(n.id.as_str()) {
            Some(q) => unclosed_catalog::known_base(&q).map_or(Base::Unknown, Base::Known),
            // Bound in the program: a class of the module, if one has that
            // name (decided with the hierarchy).
            None => Base::InModule(n.id.to_string()),
        },
        Expr::Attribute(_) => resolver
            .resolve(expr)
            .and_then(|q| unclosed_catalog::known_base(&q))
            .map_or(Base::Unknown, Base::Known),
        _ => Base::Unknown,
    }
}

/// Whether a `close()` body releases something: a release method called on
/// something other than the object itself or `super()`, or a release
/// function (`os.close(self.fd)`).
fn releases_something(body: &[Stmt], resolver: Resolver<'_>, catalog: ActiveCatalog<'_>) -> bool {
    let mut found = false;
    crate::misuse::for_each_call(body, &mut |call, _| {
        if found {
            return;
        }
        match &*call.func {
            Expr::Attribute(a) if CLOSING_METHODS.contains(&a.attr.id.as_str()) => {
                let own = match &*a.value {
                    Expr::Name(_) => receiver_like(&a.value),
                    Expr::Call(c) => is_name(&c.func, "super"),
                    _ => false,
                };
                found = !own;
            }
            func => {
                found = resolver
                    .resolve(func)
                    .is_some_and(|q| catalog.callee_use(&q) == Some(ArgUse::Release));
            }
        }
    });
    found
}

/// `self` or `cls`: the object's own methods, not a resource's.
fn receiver_like(expr: &Expr) -> bool {
    matches!(expr, Expr::Name(n) if matches!(n.id.as_str(), "self" | "cls"))
}

/// How the value of an expression is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Used and left where it is.
    Borrow,
    /// Handed to something we do not follow: it may be released there.
    Handed,
}

/// The uses of `self`'s attributes in one method.
struct Uses<'a, 'r> {
    receiver: &'a str,
    resolver: Resolver<'r>,
    catalog: ActiveCatalog<'r>,
    /// Local names bound to attributes (`f = self.f`).
    aliases: FxHashMap<&'a str, SmallVec<[&'a str; 2]>>,
    /// Loop variables over an attribute (`for conn in self.connections:`):
    /// closing each element releases what the attribute holds.
    elements: FxHashMap<&'a str, SmallVec<[&'a str; 2]>>,
    /// Uses that may release an attribute or hand it on.
    handled: Vec<(&'a str, TextRange)>,
    /// Methods called on an attribute: (attribute, method, no arguments,
    /// the call).
    calls: Vec<(&'a str, &'a str, bool, TextRange)>,
    /// Every attribute of `self` loaded (methods included).
    loaded: Vec<&'a str>,
    dynamic: bool,
}

impl<'a> Uses<'a, '_> {
    /// The attributes an expression stands for: `self.f` or an alias.
    fn refs(&self, expr: &'a Expr) -> SmallVec<[&'a str; 2]> {
        match expr {
            Expr::Attribute(a) if is_name(&a.value, self.receiver) => {
                smallvec::smallvec![a.attr.id.as_str()]
            }
            Expr::Name(n) => self.aliases.get(n.id.as_str()).cloned().unwrap_or_default(),
            _ => SmallVec::new(),
        }
    }

    /// A release of `expr` by a release function.
    fn released(&mut self, expr: &'a Expr, refs: &[&'a str], range: TextRange) {
        if refs.is_empty() {
            return;
        }
        self.use_refs(expr, refs, Ctx::Borrow);
        self.calls.extend(
            refs.iter()
                .map(|attr| (*attr, RELEASE_FUNCTION, false, range)),
        );
    }

    /// Note the uses of `expr`, which stands for `refs`.
    fn use_refs(&mut self, expr: &'a Expr, refs: &[&'a str], ctx: Ctx) {
        if let Expr::Attribute(a) = expr
            && is_name(&a.value, self.receiver)
        {
            self.loaded.push(a.attr.id.as_str());
            if a.attr.id.as_str() == "__dict__" {
                self.dynamic = true;
            }
        }
        if ctx == Ctx::Handed {
            self.handled
                .extend(refs.iter().map(|attr| (*attr, expr.range())));
        }
    }

    /// Local names bound to attributes, until nothing changes.
    fn find_aliases(&mut self, body: &'a [Stmt]) {
        for _ in 0..4 {
            let before: usize = self.aliases.values().map(SmallVec::len).sum();
            let mut finder = AliasFinder { uses: self };
            ast::visitor::Visitor::visit_body(&mut finder, body);
            if self.aliases.values().map(SmallVec::len).sum::<usize>() == before {
                break;
            }
        }
    }

    fn alias(&mut self, target: &'a Expr, value: &'a Expr) {
        let Expr::Name(n) = target else { return };
        let refs = self.refs(value);
        let entry = self.aliases.entry(n.id.as_str()).or_default();
        for attr in refs {
            if !entry.contains(&attr) {
                entry.push(attr);
            }
        }
    }

    /// `for target in (self.a, self.b)`: the target names each element;
    /// `for target in self.conns`: the target is an element.
    fn alias_elements(&mut self, target: &'a Expr, iter: &'a Expr) {
        if let Expr::Name(n) = target {
            let refs = self.refs(iter);
            if !refs.is_empty() {
                let entry = self.elements.entry(n.id.as_str()).or_default();
                for attr in refs {
                    if !entry.contains(&attr) {
                        entry.push(attr);
                    }
                }
            }
        }
        if let Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) =
            iter
        {
            for e in elts {
                self.alias(target, e);
            }
        }
    }

    fn body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.expr(&d.expression, Ctx::Handed);
                }
                for p in f.parameters.iter_non_variadic_params() {
                    if let Some(default) = &p.default {
                        self.expr(default, Ctx::Handed);
                    }
                }
                self.body(&f.body);
            }
            Stmt::ClassDef(c) => {
                if let Some(arguments) = &c.arguments {
                    for arg in &arguments.args {
                        self.expr(arg, Ctx::Handed);
                    }
                }
                self.body(&c.body);
            }
            Stmt::Return(r) => {
                if let Some(value) = &r.value {
                    self.expr(value, Ctx::Handed);
                }
            }
            Stmt::Expr(e) => self.expr(&e.value, Ctx::Borrow),
            Stmt::Assign(a) => {
                self.assigned(&a.targets, &a.value);
                for t in &a.targets {
                    self.target(t);
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(value) = &a.value {
                    self.assigned(std::slice::from_ref(&*a.target), value);
                }
                self.target(&a.target);
            }
            Stmt::AugAssign(a) => {
                self.expr(&a.value, Ctx::Borrow);
                self.target(&a.target);
            }
            Stmt::For(f) => {
                self.iterated(&f.target, &f.iter);
                self.body(&f.body);
                self.body(&f.orelse);
            }
            Stmt::While(w) => {
                self.expr(&w.test, Ctx::Borrow);
                self.body(&w.body);
                self.body(&w.orelse);
            }
            Stmt::If(i) => {
                self.expr(&i.test, Ctx::Borrow);
                self.body(&i.body);
                for clause in &i.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.expr(test, Ctx::Borrow);
                    }
                    self.body(&clause.body);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    let refs = self.refs(&item.context_expr);
                    if refs.is_empty() {
                        self.expr(&item.context_expr, Ctx::Handed);
                    } else {
                        // `with self.f:` closes it at the end of the block,
                        // when its kind's `with` does.
                        self.use_refs(&item.context_expr, &refs, Ctx::Borrow);
                        self.calls.extend(
                            refs.iter()
                                .map(|attr| (*attr, WITH, false, item.context_expr.range())),
                        );
                    }
                    if let Some(vars) = &item.optional_vars {
                        self.target(vars);
                    }
                }
                self.body(&w.body);
            }
            Stmt::Try(t) => {
                self.body(&t.body);
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    if let Some(type_) = &h.type_ {
                        self.expr(type_, Ctx::Borrow);
                    }
                    self.body(&h.body);
                }
                self.body(&t.orelse);
                self.body(&t.finalbody);
            }
            Stmt::Raise(r) => {
                if let Some(exc) = &r.exc {
                    self.expr(exc, Ctx::Borrow);
                }
                if let Some(cause) = &r.cause {
                    self.expr(cause, Ctx::Borrow);
                }
            }
            Stmt::Assert(a) => {
                self.expr(&a.test, Ctx::Borrow);
                if let Some(msg) = &a.msg {
                    self.expr(msg, Ctx::Borrow);
                }
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.target(t);
                }
            }
            Stmt::Match(m) => {
                self.expr(&m.subject, Ctx::Borrow);
                for case in &m.cases {
                    if let Some(guard) = &case.guard {
                        self.expr(guard, Ctx::Borrow);
                    }
                    self.body(&case.body);
                }
            }
            _ => {}
        }
    }

    /// The value of an assignment: `f = self.f` makes an alias (followed by
    /// its own uses); storing an attribute anywhere else hands it on.
    fn assigned(&mut self, targets: &'a [Expr], value: &'a Expr) {
        let refs = self.refs(value);
        if !refs.is_empty() {
            let ctx = if targets.iter().all(|t| matches!(t, Expr::Name(_))) {
                Ctx::Borrow
            } else {
                Ctx::Handed
            };
            self.use_refs(value, &refs, ctx);
            return;
        }
        // `f, self.f = self.f, None`.
        if let [Expr::Tuple(t)] = targets
            && let Expr::Tuple(v) = value
            && t.elts.len() == v.elts.len()
            && !t.elts.iter().any(|e| matches!(e, Expr::Starred(_)))
        {
            for (te, ve) in t.elts.iter().zip(&v.elts) {
                let refs = self.refs(ve);
                if refs.is_empty() {
                    self.expr(ve, Ctx::Handed);
                } else {
                    let ctx = if matches!(te, Expr::Name(_)) {
                        Ctx::Borrow
                    } else {
                        Ctx::Handed
                    };
                    self.use_refs(ve, &refs, ctx);
                }
            }
            return;
        }
        self.expr(value, Ctx::Handed);
    }

    /// An assignment target: storing into `self.f` is no use of it.
    fn target(&mut self, target: &'a Expr) {
        match target {
            Expr::Attribute(a) => self.expr(&a.value, Ctx::Borrow),
            Expr::Subscript(s) => {
                self.expr(&s.value, Ctx::Borrow);
                self.expr(&s.slice, Ctx::Borrow);
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.target(e)),
            Expr::List(t) => t.elts.iter().for_each(|e| self.target(e)),
            Expr::Starred(s) => self.target(&s.value),
            _ => {}
        }
    }

    /// `for target in iter`: iterating an attribute borrows it; a display
    /// of attributes gives each to the target (an alias when it is a name).
    fn iterated(&mut self, target: &'a Expr, iter: &'a Expr) {
        let refs = self.refs(iter);
        if !refs.is_empty() {
            self.use_refs(iter, &refs, Ctx::Borrow);
        } else if let Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::List(ast::ExprList { elts, .. }) = iter
        {
            let ctx = if matches!(target, Expr::Name(_)) {
                Ctx::Borrow
            } else {
                Ctx::Handed
            };
            for e in elts {
                let refs = self.refs(e);
                if refs.is_empty() {
                    self.expr(e, Ctx::Borrow);
                } else {
                    self.use_refs(e, &refs, ctx);
                }
            }
        } else {
            self.expr(iter, Ctx::Borrow);
        }
        self.target(target);
    }

    fn expr(&mut self, expr: &'a Expr, ctx: Ctx) {
        let refs = self.refs(expr);
        if !refs.is_empty() {
            self.use_refs(expr, &refs, ctx);
            return;
        }
        match expr {
            Expr::Attribute(a) => {
                let inner = self.refs(&a.value);
                if !inner.is_empty()
                    && ctx == Ctx::Handed
                    && RELEASE_METHODS.contains(&a.attr.id.as_str())
                {
                    // `atexit.register(self.f.close)`: whoever keeps the
                    // bound method can release it.
                    self.use_refs(&a.value, &inner, Ctx::Handed);
                } else {
                    self.expr(&a.value, Ctx::Borrow);
                }
            }
            Expr::Call(call) => self.call(call),
            Expr::Await(a) => self.expr(&a.value, ctx),
            Expr::If(i) => {
                self.expr(&i.test, Ctx::Borrow);
                self.expr(&i.body, ctx);
                self.expr(&i.orelse, ctx);
            }
            Expr::BoolOp(b) => b.values.iter().for_each(|v| self.expr(v, ctx)),
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.expr(e, ctx)),
            Expr::List(t) => t.elts.iter().for_each(|e| self.expr(e, ctx)),
            Expr::Set(t) => t.elts.iter().for_each(|e| self.expr(e, ctx)),
            Expr::Starred(s) => self.expr(&s.value, ctx),
            Expr::Dict(d) => {
                for item in &d.items {
                    if let Some(key) = &item.key {
                        self.expr(key, Ctx::Borrow);
                    }
                    self.expr(&item.value, ctx);
                }
            }
            Expr::Named(n) => {
                let refs = self.refs(&n.value);
                if refs.is_empty() {
                    self.expr(&n.value, ctx);
                } else {
                    // `(f := self.f)`: an alias, and the value itself.
                    self.use_refs(&n.value, &refs, ctx);
                }
            }
            Expr::Lambda(l) => {
                if let Some(parameters) = &l.parameters {
                    for p in parameters.iter_non_variadic_params() {
                        if let Some(default) = &p.default {
                            self.expr(default, Ctx::Handed);
                        }
                    }
                }
                self.expr(&l.body, Ctx::Handed);
            }
            Expr::Yield(y) => {
                if let Some(value) = &y.value {
                    self.expr(value, Ctx::Handed);
                }
            }
            Expr::YieldFrom(y) => self.expr(&y.value, Ctx::Handed),
            Expr::ListComp(c) => {
                self.generators(&c.generators);
                self.expr(&c.elt, ctx);
            }
            Expr::SetComp(c) => {
                self.generators(&c.generators);
                self.expr(&c.elt, ctx);
            }
            Expr::Generator(c) => {
                self.generators(&c.generators);
                self.expr(&c.elt, ctx);
            }
            Expr::DictComp(c) => {
                self.generators(&c.generators);
                if let Some(key) = &c.key {
                    self.expr(key, Ctx::Borrow);
                }
                self.expr(&c.value, ctx);
            }
            _ => ast::visitor::walk_expr(&mut BorrowWalker(self), expr),
        }
    }

    fn generators(&mut self, generators: &'a [ast::Comprehension]) {
        for g in generators {
            self.iterated(&g.target, &g.iter);
            for test in &g.ifs {
                self.expr(test, Ctx::Borrow);
            }
        }
    }

    fn call(&mut self, call: &'a ast::ExprCall) {
        let qualified = self.resolver.resolve(&call.func);
        let args_ctx = match (&*call.func, qualified) {
            (_, Some(q)) => {
                self.reflection(&q, call);
                match self.catalog.callee_use(&q) {
                    Some(ArgUse::Borrow) => Ctx::Borrow,
                    Some(ArgUse::Release) => {
                        // `os.close(self.fd)`.
                        if let Some(first) = call.arguments.args.first() {
                            let refs = self.refs(first);
                            self.released(first, &refs, call.range());
                        }
                        Ctx::Handed
                    }
                    Some(ArgUse::Own) => Ctx::Handed,
                    // An acquirer that does not own its arguments
                    // (`zipfile.ZipFile(self.f)`) borrows them.
                    None if self.catalog.acquirer(&q).is_some_and(|a| !a.owns_args) => Ctx::Borrow,
                    None => Ctx::Handed,
                }
            }
            (Expr::Attribute(a), None) => {
                let method = a.attr.id.as_str();
                let recv = self.refs(&a.value);
                if !recv.is_empty() {
                    self.use_refs(&a.value, &recv, Ctx::Borrow);
                    let no_args =
                        call.arguments.args.is_empty() && call.arguments.keywords.is_empty();
                    self.calls.extend(
                        recv.iter()
                            .map(|attr| (*attr, method, no_args, call.range())),
                    );
                } else if is_name(&a.value, self.receiver) {
                    // The object's own method.
                    self.loaded.push(method);
                } else if let Expr::Name(n) = &*a.value
                    && CLOSING_METHODS.contains(&method)
                    && let Some(attrs) = self.elements.get(n.id.as_str())
                {
                    // `for conn in self.conns: conn.close()`.
                    let attrs = attrs.clone();
                    self.calls.extend(
                        attrs
                            .iter()
                            .map(|attr| (*attr, method, false, call.range())),
                    );
                } else {
                    self.expr(&a.value, Ctx::Borrow);
                }
                match self.catalog.method_use(method) {
                    Some(MethodUse::Borrow | MethodUse::BorrowOnPoller) => Ctx::Borrow,
                    _ => Ctx::Handed,
                }
            }
            (func, None) => {
                self.expr(func, Ctx::Borrow);
                Ctx::Handed
            }
        };
        for arg in &call.arguments.args {
            self.expr(arg, args_ctx);
        }
        for keyword in &call.arguments.keywords {
            self.expr(&keyword.value, args_ctx);
        }
    }

    /// `getattr(self, name)`, `setattr(self, name, v)`, `vars(self)`:
    /// attributes reached by name. A literal name is that attribute.
    fn reflection(&mut self, callee: &str, call: &'a ast::ExprCall) {
        let args = &call.arguments.args;
        if !args.first().is_some_and(|a| is_name(a, self.receiver)) {
            return;
        }
        match (callee, args.get(1)) {
            ("builtins.vars", _) => self.dynamic = true,
            ("builtins.getattr", Some(Expr::StringLiteral(s))) => {
                let attr = s.value.to_str();
                self.loaded.push(attr);
                self.handled.push((attr, call.range()));
            }
            ("builtins.setattr" | "builtins.delattr", Some(Expr::StringLiteral(_))) => {}
            ("builtins.getattr" | "builtins.setattr" | "builtins.delattr", _) => {
                self.dynamic = true;
            }
            _ => {}
        }
    }
}

/// Walks an expression's children as borrowed uses.
struct BorrowWalker<'u, 'a, 'r>(&'u mut Uses<'a, 'r>);

impl<'a> ast::visitor::Visitor<'a> for BorrowWalker<'_, 'a, '_> {
    fn visit_expr(&mut self, expr: &'a Expr) {
        self.0.expr(expr, Ctx::Borrow);
    }
}

/// Collects aliases of attributes over a method (nested functions
/// included: closures see the same object).
struct AliasFinder<'u, 'a, 'r> {
    uses: &'u mut Uses<'a, 'r>,
}

impl<'a> ast::visitor::Visitor<'a> for AliasFinder<'_, 'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(a) => {
                for t in &a.targets {
                    self.uses.alias(t, &a.value);
                    if let Expr::Tuple(tt) = t
                        && let Expr::Tuple(vt) = &*a.value
                        && tt.elts.len() == vt.elts.len()
                    {
                        for (te, ve) in tt.elts.iter().zip(&vt.elts) {
                            self.uses.alias(te, ve);
                        }
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(value) = &a.value {
                    self.uses.alias(&a.target, value);
                }
            }
            Stmt::For(f) => self.uses.alias_elements(&f.target, &f.iter),
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(vars) = &item.optional_vars {
                        self.uses.alias(vars, &item.context_expr);
                    }
                }
            }
            _ => {}
        }
        ast::visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Named(n) => self.uses.alias(&n.target, &n.value),
            Expr::ListComp(ast::ExprListComp { generators, .. })
            | Expr::SetComp(ast::ExprSetComp { generators, .. })
            | Expr::Generator(ast::ExprGenerator { generators, .. })
            | Expr::DictComp(ast::ExprDictComp { generators, .. }) => {
                for g in generators {
                    self.uses.alias_elements(&g.target, &g.iter);
                }
            }
            _ => {}
        }
        ast::visitor::walk_expr(self, expr);
    }
}

/// Whether the `with` block's exception can be present where a test
/// leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// No test, or only tests that an exception is present.
    Any,
    /// Only when no exception was raised: nothing to suppress.
    NoException,
    /// A test of something else (the exception's type, a flag): the
    /// suppression is chosen, as with `return exc_type is Foo`.
    Selective,
}

impl Guard {
    fn and(self, other: Guard) -> Guard {
        match (self, other) {
            (Guard::Selective, _) | (_, Guard::Selective) => Guard::Selective,
            (Guard::NoException, _) | (_, Guard::NoException) => Guard::NoException,
            _ => Guard::Any,
        }
    }
}

/// Report the `return <truthy constant>` statements of an `__exit__` that
/// suppress every exception: not those behind a test of the exception's
/// type or of a flag (a choice, like `return exc_type is Foo`), nor those
/// reached only when there is no exception.
fn exit_returns(m: &ast::StmtFunctionDef, class: &str, facts: &mut Vec<Fact>) {
    let mut params: Vec<&str> = m
        .parameters
        .iter()
        .skip(1)
        .map(|p| p.name().id.as_str())
        .collect();
    if m.parameters.posonlyargs.is_empty() && m.parameters.args.is_empty() {
        // `def __exit__(*args)`: the first element is `self`.
        params.clear();
        params.extend(m.parameters.vararg.iter().map(|v| v.name.id.as_str()));
    }
    let cx = ExitCx {
        params: &params,
        class,
        method: m.name.id.as_str(),
    };
    cx.body(&m.body, Guard::Any, facts);
}

struct ExitCx<'p> {
    params: &'p [&'p str],
    class: &'p str,
    method: &'p str,
}

impl ExitCx<'_> {
    fn body(&self, body: &[Stmt], mut guard: Guard, facts: &mut Vec<Fact>) {
        for stmt in body {
            self.stmt(stmt, guard, facts);
            // `if not issubclass(exc_type, E): return False` before: what
            // follows runs only when the test is false.
            if let Stmt::If(s) = stmt
                && s.elif_else_clauses.is_empty()
                && s.body.last().is_some_and(exits)
            {
                guard = guard.and(self.test(&s.test, false));
            }
        }
    }

    fn stmt(&self, stmt: &Stmt, guard: Guard, facts: &mut Vec<Fact>) {
        match stmt {
            Stmt::Return(r) => {
                if guard != Guard::Any {
                    return;
                }
                if let Some(value) = &r.value
                    && truthy_constant(value)
                {
                    facts.push(Fact::ExitSwallows(ExitSwallows {
                        range: r.range(),
                        value: value.range(),
                        class: self.class.to_owned(),
                        method: self.method.to_owned(),
                    }));
                }
            }
            Stmt::If(s) => {
                let mut before = Guard::Any;
                self.body(&s.body, guard.and(self.test(&s.test, true)), facts);
                before = before.and(self.test(&s.test, false));
                for clause in &s.elif_else_clauses {
                    match &clause.test {
                        Some(test) => {
                            self.body(
                                &clause.body,
                                guard.and(before).and(self.test(test, true)),
                                facts,
                            );
                            before = before.and(self.test(test, false));
                        }
                        None => self.body(&clause.body, guard.and(before), facts),
                    }
                }
            }
            Stmt::While(s) => {
                self.body(&s.body, guard.and(self.test(&s.test, true)), facts);
                self.body(&s.orelse, guard, facts);
            }
            Stmt::For(s) => {
                self.body(&s.body, guard, facts);
                self.body(&s.orelse, guard, facts);
            }
            Stmt::With(s) => self.body(&s.body, guard, facts),
            Stmt::Try(s) => {
                self.body(&s.body, guard, facts);
                for handler in &s.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    self.body(&h.body, guard, facts);
                }
                self.body(&s.orelse, guard, facts);
                self.body(&s.finalbody, guard, facts);
            }
            Stmt::Match(s) => {
                for case in &s.cases {
                    self.body(&case.body, guard.and(Guard::Selective), facts);
                }
            }
            _ => {}
        }
    }

    /// What taking a branch of `test` (its true side when `holds`) says
    /// about the exception.
    fn test(&self, test: &Expr, holds: bool) -> Guard {
        match self.exception_present(test) {
            Some(present) if present == holds => Guard::Any,
            Some(_) => Guard::NoException,
            None => Guard::Selective,
        }
    }

    /// For a test of whether there is an exception (`exc_type`, `exc is
    /// not None`, `not exc_val`): whether it holds when there is one.
    fn exception_present(&self, test: &Expr) -> Option<bool> {
        match test {
            Expr::Name(n) if self.params.contains(&n.id.as_str()) => Some(true),
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => {
                self.exception_present(&u.operand).map(|b| !b)
            }
            Expr::Compare(c)
                if c.ops.len() == 1
                    && matches!(&*c.left, Expr::Name(n) if self.params.contains(&n.id.as_str()))
                    && matches!(c.comparators.first(), Some(Expr::NoneLiteral(_))) =>
            {
                match c.ops[0] {
                    ast::CmpOp::IsNot | ast::CmpOp::NotEq => Some(true),
                    ast::CmpOp::Is | ast::CmpOp::Eq => Some(false),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// A statement that leaves `__exit__`: `return`, `raise`, or a test
/// failure (`self.fail(...)`, `self._testCase.fail(...)`), which raises.
fn exits(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Return(_) | Stmt::Raise(_) => true,
        Stmt::Expr(e) => matches!(
            &*e.value,
            Expr::Call(call) if matches!(&*call.func, Expr::Attribute(a) if a.attr.id.as_str() == "fail")
        ),
        _ => false,
    }
}

/// `True`, a non-zero number, a non-empty string or bytes literal.
fn truthy_constant(expr: &Expr) -> bool {
    match expr {
        Expr::BooleanLiteral(b) => b.value,
        Expr::NumberLiteral(n) => match &n.value {
            ast::Number::Int(i) => i.as_u64() != Some(0),
            ast::Number::Float(f) => *f != 0.0,
            ast::Number::Complex { real, imag } => *real != 0.0 || *imag != 0.0,
        },
        Expr::StringLiteral(s) => !s.value.is_empty(),
        Expr::BytesLiteral(b) => !b.value.is_empty(),
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOp::USub | ast::UnaryOp::UAdd) => {
            matches!(&*u.operand, Expr::NumberLiteral(_)) && truthy_constant(&u.operand)
        }
        _ => false,
    }
}

/// The classes of a module, related by name.
struct Hierarchy<'c> {
    classes: &'c [ClassInfo],
    by_name: FxHashMap<&'c str, Vec<usize>>,
    /// Attributes released through another object anywhere in the module
    /// (`server.sock.close()`), computed on first need.
    foreign: Option<FxHashSet<String>>,
    /// Where the module instantiates classes, computed on first need.
    instantiations: Option<Instantiations>,
    suite: &'c [Stmt],
}

/// Calls of plain names in a module: in all, and inside methods of
/// classes; and the module's `__all__`, when it is a literal list.
#[derive(Default)]
struct Instantiations {
    total: FxHashMap<String, usize>,
    in_methods: FxHashMap<String, usize>,
    all: Option<Vec<String>>,
}

impl Instantiations {
    fn find(suite: &[Stmt]) -> Self {
        struct Counter<'o> {
            out: &'o mut FxHashMap<String, usize>,
            /// Count only inside methods: the depth of class bodies.
            methods_only: bool,
            in_class: usize,
            in_method: usize,
        }
        impl<'a> ast::visitor::Visitor<'a> for Counter<'_> {
            fn visit_stmt(&mut self, stmt: &'a Stmt) {
                match stmt {
                    Stmt::ClassDef(_) => {
                        self.in_class += 1;
                        ast::visitor::walk_stmt(self, stmt);
                        self.in_class -= 1;
                    }
                    Stmt::FunctionDef(_) if self.in_class > 0 => {
                        self.in_method += 1;
                        ast::visitor::walk_stmt(self, stmt);
                        self.in_method -= 1;
                    }
                    _ => ast::visitor::walk_stmt(self, stmt),
                }
            }
            fn visit_expr(&mut self, expr: &'a Expr) {
                if let Expr::Call(call) = expr
                    && let Expr::Name(n) = &*call.func
                    && (!self.methods_only || self.in_method > 0)
                {
                    *self.out.entry(n.id.to_string()).or_default() += 1;
                }
                ast::visitor::walk_expr(self, expr);
            }
        }
        let mut found = Instantiations::default();
        for (out, methods_only) in [(&mut found.total, false), (&mut found.in_methods, true)] {
            let mut counter = Counter {
                out,
                methods_only,
                in_class: 0,
                in_method: 0,
            };
            ast::visitor::Visitor::visit_body(&mut counter, suite);
        }
        found.all =
            suite.iter().find_map(|stmt| {
                let Stmt::Assign(a) = stmt else { return None };
                if !matches!(a.targets.as_slice(), [Expr::Name(n)] if n.id.as_str() == "__all__") {
                    return None;
                }
                let (Expr::List(ast::ExprList { elts, .. })
                | Expr::Tuple(ast::ExprTuple { elts, .. })) = &*a.value
                else {
                    return None;
                };
                Some(
                    elts.iter()
                        .filter_map(|e| match e {
                            Expr::StringLiteral(s) => Some(s.value.to_str().to_owned()),
                            _ => None,
                        })
                        .collect(),
                )
            });
        found
    }
}

impl<'c> Hierarchy<'c> {
    fn new(classes: &'c [ClassInfo], suite: &'c [Stmt]) -> Self {
        let mut by_name: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, c) in classes.iter().enumerate() {
            by_name.entry(c.name.as_str()).or_default().push(i);
        }
        Self {
            classes,
            by_name,
            foreign: None,
            instantiations: None,
            suite,
        }
    }

    /// The classes of the module a base name stands for (all classes of
    /// that name: which one is meant is not decided here).
    fn named(&self, name: &str, except: usize) -> impl Iterator<Item = usize> + '_ {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&j| j != except)
    }

    /// The class and its bases in the module, transitively; `None` when
    /// one of them has a base that is neither in the module nor known.
    fn ancestry(&self, i: usize) -> Option<(Vec<usize>, Vec<KnownBase>)> {
        let mut seen = vec![i];
        let mut known = Vec::new();
        let mut todo = vec![i];
        while let Some(c) = todo.pop() {
            for b in &self.classes[c].bases {
                match b {
                    Base::Unknown => return None,
                    Base::Known(k) => known.push(*k),
                    Base::InModule(name) => {
                        let mut any = false;
                        for j in self.named(name, c) {
                            any = true;
                            if !seen.contains(&j) {
                                seen.push(j);
                                todo.push(j);
                            }
                        }
                        if !any {
                            // Bound by something else than a `class`.
                            return None;
                        }
                    }
                }
            }
        }
        Some((seen, known))
    }

    /// The subclasses of a class defined in the module, transitively.
    fn descendants(&self, i: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut todo = vec![i];
        while let Some(c) = todo.pop() {
            let name = self.classes[c].name.as_str();
            for (j, class) in self.classes.iter().enumerate() {
                if j != i
                    && !out.contains(&j)
                    && class
                        .bases
                        .iter()
                        .any(|b| matches!(b, Base::InModule(n) if n == name))
                {
                    out.push(j);
                    todo.push(j);
                }
            }
        }
        out
    }

    /// A private class of the module (an `_underscore` name, or one left
    /// out of `__all__`) that the module only instantiates in methods of
    /// other classes: a part of those objects, whose lifecycle they manage
    /// (`tarfile._Stream` closes its `_LowLevelFile`).
    fn is_helper(&mut self, class: &ClassInfo) -> bool {
        let name = class.name.as_str();
        let suite = self.suite;
        let uses = self
            .instantiations
            .get_or_insert_with(|| Instantiations::find(suite));
        let private = name.starts_with('_')
            || uses
                .all
                .as_ref()
                .is_some_and(|all| !all.iter().any(|n| n == name));
        let total = uses.total.get(name).copied().unwrap_or(0);
        private && total > 0 && uses.in_methods.get(name).copied().unwrap_or(0) >= total
    }

    fn decide(&mut self, facts: &mut Vec<Fact>) {
        let classes = self.classes;
        for (i, class) in classes.iter().enumerate() {
            if class.owned.is_empty() && class.close.is_none() {
                continue;
            }
            let Some((ancestors, known)) = self.ancestry(i) else {
                continue;
            };
            let mut family = ancestors.clone();
            family.extend(self.descendants(i));
            let outcomes = self.owned_outcomes(i, &family, &known);
            for (owned, outcome) in &outcomes {
                match outcome {
                    Outcome::Never => facts.push(Fact::OwnedNeverReleased((*owned).clone())),
                    Outcome::OnlyInDel(release) => {
                        facts.push(Fact::ReleasedOnlyInDel(ReleasedOnlyInDel {
                            owned: (*owned).clone(),
                            release: *release,
                        }))
                    }
                    Outcome::Released(_) | Outcome::HandedOn | Outcome::Unknown => {}
                }
            }
            // UC403: the class itself is closeable, and nothing in its
            // family makes it a context manager or drives its lifecycle.
            let with_protocol = family.iter().any(|&j| {
                let defines = &classes[j].defines;
                CONTEXT_METHODS.iter().any(|m| defines.contains(*m))
            }) || known.iter().any(|k| k.context_manager);
            let managed = known.iter().any(|k| k.managed)
                || ancestors.iter().any(|&j| {
                    let defines = &classes[j].defines;
                    TEST_LIFECYCLE.iter().any(|m| defines.contains(*m))
                });
            // An iterator's `close()` (generator protocol, WSGI response
            // iterables) is called by whoever drives it.
            let iterator = ITERATOR_METHODS.iter().any(|m| class.defines.contains(*m));
            if with_protocol || managed || iterator || self.is_helper(class) {
                continue;
            }
            // Only classes that own a resource of the catalog: a `close()`
            // that closes what the caller gave (a wrapper), finishes a
            // parse or a GUI window is not worth a `with`.
            let closes_own = |name: &str| {
                family.iter().flat_map(|&k| &classes[k].owned).any(|owned| {
                    family.iter().any(|&j| {
                        classes[j]
                            .calls
                            .get(&owned.attr)
                            .into_iter()
                            .flatten()
                            .any(|c| {
                                c.site.method == name
                                    && releases(owned.acquirer, &c.method, c.no_args)
                            })
                    })
                })
            };
            let closeable = match &class.close {
                Some((name, is_async)) if closes_own(name) => Some(Closeable::Method {
                    name: name.clone(),
                    is_async: *is_async,
                }),
                _ => outcomes.iter().find_map(|(owned, outcome)| match outcome {
                    // Released by a method named for it (`stop()`), not by
                    // the end of a protocol (`load_module()`, `_close()`).
                    Outcome::Released(method) if CLOSE_LIKE.contains(&method.as_str()) => {
                        Some(Closeable::Owns {
                            owned: (*owned).clone(),
                            released_in: method.clone(),
                        })
                    }
                    _ => None,
                }),
            };
            if let Some(closeable) = closeable {
                facts.push(Fact::NoContextManager(NoContextManager {
                    range: class.name_range,
                    class: class.name.clone(),
                    closeable,
                }));
            }
        }
    }

    /// For each attribute a class stores a resource in (its first store):
    /// whether its family releases it, only in `__del__`, or never.
    fn owned_outcomes(
        &mut self,
        i: usize,
        family: &[usize],
        known: &[KnownBase],
    ) -> Vec<(&'c OwnedResource, Outcome)> {
        let classes = self.classes;
        let class = &classes[i];
        if class.owned.is_empty() {
            return Vec::new();
        }
        let dynamic = family.iter().any(|&j| classes[j].dynamic);
        let del_only = self.del_only(family);
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for owned in &class.owned {
            let attr = owned.attr.as_str();
            if seen.contains(&attr) {
                continue;
            }
            seen.push(attr);
            // `self.smtp = smtplib.SMTP()` holds nothing until a method
            // connects it.
            let armed =
                owned.held
                    || family.iter().any(|&j| {
                        classes[j].calls.get(attr).into_iter().flatten().any(|c| {
                            crate::effects::armed_by_method(owned.acquirer.lazy, &c.method)
                        })
                    });
            if dynamic
                || !armed
                || known.iter().any(|k| k.releases.contains(&attr))
                || self.foreign().contains(attr)
            {
                out.push((owned, Outcome::Unknown));
                continue;
            }
            let mut sites: Vec<&Site> = Vec::new();
            for &j in family {
                let c = &classes[j];
                sites.extend(c.handled.get(attr).into_iter().flatten());
                sites.extend(
                    c.calls
                        .get(attr)
                        .into_iter()
                        .flatten()
                        .filter(|call| releases(owned.acquirer, &call.method, call.no_args))
                        .map(|call| &call.site),
                );
            }
            let outcome = if sites.is_empty() {
                Outcome::Never
            } else if let Some(site) = sites
                .iter()
                .find(|s| s.release && !del_only.contains(&s.method))
            {
                Outcome::Released(site.method.clone())
            } else if sites.iter().any(|s| !del_only.contains(&s.method)) {
                Outcome::HandedOn
            } else {
                Outcome::OnlyInDel(sites[0].range)
            };
            out.push((owned, outcome));
        }
        out
    }

    /// `__del__` and the private helpers only it (or such helpers) calls.
    fn del_only(&self, family: &[usize]) -> FxHashSet<String> {
        let mut loaded_by: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
        let mut methods: Vec<&str> = Vec::new();
        for &j in family {
            let c = &self.classes[j];
            for (attr, by) in &c.loaded_by {
                loaded_by
                    .entry(attr.as_str())
                    .or_default()
                    .extend(by.iter().map(String::as_str));
            }
            methods.extend(c.defines.iter().map(String::as_str));
        }
        let mut out: FxHashSet<String> = FxHashSet::default();
        out.insert("__del__".to_owned());
        loop {
            let before = out.len();
            for &m in &methods {
                if out.contains(m) || !m.starts_with('_') || m.starts_with("__") {
                    continue;
                }
                if let Some(by) = loaded_by.get(m)
                    && !by.is_empty()
                    && by.iter().all(|b| out.contains(*b))
                {
                    out.insert(m.to_owned());
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    fn foreign(&mut self) -> &FxHashSet<String> {
        let suite = self.suite;
        self.foreign.get_or_insert_with(|| foreign_releases(suite))
    }
}

/// What becomes of a resource a class stores.
#[derive(Debug)]
enum Outcome {
    /// Released in this method.
    Released(String),
    /// Handed on (returned, stored, passed to a callee) outside `__del__`.
    HandedOn,
    /// Released only by `__del__`: the release.
    OnlyInDel(TextRange),
    Never,
    /// We cannot tell (dynamic attributes, released through another
    /// object, a known base releases it).
    Unknown,
}

/// The pseudo-method of `with self.f:` in [`Uses::calls`].
const WITH: &str = "with";
/// The pseudo-method of `os.close(self.fd)` in [`Uses::calls`].
const RELEASE_FUNCTION: &str = "os.close()";

/// Whether calling `method` on a resource of this acquirer releases it.
fn releases(acquirer: &Acquirer, method: &str, no_args: bool) -> bool {
    if method == WITH {
        return acquirer.with_releases;
    }
    method == RELEASE_FUNCTION
        || RELEASE_METHODS.contains(&method)
        || acquirer.release.contains(&method)
        || (no_args && method == "read" && acquirer.release.contains(&unclosed_catalog::FULL_READ))
}

/// Attributes released or handed on through an object that is not `self`
/// anywhere in the module: `server.sock.close()`, `os.close(pair.fd)`,
/// `with obj.f:`, `memoryview(arena.buffer)`.
fn foreign_releases(suite: &[Stmt]) -> FxHashSet<String> {
    struct Finder(FxHashSet<String>);
    fn other_object(expr: &Expr) -> Option<&str> {
        match expr {
            Expr::Attribute(a) if !receiver_like(&a.value) => Some(a.attr.id.as_str()),
            _ => None,
        }
    }
    impl<'a> ast::visitor::Visitor<'a> for Finder {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if let Stmt::With(w) = stmt {
                for item in &w.items {
                    if let Some(attr) = other_object(&item.context_expr) {
                        self.0.insert(attr.to_owned());
                    }
                }
            }
            ast::visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, expr: &'a Expr) {
            if let Expr::Call(call) = expr {
                match &*call.func {
                    Expr::Attribute(a) if RELEASE_METHODS.contains(&a.attr.id.as_str()) => {
                        if let Some(attr) = other_object(&a.value) {
                            self.0.insert(attr.to_owned());
                        }
                    }
                    _ => {}
                }
                // `os.close(pair.fd)`, `memoryview(arena.buffer)`: handed to
                // a call through another object, which may release it or
                // keep it.
                for arg in &call.arguments.args {
                    if let Some(attr) = other_object(arg) {
                        self.0.insert(attr.to_owned());
                    }
                }
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    let mut finder = Finder(FxHashSet::default());
    ast::visitor::Visitor::visit_body(&mut finder, suite);
    finder.0
}
