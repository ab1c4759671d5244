//! Configuration: `[tool.unclosed]` in `pyproject.toml`, or top-level keys
//! in `unclosed.toml` / `.unclosed.toml`, found like ruff finds its own.
//!
//! - [`options`] reads one file into validated [`Options`]; every mistake is
//!   a [`ConfigError`] naming the file, line, column and key.
//! - [`Resolver`] answers "which configuration applies in this directory?":
//!   the closest configuration file in the directory or an ancestor
//!   (`.unclosed.toml`, then `unclosed.toml`, then a `pyproject.toml` that
//!   has a `[tool.unclosed]` table), or the one file given with `--config`,
//!   or none with `--isolated`. Each configuration is read and combined
//!   with the command line ([`Overrides`]) once, into a [`Resolved`]: the
//!   [`Settings`] of the analysis plus the file-level options (excludes,
//!   per-file ignores, `.gitignore`). Paths in a discovered file are
//!   relative to its directory; in a `--config` file, to the current
//!   directory (as ruff does).

mod error;
pub mod options;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use unclosed_catalog::CatalogConfig;
use unclosed_rules::{RuleSelection, SelectionLayer, Settings, UnknownPrefix, prefix_matches};

pub use error::ConfigError;
pub use options::{FileKind, Options};

/// The configuration file names looked for in each directory, in order of
/// preference when several are present.
pub const CONFIG_FILE_NAMES: &[&str] = &[".unclosed.toml", "unclosed.toml", "pyproject.toml"];

/// Directories nobody wants analyzed: the default of `exclude`.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".eggs",
    "__pycache__",
    "__pypackages__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "node_modules",
    "site-packages",
    "build",
    "dist",
];

/// Where the configuration comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The closest configuration file of each directory (the default).
    Discover,
    /// `--config PATH`: this file for every file.
    File(PathBuf),
    /// `--isolated`: no configuration file at all.
    Isolated,
}

/// What the command line says; it wins over the configuration files.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--select`: replaces the configuration's `select` (and its
    /// `ignore`/`extend-select`), as in ruff.
    pub select: Option<Vec<String>>,
    /// `--extend-select` and `--ignore`: applied on top of the
    /// configuration's selection.
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    /// `--strict` (can only switch it on).
    pub strict: bool,
    pub ignore_noqa: bool,
    /// `--no-respect-gitignore` gives `Some(false)`.
    pub respect_gitignore: Option<bool>,
}

