//! What several fixes share: lines, line endings, indentation and the
//! places where re-indenting would change a program; where a statement
//! sits (its scope, loops and enclosing statements); the references to a
//! name; and an `import` added at the top of the module.
//!
//! Offsets are byte offsets into the file's text. A line ends at `\n`,
//! `\r\n` or a lone `\r` (the three newlines Python accepts); the last line
//! may have none.

use ruff_python_ast::visitor::{self, Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, Parameters, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use unclosed_diagnostics::Edit;

/// The offset where the line containing `offset` starts.
pub(crate) fn line_start(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1)
}

/// The offset where the content of the line containing `offset` ends
/// (before its newline).
pub(crate) fn content_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[offset..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(text.len(), |i| offset + i)
}

/// The offset just after the newline of the line containing `offset` (the
/// start of the next line), or the end of the text.
pub(crate) fn line_end(text: &str, offset: usize) -> usize {
    let end = content_end(text, offset);
    end + newline_len(text, end)
}

/// The length of the newline at `offset` (0 when there is none).
fn newline_len(text: &str, offset: usize) -> usize {
    let bytes = text.as_bytes();
    match bytes.get(offset) {
        Some(b'\r') if bytes.get(offset + 1) == Some(&b'\n') => 2,
        Some(b'\r' | b'\n') => 1,
        _ => 0,
    }
}

/// The newline to write: the one ending the line containing `offset`, else
/// the file's first, else `\n`.
pub(crate) fn line_ending(text: &str, offset: usize) -> &'static str {
    let end = content_end(text, offset);
    let at = if newline_len(text, end) > 0 {
        end
    } else {
        content_end(text, 0)
    };
    match newline_len(text, at) {
        2 => "\r\n",
        1 if text.as_bytes()[at] == b'\r' => "\r",
        _ => "\n",
    }
}

fn is_python_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0C')
}

/// The indentation before `offset` when nothing but whitespace precedes it
/// on its line, i.e. when a statement starting there is the line's first.
pub(crate) fn indentation(text: &str, offset: usize) -> Option<&str> {
    let start = line_start(text, offset);
    let prefix = text.get(start..offset)?;
    prefix.chars().all(is_python_whitespace).then_some(prefix)
}

/// The comment after `offset` on its line (`# ...`, without the newline),
/// if only whitespace separates them.
pub(crate) fn trailing_comment(text: &str, offset: usize) -> Option<&str> {
    let rest = text.get(offset..content_end(text, offset))?;
    let trimmed = rest.trim_start_matches(is_python_whitespace);
    trimmed.starts_with('#').then_some(trimmed)
}

/// Whether nothing but whitespace or a comment follows `offset` on its line.
pub(crate) fn ends_line(text: &str, offset: usize) -> bool {
    text.get(offset..content_end(text, offset))
        .is_some_and(|rest| {
            let trimmed = rest.trim_start_matches(is_python_whitespace);
            trimmed.is_empty() || trimmed.starts_with('#')
        })
}

/// Whether `range` (a statement) has its lines to itself: only indentation
/// before it, only whitespace or a comment after it. A statement joined to
/// another by `;` or written after a compound statement's colon fails.
pub(crate) fn alone_on_its_lines(text: &str, range: TextRange) -> bool {
    indentation(text, range.start().to_usize()).is_some() && ends_line(text, range.end().to_usize())
}

/// The whole lines of a statement that is to be re-indented: their range
/// and the statement's indentation. `None` when the statement shares a line
/// with another, or a line to move starts inside a multi-line string (its
/// value would change).
pub(crate) fn reindentable_lines<'t>(text: &'t str, stmt: &Stmt) -> Option<(TextRange, &'t str)> {
    if !alone_on_its_lines(text, stmt.range()) {
        return None;
    }
    let start = line_start(text, stmt.start().to_usize());
    let end = line_end(text, stmt.end().to_usize());
    let indent = indentation(text, stmt.start().to_usize())?;
    let region = TextRange::new(
        TextSize::try_from(start).ok()?,
        TextSize::try_from(end).ok()?,
    );
    let strings = multiline_strings(text, std::slice::from_ref(stmt));
    if lines_inside_strings(text, region, &strings) {
        return None;
    }
    Some((region, indent))
}

