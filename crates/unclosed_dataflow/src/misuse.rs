//! Misuse around `close()` (UC2xx) and descriptor inheritance (UC501).
//!
//! These analyses are independent of the obligations analysis: each takes
//! one body (module, function or class) with its name resolver and looks
//! for one mistake.
//!
//! - [`crate::unbound`]: a release in `finally`/`except` of a name that the
//!   `try` may not have bound (must-bound dataflow over the CFG);
//! - [`crate::typestate`]: operations on a resource that is closed on every
//!   path reaching them (must-closed dataflow over the CFG);
//! - [`crate::pipes`]: `Popen` pipes read or waited on in a way that
//!   deadlocks;
//! - [`crate::swallowed`]: a writer's `close()`/`flush()` whose failure is
//!   caught and ignored;
//! - [`crate::inherit`]: calls that make descriptors inheritable by child
//!   processes.
//!
//! Which calls acquire what (and whether a file is a writer) comes from the
//! catalog through [`crate::effects::Extractor::acquirer_of`], so the
//! analyses agree with the leak rules on what a resource is.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::TextRange;
use rustc_hash::FxHashSet;
use unclosed_catalog::{Acquirer, ActiveCatalog};
use unclosed_names::{Resolver, ScopeKind, ScopeNames};

use crate::Fact;

/// One body to check, with what the checks share.
pub(crate) struct Body<'a, 'r> {
    pub stmts: &'a [Stmt],
    pub resolver: Resolver<'r>,
    pub catalog: ActiveCatalog<'r>,
    pub kind: ScopeKind,
    /// A function's parameters.
    pub parameters: Option<&'a ast::Parameters>,
    /// A function's name.
    pub function: Option<&'a str>,
}

impl<'a> Body<'a, '_> {
    /// The catalog entry of a call that acquires a resource, and how the
    /// callee is spelled.
    pub fn acquirer_of(&self, call: &ast::ExprCall) -> Option<(&'static Acquirer, String)> {
        let extractor = crate::effects::Extractor::new(self.resolver, self.catalog, false, 0);
        extractor.acquirer_of(call)
    }

    /// Whether an acquiring call makes a writer.
    pub fn is_writer(&self, call: &ast::ExprCall, acquirer: &Acquirer) -> bool {
        crate::effects::is_writer(call, acquirer)
    }

    /// Whether `name` is a parameter of the function.
    pub fn is_parameter(&self, name: &str) -> bool {
        self.parameters
            .is_some_and(|p| p.iter().any(|p| p.name().id.as_str() == name))
    }

    /// Whether `name` is declared `global`/`nonlocal` here.
    pub fn is_outer(&self, name: &str) -> bool {
        self.resolver
            .chain
            .last()
            .is_some_and(|s| s.declared_outer.contains(name))
    }

    /// The error a load of an unbound `name` raises here.
    pub fn unbound_error(&self) -> &'static str {
        if self.kind == ScopeKind::Function {
            "UnboundLocalError"
        } else {
            "NameError"
        }
    }

    /// Whether `expr` resolves to one of these qualified names.
    pub fn resolves_to(&self, expr: &Expr, names: &[&str]) -> bool {
        self.resolver
            .resolve(expr)
            .is_some_and(|q| names.contains(&q.as_str()))
    }

    /// Every binding of `name` in this body (not in nested scopes): the
    /// value bound, when it is a plain `name = value` (or `with value as
    /// name`), else `None` (loop variable, parameter-like, unpacking...).
    pub fn bindings(&self, name: &str) -> Vec<Option<&'a Expr>> {
        let mut finder = Bindings {
            name,
            found: Vec::new(),
        };
        ast::visitor::Visitor::visit_body(&mut finder, self.stmts);
        finder.found
    }
}

struct Bindings<'n, 'a> {
    name: &'n str,
    found: Vec<Option<&'a Expr>>,
}

