//! The program-wide index: every analyzed file as a module of one program.
//!
//! Built once per check run, before any file is analyzed, from the parsed
//! files: the dotted name of each module (from its path and the
//! `__init__.py` packages above it), each module's top-level functions,
//! classes and the methods of those classes, and its imports (relative ones
//! made absolute). It answers one question for the analyses: **what does
//! this call resolve to?** A call `open_log(p)`, `util.open_log(p)`,
//! `self._make()` or one imported with `from .util import open_log` gives
//! the [`FunctionId`] of the program's function it calls, or nothing.
//!
//! Only definitions bound exactly once are resolved: a name that a module
//! binds twice (`def f` under `if`/`else`, `f = wrap(f)`) is ambiguous and
//! resolves to nothing, so is a method a class defines twice. Methods are
//! resolved on `self` (the first parameter of a plain method) to the
//! class's own methods, not to inherited ones.
//!
//! The index also knows which functions may call themselves, directly or
//! through others ([`Program::is_recursive`]): the strongly connected
//! components of the call graph, found with an iterative Tarjan started
//! from the first function asked about, over the functions it reaches only
//! (a check run asks about few of the program's functions: those its
//! files call). Summaries of those functions are unknown, so that every
//! other summary depends only on summaries below it and memoizing them
//! cannot cycle.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ruff_python_ast::{self as ast, Expr, Stmt};
use rustc_hash::FxHashMap;
use unclosed_names::{Resolver, ScopeKind, ScopeNames};

/// Index of a module in [`Program::modules`].
pub type ModuleId = usize;
/// Index of a function or method in [`Program::functions`].
pub type FunctionId = usize;
/// Index of a class in [`Program::classes`].
pub type ClassId = usize;

/// One file of the program, parsed.
pub struct ModuleInput<'p, 'a> {
    pub path: &'p Path,
    pub suite: &'a [Stmt],
}

/// What a module-level name is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Def {
    Function(FunctionId),
    Class(ClassId),
    /// An import, to the absolute qualified name it imports.
    Import(String),
    /// Bound more than once, or by something else than `def`, `class` or
    /// an import.
    Other,
}

pub struct Module<'a> {
    pub path: PathBuf,
    /// Dotted name (`pkg.util`). When two files have the same name, the
    /// name resolves to neither.
    pub name: String,
    /// The package relative imports start from.
    pub package: Option<String>,
    pub suite: &'a [Stmt],
    pub defs: FxHashMap<&'a str, Def>,
}

pub struct Class<'a> {
    pub module: ModuleId,
    pub def: &'a ast::StmtClassDef,
    /// Methods defined once in the class body.
    pub methods: FxHashMap<&'a str, FunctionId>,
}

pub struct Function<'a> {
    pub module: ModuleId,
    /// The class this is a method of.
    pub class: Option<ClassId>,
    pub def: &'a ast::StmtFunctionDef,
}

impl Function<'_> {
    /// `@staticmethod`: no receiver parameter.
    pub fn is_static(&self) -> bool {
        self.def
            .decorator_list
            .iter()
            .any(|d| decorator_name(&d.expression).as_deref() == Some("staticmethod"))
    }

    /// `@classmethod`.
    pub fn is_classmethod(&self) -> bool {
        self.def
            .decorator_list
            .iter()
            .any(|d| decorator_name(&d.expression).as_deref() == Some("classmethod"))
    }

    /// How many leading parameters the caller does not pass: 1 for the
    /// `self`/`cls` of a method, 0 otherwise.
    pub fn receiver_params(&self) -> usize {
        usize::from(self.class.is_some() && !self.is_static())
    }

    /// The name of `self` in a plain method: calls of methods on it are
    /// resolved in the class.
    pub fn self_name(&self) -> Option<&str> {
        if self.class.is_none() || self.is_static() || self.is_classmethod() {
            return None;
        }
        self.def
            .parameters
            .posonlyargs
            .iter()
            .chain(&self.def.parameters.args)
            .next()
            .map(|p| p.parameter.name.id.as_str())
    }
}