/// Whether a line holds only whitespace (or nothing).
fn is_blank(line: &str) -> bool {
    line.trim_matches(|c: char| is_python_whitespace(c) || c == '\n' || c == '\r')
        .is_empty()
}

/// The lines of `text` with their newlines.
pub(crate) fn lines_with_endings(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = line_end(rest, 0);
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

/// `text` (whole lines of statements indented by `indent`) one level
/// deeper: `unit` is inserted after `indent` on every line that starts with
/// it, before the others (comments or continuation lines indented less);
/// blank lines are kept as they are. The caller checks that no line starts
/// inside a string ([`lines_inside_strings`]).
pub(crate) fn indent_lines(text: &str, indent: &str, unit: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in lines_with_endings(text) {
        if is_blank(line) {
            out.push_str(line);
        } else if let Some(rest) = line.strip_prefix(indent) {
            out.push_str(indent);
            out.push_str(unit);
            out.push_str(rest);
        } else {
            out.push_str(unit);
            out.push_str(line);
        }
    }
    out
}

/// The indentation one level deeper than `indent`, in the file's style:
/// the unit of the file's first indented block (`suite`), written with the
/// character `indent` uses when it uses one (a tab-indented line gets a
/// tab), four spaces when nothing tells.
pub(crate) fn indent_unit(text: &str, suite: &[Stmt], indent: &str) -> String {
    let detected = detect_unit(text, suite);
    match indent.chars().last() {
        Some('\t') => "\t".to_owned(),
        Some(_) if detected.as_deref().is_none_or(|u| u.contains('\t')) => "    ".to_owned(),
        _ => detected.unwrap_or_else(|| "    ".to_owned()),
    }
}

/// The indentation unit of the first block whose body starts on its own
/// line, deeper than its header.
fn detect_unit(text: &str, suite: &[Stmt]) -> Option<String> {
    struct Finder<'t> {
        text: &'t str,
        unit: Option<String>,
    }
    impl Finder<'_> {
        fn body(&mut self, header: TextSize, body: &[Stmt]) {
            if self.unit.is_some() {
                return;
            }
            let (Some(outer), Some(first)) = (
                indentation(self.text, header.to_usize()),
                body.first()
                    .and_then(|s| indentation(self.text, s.start().to_usize())),
            ) else {
                return;
            };
            if let Some(unit) = first.strip_prefix(outer)
                && !unit.is_empty()
                && (unit.chars().all(|c| c == ' ') || unit.chars().all(|c| c == '\t'))
            {
                self.unit = Some(unit.to_owned());
            }
        }
    }
    impl<'a> Visitor<'a> for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            if self.unit.is_some() {
                return;
            }
            match stmt {
                Stmt::FunctionDef(s) => self.body(s.start(), &s.body),
                Stmt::ClassDef(s) => self.body(s.start(), &s.body),
                Stmt::If(s) => self.body(s.start(), &s.body),
                Stmt::For(s) => self.body(s.start(), &s.body),
                Stmt::While(s) => self.body(s.start(), &s.body),
                Stmt::With(s) => self.body(s.start(), &s.body),
                Stmt::Try(s) => self.body(s.start(), &s.body),
                _ => {}
            }
            visitor::walk_stmt(self, stmt);
        }
        fn visit_expr(&mut self, _expr: &'a Expr) {}
    }
    let mut finder = Finder { text, unit: None };
    finder.visit_body(suite);
    finder.unit
}

/// The string literals (of any kind: plain, bytes, f-strings) in `stmts`
/// that span more than one line: a triple-quoted string, or a string
/// continued with a backslash. Indenting a line that starts inside one of
/// them would change the string's value.
pub(crate) fn multiline_strings(text: &str, stmts: &[Stmt]) -> Vec<TextRange> {
    struct Strings<'t> {
        text: &'t str,
        found: Vec<TextRange>,
    }
    impl Strings<'_> {
        fn add(&mut self, range: TextRange) {
            let s = &self.text[range];
            if s.contains(['\n', '\r']) {
                self.found.push(range);
            }
        }
    }
    impl<'a> Visitor<'a> for Strings<'_> {
        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::StringLiteral(s) => s.value.iter().for_each(|p| self.add(p.range())),
                Expr::BytesLiteral(s) => s.value.iter().for_each(|p| self.add(p.range())),
                // An f-string's parts, replacement fields included: a
                // conservative over-approximation.
                Expr::FString(s) => s.value.iter().for_each(|p| self.add(p.range())),
                Expr::TString(s) => self.add(s.range()),
                _ => visitor::walk_expr(self, expr),
            }
        }
    }
    let mut strings = Strings {
        text,
        found: Vec::new(),
    };
    strings.visit_body(stmts);
    strings.found
}

