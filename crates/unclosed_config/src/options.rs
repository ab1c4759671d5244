//! Reading one configuration file into validated [`Options`].
//!
//! The TOML is parsed with spans (`toml::de::DeTable`) so that every error
//! names the file, line, column and key. Nothing unknown is ignored: an
//! unknown key, a wrong type, a code prefix that names no rule, a glob that
//! does not compile, an unknown catalog or resource kind is an error.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use globset::Glob;
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use unclosed_catalog::{Kind, ResourceSpec, THIRD_PARTY_CATALOGS};
use unclosed_rules::PythonVersion;

use crate::error::ConfigError;

/// The keys of `[tool.unclosed]` (and of `unclosed.toml`), in the order the
/// documentation lists them.
pub const KEYS: &[&str] = &[
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "respect-gitignore",
    "target-version",
    "strict",
    "catalogs",
    "resources",
    "borrow",
    "owning",
];

/// The keys of one `[[tool.unclosed.resources]]` entry.
pub const RESOURCE_KEYS: &[&str] = &["acquire", "release", "kind"];

/// Which kind of file: where the options live in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `pyproject.toml`: the `[tool.unclosed]` table.
    Pyproject,
    /// `unclosed.toml` / `.unclosed.toml`: top-level keys.
    Unclosed,
}

impl FileKind {
    /// `pyproject.toml` by name; anything else is read like `unclosed.toml`.
    pub fn of(path: &Path) -> Self {
        if path.file_name().is_some_and(|n| n == "pyproject.toml") {
            FileKind::Pyproject
        } else {
            FileKind::Unclosed
        }
    }

    /// How a table path is spelled in messages: `[tool.unclosed.resources]`
    /// or `[resources]`.
    fn table(self, sub: &str) -> String {
        match (self, sub) {
            (FileKind::Pyproject, "") => "[tool.unclosed]".to_owned(),
            (FileKind::Pyproject, sub) => format!("[tool.unclosed.{sub}]"),
            (FileKind::Unclosed, "") => "the top level".to_owned(),
            (FileKind::Unclosed, sub) => format!("[{sub}]"),
        }
    }
}

/// The validated contents of one configuration file. `None` and empty
/// lists mean "not set".
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Code prefixes, normalized (`UC1`, `ALL`).
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    /// Glob (as written) and the code prefixes it ignores.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Vec<String>,
    pub respect_gitignore: Option<bool>,
    pub target_version: Option<PythonVersion>,
    pub strict: Option<bool>,
    pub catalogs: Option<Vec<String>>,
    pub resources: Vec<ResourceSpec>,
    pub borrow: Vec<String>,
    pub owning: Vec<String>,
}

type Result<T> = std::result::Result<T, ConfigError>;

/// Read `text` (the contents of `path`). `Ok(None)`: a `pyproject.toml`
/// without a `[tool.unclosed]` table, which does not count as a
/// configuration file.
pub fn parse(path: &Path, text: &str, kind: FileKind) -> Result<Option<Options>> {
    let text: Arc<str> = Arc::from(text);
    let cx = Cx {
        path,
        text: &text,
        kind,
    };
    let document = DeTable::parse(&text).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        let message = format!("invalid TOML: {}", err.message().trim_end());
        ConfigError::at(path, &text, span, message)
    })?;
    let table = match kind {
        FileKind::Unclosed => document.get_ref(),
        FileKind::Pyproject => {
            let Some(tool) = document.get_ref().get("tool") else {
                return Ok(None);
            };
            let DeValue::Table(tool) = tool.get_ref() else {
                return Ok(None);
            };
            let Some(unclosed) = tool.get("unclosed") else {
                return Ok(None);
            };
            match unclosed.get_ref() {
                DeValue::Table(table) => table,
                other => {
                    return Err(cx.type_error(
                        unclosed.span(),
                        "`tool.unclosed`",
                        "a table",
                        other,
                    ));
                }
            }
        }
    };
    cx.options(table).map(Some)
}

/// Where we are: for error messages.
struct Cx<'a> {
    path: &'a Path,
    text: &'a Arc<str>,
    kind: FileKind,
}

/// The entries of a table in the order they are written, so that the first
/// error reported is the first in the file.
fn entries<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