/// The dotted name of a decorator (`staticmethod`, `functools.wraps` for
/// `@functools.wraps(f)`).
pub fn decorator_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Call(call) => unclosed_names::dotted(&call.func),
        other => unclosed_names::dotted(other),
    }
}

/// Where a call is: the module, the scopes around it and, in a plain
/// method, the class and the name of `self`.
#[derive(Clone, Copy)]
pub struct Site<'s> {
    pub module: ModuleId,
    pub resolver: Resolver<'s>,
    pub class: Option<ClassId>,
    pub self_name: Option<&'s str>,
}

pub struct Program<'a> {
    pub modules: Vec<Module<'a>>,
    pub classes: Vec<Class<'a>>,
    pub functions: Vec<Function<'a>>,
    by_name: FxHashMap<String, Option<ModuleId>>,
    /// Every module's name and the names of the packages above it
    /// (`pkg`, `pkg.util`), namespace packages included.
    prefixes: rustc_hash::FxHashSet<String>,
    /// Each module's top-level scope, computed on first need.
    scopes: Vec<OnceLock<ScopeNames>>,
    /// The components of the call graph found so far.
    components: Mutex<Components>,
}

/// Re-exports followed before giving up (`from .a import f` in `b`, `from
/// .b import f` in `a`).
const MAX_REEXPORTS: usize = 8;

impl<'a> Program<'a> {
    /// Index the files of a check run. Module names come from the paths
    /// and the `__init__.py` files found next to them on disk.
    pub fn new(inputs: &[ModuleInput<'_, 'a>]) -> Self {
        let mut packages = FxHashMap::default();
        let named: Vec<(String, Option<String>)> = inputs
            .iter()
            .map(|m| module_name(m.path, &mut |dir| is_package(dir, &mut packages)))
            .collect();
        Self::with_names(inputs, named)
    }

    /// A program of one module (a file checked alone, or a test): its name
    /// is the file's stem and nothing is read from disk.
    pub fn single(path: &Path, suite: &'a [Stmt]) -> Self {
        let input = ModuleInput { path, suite };
        let named = vec![module_name(path, &mut |_| false)];
        Self::with_names(&[input], named)
    }

    fn with_names(inputs: &[ModuleInput<'_, 'a>], named: Vec<(String, Option<String>)>) -> Self {
        let mut program = Program {
            modules: Vec::with_capacity(inputs.len()),
            classes: Vec::new(),
            functions: Vec::new(),
            by_name: FxHashMap::default(),
            prefixes: Default::default(),
            scopes: Vec::new(),
            components: Mutex::new(Components::default()),
        };
        for (input, (name, package)) in inputs.iter().zip(named) {
            let id = program.modules.len();
            program
                .by_name
                .entry(name.clone())
                .and_modify(|e| *e = None)
                .or_insert(Some(id));
            program.modules.push(Module {
                path: input.path.to_path_buf(),
                name,
                package,
                suite: input.suite,
                defs: FxHashMap::default(),
            });
            program.index_module(id, input.suite);
        }
        for module in &program.modules {
            let name = module.name.as_str();
            program.prefixes.extend(
                name.match_indices('.')
                    .map(|(i, _)| name[..i].to_owned())
                    .chain([name.to_owned()]),
            );
        }
        program.scopes = (0..program.modules.len())
            .map(|_| OnceLock::new())
            .collect();
        program.components = Mutex::new(Components::new(program.functions.len()));
        program
    }

