//! `# noqa` and `# noqa: UC101, UC102` suppression comments, as in ruff:
//! a comment on the line where a finding starts silences it.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_text_size::Ranged;
use rustc_hash::FxHashMap;

/// What a `# noqa` comment silences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    All,
    Codes(Vec<String>),
}

impl Directive {
    pub fn silences(&self, code: &str) -> bool {
        match self {
            Directive::All => true,
            Directive::Codes(codes) => codes.iter().any(|c| c.eq_ignore_ascii_case(code)),
        }
    }
}

/// A file's `# noqa` directives, by 1-based line.
pub type Directives = FxHashMap<usize, Directive>;

/// The `# noqa` directives of a file, by 1-based line. Lines are counted
/// only when a comment has one (most files have none).
pub fn directives(tokens: &Tokens, text: &str) -> Directives {
    let found: Vec<(ruff_text_size::TextSize, Directive)> = tokens
        .iter()
        .filter(|token| token.kind() == TokenKind::Comment)
        .filter_map(|token| Some((token.start(), parse(&text[token.range()])?)))
        .collect();
    if found.is_empty() {
        return Directives::default();
    }
    let index = ruff_source_file::LineIndex::from_source_text(text);
    found
        .into_iter()
        .map(|(offset, directive)| (index.line_index(offset).get(), directive))
        .collect()
}

/// Parse one comment: `# noqa`, `# noqa: UC101,UC102`, `# NOQA:UC101`.
/// The directive may follow other comment text (`# type: ignore # noqa`).
pub fn parse(comment: &str) -> Option<Directive> {
    // Most comments have no directive: look before allocating.
    if !comment
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"noqa"))
    {
        return None;
    }
    let lower = comment.to_ascii_lowercase();
    let start = lower.find("noqa")?;
    // It must start a comment part: `#` then optional spaces.
    let before = comment[..start].trim_end();
    if !before.ends_with('#') {
        return None;
    }
    let rest = &comment[start + 4..];
    let Some(codes) = rest.trim_start().strip_prefix(':') else {
        return Some(Directive::All);
    };
    let codes: Vec<String> = codes
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .take_while(|c| {
            c.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic())
                && c.chars().any(|ch| ch.is_ascii_digit())
        })
        .map(str::to_owned)
        .collect();
    if codes.is_empty() {
        Some(Directive::All)
    } else {
        Some(Directive::Codes(codes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse("# noqa"), Some(Directive::All));
        assert_eq!(parse("#NOQA"), Some(Directive::All));
        assert_eq!(
            parse("# noqa: UC101, UC102"),
            Some(Directive::Codes(vec!["UC101".into(), "UC102".into()]))
        );
        assert_eq!(
            parse("# noqa:UC101 because reasons"),
            Some(Directive::Codes(vec!["UC101".into()]))
        );
        assert_eq!(
            parse("# type: ignore  # noqa: UC104"),
            Some(Directive::Codes(vec!["UC104".into()]))
        );
        assert_eq!(parse("# this is not a noqa"), None);
        assert!(Directive::Codes(vec!["uc101".into()]).silences("UC101"));
    }
}