impl Cx<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        ConfigError::at(self.path, self.text, span, message)
    }

    fn type_error(
        &self,
        span: Range<usize>,
        what: &str,
        expected: &str,
        found: &DeValue<'_>,
    ) -> ConfigError {
        self.error(
            span,
            format!("{what} must be {expected}, found {}", found.type_str()),
        )
    }

    fn unknown_key(
        &self,
        span: Range<usize>,
        key: &str,
        table: &str,
        known: &[&str],
    ) -> ConfigError {
        let message = match table {
            "the top level" => format!("unknown key `{key}` at the top level"),
            _ => format!("unknown key `{key}` in {table}"),
        };
        let label = match suggest(key, known) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!("expected one of: {}", known.join(", ")),
        };
        let err = self.error(span, message).with_label(label);
        // `[tool.unclosed]` copied into unclosed.toml.
        if self.kind == FileKind::Unclosed && key == "tool" {
            return err.with_label(
                "in unclosed.toml the options are top-level keys, without `[tool.unclosed]`",
            );
        }
        err
    }

    fn options(&self, table: &DeTable<'_>) -> Result<Options> {
        let mut options = Options::default();
        for (key, value) in entries(table) {
            let name = key.get_ref().as_ref();
            let what = format!("`{name}`");
            match name {
                "select" => options.select = Some(self.prefixes(value, name)?),
                "extend-select" => options.extend_select = self.prefixes(value, name)?,
                "ignore" => options.ignore = self.prefixes(value, name)?,
                "per-file-ignores" => options.per_file_ignores = self.per_file_ignores(value)?,
                "exclude" => options.exclude = Some(self.globs(value, name)?),
                "extend-exclude" => options.extend_exclude = self.globs(value, name)?,
                "respect-gitignore" => options.respect_gitignore = Some(self.bool(value, &what)?),
                "strict" => options.strict = Some(self.bool(value, &what)?),
                "target-version" => {
                    let (version, span) = self.string(value, &what)?;
                    let parsed = PythonVersion::from_target_name(&version).ok_or_else(|| {
                        let names: Vec<String> = PythonVersion::SUPPORTED
                            .iter()
                            .map(|v| v.target_name())
                            .collect();
                        self.error(span, format!("unknown `target-version` `{version}`"))
                            .with_label(format!("expected one of: {}", names.join(", ")))
                    })?;
                    options.target_version = Some(parsed);
                }
                "catalogs" => {
                    let mut catalogs = Vec::new();
                    for (name, span) in self.strings(value, &what)? {
                        if !THIRD_PARTY_CATALOGS.contains(&name.as_str()) {
                            let label = match suggest(&name, THIRD_PARTY_CATALOGS) {
                                Some(best) => format!("did you mean `{best}`?"),
                                None => {
                                    format!("the catalogs are: {}", THIRD_PARTY_CATALOGS.join(", "))
                                }
                            };
                            return Err(self
                                .error(span, format!("unknown catalog `{name}` in `catalogs`"))
                                .with_label(label));
                        }
                        if !catalogs.contains(&name) {
                            catalogs.push(name);
                        }
                    }
                    options.catalogs = Some(catalogs);
                }
                "resources" => options.resources = self.resources(value)?,
                "borrow" | "owning" => {
                    let mut names = Vec::new();
                    for (function, span) in self.strings(value, &what)? {
                        if !is_dotted_name(&function) {
                            return Err(self
                                .error(
                                    span,
                                    format!("`{function}` in `{name}` is not a function name"),
                                )
                                .with_label(
                                    "a qualified name such as `mylib.inspect` or a method name such as `peek`",
                                ));
                        }
                        names.push(function);
                    }
                    if name == "borrow" {
                        options.borrow = names;
                    } else {
                        options.owning = names;
                    }
                }
                _ => return Err(self.unknown_key(key.span(), name, &self.kind.table(""), KEYS)),
            }
        }
        Ok(options)
    }

    fn bool(&self, value: &Spanned<DeValue<'_>>, what: &str) -> Result<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            other => Err(self.type_error(value.span(), what, "a boolean (true or false)", other)),
        }
    }

    fn string(&self, value: &Spanned<DeValue<'_>>, what: &str) -> Result<(String, Range<usize>)> {
        match value.get_ref() {
            DeValue::String(s) => Ok((s.to_string(), value.span())),
            other => Err(self.type_error(value.span(), what, "a string", other)),
        }
    }

    /// A list of strings, each with its span.
    fn strings(
        &self,
        value: &Spanned<DeValue<'_>>,
        what: &str,
    ) -> Result<Vec<(String, Range<usize>)>> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.type_error(value.span(), what, "a list of strings", value.get_ref()));
        };
        items
            .iter()
            .map(|item| match item.get_ref() {
                DeValue::String(s) => Ok((s.to_string(), item.span())),
                other => Err(self.type_error(
                    item.span(),
                    &format!("each item of {what}"),
                    "a string",
                    other,
                )),
            })
            .collect()
    }

    fn prefixes(&self, value: &Spanned<DeValue<'_>>, key: &str) -> Result<Vec<String>> {
        self.strings(value, &format!("`{key}`"))?
            .into_iter()
            .map(|(prefix, span)| {
                unclosed_rules::parse_prefix(&prefix).map_err(|_| {
                    self.error(span, format!("`{prefix}` in `{key}` matches no rule code"))
                        .with_label(
                            "codes look like UC101, prefixes like UC1 or UC, or ALL; see `unclosed rule --all`",
                        )
                })
            })
            .collect()
    }

    fn globs(&self, value: &Spanned<DeValue<'_>>, key: &str) -> Result<Vec<String>> {
        self.strings(value, &format!("`{key}`"))?
            .into_iter()
            .map(|(pattern, span)| self.glob(&pattern, span, key).map(|_| pattern))
            .collect()
    }

    fn glob(&self, pattern: &str, span: Range<usize>, key: &str) -> Result<Glob> {
        let bare = pattern.strip_prefix('!').unwrap_or(pattern);
        Glob::new(bare).map_err(|err| {
            self.error(span, format!("invalid glob `{pattern}` in `{key}`"))
                .with_label(glob_error_kind(&err))
        })
    }

    fn per_file_ignores(&self, value: &Spanned<DeValue<'_>>) -> Result<Vec<(String, Vec<String>)>> {
        let DeValue::Table(table) = value.get_ref() else {
            return Err(self.type_error(
                value.span(),
                "`per-file-ignores`",
                "a table of glob = [codes]",
                value.get_ref(),
            ));
        };
        let mut out = Vec::new();
        for (pattern, codes) in entries(table) {
            self.glob(pattern.get_ref(), pattern.span(), "per-file-ignores")?;
            let key = format!("per-file-ignores.\"{}\"", pattern.get_ref());
            out.push((pattern.get_ref().to_string(), self.prefixes(codes, &key)?));
        }
        Ok(out)
    }

    fn resources(&self, value: &Spanned<DeValue<'_>>) -> Result<Vec<ResourceSpec>> {
        let table_name = self
            .kind
            .table("resources")
            .replace('[', "[[")
            .replace(']', "]]");
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.type_error(
                value.span(),
                "`resources`",
                &format!("an array of tables ({table_name})"),
                value.get_ref(),
            ));
        };
        let mut specs = Vec::new();
        for item in items {
            let DeValue::Table(entry) = item.get_ref() else {
                return Err(self.type_error(
                    item.span(),
                    "each item of `resources`",
                    "a table",
                    item.get_ref(),
                ));
            };
            let mut acquire = None;
            let mut release = None;
            let mut kind = None;
            for (key, value) in entries(entry) {
                let name = key.get_ref().as_ref();
                match name {
                    "acquire" => {
                        let (qualified, span) = self.string(value, "`acquire`")?;
                        if !is_dotted_name(&qualified) || !qualified.contains('.') {
                            return Err(self
                                .error(span, format!("`acquire = \"{qualified}\"` is not a qualified name"))
                                .with_label("the module and the function or class, such as `requests.Session`"));
                        }
                        acquire = Some(qualified);
                    }
                    "release" => {
                        let mut methods = Vec::new();
                        for (method, span) in self.strings(value, "`release`")? {
                            if !is_identifier(&method) {
                                return Err(self
                                    .error(
                                        span,
                                        format!("`{method}` in `release` is not a method name"),
                                    )
                                    .with_label("a method name such as `close`"));
                            }
                            methods.push(method);
                        }
                        if methods.is_empty() {
                            return Err(self
                                .error(value.span(), "`release` is empty")
                                .with_label("name the methods that release it, or leave `release` out for [\"close\"]"));
                        }
                        release = Some(methods);
                    }
                    "kind" => {
                        let (name, span) = self.string(value, "`kind`")?;
                        let names: Vec<&str> = Kind::NAMES.iter().map(|(n, _)| *n).collect();
                        let parsed = Kind::from_name(&name).ok_or_else(|| {
                            let label = match suggest(&name, &names) {
                                Some(best) => format!("did you mean `{best}`?"),
                                None => format!("expected one of: {}", names.join(", ")),
                            };
                            self.error(span, format!("unknown resource kind `{name}`"))
                                .with_label(label)
                        })?;
                        kind = Some(parsed);
                    }
                    _ => {
                        return Err(self.unknown_key(key.span(), name, &table_name, RESOURCE_KEYS));
                    }
                }
            }
            let missing = |key: &str, hint: &str| {
                self.error(
                    item.span(),
                    format!("missing `{key}` in a {table_name} entry"),
                )
                .with_label(hint.to_owned())
            };
            let acquire = acquire.ok_or_else(|| {
                missing(
                    "acquire",
                    "the qualified name of what acquires it: acquire = \"requests.Session\"",
                )
            })?;
            let kind_names: Vec<&str> = Kind::NAMES.iter().map(|(n, _)| *n).collect();
            let kind = kind.ok_or_else(|| {
                missing(
                    "kind",
                    &format!("what it is, one of: {}", kind_names.join(", ")),
                )
            })?;
            specs.push(ResourceSpec {
                acquire,
                release: release.unwrap_or_else(|| vec!["close".to_owned()]),
                kind,
            });
        }
        Ok(specs)
    }
}

