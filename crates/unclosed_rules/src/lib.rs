//! Rules and the per-file check.

mod fix_loop;
mod fixes;
mod leaks;
pub mod noqa;
pub mod registry;
pub mod rules;
mod selection;
mod version;

pub use fix_loop::{
    DroppedFix, FixOutcome, MAX_FIX_ROUNDS, fix_text, fix_text_with, is_applicable,
};
pub use registry::{RULES, Rule, find_rule};
pub use selection::{RuleSelection, SelectionLayer, UnknownPrefix, parse_prefix, prefix_matches};
pub use version::PythonVersion;

/// Where each rule's documentation page lives; the code and `.md` are
/// appended.
pub const DOCS_URL_BASE: &str = "https://github.com/unclosed/unclosed/blob/main/docs/rules/";

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use ruff_python_ast::ModModule;
use unclosed_dataflow::{ModuleId, Program, Summaries};

use unclosed_catalog::{Catalog, CatalogConfig};

use unclosed_diagnostics::{Diagnostic, FileReport, SYNTAX_ERROR_CODE, SourceText};

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub selection: RuleSelection,
    pub strict: bool,
    pub ignore_noqa: bool,
    /// Third-party catalogs and user additions to the resource catalog.
    pub catalog: CatalogConfig,
    /// The catalog built from `catalog`, on first use: see
    /// [`Settings::resource_catalog`]. Leave it at its default.
    pub catalog_cache: CatalogCache,
    /// The oldest Python the checked code must run on (`target-version`),
    /// for rules whose advice or fix needs a newer Python
    /// (`contextlib.aclosing` is 3.10+). `None`: not configured; see
    /// [`Settings::targets_at_least`].
    pub target_version: Option<PythonVersion>,
}

/// The [`Catalog`] a [`Settings`] built from its configuration, kept with
/// the configuration it was built from.
#[derive(Debug, Clone, Default)]
pub struct CatalogCache(OnceLock<(CatalogConfig, Arc<Catalog>)>);

impl Settings {
    /// Whether advice may use a feature of Python `version`: true when the
    /// configured target is that version or newer, or when no target is
    /// configured (then the advice should name the version it needs).
    pub fn targets_at_least(&self, version: PythonVersion) -> bool {
        self.target_version.is_none_or(|target| target >= version)
    }

    /// The resource catalog for these settings. It is built once, by the
    /// first file checked, and shared by every file checked with these
    /// settings (the default configuration's catalog is shared by the whole
    /// process). Should `catalog` be changed after that, the catalog is
    /// built anew for each call.
    pub fn resource_catalog(&self) -> Arc<Catalog> {
        let (config, catalog) = self
            .catalog_cache
            .0
            .get_or_init(|| (self.catalog.clone(), Catalog::shared(&self.catalog)));
        if *config == self.catalog {
            catalog.clone()
        } else {
            Catalog::shared(&self.catalog)
        }
    }
}

/// Read, parse and check one file. Never panics on bad input: a file that
/// cannot be read or parsed yields one `UC000` diagnostic.
pub fn check_file(path: &Path, settings: &Settings, max_size: u64) -> FileReport {
    match unclosed_source::read(path, max_size) {
        Ok(decoded) => check_text(path, decoded.text, settings),
        Err(err) => FileReport::file_error(path, err.to_string()),
    }
}

/// Check decoded text: parse, analyze, turn facts into diagnostics, drop
/// those not selected or silenced by `# noqa`. The file is a program of
/// its own: calls into other modules are unknown (see [`check_loaded`]
/// for a file among others).
pub fn check_text(path: &Path, text: String, settings: &Settings) -> FileReport {
    let source = Arc::new(SourceText::new(text));
    let parsed = unclosed_source::parse(&source.text);
    let parsed = parsed
        .as_ref()
        .map(|p| (&p.suite()[..], Noqa::Tokens(p.tokens())));
    report(path, source, parsed, settings, |suite| {
        let options = unclosed_dataflow::Options {
            strict: settings.strict,
        };
        let catalog = settings.resource_catalog();
        unclosed_dataflow::analyze_module(suite, &catalog, options)
    })
}

/// A file of a check run, read and parsed: the first phase, before the
/// program index ([`index_program`]) is built over every file. Every file
/// stays loaded until the last one is checked (any file may ask for the
/// summary of a function in any other), so only what the second phase
/// needs is kept: the syntax tree and the file's `# noqa` directives, not
/// the token vector (about as large as the tree) nor the text, which
/// [`check_loaded`] reads again (and compares with a fingerprint of what
/// was parsed). The text of a file that cannot be read twice (a pipe,
/// `/dev/stdin` fed by one) is kept.
pub struct LoadedFile {
    pub path: PathBuf,
    max_size: u64,
    loaded: Result<(Text, ParseResult), String>,
}

type ParseResult = Result<(ModModule, noqa::Directives), unclosed_source::SyntaxError>;

/// What phase 1 keeps of a file's text.
enum Text {
    /// A regular file: read again in phase 2.
    Reread(Fingerprint),
    /// Anything else: what was read.
    Kept(Arc<SourceText>),
}

/// The length and a hash of a file's text, to tell that the text read
/// again is the one parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint(usize, u64);

impl Fingerprint {
    fn of(text: &str) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = rustc_hash::FxHasher::default();
        text.hash(&mut hasher);
        Fingerprint(text.len(), hasher.finish())
    }
}

