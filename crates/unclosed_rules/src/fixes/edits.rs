//! What several fixes need: where a statement sits (its scope, loops and
//! enclosing statements), the file's line endings and indentation, the
//! references to a name, and an `import` added at the top of the module.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, Parameters, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};
use unclosed_diagnostics::Edit;

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

/// The offset of the start of the line holding `offset`.
pub(crate) fn line_start(text: &str, offset: TextSize) -> TextSize {
    let at = offset.to_usize().min(text.len());
    let start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    TextSize::try_from(start).unwrap_or_default()
}

/// The offset of the end of the line holding `offset` (before its line
/// terminator).
pub(crate) fn line_end(text: &str, offset: TextSize) -> TextSize {
    let at = offset.to_usize().min(text.len());
    let end = text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i);
    TextSize::try_from(end).unwrap_or_default()
}

/// The terminator of the line holding `offset` (`\r\n`, `\n` or `\r`);
/// for a last line without one, the file's first terminator, else `\n`.
pub(crate) fn newline_at(text: &str, offset: TextSize) -> &'static str {
    let end = line_end(text, offset).to_usize();
    terminator(&text[end..]).unwrap_or_else(|| {
        text.find(['\n', '\r'])
            .and_then(|i| terminator(&text[i..]))
            .unwrap_or("\n")
    })
}

fn terminator(rest: &str) -> Option<&'static str> {
    if rest.starts_with("\r\n") {
        Some("\r\n")
    } else if rest.starts_with('\n') {
        Some("\n")
    } else if rest.starts_with('\r') {
        Some("\r")
    } else {
        None
    }
}

/// The indentation before `node` when only whitespace precedes it on its
/// line (it starts its line).
pub(crate) fn indentation(text: &str, node: TextRange) -> Option<&str> {
    let start = line_start(text, node.start());
    let indent = &text[start.to_usize()..node.start().to_usize()];
    indent
        .chars()
        .all(|c| matches!(c, ' ' | '\t' | '\x0c'))
        .then_some(indent)
}

/// Whether nothing but whitespace or a comment follows `node` on the line
/// where it ends.
pub(crate) fn ends_its_line(text: &str, node: TextRange) -> bool {
    let end = line_end(text, node.end());
    let rest = text[node.end().to_usize()..end.to_usize()].trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#')
}

/// The indentation one level deeper than `outer` that the file uses, read
/// from a line indented inside it (`inner`): `inner` minus `outer`.
pub(crate) fn indent_unit<'t>(outer: &str, inner: &'t str) -> Option<&'t str> {
    inner
        .strip_prefix(outer)
        .filter(|unit| !unit.is_empty() && unit.chars().all(|c| matches!(c, ' ' | '\t')))
}

/// How the module can name `module.attr` (`contextlib.closing`): through
/// an existing top-level import, or through `import module` added after
/// the docstring and the `__future__` imports (the returned edit).
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
    // After the docstring and `from __future__ import ...`.
    let mut after: Option<&Stmt> = None;
    for (i, stmt) in suite.iter().enumerate() {
        let docstring =
            i == 0 && matches!(stmt, Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_)));
        let future = matches!(stmt, Stmt::ImportFrom(f)
            if f.module.as_ref().is_some_and(|m| m == "__future__"));
        if docstring || future {
            after = Some(stmt);
        } else {
            break;
        }
    }
    let at = match after {
        Some(stmt) => {
            if !ends_its_line(text, stmt.range()) {
                return None;
            }
            let end = line_end(text, stmt.end());
            let newline = terminator(&text[end.to_usize()..])?;
            end + TextSize::of(newline)
        }
        None => {
            let first = suite.first()?;
            indentation(text, first.range())?;
            line_start(text, first.start())
        }
    };
    let newline = newline_at(text, at);
    Some((
        format!("{module}.{attr}"),
        Some(Edit::insertion(format!("import {module}{newline}"), at)),
    ))
}
