//! The catalog as a value: the standard library's tables, the third-party
//! catalogs that are switched on, and the user's additions from
//! configuration, indexed by name for the analysis's lookups.
//!
//! A [`Catalog`] is built once per configuration (the CLI builds one per
//! `Settings`, not per file). A file then asks for its
//! [`ActiveCatalog`] with the modules it imports: in automatic mode
//! (`catalogs` not configured) a third-party catalog is active for the
//! files that import its library, and nowhere else.

use std::sync::{Arc, LazyLock, Mutex, OnceLock, PoisonError};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::{
    Acquirer, BORROWERS, BORROWING_METHODS, CatalogConfig, Kind, LIBRARIES, Library,
    OWNING_FUNCTIONS, OWNING_METHODS, RELEASE_FUNCTIONS, ResourceSpec, TYPED_CALLS,
};

/// What a function does with the resources passed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgUse {
    /// Releases its first argument (`os.close(fd)`).
    Release,
    /// Uses its arguments and leaves them to the caller (`json.load(f)`).
    Borrow,
    /// Takes ownership of its arguments (`atexit.register(f.close)`).
    Own,
}

/// What a method, on any receiver, does with the resources passed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodUse {
    /// `stack.enter_context(f)`, `self.addCleanup(f.close)`.
    Own,
    /// Leaves them to the caller.
    Borrow,
    /// Leaves them to the caller when the receiver is a selector or a
    /// polling object (`sel.register(sock, ...)`).
    BorrowOnPoller,
}

/// The gate of entries that are always active: the standard library, the
/// user's additions, and the third-party catalogs configured by name.
const ALWAYS: u32 = 1 << 31;

// One gate bit per third-party library, below `ALWAYS`.
const _: () = assert!(LIBRARIES.len() < 31);

/// A table entry and the gate that switches it on: `ALWAYS`, or the bit of
/// the library it belongs to (automatic mode).
#[derive(Debug, Clone, Copy)]
struct Gated<T> {
    value: T,
    gate: u32,
}

/// The resource catalog in force for a run: see the module documentation.
pub struct Catalog {
    /// Acquirers called by qualified name (`zipfile.ZipFile`).
    functions: FxHashMap<&'static str, Gated<&'static Acquirer>>,
    /// Method acquirers by method name, each with its receiver type.
    methods: FxHashMap<&'static str, Vec<Gated<&'static Acquirer>>>,
    /// Calls that return a typed object that holds nothing itself.
    types: FxHashMap<&'static str, Gated<&'static str>>,
    /// Functions (not acquirers) that release, borrow or own arguments.
    callees: FxHashMap<&'static str, Gated<ArgUse>>,
    /// Methods, on any receiver, that borrow or own their arguments.
    method_uses: FxHashMap<&'static str, Gated<MethodUse>>,
    /// The last dotted component of every acquirer and typed call
    /// (`open`, `ZipFile`, `sessionmaker`), with the gates that use it: a
    /// cheap syntactic pre-filter.
    tails: FxHashMap<&'static str, u32>,
    /// Automatic mode: top-level module name → the gate bit of the library
    /// its import switches on.
    activators: FxHashMap<&'static str, u32>,
    /// The libraries included, by gate (`ALWAYS` or their bit).
    libraries: Vec<(&'static str, u32)>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("acquirers", &self.functions.len())
            .field(
                "method_acquirers",
                &self.methods.values().map(Vec::len).sum::<usize>(),
            )
            .field("libraries", &self.libraries)
            .finish_non_exhaustive()
    }
}

impl Default for Catalog {
    /// The standard library, and every third-party catalog in automatic
    /// mode.
    fn default() -> Self {
        Catalog::new(&CatalogConfig::default())
    }
}