    fn index_module(&mut self, id: ModuleId, suite: &'a [Stmt]) {
        let mut bindings: Vec<(&'a str, Def)> = Vec::new();
        let package = self.modules[id].package.clone();
        collect_bindings(suite, package.as_deref(), &mut bindings);
        // `def`/`class` ids are placeholders until the name is known to be
        // bound only there.
        let mut defs: FxHashMap<&'a str, Def> = FxHashMap::default();
        for (name, def) in bindings {
            defs.entry(name)
                .and_modify(|d| *d = Def::Other)
                .or_insert(def);
        }
        // Give ids to the definitions that stayed unambiguous.
        for stmt in suite {
            match stmt {
                Stmt::FunctionDef(f) => {
                    if let Some(def @ Def::Function(_)) = defs.get_mut(f.name.id.as_str()) {
                        *def = Def::Function(self.functions.len());
                        self.functions.push(Function {
                            module: id,
                            class: None,
                            def: f,
                        });
                    }
                }
                Stmt::ClassDef(c) => {
                    if let Some(def @ Def::Class(_)) = defs.get_mut(c.name.id.as_str()) {
                        let class = self.classes.len();
                        *def = Def::Class(class);
                        self.index_class(id, class, c);
                    }
                }
                _ => {}
            }
        }
        // A definition nested in `if`/`try` and bound once keeps its
        // placeholder: not resolved.
        defs.retain(|_, d| !matches!(d, Def::Function(usize::MAX) | Def::Class(usize::MAX)));
        self.modules[id].defs = defs;
    }

    fn index_class(&mut self, module: ModuleId, class: ClassId, def: &'a ast::StmtClassDef) {
        let mut counts: FxHashMap<&'a str, usize> = FxHashMap::default();
        let mut once: Vec<&'a ast::StmtFunctionDef> = Vec::new();
        for stmt in &def.body {
            if let Stmt::FunctionDef(f) = stmt {
                *counts.entry(f.name.id.as_str()).or_default() += 1;
                once.push(f);
            } else {
                // Any other binding of the name (`m = other`, `@property`
                // setters re-binding it) makes it ambiguous.
                let mut b = Vec::new();
                collect_bindings(std::slice::from_ref(stmt), None, &mut b);
                for (name, _) in b {
                    *counts.entry(name).or_default() += 2;
                }
            }
        }
        let mut methods = FxHashMap::default();
        self.classes.push(Class {
            module,
            def,
            methods: FxHashMap::default(),
        });
        for f in once {
            if counts.get(f.name.id.as_str()) == Some(&1) {
                methods.insert(f.name.id.as_str(), self.functions.len());
                self.functions.push(Function {
                    module,
                    class: Some(class),
                    def: f,
                });
            }
        }
        self.classes[class].methods = methods;
    }

    /// Whether a dotted name is an analyzed module or a package above one
    /// (what `import pkg.util` binds `pkg` to).
    pub fn is_module_or_package(&self, name: &str) -> bool {
        self.prefixes.contains(name)
    }

    /// The module of a dotted name, if exactly one file has it.
    pub fn module_named(&self, name: &str) -> Option<ModuleId> {
        self.by_name.get(name).copied().flatten()
    }

    /// The program's class a `class` statement of module `module` is: only
    /// classes at the top of a module are indexed.
    pub fn class_of(&self, module: ModuleId, def: &ast::StmtClassDef) -> Option<ClassId> {
        match self.modules[module].defs.get(def.name.id.as_str())? {
            Def::Class(id) if std::ptr::eq(self.classes[*id].def, def) => Some(*id),
            _ => None,
        }
    }

    /// Whether the function may call itself, directly or through others:
    /// its summary is unknown.
    pub fn is_recursive(&self, f: FunctionId) -> bool {
        if f >= self.functions.len() {
            return true;
        }
        // A panic during a search would leave it half done, but nothing
        // catches panics: the run ends. Recover the lock rather than panic
        // a second time.
        let mut components = self
            .components
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if components.index[f] == UNVISITED {
            components.search(f, |v| self.callees(v));
        }
        components.recursive[f]
    }

    /// A module's top-level scope.
    pub fn module_scope(&self, m: ModuleId) -> &ScopeNames {
        self.scopes[m].get_or_init(|| ScopeNames::module(self.modules[m].suite))
    }

    /// The function a call's callee stands for, if it is one of the
    /// program's.
    pub fn resolve_call(&self, site: &Site<'_>, func: &Expr) -> Option<FunctionId> {
        // `self.method(...)` in a plain method.
        if let Expr::Attribute(a) = func
            && let Expr::Name(n) = &*a.value
            && let (Some(class), Some(self_name)) = (site.class, site.self_name)
            && n.id.as_str() == self_name
        {
            return self.classes[class].methods.get(a.attr.id.as_str()).copied();
        }
        // Most calls are of builtins and of local names: told apart without
        // building the qualified name. `resolve` names an import where the
        // head is bound by one, a builtin where it is bound nowhere (and no
        // star import may bind it), nothing where it is bound otherwise.
        let head = root_name(func)?;
        let resolves = match site.resolver.binding_scope(head) {
            Some(scope) => scope.imports.contains_key(head),
            None if !site.resolver.has_star_imports() => return None,
            None => true,
        };
        if resolves && let Some(qualified) = site.resolver.resolve(func) {
            if qualified.starts_with("builtins.") {
                return None;
            }
            return self.lookup(&qualified, 0);
        }
        // A name of the module (not bound by an enclosing function).
        let (head, rest) = match func {
            Expr::Name(n) => (n.id.as_str(), None),
            Expr::Attribute(a) => match &*a.value {
                Expr::Name(n) => (n.id.as_str(), Some(a.attr.id.as_str())),
                _ => return None,
            },
            _ => return None,
        };
        if bound_locally(&site.resolver, head) {
            return None;
        }
        match (self.modules[site.module].defs.get(head)?, rest) {
            (Def::Function(f), None) => Some(*f),
            (Def::Import(target), None) => self.lookup(target, 0),
            (Def::Import(target), Some(attr)) => self.lookup(&format!("{target}.{attr}"), 0),
            _ => None,
        }
    }

    /// A qualified name (`pkg.util.open_log`) to the program's function.
    fn lookup(&self, qualified: &str, depth: usize) -> Option<FunctionId> {
        let (module, attr) = qualified.rsplit_once('.')?;
        let module = self.module_named(module)?;
        match self.modules[module].defs.get(attr)? {
            Def::Function(f) => Some(*f),
            Def::Import(target) if depth < MAX_REEXPORTS => self.lookup(target, depth + 1),
            _ => None,
        }
    }

    /// The scopes of a function: its module's, its class's (for a
    /// method) and its own. The caller keeps them alive for a [`Site`].
    pub fn scopes_of(&self, f: FunctionId) -> (Option<ScopeNames>, ScopeNames) {
        let function = &self.functions[f];
        let class = function
            .class
            .map(|c| ScopeNames::class(&self.classes[c].def.body));
        let own = ScopeNames::function(Some(&function.def.parameters), &function.def.body);
        (class, own)
    }

    /// The functions `f`'s body calls (nested bodies included, resolved in
    /// the module's scope: a superset of the calls its summary looks at,
    /// but for imports inside functions, which summaries guard against on
    /// their own).
    fn callees(&self, f: FunctionId) -> Vec<FunctionId> {
        struct Calls<'e>(Vec<&'e ast::ExprCall>);
        impl<'e> ast::visitor::Visitor<'e> for Calls<'e> {
            fn visit_expr(&mut self, expr: &'e Expr) {
                if let Expr::Call(call) = expr {
                    self.0.push(call);
                }
                ast::visitor::walk_expr(self, expr);
            }
        }
        let function = &self.functions[f];
        let mut calls = Calls(Vec::new());
        ast::visitor::Visitor::visit_body(&mut calls, &function.def.body);
        if calls.0.is_empty() {
            return Vec::new();
        }
        // Without the function's own scope: a local that shadows a module
        // function only adds an edge (cheaper, and still a superset).
        let site = Site {
            module: function.module,
            resolver: Resolver {
                module: self.module_scope(function.module),
                chain: &[],
            },
            class: function.class,
            self_name: function.self_name(),
        };
        let mut out: Vec<FunctionId> = calls
            .0
            .iter()
            .filter_map(|c| self.resolve_call(&site, &c.func))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The name a callee starts with (`a` of `a.b.c`), if it is a name with
/// attributes.
fn root_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => root_name(&a.value),
        _ => None,
    }
}