impl<'a> Bindings<'_, 'a> {
    fn target(&mut self, target: &'a Expr, value: Option<&'a Expr>) {
        match target {
            Expr::Name(n) if n.id.as_str() == self.name => self.found.push(value),
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
                if f.name.id.as_str() == self.name {
                    self.found.push(None);
                }
                return;
            }
            Stmt::ClassDef(c) => {
                if c.name.id.as_str() == self.name {
                    self.found.push(None);
                }
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
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(vars) = &item.optional_vars {
                        self.target(vars, Some(&item.context_expr));
                    }
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let bound = alias.asname.as_ref().map_or_else(
                        || alias.name.id.split('.').next().unwrap_or_default(),
                        |a| a.id.as_str(),
                    );
                    if bound == self.name {
                        self.found.push(None);
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                for alias in &i.names {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    if bound.id.as_str() == self.name {
                        self.found.push(None);
                    }
                }
            }
            Stmt::Try(t) => {
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    if h.name.as_ref().is_some_and(|n| n.id.as_str() == self.name) {
                        self.found.push(None);
                    }
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

/// Run every misuse check on every body of a module.
pub(crate) fn analyze(
    suite: &[Stmt],
    module: &ScopeNames,
    catalog: ActiveCatalog<'_>,
) -> Vec<Fact> {
    let mut facts = Vec::new();
    walk(
        suite,
        None,
        module,
        &[],
        ScopeKind::Module,
        catalog,
        &mut facts,
    );
    // `finally` bodies are in the graph once per way of entering them:
    // report each place once.
    let mut seen = FxHashSet::default();
    facts.retain(|f| seen.insert(fact_key(f)));
    facts
}

fn fact_key(fact: &Fact) -> (u8, TextRange) {
    match fact {
        Fact::UseAfterClose(f) => (0, f.range),
        Fact::PossiblyUnbound(f) => (1, f.range),
        Fact::PipeDeadlock(f) => (2, f.range),
        Fact::CloseErrorSwallowed(f) => (3, f.range),
        Fact::MadeInheritable(f) => (4, f.range),
        Fact::Leak(l) => (5, l.range),
        Fact::Temporary(t) => (6, t.range),
        Fact::TooComplex(r) => (7, *r),
        Fact::AbandonedGenerator(f) => (8, f.range),
        Fact::GeneratorExitIgnored(f) => (9, f.range),
        Fact::OwnedNeverReleased(f) => (10, f.range),
        Fact::ReleasedOnlyInDel(f) => (11, f.owned.range),
        Fact::NoContextManager(f) => (12, f.range),
        Fact::ExitSwallows(f) => (13, f.range),
    }
}

fn walk(
    body: &[Stmt],
    function: Option<(&str, &ast::Parameters)>,
    module: &ScopeNames,
    chain: &[&ScopeNames],
    kind: ScopeKind,
    catalog: ActiveCatalog<'_>,
    facts: &mut Vec<Fact>,
) {
    let resolver = Resolver { module, chain };
    let checked = Body {
        stmts: body,
        resolver,
        catalog,
        kind,
        parameters: function.map(|(_, p)| p),
        function: function.map(|(name, _)| name),
    };
    crate::unbound::check(&checked, facts);
    crate::typestate::check(&checked, facts);
    crate::pipes::check(&checked, facts);
    crate::swallowed::check(&checked, facts);
    crate::inherit::check(&checked, facts);
    nested(body, module, chain, catalog, facts);
}

/// Find nested function and class bodies and check each.
fn nested(
    body: &[Stmt],
    module: &ScopeNames,
    chain: &[&ScopeNames],
    catalog: ActiveCatalog<'_>,
    facts: &mut Vec<Fact>,
) {
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(f) => {
                let scope = ScopeNames::function(Some(&f.parameters), &f.body);
                let mut inner: Vec<&ScopeNames> = chain.to_vec();
                inner.push(&scope);
                walk(
                    &f.body,
                    Some((f.name.id.as_str(), &f.parameters)),
                    module,
                    &inner,
                    ScopeKind::Function,
                    catalog,
                    facts,
                );
            }
            Stmt::ClassDef(c) => {
                let scope = ScopeNames::class(&c.body);
                let mut inner: Vec<&ScopeNames> = chain.to_vec();
                inner.push(&scope);
                walk(
                    &c.body,
                    None,
                    module,
                    &inner,
                    ScopeKind::Class,
                    catalog,
                    facts,
                );
            }
            Stmt::If(s) => {
                nested(&s.body, module, chain, catalog, facts);
                for clause in &s.elif_else_clauses {
                    nested(&clause.body, module, chain, catalog, facts);
                }
            }
            Stmt::For(s) => {
                nested(&s.body, module, chain, catalog, facts);
                nested(&s.orelse, module, chain, catalog, facts);
            }
            Stmt::While(s) => {
                nested(&s.body, module, chain, catalog, facts);
                nested(&s.orelse, module, chain, catalog, facts);
            }
            Stmt::With(s) => nested(&s.body, module, chain, catalog, facts),
            Stmt::Try(s) => {
                nested(&s.body, module, chain, catalog, facts);
                for handler in &s.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    nested(&h.body, module, chain, catalog, facts);
                }
                nested(&s.orelse, module, chain, catalog, facts);
                nested(&s.finalbody, module, chain, catalog, facts);
            }
            Stmt::Match(s) => {
                for case in &s.cases {
                    nested(&case.body, module, chain, catalog, facts);
                }
            }
            _ => {}
        }
    }
}