impl Catalog {
    /// Build the catalog for a configuration. Catalog names that are not
    /// in [`crate::THIRD_PARTY_CATALOGS`] are ignored: configuration
    /// rejects them before this point.
    pub fn new(config: &CatalogConfig) -> Catalog {
        let mut catalog = Catalog {
            functions: FxHashMap::default(),
            methods: FxHashMap::default(),
            types: FxHashMap::default(),
            callees: FxHashMap::default(),
            method_uses: FxHashMap::default(),
            tails: FxHashMap::default(),
            activators: FxHashMap::default(),
            libraries: Vec::new(),
        };
        for a in crate::ACQUIRERS {
            catalog.add_acquirer(a, ALWAYS);
        }
        for &(call, type_name) in TYPED_CALLS {
            catalog.add_typed_call(call, type_name, ALWAYS);
        }
        catalog.add_callees(RELEASE_FUNCTIONS, ArgUse::Release, ALWAYS);
        catalog.add_callees(BORROWERS, ArgUse::Borrow, ALWAYS);
        catalog.add_callees(OWNING_FUNCTIONS, ArgUse::Own, ALWAYS);
        catalog.add_method_uses(OWNING_METHODS, MethodUse::Own, ALWAYS);
        catalog.add_method_uses(BORROWING_METHODS, MethodUse::BorrowOnPoller, ALWAYS);

        for (i, library) in LIBRARIES.iter().enumerate() {
            let gate = match &config.catalogs {
                None => {
                    let bit = 1 << i;
                    for &module in library.modules {
                        *catalog.activators.entry(module).or_default() |= bit;
                    }
                    bit
                }
                Some(names) if names.iter().any(|n| n == library.name) => ALWAYS,
                Some(_) => continue,
            };
            catalog.add_library(library, gate);
        }

        // The user's additions come last: they override the built-in rows.
        for spec in &config.resources {
            catalog.add_acquirer(user_acquirer(spec), ALWAYS);
        }
        for name in &config.borrow {
            catalog.add_user_use(name, ArgUse::Borrow, MethodUse::Borrow);
        }
        for name in &config.owning {
            catalog.add_user_use(name, ArgUse::Own, MethodUse::Own);
        }
        catalog
    }

    /// The catalog of the default configuration (standard library, and the
    /// third-party catalogs in automatic mode), built once per process.
    pub fn standard() -> Arc<Catalog> {
        static STANDARD: OnceLock<Arc<Catalog>> = OnceLock::new();
        STANDARD
            .get_or_init(|| Arc::new(Catalog::default()))
            .clone()
    }

    /// The catalog for a configuration, shared: the default one is
    /// [`Catalog::standard`].
    pub fn shared(config: &CatalogConfig) -> Arc<Catalog> {
        if *config == CatalogConfig::default() {
            Catalog::standard()
        } else {
            Arc::new(Catalog::new(config))
        }
    }

    /// The catalog for one file, given the modules it imports (dotted
    /// names; only the top-level package counts). In automatic mode the
    /// third-party catalogs of the libraries among them are switched on.
    pub fn for_imports<'m>(&self, modules: impl IntoIterator<Item = &'m str>) -> ActiveCatalog<'_> {
        let mut active = ALWAYS;
        if !self.activators.is_empty() {
            for module in modules {
                let top = module.split('.').next().unwrap_or(module);
                if let Some(bits) = self.activators.get(top) {
                    active |= bits;
                }
            }
        }
        ActiveCatalog {
            catalog: self,
            active,
        }
    }

    /// Whether some third-party catalog is switched on by imports
    /// (automatic mode): otherwise [`Catalog::for_imports`] needs none.
    pub fn depends_on_imports(&self) -> bool {
        !self.activators.is_empty()
    }

    /// The names of the third-party catalogs included, in automatic mode
    /// or by name.
    pub fn libraries(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.libraries.iter().map(|(name, _)| *name)
    }

    fn add_library(&mut self, library: &'static Library, gate: u32) {
        self.libraries.push((library.name, gate));
        for a in library.acquirers {
            self.add_acquirer(a, gate);
        }
        for &(call, type_name) in library.typed_calls {
            self.add_typed_call(call, type_name, gate);
        }
        self.add_callees(library.borrowers, ArgUse::Borrow, gate);
        self.add_callees(library.owning_functions, ArgUse::Own, gate);
        self.add_method_uses(library.borrowing_methods, MethodUse::Borrow, gate);
        self.add_method_uses(library.owning_methods, MethodUse::Own, gate);
    }

    fn add_acquirer(&mut self, a: &'static Acquirer, gate: u32) {
        let entry = Gated { value: a, gate };
        match a.receiver {
            None => {
                self.functions.insert(a.name, entry);
            }
            Some(receiver) => {
                let same = self.methods.entry(a.name).or_default();
                same.retain(|e| e.value.receiver != Some(receiver));
                same.push(entry);
            }
        }
        self.add_tail(a.name, gate);
    }

    fn add_typed_call(&mut self, call: &'static str, type_name: &'static str, gate: u32) {
        self.types.insert(
            call,
            Gated {
                value: type_name,
                gate,
            },
        );
        self.add_tail(call, gate);
    }

    fn add_tail(&mut self, name: &'static str, gate: u32) {
        let tail = name.rsplit('.').next().unwrap_or(name);
        *self.tails.entry(tail).or_default() |= gate;
    }

    fn add_callees(&mut self, names: &[&'static str], value: ArgUse, gate: u32) {
        for &name in names {
            self.callees.insert(name, Gated { value, gate });
        }
    }

    fn add_method_uses(&mut self, names: &[&'static str], value: MethodUse, gate: u32) {
        for &name in names {
            self.method_uses.insert(name, Gated { value, gate });
        }
    }

    /// `borrow`/`owning` entries: qualified names are functions, bare names
    /// methods on any receiver.
    fn add_user_use(&mut self, name: &str, function: ArgUse, method: MethodUse) {
        let name = intern(name);
        if name.contains('.') {
            self.add_callees(&[name], function, ALWAYS);
        } else {
            self.add_method_uses(&[name], method, ALWAYS);
        }
    }
}

/// The catalog as one file sees it: the lookups of the analysis.
#[derive(Debug, Clone, Copy)]
pub struct ActiveCatalog<'c> {
    catalog: &'c Catalog,
    /// The gates switched on: `ALWAYS` and the bits of imported libraries.
    active: u32,
}