/// Whether a name is bound by a function scope around the call (or by the
/// class body it is directly in): then it is not the module's.
fn bound_locally(resolver: &Resolver<'_>, name: &str) -> bool {
    let last = resolver.chain.len().saturating_sub(1);
    resolver.chain.iter().enumerate().any(|(i, scope)| {
        (scope.kind != ScopeKind::Class || i == last)
            && scope.bound.contains(name)
            && !scope.declared_outer.contains(name)
    })
}

const UNVISITED: usize = usize::MAX;

/// Tarjan's search for the strongly connected components of the call
/// graph, run from each function asked about that no earlier search
/// reached: a search finds the components of every function it reaches,
/// so the answers do not depend on the order of the questions.
#[derive(Default)]
struct Components {
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    /// In a cycle of calls (a component of more than one function, or one
    /// that calls itself).
    recursive: Vec<bool>,
    next: usize,
}

impl Components {
    fn new(functions: usize) -> Self {
        Components {
            index: vec![UNVISITED; functions],
            low: vec![0; functions],
            on_stack: vec![false; functions],
            recursive: vec![false; functions],
            next: 0,
        }
    }

    /// Search from `root` (unvisited); `callees(v)` gives `v`'s edges.
    /// Iterative: call chains can be deeper than any stack.
    fn search(&mut self, root: FunctionId, callees: impl Fn(FunctionId) -> Vec<FunctionId>) {
        let mut stack: Vec<FunctionId> = Vec::new();
        // (node, its callees, next edge to look at)
        let mut work: Vec<(FunctionId, Vec<FunctionId>, usize)> = Vec::new();
        self.visit(root, &mut stack);
        work.push((root, callees(root), 0));
        while let Some((v, edges, i)) = work.last_mut() {
            let v = *v;
            if let Some(&w) = edges.get(*i) {
                *i += 1;
                if w == v {
                    self.recursive[v] = true;
                }
                if self.index[w] == UNVISITED {
                    self.visit(w, &mut stack);
                    work.push((w, callees(w), 0));
                } else if self.on_stack[w] {
                    self.low[v] = self.low[v].min(self.index[w]);
                }
                continue;
            }
            work.pop();
            if let Some((parent, _, _)) = work.last() {
                self.low[*parent] = self.low[*parent].min(self.low[v]);
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    for w in component {
                        self.recursive[w] = true;
                    }
                }
            }
        }
    }

    fn visit(&mut self, v: FunctionId, stack: &mut Vec<FunctionId>) {
        self.index[v] = self.next;
        self.low[v] = self.next;
        self.next += 1;
        stack.push(v);
        self.on_stack[v] = true;
    }
}

