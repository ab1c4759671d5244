//! Name resolution: which qualified name does an expression like
//! `sk.socket`, `Z`, `open` or `urllib.request.urlopen` stand for?
//!
//! Each scope (module, function, class body) records its imports, its other
//! bindings and its `global`/`nonlocal` declarations. A name resolves in the
//! innermost scope that binds it (class scopes are skipped from inside
//! methods, as in Python). A name bound by an import resolves to the
//! imported path; a name bound any other way (`def open`, a parameter, an
//! assignment) resolves to nothing: it is the program's own object. A name
//! bound nowhere is a builtin, unless a star import from a module we don't
//! know could have bound it.

use ruff_python_ast::{self as ast, Expr, Stmt};
use rustc_hash::{FxHashMap, FxHashSet};

/// A dotted path like `zipfile.ZipFile` or `builtins.open`.
pub type QualifiedName = String;

/// Modules whose star imports we understand: `from M import *` binds only
/// the names in this list (the catalog's names of M). Any other star import
/// may bind anything, so it hides builtins.
const KNOWN_STAR_MODULES: &[(&str, &[&str])] = &[
    (
        "os",
        &[
            "open", "fdopen", "pipe", "dup", "openpty", "scandir", "close",
        ],
    ),
    (
        "socket",
        &[
            "socket",
            "create_connection",
            "socketpair",
            "fromfd",
            "create_server",
        ],
    ),
    (
        "io",
        &[
            "open",
            "FileIO",
            "TextIOWrapper",
            "BufferedReader",
            "BufferedWriter",
        ],
    ),
    (
        "tempfile",
        &[
            "TemporaryFile",
            "NamedTemporaryFile",
            "SpooledTemporaryFile",
            "TemporaryDirectory",
            "mkstemp",
        ],
    ),
    (
        "subprocess",
        &["Popen", "PIPE", "run", "call", "check_call", "check_output"],
    ),
    ("zipfile", &["ZipFile"]),
    ("tarfile", &["open", "TarFile"]),
    ("select", &["select", "epoll", "kqueue", "poll"]),
    ("selectors", &["DefaultSelector"]),
    ("math", &[]),
    ("typing", &[]),
    ("tkinter", &[]),
    ("tkinter.constants", &[]),
    ("ctypes", &[]),
    ("stat", &[]),
    ("errno", &[]),
    ("string", &[]),
    ("struct", &[]),
    ("locale", &[]),
    ("curses", &[]),
    ("turtle", &[]),
    ("test.support", &[]),
];

/// What one scope binds.
#[derive(Debug, Default, Clone)]
pub struct ScopeNames {
    /// Names bound by imports, to the imported path.
    pub imports: FxHashMap<ast::name::Name, QualifiedName>,
    /// Every name bound in the scope (imports included).
    pub bound: FxHashSet<ast::name::Name>,
    /// Names declared `global` or `nonlocal`: bindings go to another scope.
    pub declared_outer: FxHashSet<ast::name::Name>,
    /// Modules star-imported here.
    pub star_imports: Vec<String>,
    /// Names bound only to a call of one qualified name (e.g. `p =
    /// Path(x)`): a flow-insensitive type for method resolution.
    pub call_types: FxHashMap<ast::name::Name, QualifiedName>,
    /// Module, function or class body.
    pub kind: ScopeKind,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    #[default]
    Module,
    Function,
    Class,
}

impl ScopeNames {
    /// Collect the bindings of a module body.
    pub fn module(body: &[Stmt]) -> Self {
        let mut scope = Self {
            kind: ScopeKind::Module,
            ..Self::default()
        };
        scope.collect_suite(body);
        scope
    }

    /// Collect the bindings of a function: its parameters and body.
    pub fn function(parameters: Option<&ast::Parameters>, body: &[Stmt]) -> Self {
        let mut scope = Self {
            kind: ScopeKind::Function,
            ..Self::default()
        };
        if let Some(parameters) = parameters {
            for p in parameters.iter() {
                scope.bind(p.name().id.clone());
            }
        }
        scope.collect_suite(body);
        for name in scope.declared_outer.clone() {
            scope.bound.remove(&name);
            scope.imports.remove(&name);
        }
        scope
    }

    /// Collect the bindings of a class body.
    pub fn class(body: &[Stmt]) -> Self {
        let mut scope = Self {
            kind: ScopeKind::Class,
            ..Self::default()
        };
        scope.collect_suite(body);
        scope
    }

    fn bind(&mut self, name: ast::name::Name) {
        self.bound.insert(name);
    }