impl ActiveCatalog<'_> {
    fn on<T>(&self, entry: &Gated<T>) -> bool {
        entry.gate & self.active != 0
    }

    /// The acquirer for a called qualified name.
    pub fn acquirer(&self, name: &str) -> Option<&'static Acquirer> {
        self.catalog
            .functions
            .get(name)
            .filter(|e| self.on(e))
            .map(|e| e.value)
    }

    /// The acquirer for `receiver_type.method(...)`.
    pub fn method_acquirer(&self, receiver_type: &str, method: &str) -> Option<&'static Acquirer> {
        self.catalog
            .methods
            .get(method)?
            .iter()
            .find(|e| e.value.receiver == Some(receiver_type) && self.on(e))
            .map(|e| e.value)
    }

    /// Whether some active method acquirer has this name, on any receiver
    /// type: a cheap test before computing the receiver's type.
    pub fn has_method_acquirer(&self, method: &str) -> bool {
        self.catalog
            .methods
            .get(method)
            .is_some_and(|all| all.iter().any(|e| self.on(e)))
    }

    /// The type of the object a call returns, when it is an acquirer or a
    /// type we track methods on (`pathlib.Path`).
    pub fn type_of_call(&self, name: &str) -> Option<&'static str> {
        if let Some(e) = self.catalog.types.get(name).filter(|e| self.on(e)) {
            return Some(e.value);
        }
        self.acquirer(name).map(|a| a.type_name)
    }

    /// What a function that is not an acquirer does with its arguments.
    pub fn callee_use(&self, name: &str) -> Option<ArgUse> {
        self.catalog
            .callees
            .get(name)
            .filter(|e| self.on(e))
            .map(|e| e.value)
    }

    /// What a method does with its arguments, whatever its receiver.
    pub fn method_use(&self, method: &str) -> Option<MethodUse> {
        self.catalog
            .method_uses
            .get(method)
            .filter(|e| self.on(e))
            .map(|e| e.value)
    }

    /// Whether some acquirer's name ends with `tail` (`open`, `socket`,
    /// `ZipFile`): a cheap pre-filter before resolving names.
    pub fn is_acquirer_tail(&self, tail: &str) -> bool {
        self.catalog
            .tails
            .get(tail)
            .is_some_and(|gates| gates & self.active != 0)
    }

    /// Whether the named third-party catalog is active for this file.
    pub fn is_library_active(&self, name: &str) -> bool {
        self.catalog
            .libraries
            .iter()
            .any(|&(n, gate)| n == name && gate & self.active != 0)
    }
}

/// A string that lives as long as the process. User entries are leaked
/// once per distinct string, however many catalogs are built: the tables
/// hold `&'static str` like the built-in rows, and a CLI run (or a language
/// server that reloads its configuration) sees a handful of them.
fn intern(s: &str) -> &'static str {
    static STRINGS: LazyLock<Mutex<FxHashSet<&'static str>>> = LazyLock::new(Default::default);
    let mut strings = STRINGS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&known) = strings.get(s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    strings.insert(leaked);
    leaked
}