/// `name.method(...)` with `name` a plain name: the name and the method.
pub(crate) fn method_call(call: &ast::ExprCall) -> Option<(&str, &str)> {
    let Expr::Attribute(a) = &*call.func else {
        return None;
    };
    let Expr::Name(n) = &*a.value else {
        return None;
    };
    Some((n.id.as_str(), a.attr.id.as_str()))
}

/// The exception types an `except` clause names (dotted), or `None` for a
/// bare `except:`.
pub(crate) fn handler_types(h: &ast::ExceptHandlerExceptHandler) -> Option<Vec<String>> {
    let type_ = h.type_.as_deref()?;
    Some(match type_ {
        Expr::Tuple(t) => t.elts.iter().filter_map(unclosed_names::dotted).collect(),
        other => unclosed_names::dotted(other).into_iter().collect(),
    })
}

/// Whether a handler catches every exception an I/O call raises: bare,
/// `Exception`, `BaseException`, `OSError` and its old aliases.
pub(crate) fn catches_io_errors(h: &ast::ExceptHandlerExceptHandler) -> bool {
    match handler_types(h) {
        None => true,
        Some(types) => types.iter().any(|t| is_io_error_type(t)),
    }
}

pub(crate) fn is_io_error_type(t: &str) -> bool {
    matches!(
        t,
        "Exception"
            | "BaseException"
            | "OSError"
            | "IOError"
            | "EnvironmentError"
            | "builtins.Exception"
            | "builtins.OSError"
    )
}

/// A statement list that does nothing: `pass`, `...`, a docstring.
pub(crate) fn does_nothing(body: &[Stmt]) -> bool {
    body.iter().all(|s| match s {
        Stmt::Pass(_) => true,
        Stmt::Expr(e) => matches!(&*e.value, Expr::EllipsisLiteral(_) | Expr::StringLiteral(_)),
        _ => false,
    })
}

/// Visit every call of a statement list in source order, skipping nested
/// function and class bodies and lambdas. `f` gets the call and the chain
/// of statements enclosing it (outermost first).
pub(crate) fn for_each_call<'a>(
    body: &'a [Stmt],
    f: &mut dyn FnMut(&'a ast::ExprCall, &[&'a Stmt]),
) {
    struct Walker<'a, 'f> {
        stack: Vec<&'a Stmt>,
        f: &'f mut dyn FnMut(&'a ast::ExprCall, &[&'a Stmt]),
    }
    impl<'a> ast::visitor::Visitor<'a> for Walker<'a, '_> {
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
                Expr::Call(call) => (self.f)(call, &self.stack),
                _ => {}
            }
            ast::visitor::walk_expr(self, expr);
        }
    }
    let mut walker = Walker {
        stack: Vec::new(),
        f,
    };
    ast::visitor::Visitor::visit_body(&mut walker, body);
}

/// The value of a keyword argument.
pub(crate) fn keyword<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    call.arguments.find_keyword(name).map(|k| &k.value)
}

/// Every `try` statement in a body (nested ones included, not in nested
/// scopes), with the statements enclosing it.
pub(crate) fn tries(body: &[Stmt]) -> Vec<&ast::StmtTry> {
    struct Finder<'a>(Vec<&'a ast::StmtTry>);
    impl<'a> ast::visitor::Visitor<'a> for Finder<'a> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
                Stmt::Try(t) => {
                    self.0.push(t);
                    ast::visitor::walk_stmt(self, stmt);
                }
                _ => ast::visitor::walk_stmt(self, stmt),
            }
        }
    }
    let mut finder = Finder(Vec::new());
    ast::visitor::Visitor::visit_body(&mut finder, body);
    finder.0
}