/// Whether some line of `region` other than its first starts inside one of
/// `strings` (from [`multiline_strings`]).
pub(crate) fn lines_inside_strings(text: &str, region: TextRange, strings: &[TextRange]) -> bool {
    let mut at = line_end(text, region.start().to_usize());
    while at < region.end().to_usize() {
        let offset = TextSize::try_from(at).unwrap_or(TextSize::new(u32::MAX));
        if strings
            .iter()
            .any(|s| s.start() < offset && offset < s.end())
        {
            return true;
        }
        at = line_end(text, at);
    }
    false
}

/// The text of a name expression, `None` for anything else.
pub(crate) fn name_of(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(ast::ExprName { id, .. }) => Some(id.as_str()),
        _ => None,
    }
}

/// A dotted name (`json.load`, `os.path.join`) as written, `None` for any
/// other expression.
pub(crate) fn dotted(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(format!("{}.{}", dotted(&a.value)?, a.attr.as_str())),
        _ => None,
    }
}

/// Where a range sits in the module.
pub(crate) struct Located<'a> {
    /// The body of the innermost function containing it, or the module.
    pub scope: &'a [Stmt],
    /// That function's parameters (`None` at module level).
    pub params: Option<&'a Parameters>,
    /// The `for`/`while` statements of that scope containing it.
    pub loops: Vec<TextRange>,
    /// The statements of that scope containing it, outermost first.
    pub stmts: Vec<&'a Stmt>,
}

/// Locate `range` in `suite`.
pub(crate) fn locate(suite: &[Stmt], range: TextRange) -> Located<'_> {
    let mut located = Located {
        scope: suite,
        params: None,
        loops: Vec::new(),
        stmts: Vec::new(),
    };
    let mut body = suite;
    'descend: loop {
        for stmt in body {
            if !stmt.range().contains_range(range) {
                continue;
            }
            if let Stmt::FunctionDef(def) = stmt
                && def.body.iter().any(|s| s.range().contains_range(range))
            {
                located = Located {
                    scope: &def.body,
                    params: Some(&def.parameters),
                    loops: Vec::new(),
                    stmts: Vec::new(),
                };
                body = &def.body;
                continue 'descend;
            }
            if matches!(stmt, Stmt::For(_) | Stmt::While(_)) {
                located.loops.push(stmt.range());
            }
            located.stmts.push(stmt);
            for child in child_bodies(stmt) {
                if child.iter().any(|s| s.range().contains_range(range)) {
                    body = child;
                    continue 'descend;
                }
            }
            break 'descend;
        }
        break;
    }
    located
}