/// The closest known name, if close enough to be what was meant.
pub fn suggest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let normalized = name.to_ascii_lowercase().replace('_', "-");
    if let Some(exact) = known.iter().find(|k| **k == normalized) {
        return Some(exact);
    }
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(&normalized, k), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// `os.path.join`, `peek`.
fn is_dotted_name(name: &str) -> bool {
    name.split('.').all(is_identifier)
}

/// What is wrong with a glob (globset's own message repeats the pattern).
fn glob_error_kind(err: &globset::Error) -> String {
    err.kind().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_unclosed(text: &str) -> Result<Options> {
        parse(Path::new("unclosed.toml"), text, FileKind::Unclosed).map(Option::unwrap)
    }

    fn error(text: &str) -> String {
        parse_unclosed(text).unwrap_err().to_string()
    }

    #[test]
    fn every_key() {
        let options = parse_unclosed(
            r#"
select = ["uc1", "UC000"]
extend-select = ["UC107"]
ignore = ["UC104"]
exclude = ["gen"]
extend-exclude = ["legacy/*.py"]
respect-gitignore = false
target-version = "py310"
strict = true
catalogs = ["requests", "redis"]
borrow = ["mylib.inspect", "peek"]
owning = ["mylib.adopt"]

[per-file-ignores]
"tests/*" = ["UC1"]

[[resources]]
acquire = "mylib.Client"
kind = "connection"

[[resources]]
acquire = "mylib.open_log"
release = ["close", "shutdown"]
kind = "file"
"#,
        )
        .unwrap();
        assert_eq!(options.select, Some(vec!["UC1".into(), "UC000".into()]));
        assert_eq!(options.extend_select, vec!["UC107"]);
        assert_eq!(options.ignore, vec!["UC104"]);
        assert_eq!(options.exclude, Some(vec!["gen".into()]));
        assert_eq!(options.extend_exclude, vec!["legacy/*.py"]);
        assert_eq!(options.respect_gitignore, Some(false));
        assert_eq!(options.target_version, Some(PythonVersion::PY310));
        assert_eq!(options.strict, Some(true));
        assert_eq!(
            options.catalogs,
            Some(vec!["requests".into(), "redis".into()])
        );
        assert_eq!(options.borrow, vec!["mylib.inspect", "peek"]);
        assert_eq!(options.owning, vec!["mylib.adopt"]);
        assert_eq!(
            options.per_file_ignores,
            vec![("tests/*".to_owned(), vec!["UC1".to_owned()])]
        );
        assert_eq!(options.resources.len(), 2);
        assert_eq!(options.resources[0].release, vec!["close"]);
        assert_eq!(options.resources[0].kind, Kind::Connection);
        assert_eq!(options.resources[1].release, vec!["close", "shutdown"]);
        assert_eq!(options.resources[1].kind, Kind::File);
    }

    #[test]
    fn pyproject_without_the_table_does_not_count() {
        let path = Path::new("pyproject.toml");
        let none = parse(path, "[project]\nname = \"x\"\n", FileKind::Pyproject).unwrap();
        assert!(none.is_none());
        let other_tool = parse(path, "[tool.ruff]\nselect = [\"E\"]\n", FileKind::Pyproject);
        assert!(other_tool.unwrap().is_none());
        let some = parse(
            path,
            "[tool.unclosed]\nstrict = true\n",
            FileKind::Pyproject,
        );
        assert_eq!(some.unwrap().unwrap().strict, Some(true));
        let empty = parse(path, "[tool.unclosed]\n", FileKind::Pyproject);
        assert!(empty.unwrap().is_some());
    }

    #[test]
    fn errors_name_the_place_and_the_key() {
        assert_eq!(
            error("strict = true\nextend_select = [\"UC1\"]\n"),
            "unclosed.toml:2:1: unknown key `extend_select` at the top level (did you mean `extend-select`?)"
        );
        assert_eq!(
            error("strict = \"yes\"\n"),
            "unclosed.toml:1:10: `strict` must be a boolean (true or false), found string"
        );
        assert_eq!(
            error("select = \"UC1\"\n"),
            "unclosed.toml:1:10: `select` must be a list of strings, found string"
        );
        assert_eq!(
            error("select = [\"UC1\", 3]\n"),
            "unclosed.toml:1:18: each item of `select` must be a string, found integer"
        );
        assert!(
            error("ignore = [\"UC1\", \"XY9\"]\n")
                .starts_with("unclosed.toml:1:18: `XY9` in `ignore` matches no rule code")
        );
        assert!(
            error("exclude = [\"a/[b\"]\n")
                .starts_with("unclosed.toml:1:12: invalid glob `a/[b` in `exclude`")
        );
        assert_eq!(
            error("catalogs = [\"reqests\"]\n"),
            "unclosed.toml:1:13: unknown catalog `reqests` in `catalogs` (did you mean `requests`?)"
        );
        assert_eq!(
            error("[[resources]]\nacquire = \"a.B\"\nkind = \"conection\"\n"),
            "unclosed.toml:3:8: unknown resource kind `conection` (did you mean `connection`?)"
        );
        assert!(
            error("[[resources]]\nacquire = \"a.B\"\n")
                .starts_with("unclosed.toml:1:1: missing `kind` in a [[resources]] entry")
        );
        assert!(
            error("[[resources]]\nacquire = \"B\"\nkind = \"file\"\n")
                .starts_with("unclosed.toml:2:11: `acquire = \"B\"` is not a qualified name")
        );
        assert!(
            error("[[resources]]\nacquire = \"a.B\"\nkind = \"file\"\nrelase = []\n").starts_with(
                "unclosed.toml:4:1: unknown key `relase` in [[resources]] (did you mean `release`?)"
            )
        );
        assert!(
            error("target-version = \"py27\"\n")
                .starts_with("unclosed.toml:1:18: unknown `target-version` `py27`")
        );
        assert!(
            error("[per-file-ignores]\n\"tests/*\" = [\"UC9\"]\n").starts_with(
                "unclosed.toml:2:14: `UC9` in `per-file-ignores.\"tests/*\"` matches no rule code"
            )
        );
        assert!(
            error("borrow = [\"my lib\"]\n")
                .starts_with("unclosed.toml:1:11: `my lib` in `borrow` is not a function name")
        );
        assert!(
            error("[tool.unclosed]\nstrict = true\n")
                .contains("in unclosed.toml the options are top-level keys")
        );
        let toml = error("select = [\"UC1\"\nstrict = true\n");
        assert!(
            toml.starts_with("unclosed.toml:2:1: invalid TOML"),
            "{toml}"
        );
        let pyproject = parse(
            Path::new("pyproject.toml"),
            "[tool.unclosed]\nselct = []\n",
            FileKind::Pyproject,
        )
        .unwrap_err();
        assert_eq!(
            pyproject.to_string(),
            "pyproject.toml:2:1: unknown key `selct` in [tool.unclosed] (did you mean `select`?)"
        );
        let far = error("frobnicate = 1\n");
        assert!(
            far.contains("expected one of: select, extend-select"),
            "{far}"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("extend_select", KEYS), Some("extend-select"));
        assert_eq!(suggest("Select", KEYS), Some("select"));
        assert_eq!(suggest("per-file-ignore", KEYS), Some("per-file-ignores"));
        assert_eq!(suggest("zzz", KEYS), None);
    }
}
