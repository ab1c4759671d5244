//! `unclosed check --fix`, `--diff`, `--fix-only`, `--unsafe-fixes`: run
//! the fix loop (`unclosed_rules::fix_text_with`) on each file and write
//! back, or show, what changed.
//!
//! A file is written only when a fix changed it, and byte for byte as it
//! was outside the fixes' edits: its UTF-8 byte-order mark is kept, its
//! line endings are the fixes' concern (they use the file's own), and a
//! file decoded from a PEP 263 declaration is encoded back in that
//! encoding. When that encoding cannot give the other bytes back exactly
//! (or cannot encode what a fix inserted) the file is left alone and a
//! warning says so: it is never silently written as UTF-8.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use rayon::prelude::*;
use unclosed_config::{Resolved, Resolver};
use unclosed_diagnostics::{Diagnostic, FileReport};

use crate::progress::Progress;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The fix options of `unclosed check`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FixArgs {
    /// Apply the safe fixes and write the files back; report what remains.
    #[arg(long, overrides_with = "no_fix")]
    pub fix: bool,
    /// Do not apply fixes (cancels an earlier --fix).
    #[arg(long, overrides_with = "fix")]
    pub no_fix: bool,
    /// Also apply (with --fix) or count as fixable (`[*]`) the unsafe fixes.
    #[arg(long, overrides_with = "no_unsafe_fixes")]
    pub unsafe_fixes: bool,
    /// Do not apply unsafe fixes (cancels an earlier --unsafe-fixes).
    #[arg(long, overrides_with = "unsafe_fixes")]
    pub no_unsafe_fixes: bool,
    /// Print a unified diff of what --fix would change, change nothing; exit
    /// 1 when there would be changes, 0 when not.
    #[arg(long, conflicts_with = "fix_only")]
    pub diff: bool,
    /// Apply the fixes and report nothing else; exit 0 unless an error.
    #[arg(long)]
    pub fix_only: bool,
}

/// What to do with fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--fix`: write the files, report what remains.
    Fix,
    /// `--fix-only`: write the files, report nothing.
    FixOnly,
    /// `--diff`: write nothing, print the diff.
    Diff,
}

impl FixArgs {
    /// The fix mode asked for, if any.
    pub fn mode(&self) -> Option<Mode> {
        if self.diff {
            Some(Mode::Diff)
        } else if self.fix_only {
            Some(Mode::FixOnly)
        } else if self.fix && !self.no_fix {
            Some(Mode::Fix)
        } else {
            None
        }
    }

    pub fn unsafe_fixes(&self) -> bool {
        self.unsafe_fixes && !self.no_unsafe_fixes
    }
}

/// What fixing one file gave.
#[derive(Debug, Default)]
pub struct FileFixes {
    /// Fixes applied (or that would be, with `--diff`), per code.
    pub fixed: BTreeMap<&'static str, usize>,
    /// The unified diff of the file (only with `--diff`), in the file's
    /// encoding.
    pub diff: Option<Vec<u8>>,
    /// Warnings: dropped fixes, non-convergence, files not written.
    pub warnings: Vec<String>,
}

/// What fixing every file gave.
#[derive(Debug, Default)]
pub struct Fixed {
    pub files: Vec<(PathBuf, FileFixes)>,
}

impl Fixed {
    pub fn count(&self) -> usize {
        self.files
            .iter()
            .map(|(_, f)| f.fixed.values().sum::<usize>())
            .sum()
    }

    pub fn changed_files(&self) -> usize {
        self.files
            .iter()
            .filter(|(_, f)| f.fixed.values().sum::<usize>() > 0)
            .count()
    }

    /// Warnings, each prefixed with its file, in path order.
    pub fn warnings(&self) -> Vec<String> {
        let mut files: Vec<&(PathBuf, FileFixes)> = self.files.iter().collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
            .iter()
            .flat_map(|(path, f)| {
                f.warnings
                    .iter()
                    .map(move |w| format!("unclosed: warning: {}: {w}", path.display()))
            })
            .collect()
    }

    /// The diffs, in path order.
    pub fn diffs(&self) -> Vec<u8> {
        let mut files: Vec<&(PathBuf, FileFixes)> = self.files.iter().collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
            .iter()
            .filter_map(|(_, f)| f.diff.as_deref())
            .flatten()
            .copied()
            .collect()
    }
}