/// The statement lists directly inside a compound statement.
pub(crate) fn child_bodies(stmt: &Stmt) -> Vec<&[Stmt]> {
    match stmt {
        Stmt::FunctionDef(s) => vec![&s.body],
        Stmt::ClassDef(s) => vec![&s.body],
        Stmt::For(s) => vec![&s.body, &s.orelse],
        Stmt::While(s) => vec![&s.body, &s.orelse],
        Stmt::If(s) => std::iter::once(&s.body[..])
            .chain(s.elif_else_clauses.iter().map(|c| &c.body[..]))
            .collect(),
        Stmt::With(s) => vec![&s.body],
        Stmt::Match(s) => s.cases.iter().map(|c| &c.body[..]).collect(),
        Stmt::Try(s) => std::iter::once(&s.body[..])
            .chain(s.handlers.iter().map(|h| {
                let ast::ExceptHandler::ExceptHandler(h) = h;
                &h.body[..]
            }))
            .chain([&s.orelse[..], &s.finalbody[..]])
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `name` is a parameter of `params`.
pub(crate) fn is_parameter(params: Option<&Parameters>, name: &str) -> bool {
    params.is_some_and(|p| p.iter().any(|param| param.name().as_str() == name))
}

/// One use of a name.
pub(crate) struct Reference {
    pub range: TextRange,
    /// Binds the name (assignment target, `for`/`with` target, import,
    /// `def`, `except ... as`, `global`/`nonlocal`).
    pub binds: bool,
    /// Inside a nested function, lambda or class.
    pub nested: bool,
    /// `name.attr`.
    pub attribute: bool,
    /// `global name` or `nonlocal name`.
    pub declares: bool,
}

/// Every reference to `name` in `body`, nested scopes included.
pub(crate) fn references(body: &[Stmt], name: &str) -> Vec<Reference> {
    struct Refs<'n> {
        name: &'n str,
        depth: usize,
        out: Vec<Reference>,
    }
    impl Refs<'_> {
        fn push(&mut self, range: TextRange, binds: bool, attribute: bool) {
            self.out.push(Reference {
                range,
                binds,
                nested: self.depth > 0,
                attribute,
                declares: false,
            });
        }
    }
    impl<'a> Visitor<'a> for Refs<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::FunctionDef(def) => {
                    if def.name.as_str() == self.name {
                        self.push(def.name.range(), true, false);
                    }
                    self.depth += 1;
                    walk_stmt(self, stmt);
                    self.depth -= 1;
                    return;
                }
                Stmt::ClassDef(class) => {
                    if class.name.as_str() == self.name {
                        self.push(class.name.range(), true, false);
                    }
                    self.depth += 1;
                    walk_stmt(self, stmt);
                    self.depth -= 1;
                    return;
                }
                Stmt::Import(ast::StmtImport { names, .. })
                | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                    for alias in names {
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        let first = bound.as_str().split('.').next().unwrap_or_default();
                        if first == self.name {
                            self.push(alias.range(), true, false);
                        }
                    }
                }
                Stmt::Global(ast::StmtGlobal { names, range, .. })
                | Stmt::Nonlocal(ast::StmtNonlocal { names, range, .. })
                    if names.iter().any(|n| n.as_str() == self.name) =>
                {
                    self.push(*range, true, false);
                    if let Some(last) = self.out.last_mut() {
                        last.declares = true;
                    }
                }
                Stmt::Try(t) => {
                    for handler in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = handler;
                        if let Some(n) = &h.name
                            && n.as_str() == self.name
                        {
                            self.push(n.range(), true, false);
                        }
                    }
                }
                _ => {}
            }
            walk_stmt(self, stmt);
        }

        fn visit_expr(&mut self, expr: &'a Expr) {
            match expr {
                Expr::Name(n) if n.id.as_str() == self.name => {
                    self.push(n.range, !n.ctx.is_load(), false);
                }
                Expr::Attribute(attr) => {
                    if let Expr::Name(n) = &*attr.value
                        && n.id.as_str() == self.name
                    {
                        self.push(n.range, false, true);
                        return;
                    }
                }
                Expr::Lambda(_) => {
                    self.depth += 1;
                    walk_expr(self, expr);
                    self.depth -= 1;
                    return;
                }
                _ => {}
            }
            walk_expr(self, expr);
        }
    }
    let mut refs = Refs {
        name,
        depth: 0,
        out: Vec::new(),
    };
    refs.visit_body(body);
    refs.out
}

/// How the module can name `module.attr` (`contextlib.closing`): through
/// an existing top-level import, or through `import module` added at
/// [`import_position`] (the returned edit).
pub(crate) fn imported(
    suite: &[Stmt],
    text: &str,
    module: &str,
    attr: &str,
) -> Option<(String, Option<Edit>)> {
    for stmt in suite {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    if alias.name.as_str() == module {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name);
                        return Some((format!("{}.{attr}", local.as_str()), None));
                    }
                }
            }
            Stmt::ImportFrom(from)
                if from.level == 0 && from.module.as_ref().is_some_and(|m| m == module) =>
            {
                for alias in &from.names {
                    if alias.name.as_str() == attr {
                        let local = alias.asname.as_ref().unwrap_or(&alias.name);
                        return Some((local.as_str().to_owned(), None));
                    }
                }
            }
            _ => {}
        }
    }
    let at = import_position(text, suite)?;
    let newline = line_ending(text, at.to_usize());
    Some((
        format!("{module}.{attr}"),
        Some(Edit::insertion(format!("import {module}{newline}"), at)),
    ))
}