/// A problem before any file is looked at: a bad `--config` file or a bad
/// code prefix on the command line.
#[derive(Debug)]
pub enum ResolveError {
    Config(ConfigError),
    Prefix(UnknownPrefix),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Config(err) => err.fmt(f),
            ResolveError::Prefix(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for ResolveError {}

impl From<ConfigError> for ResolveError {
    fn from(err: ConfigError) -> Self {
        ResolveError::Config(err)
    }
}

/// One configuration combined with the command line: everything the files
/// it governs need.
#[derive(Debug)]
pub struct Resolved {
    /// Distinct per configuration in one run (0 is "no configuration file").
    pub id: usize,
    /// The configuration file, as displayed; `None` for the defaults.
    pub origin: Option<PathBuf>,
    /// The options as read (for `--show-settings`).
    pub options: Options,
    /// What the analysis of each file needs.
    pub settings: Settings,
    pub respect_gitignore: bool,
    /// Relative globs are matched against paths relative to this directory.
    root: PathBuf,
    exclude: GlobSet,
    per_file_ignores: Vec<PerFileIgnore>,
}

#[derive(Debug)]
struct PerFileIgnore {
    pattern: String,
    matcher: GlobMatcher,
    /// `!pattern`: applies to files that do *not* match.
    negated: bool,
    prefixes: Vec<String>,
}

impl Resolved {
    fn new(
        id: usize,
        origin: Option<PathBuf>,
        root: PathBuf,
        options: Options,
        overrides: &Overrides,
    ) -> Result<Self, UnknownPrefix> {
        let selection = RuleSelection::from_layers(&[
            SelectionLayer {
                select: options.select.as_deref(),
                extend_select: &options.extend_select,
                ignore: &options.ignore,
            },
            SelectionLayer {
                select: overrides.select.as_deref(),
                extend_select: &overrides.extend_select,
                ignore: &overrides.ignore,
            },
        ])?;
        // `..Settings::default()`: fields the analysis adds for itself (a
        // catalog cache) keep their defaults.
        #[allow(clippy::needless_update)]
        let settings = Settings {
            selection,
            strict: overrides.strict || options.strict.unwrap_or(false),
            ignore_noqa: overrides.ignore_noqa,
            catalog: CatalogConfig {
                catalogs: options.catalogs.clone(),
                resources: options.resources.clone(),
                borrow: options.borrow.clone(),
                owning: options.owning.clone(),
            },
            target_version: options.target_version,
            ..Settings::default()
        };
        let mut exclude = GlobSetBuilder::new();
        let defaults: Vec<String> = DEFAULT_EXCLUDES.iter().map(|s| (*s).to_owned()).collect();
        for pattern in options
            .exclude
            .as_ref()
            .unwrap_or(&defaults)
            .iter()
            .chain(&options.extend_exclude)
        {
            // Validated when the file was read.
            if let Ok(glob) = Glob::new(pattern) {
                exclude.add(glob);
            }
        }
        let per_file_ignores = options
            .per_file_ignores
            .iter()
            .filter_map(|(pattern, prefixes)| {
                let negated = pattern.starts_with('!');
                let glob = Glob::new(pattern.strip_prefix('!').unwrap_or(pattern)).ok()?;
                Some(PerFileIgnore {
                    pattern: pattern.clone(),
                    matcher: glob.compile_matcher(),
                    negated,
                    prefixes: prefixes.clone(),
                })
            })
            .collect();
        Ok(Self {
            id,
            origin,
            respect_gitignore: overrides
                .respect_gitignore
                .or(options.respect_gitignore)
                .unwrap_or(true),
            options,
            settings,
            root,
            exclude: exclude.build().unwrap_or_else(|_| GlobSet::empty()),
            per_file_ignores,
        })
    }

    /// Whether the walk skips `path` (absolute): its name or its path below
    /// the configuration's directory matches `exclude`/`extend-exclude`.
    pub fn is_excluded(&self, path: &Path) -> bool {
        matches(path, &self.root, |p| self.exclude.is_match(p))
    }

    /// Whether `per-file-ignores` silences `code` in `path` (absolute).
    pub fn is_ignored(&self, path: &Path, code: &str) -> bool {
        self.per_file_ignores.iter().any(|pfi| {
            pfi.prefixes.iter().any(|p| prefix_matches(p, code))
                && matches(path, &self.root, |p| pfi.matcher.is_match(p)) != pfi.negated
        })
    }

    /// Whether any `per-file-ignores` pattern applies to `path`.
    pub fn has_ignores_for(&self, path: &Path) -> bool {
        self.per_file_ignores
            .iter()
            .any(|pfi| matches(path, &self.root, |p| pfi.matcher.is_match(p)) != pfi.negated)
    }

    /// A readable dump of the resolved settings (`--show-settings`).
    pub fn describe(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let origin = match &self.origin {
            Some(path) => path.display().to_string(),
            None => "none (defaults)".to_owned(),
        };
        let list = |items: &[String]| format!("[{}]", items.join(", "));
        let s = &self.settings;
        let _ = writeln!(out, "configuration file: {origin}");
        let _ = writeln!(out, "relative paths from: {}", self.root.display());
        let _ = writeln!(out, "enabled rules: {}", s.selection.enabled().join(", "));
        let _ = writeln!(out, "strict: {}", s.strict);
        let _ = writeln!(out, "ignore-noqa: {}", s.ignore_noqa);
        let _ = writeln!(out, "respect-gitignore: {}", self.respect_gitignore);
        let _ = writeln!(
            out,
            "target-version: {}",
            s.target_version
                .map_or("not set".to_owned(), |v| v.target_name())
        );
        let exclude: Vec<String> = match &self.options.exclude {
            Some(list) => list.clone(),
            None => DEFAULT_EXCLUDES.iter().map(|s| (*s).to_owned()).collect(),
        };
        let _ = writeln!(out, "exclude: {}", list(&exclude));
        let _ = writeln!(
            out,
            "extend-exclude: {}",
            list(&self.options.extend_exclude)
        );
        let _ = writeln!(out, "per-file-ignores:");
        for pfi in &self.per_file_ignores {
            let _ = writeln!(out, "  {} = {}", pfi.pattern, list(&pfi.prefixes));
        }
        let _ = writeln!(
            out,
            "catalogs: {}",
            s.catalog
                .catalogs
                .as_ref()
                .map_or("automatic (those a file imports)".to_owned(), |c| list(c))
        );
        let _ = writeln!(out, "resources:");
        for r in &s.catalog.resources {
            let kind = unclosed_catalog::Kind::NAMES
                .iter()
                .find(|(_, k)| *k == r.kind)
                .map_or("?", |(n, _)| n);
            let _ = writeln!(
                out,
                "  {} (kind {kind}, released by {})",
                r.acquire,
                list(&r.release)
            );
        }
        let _ = writeln!(out, "borrow: {}", list(&s.catalog.borrow));
        let _ = writeln!(out, "owning: {}", list(&s.catalog.owning));
        out
    }
}

/// A glob test on a path's name and on its path below `root`.
fn matches(path: &Path, root: &Path, is_match: impl Fn(&Path) -> bool) -> bool {
    if path
        .file_name()
        .is_some_and(|name| is_match(Path::new(name)))
    {
        return true;
    }
    path.strip_prefix(root)
        .is_ok_and(|rel| !rel.as_os_str().is_empty() && is_match(rel))
}

/// Finds and caches the configuration of each directory. Shared by the
/// file walk and the analysis; safe to use from several threads.
pub struct Resolver {
    source: Source,
    overrides: Overrides,
    cwd: PathBuf,
    /// Used when no configuration file applies, and for every file with
    /// `--isolated`; or the `--config` file's.
    fallback: Arc<Resolved>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    by_dir: HashMap<PathBuf, Arc<Resolved>>,
    next_id: usize,
}

impl Resolver {
    /// Check the command line and read the `--config` file, if any.
    pub fn new(source: Source, overrides: Overrides, cwd: PathBuf) -> Result<Self, ResolveError> {
        let defaults = Resolved::new(0, None, cwd.clone(), Options::default(), &overrides)
            .map_err(ResolveError::Prefix)?;
        let fallback = match &source {
            Source::File(path) => {
                let abs = absolute(&cwd, path);
                let shown = display_path(&cwd, &abs);
                let text = std::fs::read_to_string(&abs)
                    .map_err(|err| ConfigError::file(&shown, format!("cannot read: {err}")))?;
                let options = options::parse(&shown, &text, FileKind::of(&abs))?
                    .ok_or_else(|| ConfigError::file(&shown, "has no [tool.unclosed] table"))?;
                Resolved::new(1, Some(shown), cwd.clone(), options, &overrides)
                    .map_err(ResolveError::Prefix)?
            }
            _ => defaults,
        };
        Ok(Self {
            source,
            overrides,
            cwd,
            fallback: Arc::new(fallback),
            state: Mutex::new(State {
                by_dir: HashMap::new(),
                next_id: 2,
            }),
        })
    }

    /// The configuration of files that no configuration file governs (or
    /// of every file with `--config` or `--isolated`).
    pub fn fallback(&self) -> Arc<Resolved> {
        Arc::clone(&self.fallback)
    }

    /// The directory paths are made absolute against.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// The configuration of the files in `path`'s directory (`path` as the
    /// user gave it, or found by the walk).
    pub fn for_file(&self, path: &Path) -> Result<Arc<Resolved>, ConfigError> {
        let abs = absolute(&self.cwd, path);
        match abs.parent() {
            Some(dir) => self.for_dir_abs(dir),
            None => Ok(Arc::clone(&self.fallback)),
        }
    }

    /// The configuration of the files in directory `dir`.
    pub fn for_dir(&self, dir: &Path) -> Result<Arc<Resolved>, ConfigError> {
        self.for_dir_abs(&absolute(&self.cwd, dir))
    }

    fn for_dir_abs(&self, dir: &Path) -> Result<Arc<Resolved>, ConfigError> {
        if !matches!(self.source, Source::Discover) {
            return Ok(Arc::clone(&self.fallback));
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut unknown = Vec::new();
        let mut found = None;
        for ancestor in dir.ancestors() {
            if let Some(resolved) = state.by_dir.get(ancestor) {
                found = Some(Arc::clone(resolved));
                break;
            }
            if let Some((path, options)) = find_in(ancestor, &self.cwd)? {
                let id = state.next_id;
                state.next_id += 1;
                let resolved = Resolved::new(
                    id,
                    Some(path),
                    ancestor.to_path_buf(),
                    options,
                    &self.overrides,
                )
                // The command line's prefixes were checked in `new`, the
                // file's when it was read.
                .expect("prefixes were validated");
                found = Some(Arc::new(resolved));
                unknown.push(ancestor.to_path_buf());
                break;
            }
            unknown.push(ancestor.to_path_buf());
        }
        let found = found.unwrap_or_else(|| Arc::clone(&self.fallback));
        for dir in unknown {
            state.by_dir.insert(dir, Arc::clone(&found));
        }
        Ok(found)
    }
}

/// The configuration file of directory `dir` itself, read and validated.
fn find_in(dir: &Path, cwd: &Path) -> Result<Option<(PathBuf, Options)>, ConfigError> {
    for name in CONFIG_FILE_NAMES {
        let path = dir.join(name);
        if !path.is_file() {
            continue;
        }
        let shown = display_path(cwd, &path);
        let text = std::fs::read_to_string(&path)
            .map_err(|err| ConfigError::file(&shown, format!("cannot read: {err}")))?;
        let kind = FileKind::of(&path);
        // A pyproject.toml that never says "unclosed" has no
        // [tool.unclosed] table: skip it unparsed, so that a broken
        // pyproject.toml of some other project in the tree is no error.
        if kind == FileKind::Pyproject && !text.contains("unclosed") {
            continue;
        }
        if let Some(options) = options::parse(&shown, &text, kind)? {
            return Ok(Some((shown, options)));
        }
    }
    Ok(None)
}

/// `path` relative to `cwd` when it is below it (as users read paths),
/// else absolute.
fn display_path(cwd: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => path.to_path_buf(),
    }
}

/// `path` made absolute against `cwd`, with `.` and `..` removed lexically
/// (symbolic links are not resolved, as in ruff).
pub fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = cwd.join(path);
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests;