/// Where a file's `# noqa` directives come from.
enum Noqa<'t> {
    /// Read from the tokens when a finding needs them.
    Tokens(&'t ruff_python_ast::token::Tokens),
    /// Read at load time.
    Read(&'t noqa::Directives),
}

impl LoadedFile {
    /// The module body, if the file was read and parsed.
    pub fn suite(&self) -> Option<&[ruff_python_ast::Stmt]> {
        match &self.loaded {
            Ok((_, Ok((module, _)))) => Some(&module.body),
            _ => None,
        }
    }
}

/// Read and parse a file for [`index_program`] and [`check_loaded`].
pub fn load_file(path: &Path, max_size: u64) -> LoadedFile {
    // `/dev/stdin` redirected from a file is a regular file, but reading it
    // again starts at its end on some systems.
    let regular = std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && !path.starts_with("/dev")
        && !path.starts_with("/proc");
    let loaded = unclosed_source::read(path, max_size)
        .map(|decoded| {
            let text = decoded.text;
            let parsed = unclosed_source::parse(&text).map(|parsed| {
                let directives = noqa::directives(parsed.tokens(), &text);
                (parsed.into_syntax(), directives)
            });
            let kept = if regular {
                Text::Reread(Fingerprint::of(&text))
            } else {
                Text::Kept(Arc::new(SourceText::new(text)))
            };
            (kept, parsed)
        })
        .map_err(|err| err.to_string());
    LoadedFile {
        path: path.to_path_buf(),
        max_size,
        loaded,
    }
}

/// The program index of a check run's files: the second phase's view of
/// every module. Also gives the module of each file (`None` for a file
/// that could not be read or parsed).
pub fn index_program(files: &[LoadedFile]) -> (Program<'_>, Vec<Option<ModuleId>>) {
    let mut inputs = Vec::new();
    let modules = files
        .iter()
        .map(|file| {
            let suite = file.suite()?;
            inputs.push(unclosed_dataflow::unclosed_program::ModuleInput {
                path: &file.path,
                suite,
            });
            Some(inputs.len() - 1)
        })
        .collect();
    (Program::new(&inputs), modules)
}

/// Check one file of a program: as [`check_text`], with calls of the
/// program's functions in this file or others resolved to their summaries.
/// `module` is the file's module in `summaries.program`.
pub fn check_loaded(
    file: &LoadedFile,
    settings: &Settings,
    summaries: &Summaries<'_>,
    module: Option<ModuleId>,
) -> FileReport {
    let (text, parsed) = match &file.loaded {
        Ok(loaded) => loaded,
        Err(message) => return FileReport::file_error(&file.path, message.clone()),
    };
    // The text is read again: the tree's ranges are only valid in the text
    // parsed.
    let source = match text {
        Text::Kept(source) => source.clone(),
        Text::Reread(fingerprint) => match unclosed_source::read(&file.path, file.max_size) {
            Ok(decoded) if Fingerprint::of(&decoded.text) == *fingerprint => {
                Arc::new(SourceText::new(decoded.text))
            }
            Ok(_) => {
                return FileReport::file_error(
                    &file.path,
                    "the file changed while it was being checked; check it again".to_owned(),
                );
            }
            Err(err) => return FileReport::file_error(&file.path, err.to_string()),
        },
    };
    let parsed = parsed
        .as_ref()
        .map(|(module, directives)| (&module.body[..], Noqa::Read(directives)));
    report(&file.path, source, parsed, settings, |suite| {
        let options = unclosed_dataflow::Options {
            strict: settings.strict,
        };
        match module {
            Some(m) => unclosed_dataflow::analyze_program_module(summaries, m, options),
            None => {
                let catalog = settings.resource_catalog();
                unclosed_dataflow::analyze_module(suite, &catalog, options)
            }
        }
    })
}

/// Facts to the sorted report: diagnostics of the selected rules, with
/// their fixes, not silenced by `# noqa`.
fn report(
    path: &Path,
    source: Arc<SourceText>,
    parsed: Result<(&[ruff_python_ast::Stmt], Noqa<'_>), &unclosed_source::SyntaxError>,
    settings: &Settings,
    analyze: impl FnOnce(&[ruff_python_ast::Stmt]) -> Vec<unclosed_dataflow::Fact>,
) -> FileReport {
    let diagnostics = match parsed {
        Err(err) => vec![Diagnostic::new(
            SYNTAX_ERROR_CODE,
            "syntax-error",
            err.message.clone(),
            err.range,
        )],
        Ok((suite, noqa)) => {
            let facts = analyze(suite);
            let cx = fixes::FixContext {
                suite,
                source: &source,
                settings,
            };
            let mut diagnostics: Vec<Diagnostic> = facts
                .iter()
                .filter_map(|fact| {
                    let mut d = leaks::diagnostic(fact, &source, settings)?;
                    if !settings.selection.is_enabled(d.code) {
                        return None;
                    }
                    d.fix = fixes::fix(fact, &d, &cx);
                    Some(d)
                })
                .collect();
            if !settings.ignore_noqa && !diagnostics.is_empty() {
                let read;
                let directives = match noqa {
                    Noqa::Tokens(tokens) => {
                        read = noqa::directives(tokens, &source.text);
                        &read
                    }
                    Noqa::Read(directives) => directives,
                };
                diagnostics.retain(|d| {
                    let row = source.location(d.range.start()).row;
                    !directives.get(&row).is_some_and(|dir| dir.silences(d.code))
                });
            }
            diagnostics
        }
    };
    let mut report = FileReport {
        path: path.to_path_buf(),
        source: Some(source),
        diagnostics,
    };
    report.sort();
    report
}