/// Fix every file in parallel (on the same big-stack workers as `check`),
/// each with the settings and `per-file-ignores` of its configuration.
/// Returns each file's report of what remains (on the fixed text) and
/// what was fixed.
pub fn run(
    jobs: &[(PathBuf, Arc<Resolved>)],
    resolver: &Resolver,
    mode: Mode,
    unsafe_fixes: bool,
    max_file_size: u64,
    progress: &Progress,
) -> anyhow::Result<(Vec<(FileReport, Duration)>, Fixed)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(crate::check::WORKER_STACK_SIZE)
        .build()
        .context("cannot start worker threads")?;
    let results: Vec<(FileReport, Duration, FileFixes)> = pool.install(|| {
        jobs.par_iter()
            .map(|(path, resolved)| {
                let started = Instant::now();
                let abs = unclosed_config::absolute(resolver.cwd(), path);
                let per_file = resolved.has_ignores_for(&abs);
                let keep = |d: &Diagnostic| !(per_file && resolved.is_ignored(&abs, d.code));
                let (report, fixes) = fix_file(
                    path,
                    &resolved.settings,
                    &keep,
                    mode,
                    unsafe_fixes,
                    max_file_size,
                );
                progress.inc();
                (report, started.elapsed(), fixes)
            })
            .collect()
    });
    let mut analyzed = Vec::with_capacity(results.len());
    let mut fixed = Fixed::default();
    for (report, time, fixes) in results {
        if !fixes.fixed.is_empty() || !fixes.warnings.is_empty() {
            fixed.files.push((report.path.clone(), fixes));
        }
        analyzed.push((report, time));
    }
    Ok((analyzed, fixed))
}

/// Read, fix and (unless `--diff`) write back one file.
fn fix_file(
    path: &Path,
    settings: &unclosed_rules::Settings,
    keep: &dyn Fn(&Diagnostic) -> bool,
    mode: Mode,
    unsafe_fixes: bool,
    max_file_size: u64,
) -> (FileReport, FileFixes) {
    let mut fixes = FileFixes::default();
    let bytes = match unclosed_source::read_bytes(path, max_file_size) {
        Ok(bytes) => bytes,
        Err(err) => return (FileReport::file_error(path, err.to_string()), fixes),
    };
    let decoded = match unclosed_source::decode(&bytes) {
        Ok(decoded) => decoded,
        Err(err) => return (FileReport::file_error(path, err.to_string()), fixes),
    };
    let original = decoded.text.clone();
    let outcome = unclosed_rules::fix_text_with(path, decoded.text, settings, unsafe_fixes, keep);
    for dropped in &outcome.dropped {
        fixes.warnings.push(dropped.to_string());
    }
    if !outcome.converged {
        fixes.warnings.push(format!(
            "fixes did not converge after {} rounds; the fixes of those rounds are applied, the rest are not (please report this as a bug of the fix)",
            unclosed_rules::MAX_FIX_ROUNDS
        ));
    }
    if outcome.fixed_count() == 0 || outcome.text == original {
        return (outcome.report, fixes);
    }
    let bom = bytes.starts_with(BOM);
    let body = if bom { &bytes[BOM.len()..] } else { &bytes[..] };
    let encoded = match encode(decoded.encoding, &original, body, &outcome.text) {
        Ok(encoded) => encoded,
        Err(why) => {
            fixes.warnings.push(format!(
                "not fixed: the file is encoded in {} and {why}",
                decoded.encoding
            ));
            // Report the findings of the file as it is.
            let mut report = unclosed_rules::check_text(path, original, settings);
            report.diagnostics.retain(|d| keep(d));
            return (report, fixes);
        }
    };
    let mut new_bytes = Vec::with_capacity(encoded.len() + 3);
    if bom {
        new_bytes.extend_from_slice(BOM);
    }
    new_bytes.extend_from_slice(&encoded);
    match mode {
        Mode::Diff => {
            let bom_text = if bom { "\u{feff}" } else { "" };
            let old = format!("{bom_text}{original}");
            let new = format!("{bom_text}{}", outcome.text);
            let diff = unified_diff(path, &old, &new);
            match encode(decoded.encoding, &old, &bytes, &diff) {
                Ok(diff) => fixes.diff = Some(diff),
                Err(why) => {
                    fixes.warnings.push(format!(
                        "no diff: the file is encoded in {} and {why}",
                        decoded.encoding
                    ));
                    return (outcome.report, fixes);
                }
            }
        }
        Mode::Fix | Mode::FixOnly => {
            if let Err(err) = std::fs::write(path, &new_bytes) {
                fixes
                    .warnings
                    .push(format!("cannot write the fixes: {err}"));
                let mut report = unclosed_rules::check_text(path, original, settings);
                report.diagnostics.retain(|d| keep(d));
                return (report, fixes);
            }
        }
    }
    fixes.fixed = outcome.fixed;
    (outcome.report, fixes)
}