/// Where an `import` added to the module goes: at the start of the first
/// statement that is not the docstring or a `from __future__` import (after
/// the comments and blank lines before it, so next to the module's other
/// imports), or, when nothing follows those, on the line after the last of
/// them. `None` when that statement does not start its line
/// (`"""doc"""; import os`) or the last line has no newline to insert after.
pub(crate) fn import_position(text: &str, suite: &[Stmt]) -> Option<TextSize> {
    let mut last_header: Option<&Stmt> = None;
    for (i, stmt) in suite.iter().enumerate() {
        let docstring = i == 0 && matches!(stmt, Stmt::Expr(e) if e.value.is_string_literal_expr());
        let future = matches!(stmt, Stmt::ImportFrom(f)
            if f.module.as_ref().is_some_and(|m| m.as_str() == "__future__"));
        if !(docstring || future) {
            indentation(text, stmt.start().to_usize())?;
            return Some(stmt.start());
        }
        last_header = Some(stmt);
    }
    let last = last_header?;
    if !ends_line(text, last.end().to_usize()) {
        return None;
    }
    let end = content_end(text, last.end().to_usize());
    if newline_len(text, end) == 0 {
        return None;
    }
    TextSize::try_from(line_end(text, end)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_endings() {
        let text = "a\r\nbc\rd\ne";
        assert_eq!(line_start(text, 4), 3);
        assert_eq!(content_end(text, 3), 5);
        assert_eq!(line_end(text, 0), 3);
        assert_eq!(line_end(text, 3), 6);
        assert_eq!(line_end(text, 9), 9);
        assert_eq!(line_ending(text, 0), "\r\n");
        assert_eq!(line_ending(text, 4), "\r");
        assert_eq!(line_ending(text, 7), "\n");
        assert_eq!(line_ending("x", 0), "\n");
        assert_eq!(
            lines_with_endings(text).collect::<Vec<_>>(),
            vec!["a\r\n", "bc\r", "d\n", "e"]
        );
    }

    #[test]
    fn indentation_and_comments() {
        let text = "if x:\n    y = 1  # c\n    z; w\n";
        assert_eq!(indentation(text, 10), Some("    "));
        assert_eq!(indentation(text, 12), None);
        assert_eq!(trailing_comment(text, 15), Some("# c"));
        assert!(ends_line(text, 15));
        assert!(!ends_line(text, 26));
    }

    #[test]
    fn indents_lines_keeping_blank_and_outdented_ones() {
        let body = "  a = (1,\n1)\n\n  # c\n";
        assert_eq!(
            indent_lines(body, "  ", "\t"),
            "  \ta = (1,\n\t1)\n\n  \t# c\n"
        );
    }

    #[test]
    fn detects_the_unit() {
        let parse = |t: &str| ruff_python_parser::parse_module(t).unwrap().into_suite();
        let text = "x = 1\nif x:\n\ty = 2\n";
        assert_eq!(indent_unit(text, &parse(text), ""), "\t");
        let text = "def f():\n  return 1\n";
        assert_eq!(indent_unit(text, &parse(text), "  "), "  ");
        assert_eq!(indent_unit("x = 1\n", &parse("x = 1\n"), ""), "    ");
        assert_eq!(indent_unit(text, &parse(text), "\t"), "\t");
    }

    #[test]
    fn finds_multiline_strings() {
        let text = "x = '''a\n  b'''\ny = 'c'\nz = f\"\"\"{\n1}\"\"\"\n";
        let suite = ruff_python_parser::parse_module(text).unwrap().into_suite();
        let strings = multiline_strings(text, &suite);
        assert_eq!(strings.len(), 2);
        let all = TextRange::new(TextSize::new(0), TextSize::of(text));
        assert!(lines_inside_strings(text, all, &strings));
        let first_line = TextRange::new(TextSize::new(0), TextSize::new(8));
        assert!(!lines_inside_strings(text, first_line, &strings));
    }

    #[test]
    fn places_an_import() {
        let at = |t: &str| {
            let suite = ruff_python_parser::parse_module(t).unwrap().into_suite();
            import_position(t, &suite).map(|s| s.to_usize())
        };
        assert_eq!(at("\"\"\"d\"\"\"\n\n# c\nimport os\n"), Some(13));
        assert_eq!(at("#!x\nimport os\n"), Some(4));
        assert_eq!(at("from __future__ import annotations\r\n"), Some(36));
        assert_eq!(at("\"\"\"d\"\"\""), None);
        assert_eq!(at("\"\"\"d\"\"\"; import os\n"), None);
    }
}
