//! Which files `check` analyzes: explicit files always, directories walked
//! for `*.py` honouring `.gitignore`/`.ignore` and the exclude globs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use globset::{Glob, GlobSet, GlobSetBuilder};

/// Directories nobody wants analyzed.
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

pub struct Walker {
    excludes: GlobSet,
    respect_gitignore: bool,
}

impl Walker {
    pub fn new(extra_excludes: &[String], respect_gitignore: bool) -> anyhow::Result<Self> {
        let mut builder = GlobSetBuilder::new();
        for pattern in DEFAULT_EXCLUDES.iter().copied() {
            builder.add(Glob::new(pattern)?);
        }
        for pattern in extra_excludes {
            let glob = Glob::new(pattern)
                .with_context(|| format!("invalid --exclude pattern `{pattern}`"))?;
            builder.add(glob);
        }
        Ok(Self {
            excludes: builder.build()?,
            respect_gitignore,
        })
    }

    /// Every file to analyze, sorted, with the errors met on the way.
    pub fn collect(&self, roots: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for root in roots {
            match std::fs::metadata(root) {
                Err(err) => errors.push((root.clone(), format!("cannot read: {err}"))),
                // A file named on the command line is analyzed whatever its
                // name, like ruff does.
                Ok(meta) if !meta.is_dir() => files.push(root.clone()),
                Ok(_) => self.walk_dir(root, &mut files, &mut errors),
            }
        }
        files.sort();
        files.dedup();
        (files, errors)
    }

    fn walk_dir(&self, root: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<(PathBuf, String)>) {
        let root_owned = root.to_path_buf();
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .git_ignore(self.respect_gitignore)
            .git_global(self.respect_gitignore)
            .git_exclude(self.respect_gitignore)
            .ignore(self.respect_gitignore)
            .parents(self.respect_gitignore)
            .require_git(false)
            .follow_links(false)
            .filter_entry({
                let excludes = self.excludes.clone();
                let root = root_owned.clone();
                move |entry| entry.depth() == 0 || !is_excluded(&excludes, entry.path(), &root)
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