/// The names a module body binds at top level (inside `if`/`try`/loops
/// too), each with what it is bound to. `def`/`class` get a placeholder id
/// (`usize::MAX`) when nested in a compound statement: only the ones
/// directly at top level are given ids.
fn collect_bindings<'a>(suite: &'a [Stmt], package: Option<&str>, out: &mut Vec<(&'a str, Def)>) {
    fn nested<'a>(suite: &'a [Stmt], package: Option<&str>, out: &mut Vec<(&'a str, Def)>) {
        let before = out.len();
        collect_bindings(suite, package, out);
        for (_, def) in &mut out[before..] {
            match def {
                Def::Function(id) | Def::Class(id) => *id = usize::MAX,
                _ => {}
            }
        }
    }
    fn targets<'a>(expr: &'a Expr, out: &mut Vec<(&'a str, Def)>) {
        match expr {
            Expr::Name(n) => out.push((n.id.as_str(), Def::Other)),
            Expr::Tuple(t) => t.elts.iter().for_each(|e| targets(e, out)),
            Expr::List(l) => l.elts.iter().for_each(|e| targets(e, out)),
            Expr::Starred(s) => targets(&s.value, out),
            _ => {}
        }
    }
    for stmt in suite {
        match stmt {
            Stmt::FunctionDef(f) => out.push((f.name.id.as_str(), Def::Function(0))),
            Stmt::ClassDef(c) => out.push((c.name.id.as_str(), Def::Class(0))),
            Stmt::Import(i) => {
                for alias in &i.names {
                    let full = alias.name.id.as_str();
                    match &alias.asname {
                        Some(asname) => out.push((asname.id.as_str(), Def::Import(full.into()))),
                        None => {
                            let first = full.split('.').next().unwrap_or(full);
                            out.push((first, Def::Import(first.into())));
                        }
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                let base =
                    absolute_module(i.level, i.module.as_ref().map(|m| m.id.as_str()), package);
                for alias in &i.names {
                    if alias.name.id.as_str() == "*" {
                        continue;
                    }
                    let local = alias.asname.as_ref().unwrap_or(&alias.name).id.as_str();
                    let def = match &base {
                        Some(base) if base.is_empty() => Def::Import(alias.name.id.to_string()),
                        Some(base) => Def::Import(format!("{base}.{}", alias.name.id)),
                        None => Def::Other,
                    };
                    out.push((local, def));
                }
            }
            Stmt::Assign(a) => a.targets.iter().for_each(|t| targets(t, out)),
            Stmt::AnnAssign(a) => targets(&a.target, out),
            Stmt::AugAssign(a) => targets(&a.target, out),
            Stmt::TypeAlias(a) => targets(&a.name, out),
            Stmt::Delete(d) => d.targets.iter().for_each(|t| targets(t, out)),
            Stmt::For(f) => {
                targets(&f.target, out);
                nested(&f.body, package, out);
                nested(&f.orelse, package, out);
            }
            Stmt::While(w) => {
                nested(&w.body, package, out);
                nested(&w.orelse, package, out);
            }
            Stmt::If(i) => {
                nested(&i.body, package, out);
                for clause in &i.elif_else_clauses {
                    nested(&clause.body, package, out);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(vars) = &item.optional_vars {
                        targets(vars, out);
                    }
                }
                nested(&w.body, package, out);
            }
            Stmt::Try(t) => {
                nested(&t.body, package, out);
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    if let Some(name) = &h.name {
                        out.push((name.id.as_str(), Def::Other));
                    }
                    nested(&h.body, package, out);
                }
                nested(&t.orelse, package, out);
                nested(&t.finalbody, package, out);
            }
            Stmt::Match(m) => {
                for case in &m.cases {
                    nested(&case.body, package, out);
                }
            }
            // Walrus targets and `global` declarations in functions can
            // bind module names too: rare enough to leave.
            _ => {}
        }
    }
}

/// The absolute module of `from <level dots><module> import ...` in a
/// module of `package`; `Some("")` for `from . import x` at the top of
/// the tree. `None` when the import climbs out of the known packages.
fn absolute_module(level: u32, module: Option<&str>, package: Option<&str>) -> Option<String> {
    if level == 0 {
        return module.map(str::to_owned);
    }
    let mut base: Vec<&str> = package?.split('.').collect();
    for _ in 1..level {
        base.pop()?;
    }
    if base.is_empty() {
        return None;
    }
    let mut out = base.join(".");
    if let Some(m) = module {
        out.push('.');
        out.push_str(m);
    }
    Some(out)
}

fn is_package(dir: &Path, cache: &mut FxHashMap<PathBuf, bool>) -> bool {
    if let Some(&known) = cache.get(dir) {
        return known;
    }
    let yes = dir.join("__init__.py").is_file();
    cache.insert(dir.to_path_buf(), yes);
    yes
}

/// A file's dotted module name and the package its relative imports start
/// from: `a/pkg/util.py` with `a/pkg/__init__.py` is `pkg.util` in
/// package `pkg`; `a/pkg/__init__.py` is `pkg`, its own package.
fn module_name(path: &Path, is_package: &mut dyn FnMut(&Path) -> bool) -> (String, Option<String>) {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let init = stem == "__init__";
    let mut parts: Vec<String> = Vec::new();
    if !init {
        parts.push(stem);
    }
    let mut dir = path.parent();
    // Up to 64 package levels: a symlink loop or a pathological tree must
    // not keep us here.
    for _ in 0..64 {
        let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) else {
            break;
        };
        if !is_package(d) {
            break;
        }
        match d.file_name() {
            Some(name) => parts.push(name.to_string_lossy().into_owned()),
            None => break,
        }
        dir = d.parent();
    }
    parts.reverse();
    let name = parts.join(".");
    let package = if init {
        Some(name.clone()).filter(|n| !n.is_empty())
    } else {
        parts
            .len()
            .checked_sub(1)
            .filter(|&n| n > 0)
            .map(|n| parts[..n].join("."))
    };
    (name, package)
}

#[cfg(test)]
mod tests;