/// `text` encoded in `encoding` (as `unclosed_source::decode` names it),
/// provided that encoding `original` gives back `original_bytes` exactly
/// (so nothing outside the fixes changes) and that `text` can be encoded.
fn encode(
    encoding: &str,
    original: &str,
    original_bytes: &[u8],
    text: &str,
) -> Result<Vec<u8>, String> {
    let encode_one = |s: &str| -> Result<Vec<u8>, String> {
        match encoding {
            "utf-8" => Ok(s.as_bytes().to_vec()),
            "latin-1" => s
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| "the fixed text has characters latin-1 cannot encode".to_owned()),
            other => {
                let enc = encoding_rs::Encoding::for_label(other.as_bytes())
                    .ok_or_else(|| "that encoding is unknown".to_owned())?;
                if enc.output_encoding() != enc {
                    return Err("files in that encoding cannot be written".to_owned());
                }
                let (bytes, _, unmappable) = enc.encode(s);
                if unmappable {
                    return Err("the fixed text has characters it cannot encode".to_owned());
                }
                Ok(bytes.into_owned())
            }
        }
    };
    if encode_one(original)? != original_bytes {
        return Err("encoding the file back would change bytes the fixes did not touch".to_owned());
    }
    encode_one(text)
}

/// A unified diff with `a/` and `b/` headers (`git apply`, `patch -p1`).
fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.to_string_lossy();
    let shown = shown.strip_prefix("./").unwrap_or(&shown);
    let shown = shown.strip_prefix('/').unwrap_or(shown);
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

/// The summary lines after the findings, like ruff's:
/// `Found 3 findings (2 fixed, 1 remaining).`, `[*] 2 fixable with the
/// `--fix` option.`, `1 hidden fix can be enabled with the
/// `--unsafe-fixes` option.`
pub fn summary(reports: &[FileReport], fixed: Option<&Fixed>, unsafe_fixes: bool) -> Vec<String> {
    let remaining: usize = reports.iter().map(|r| r.diagnostics.len()).sum();
    let files = reports.len();
    let mut lines = Vec::new();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match fixed {
        Some(fixed) if fixed.count() > 0 => {
            let n = fixed.count();
            let total = n + remaining;
            lines.push(format!(
                "Found {total} finding{} ({n} fixed, {remaining} remaining).",
                plural(total)
            ));
        }
        _ if remaining == 0 => lines.push("All checks passed!".to_owned()),
        _ => lines.push(format!(
            "Found {remaining} finding{} in {files} file{}.",
            plural(remaining),
            plural(files)
        )),
    }
    let fixes = reports
        .iter()
        .flat_map(|r| &r.diagnostics)
        .filter_map(|d| d.fix.as_ref());
    let (mut fixable, mut hidden) = (0, 0);
    for fix in fixes {
        if unclosed_rules::is_applicable(fix, unsafe_fixes) {
            fixable += 1;
        } else if unclosed_rules::is_applicable(fix, true) {
            hidden += 1;
        }
    }
    if fixed.is_none() && fixable > 0 {
        lines.push(format!("[*] {fixable} fixable with the `--fix` option."));
    }
    if hidden > 0 {
        lines.push(format!(
            "{hidden} hidden fix{} can be enabled with the `--unsafe-fixes` option.",
            if hidden == 1 { "" } else { "es" }
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip_or_refuse() {
        assert_eq!(
            encode("latin-1", "é\n", b"\xe9\n", "é!\n").unwrap(),
            b"\xe9!\n"
        );
        assert!(encode("latin-1", "é\n", b"\xe9\n", "€\n").is_err());
        assert_eq!(
            encode("windows-1252", "€\n", b"\x80\n", "€€\n").unwrap(),
            b"\x80\x80\n"
        );
        assert!(encode("utf-16le", "x", b"x\0", "y").is_err());
        assert_eq!(encode("utf-8", "x", b"x", "y").unwrap(), b"y");
    }

    #[test]
    fn diff_headers_are_relative() {
        let diff = unified_diff(Path::new("./a.py"), "x\n", "y\n");
        assert!(diff.starts_with("--- a/a.py\n+++ b/a.py\n@@ "), "{diff}");
        assert!(diff.ends_with("\n-x\n+y\n"), "{diff}");
    }
}