    fn collect_suite(&mut self, body: &[Stmt]) {
        for stmt in body {
            self.collect_stmt(stmt);
        }
    }

    fn collect_stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => self.bind(f.name.id.clone()),
            Stmt::ClassDef(c) => self.bind(c.name.id.clone()),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let full = alias.name.id.as_str();
                    match &alias.asname {
                        Some(asname) => {
                            self.imports.insert(asname.id.clone(), full.to_owned());
                            self.bind(asname.id.clone());
                        }
                        None => {
                            let first = full.split('.').next().unwrap_or(full);
                            let name = ast::name::Name::new(first);
                            self.imports.insert(name.clone(), first.to_owned());
                            self.bind(name);
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import.module.as_ref().map(|m| m.id.as_str());
                for alias in &import.names {
                    if alias.name.id.as_str() == "*" {
                        match (import.level, module) {
                            (0, Some(m)) => self.star_imports.push(m.to_owned()),
                            _ => self.star_imports.push(String::from(".")),
                        }
                        continue;
                    }
                    let local = alias.asname.as_ref().unwrap_or(&alias.name).id.clone();
                    if let (0, Some(m)) = (import.level, module) {
                        self.imports
                            .insert(local.clone(), format!("{m}.{}", alias.name.id));
                    }
                    self.bind(local);
                }
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    self.collect_target(target);
                }
                if let [Expr::Name(name)] = assign.targets.as_slice()
                    && let Expr::Call(call) = assign.value.as_ref()
                    && let Some(path) = dotted(&call.func)
                {
                    self.call_types.entry(name.id.clone()).or_insert(path);
                }
                self.collect_expr_bindings(&assign.value);
            }
            Stmt::AugAssign(a) => self.collect_target(&a.target),
            Stmt::AnnAssign(a) => {
                self.collect_target(&a.target);
                if let Some(value) = &a.value {
                    self.collect_expr_bindings(value);
                }
            }
            Stmt::TypeAlias(a) => self.collect_target(&a.name),
            Stmt::For(f) => {
                self.collect_target(&f.target);
                self.collect_expr_bindings(&f.iter);
                self.collect_suite(&f.body);
                self.collect_suite(&f.orelse);
            }
            Stmt::While(w) => {
                self.collect_expr_bindings(&w.test);
                self.collect_suite(&w.body);
                self.collect_suite(&w.orelse);
            }
            Stmt::If(i) => {
                self.collect_expr_bindings(&i.test);
                self.collect_suite(&i.body);
                for clause in &i.elif_else_clauses {
                    if let Some(test) = &clause.test {
                        self.collect_expr_bindings(test);
                    }
                    self.collect_suite(&clause.body);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.collect_expr_bindings(&item.context_expr);
                    if let Some(vars) = &item.optional_vars {
                        self.collect_target(vars);
                        // `with ZipFile(p) as zf:` types `zf` like an
                        // assignment would (`__enter__` returns self).
                        if let Expr::Name(name) = vars.as_ref()
                            && let Expr::Call(call) = &item.context_expr
                            && let Some(path) = dotted(&call.func)
                        {
                            self.call_types.entry(name.id.clone()).or_insert(path);
                        }
                    }
                }
                self.collect_suite(&w.body);
            }
            Stmt::Match(m) => {
                for case in &m.cases {
                    self.collect_pattern(&case.pattern);
                    self.collect_suite(&case.body);
                }
            }
            Stmt::Try(t) => {
                self.collect_suite(&t.body);
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    if let Some(name) = &h.name {
                        self.bind(name.id.clone());
                    }
                    self.collect_suite(&h.body);
                }
                self.collect_suite(&t.orelse);
                self.collect_suite(&t.finalbody);
            }
            Stmt::Delete(d) => {
                for target in &d.targets {
                    self.collect_target(target);
                }
            }
            Stmt::Global(g) => {
                for name in &g.names {
                    self.declared_outer.insert(name.id.clone());
                }
            }
            Stmt::Nonlocal(n) => {
                for name in &n.names {
                    self.declared_outer.insert(name.id.clone());
                }
            }
            Stmt::Expr(e) => self.collect_expr_bindings(&e.value),
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.collect_expr_bindings(v);
                }
            }
            Stmt::Raise(_)
            | Stmt::Assert(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    fn collect_target(&mut self, target: &Expr) {
        match target {
            Expr::Name(n) => self.bind(n.id.clone()),
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.collect_target(e)),
            Expr::List(l) => l.elts.iter().for_each(|e| self.collect_target(e)),
            Expr::Starred(s) => self.collect_target(&s.value),
            _ => {}
        }
    }

    /// Walrus targets bind in the enclosing function scope.
    fn collect_expr_bindings(&mut self, expr: &Expr) {
        struct Walrus<'s>(&'s mut ScopeNames);
        impl<'a> ast::visitor::Visitor<'a> for Walrus<'_> {
            fn visit_expr(&mut self, expr: &'a Expr) {
                match expr {
                    Expr::Named(n) => {
                        self.0.collect_target(&n.target);
                        self.visit_expr(&n.value);
                    }
                    Expr::Lambda(_) => {}
                    _ => ast::visitor::walk_expr(self, expr),
                }
            }
        }
        ast::visitor::Visitor::visit_expr(&mut Walrus(self), expr);
    }

    fn collect_pattern(&mut self, pattern: &ast::Pattern) {
        use ast::Pattern as P;
        match pattern {
            P::MatchAs(p) => {
                if let Some(name) = &p.name {
                    self.bind(name.id.clone());
                }
                if let Some(inner) = &p.pattern {
                    self.collect_pattern(inner);
                }
            }
            P::MatchStar(p) => {
                if let Some(name) = &p.name {
                    self.bind(name.id.clone());
                }
            }
            P::MatchMapping(p) => {
                p.patterns.iter().for_each(|p| self.collect_pattern(p));
                if let Some(rest) = &p.rest {
                    self.bind(rest.id.clone());
                }
            }
            P::MatchSequence(p) => p.patterns.iter().for_each(|p| self.collect_pattern(p)),
            P::MatchClass(p) => {
                p.arguments
                    .patterns
                    .iter()
                    .for_each(|p| self.collect_pattern(p));
                p.arguments
                    .keywords
                    .iter()
                    .for_each(|k| self.collect_pattern(&k.pattern));
            }
            P::MatchOr(p) => p.patterns.iter().for_each(|p| self.collect_pattern(p)),
            P::MatchValue(_) | P::MatchSingleton(_) => {}
        }
    }
}