/// The acquirer of a `[[tool.unclosed.resources]]` entry: a function or
/// class, released by the listed methods (or by `with`). Leaked once per
/// distinct entry, like [`intern`]'s strings.
fn user_acquirer(spec: &ResourceSpec) -> &'static Acquirer {
    static ACQUIRERS: LazyLock<Mutex<FxHashMap<ResourceSpec, &'static Acquirer>>> =
        LazyLock::new(Default::default);
    let mut known = ACQUIRERS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&a) = known.get(spec) {
        return a;
    }
    let name = intern(&spec.acquire);
    let release: &'static [&'static str] = if spec.release.is_empty() {
        crate::CLOSE
    } else {
        Box::leak(spec.release.iter().map(|r| intern(r)).collect())
    };
    let base = if spec.kind == Kind::Fd {
        Acquirer {
            name,
            type_name: name,
            ..crate::FD
        }
    } else {
        crate::entry(name, spec.kind, name)
    };
    let a: &'static Acquirer = Box::leak(Box::new(Acquirer { release, ..base }));
    known.insert(spec.clone(), a);
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(acquire: &str, release: &[&str], kind: Kind) -> ResourceSpec {
        ResourceSpec {
            acquire: acquire.to_owned(),
            release: release.iter().map(|r| (*r).to_owned()).collect(),
            kind,
        }
    }

    #[test]
    fn standard_library_is_always_active() {
        let catalog = Catalog::default();
        let active = catalog.for_imports([]);
        assert!(active.acquirer("builtins.open").is_some());
        assert!(active.method_acquirer("zipfile.ZipFile", "open").is_some());
        assert_eq!(active.callee_use("json.load"), Some(ArgUse::Borrow));
        assert_eq!(active.callee_use("os.close"), Some(ArgUse::Release));
        assert_eq!(active.method_use("enter_context"), Some(MethodUse::Own));
        assert_eq!(
            active.method_use("register"),
            Some(MethodUse::BorrowOnPoller)
        );
        assert_eq!(active.type_of_call("pathlib.Path"), Some("pathlib.Path"));
        assert!(active.is_acquirer_tail("ZipFile"));
    }

    #[test]
    fn automatic_mode_follows_imports() {
        let catalog = Catalog::default();
        let plain = catalog.for_imports(["os", "json"]);
        assert!(plain.acquirer("requests.Session").is_none());
        assert!(!plain.is_acquirer_tail("Session"));
        assert!(!plain.is_library_active("requests"));
        let with_requests = catalog.for_imports(["requests.adapters"]);
        assert!(with_requests.acquirer("requests.Session").is_some());
        assert!(with_requests.is_acquirer_tail("Session"));
        assert!(with_requests.acquirer("httpx.Client").is_none());
        // One catalog, two packages.
        let psycopg2 = catalog.for_imports(["psycopg2"]);
        assert!(psycopg2.acquirer("psycopg2.connect").is_some());
        assert!(psycopg2.is_library_active("psycopg"));
    }

    #[test]
    fn listed_catalogs_are_exactly_those() {
        let config = CatalogConfig {
            catalogs: Some(vec!["httpx".to_owned()]),
            ..CatalogConfig::default()
        };
        let catalog = Catalog::new(&config);
        assert!(!catalog.depends_on_imports());
        let active = catalog.for_imports(["requests"]);
        assert!(active.acquirer("httpx.Client").is_some());
        assert!(active.acquirer("requests.Session").is_none());
        assert_eq!(catalog.libraries().collect::<Vec<_>>(), ["httpx"]);
        let none = Catalog::new(&CatalogConfig {
            catalogs: Some(Vec::new()),
            ..CatalogConfig::default()
        });
        assert!(
            none.for_imports(["httpx"])
                .acquirer("httpx.Client")
                .is_none()
        );
    }

    #[test]
    fn user_entries() {
        let config = CatalogConfig {
            catalogs: None,
            resources: vec![
                spec("mylib.connect", &["disconnect"], Kind::Connection),
                spec("mylib.Pool", &[], Kind::ConnectionPool),
            ],
            borrow: vec!["mylib.inspect".to_owned(), "peek".to_owned()],
            owning: vec!["mylib.adopt".to_owned(), "adopt".to_owned()],
        };
        let catalog = Catalog::new(&config);
        let active = catalog.for_imports([]);
        let connect = active.acquirer("mylib.connect").unwrap();
        assert_eq!(connect.release, ["disconnect"]);
        assert_eq!(connect.kind, Kind::Connection);
        assert!(connect.with_releases);
        assert_eq!(active.acquirer("mylib.Pool").unwrap().release, ["close"]);
        assert!(active.is_acquirer_tail("connect"));
        assert_eq!(active.type_of_call("mylib.Pool"), Some("mylib.Pool"));
        assert_eq!(active.callee_use("mylib.inspect"), Some(ArgUse::Borrow));
        assert_eq!(active.method_use("peek"), Some(MethodUse::Borrow));
        assert_eq!(active.callee_use("mylib.adopt"), Some(ArgUse::Own));
        assert_eq!(active.method_use("adopt"), Some(MethodUse::Own));
        // Built again, the same entry is the same leaked row.
        let again = Catalog::new(&config);
        assert!(std::ptr::eq(
            again.for_imports([]).acquirer("mylib.connect").unwrap(),
            connect
        ));
    }

    #[test]
    fn user_entries_override_built_in_rows() {
        let config = CatalogConfig {
            resources: vec![spec("requests.Session", &["shutdown"], Kind::Client)],
            ..CatalogConfig::default()
        };
        let catalog = Catalog::new(&config);
        // Switched on without the import: the user's rows always are.
        let session = catalog
            .for_imports([])
            .acquirer("requests.Session")
            .unwrap();
        assert_eq!(session.release, ["shutdown"]);
    }

    #[test]
    fn the_default_catalog_is_shared() {
        let a = Catalog::shared(&CatalogConfig::default());
        let b = Catalog::standard();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
