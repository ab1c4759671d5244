//! Which files `check` analyzes: explicit files always, directories walked
//! for `*.py` honouring `.gitignore`/`.ignore`, the `--exclude` globs and
//! the `exclude`/`extend-exclude` of the configuration that governs each
//! directory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use globset::{Glob, GlobSet, GlobSetBuilder};
use unclosed_config::{ConfigError, Resolver};

pub struct Walker {
    /// `--exclude`: matched against names and paths below the walk root.
    cli_excludes: GlobSet,
    resolver: Arc<Resolver>,
}

/// What the walk found.
pub struct Collected {
    /// Every file to analyze, sorted.
    pub files: Vec<PathBuf>,
    /// Paths that could not be read, with why.
    pub errors: Vec<(PathBuf, String)>,
}

impl Walker {
    pub fn new(cli_excludes: &[String], resolver: Arc<Resolver>) -> anyhow::Result<Self> {
        let mut builder = GlobSetBuilder::new();
        for pattern in cli_excludes {
            let glob = Glob::new(pattern)
                .with_context(|| format!("invalid --exclude pattern `{pattern}`"))?;
            builder.add(glob);
        }
        Ok(Self {
            cli_excludes: builder.build()?,
            resolver,
        })
    }

    /// Walk the roots. A configuration file met on the way that is invalid
    /// stops everything: its error is returned.
    pub fn collect(&self, roots: &[PathBuf]) -> Result<Collected, ConfigError> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for root in roots {
            match std::fs::metadata(root) {
                Err(err) => errors.push((root.clone(), format!("cannot read: {err}"))),
                // A file named on the command line is analyzed whatever its
                // name, like ruff does.
                Ok(meta) if !meta.is_dir() => files.push(root.clone()),
                Ok(_) => self.walk_dir(root, &mut files, &mut errors)?,
            }
        }
        files.sort();
        files.dedup();
        Ok(Collected { files, errors })
    }

    fn walk_dir(
        &self,
        root: &Path,
        files: &mut Vec<PathBuf>,
        errors: &mut Vec<(PathBuf, String)>,
    ) -> Result<(), ConfigError> {
        // `.gitignore` is honoured or not for a whole walk, as the
        // configuration of its root says (as in ruff).
        let respect_gitignore = self.resolver.for_dir(root)?.respect_gitignore;
        let root_owned = root.to_path_buf();
        let config_error: Arc<Mutex<Option<ConfigError>>> = Arc::default();
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(respect_gitignore)
            .git_global(respect_gitignore)
            .git_exclude(respect_gitignore)
            .ignore(respect_gitignore)
            .parents(respect_gitignore)
            .require_git(false)
            .follow_links(false)
            .filter_entry({
                let cli_excludes = self.cli_excludes.clone();
                let resolver = Arc::clone(&self.resolver);
                let root = root_owned.clone();
                let config_error = Arc::clone(&config_error);
                move |entry| {
                    if entry.depth() == 0 {
                        return true;
                    }
                    let path = entry.path();
                    if is_excluded(&cli_excludes, path, &root) {
                        return false;
                    }
                    // Only directories and Python files can be analyzed: a
                    // data file never makes us read the configuration of
                    // its directory (CPython's tests hold a broken
                    // `unclosed.toml` next to no Python code).
                    let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                    if !is_dir && path.extension().is_none_or(|ext| ext != "py") {
                        return true;
                    }
                    // The configuration of the directory holding the entry
                    // decides: a nested project cannot un-exclude itself.
                    let abs = unclosed_config::absolute(resolver.cwd(), path);
                    let Some(dir) = abs.parent() else {
                        return true;
                    };
                    match resolver.for_dir(dir) {
                        Ok(resolved) => !resolved.is_excluded(&abs),
                        Err(err) => {
                            let mut slot = config_error.lock().unwrap_or_else(|e| e.into_inner());
                            slot.get_or_insert(err);
                            false
                        }
                    }
                }
            })
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let is_file = entry.file_type().is_some_and(|t| t.is_file());
                    let is_py = entry.path().extension().is_some_and(|ext| ext == "py");
                    if is_file && is_py {
                        // `check` with no path walks `.`: report `app.py`,
                        // not `./app.py`, as ruff does.
                        let path = entry.into_path();
                        files.push(match path.strip_prefix(".") {
                            Ok(rel) if root == Path::new(".") => rel.to_path_buf(),
                            _ => path,
                        });
                    }
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => path.clone(),
                        _ => root_owned.clone(),
                    };
                    errors.push((path, err.to_string()));
                }
            }
        }
        let error = config_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        match error {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

/// A path is excluded when a glob matches its name or its path below the
/// walk root.
fn is_excluded(excludes: &GlobSet, path: &Path, root: &Path) -> bool {
    if path.file_name().is_some_and(|name| excludes.is_match(name)) {
        return true;
    }
    path.strip_prefix(root)
        .is_ok_and(|rel| !rel.as_os_str().is_empty() && excludes.is_match(rel))
}