/// The dotted text of `a.b.c` (names and attributes only).
pub fn dotted(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => {
            let mut base = dotted(&a.value)?;
            base.push('.');
            base.push_str(a.attr.id.as_str());
            Some(base)
        }
        _ => None,
    }
}

/// The scopes visible from one point: the module, then enclosing
/// functions, then the current scope (last).
#[derive(Debug, Clone, Copy)]
pub struct Resolver<'s> {
    pub module: &'s ScopeNames,
    pub chain: &'s [&'s ScopeNames],
}

impl<'s> Resolver<'s> {
    /// Whether a star import (`from m import *`) is in force here: a name
    /// bound nowhere may come from it.
    pub fn has_star_imports(&self) -> bool {
        std::iter::once(&self.module)
            .chain(self.chain.iter())
            .any(|s| !s.star_imports.is_empty())
    }

    /// The innermost scope that binds `name`, skipping class scopes that are
    /// not the current one.
    pub fn binding_scope(&self, name: &str) -> Option<&'s ScopeNames> {
        let last = self.chain.len().saturating_sub(1);
        for (i, scope) in self.chain.iter().enumerate().rev() {
            if scope.declared_outer.contains(name) {
                // `global x` skips to the module; `nonlocal x` to an
                // enclosing function: both are another scope's object.
                return if scope.kind == ScopeKind::Function {
                    Some(self.module).filter(|m| m.bound.contains(name))
                } else {
                    None
                };
            }
            if scope.kind == ScopeKind::Class && i != last {
                continue;
            }
            if scope.bound.contains(name) {
                return Some(scope);
            }
        }
        self.module.bound.contains(name).then_some(self.module)
    }

    /// Resolve a name to a qualified name: an import, a builtin, or `None`
    /// for the program's own objects.
    pub fn resolve_name(&self, name: &str) -> Option<QualifiedName> {
        match self.binding_scope(name) {
            Some(scope) => scope.imports.get(name).cloned(),
            None => {
                for scope in std::iter::once(&self.module).chain(self.chain.iter()) {
                    for module in &scope.star_imports {
                        match KNOWN_STAR_MODULES.iter().find(|(m, _)| m == module) {
                            Some((_, names)) if names.contains(&name) => {
                                return Some(format!("{module}.{name}"));
                            }
                            Some(_) => {}
                            // An unknown star import may bind anything.
                            None => return None,
                        }
                    }
                }
                Some(format!("builtins.{name}"))
            }
        }
    }

    /// Resolve `a.b.c` (names and attributes) to a qualified name.
    pub fn resolve(&self, expr: &Expr) -> Option<QualifiedName> {
        match expr {
            Expr::Name(n) => self.resolve_name(n.id.as_str()),
            Expr::Attribute(a) => {
                let mut base = self.resolve(&a.value)?;
                base.push('.');
                base.push_str(a.attr.id.as_str());
                Some(base)
            }
            _ => None,
        }
    }

    /// The callee a name is bound only to calls of, as written in the
    /// source and unresolved (`client.open_sftp` for `sftp =
    /// client.open_sftp()`).
    pub fn call_callee(&self, name: &str) -> Option<&'s str> {
        self.binding_scope(name)?
            .call_types
            .get(name)
            .map(String::as_str)
    }

    /// Is `name` bound in the current (innermost) scope?
    pub fn is_local(&self, name: &str) -> bool {
        self.chain
            .last()
            .is_some_and(|s| s.bound.contains(name) && !s.declared_outer.contains(name))
    }

    /// The type of a name bound only by calls to one callee in the current
    /// scope (`p = Path(x)` gives `pathlib.Path`).
    pub fn call_type(&self, name: &str) -> Option<QualifiedName> {
        let scope = self.binding_scope(name)?;
        let callee = scope.call_types.get(name)?;
        let head = callee.split('.').next().unwrap_or(callee);
        let tail = &callee[head.len()..];
        self.resolve_name(head).map(|q| format!("{q}{tail}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_in_module(src: &str, expr: &str) -> Option<String> {
        let parsed = ruff_python_parser::parse_module(src).unwrap();
        let module = ScopeNames::module(parsed.suite());
        let e = ruff_python_parser::parse_expression(expr).unwrap();
        let resolver = Resolver {
            module: &module,
            chain: &[],
        };
        resolver.resolve(e.expr())
    }

    #[test]
    fn imports_and_aliases() {
        assert_eq!(
            resolve_in_module("import socket as sk\n", "sk.socket").as_deref(),
            Some("socket.socket")
        );
        assert_eq!(
            resolve_in_module("from zipfile import ZipFile as Z\n", "Z").as_deref(),
            Some("zipfile.ZipFile")
        );
        assert_eq!(
            resolve_in_module("from os import fdopen\n", "fdopen").as_deref(),
            Some("os.fdopen")
        );
        assert_eq!(
            resolve_in_module("import urllib.request\n", "urllib.request.urlopen").as_deref(),
            Some("urllib.request.urlopen")
        );
        assert_eq!(
            resolve_in_module("import os.path as osp\n", "osp.join").as_deref(),
            Some("os.path.join")
        );
    }

    #[test]
    fn builtins_and_shadowing() {
        assert_eq!(
            resolve_in_module("", "open").as_deref(),
            Some("builtins.open")
        );
        assert_eq!(resolve_in_module("def open(p): pass\n", "open"), None);
        assert_eq!(resolve_in_module("open = my_open\n", "open"), None);
        assert_eq!(
            resolve_in_module("from os import *\n", "open").as_deref(),
            Some("os.open")
        );
        assert_eq!(resolve_in_module("from mystery import *\n", "open"), None);
        assert_eq!(
            resolve_in_module("from math import *\n", "open").as_deref(),
            Some("builtins.open")
        );
        assert_eq!(resolve_in_module("from . import x\n", "x"), None);
    }

    #[test]
    fn function_scopes_shadow_and_classes_are_skipped() {
        let src = "import io\nclass C:\n    open = 1\n    def m(self, socket):\n        pass\n";
        let parsed = ruff_python_parser::parse_module(src).unwrap();
        let module = ScopeNames::module(parsed.suite());
        let Stmt::ClassDef(class) = &parsed.suite()[1] else {
            unreachable!()
        };
        let class_scope = ScopeNames::class(&class.body);
        let Stmt::FunctionDef(method) = &class.body[1] else {
            unreachable!()
        };
        let fn_scope = ScopeNames::function(Some(&method.parameters), &method.body);
        let chain = [&class_scope, &fn_scope];
        let r = Resolver {
            module: &module,
            chain: &chain,
        };
        assert_eq!(r.resolve_name("open").as_deref(), Some("builtins.open"));
        assert_eq!(r.resolve_name("socket"), None);
        assert_eq!(r.resolve_name("io").as_deref(), Some("io"));
    }
}
