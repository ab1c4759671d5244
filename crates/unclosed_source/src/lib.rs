//! From a path to a syntax tree, or to a reason why not.
//!
//! CPython decides a file's encoding from a UTF-8 byte-order mark or a
//! PEP 263 declaration (`# -*- coding: latin-1 -*-`) on its first two lines,
//! and defaults to UTF-8. We do the same, so that files ruff cannot read
//! (the standard library has four latin-1 files) are analyzed too.
//!
//! Every failure is a [`LoadError`] whose `Display` is the message shown to
//! the user; nothing here panics on bad input.

use std::fmt;
use std::io::Read;
use std::path::Path;

use ruff_python_ast::ModModule;
use ruff_python_ast::token::TokenKind;
use ruff_python_parser::Parsed;
use ruff_text_size::{Ranged, TextRange, TextSize};

/// Files larger than this are reported and skipped unless the caller says
/// otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// CPython's tokenizer refuses more than 200 nested brackets (`MAXLEVEL`).
pub const MAX_BRACKET_DEPTH: usize = 200;

/// Why a file could not be turned into text.
#[derive(Debug)]
pub enum LoadError {
    Io(std::io::Error),
    TooLarge {
        size: u64,
        limit: u64,
    },
    Binary {
        offset: usize,
    },
    InvalidUtf8 {
        line: usize,
        column: usize,
        byte: u8,
    },
    UnknownEncoding(String),
    BomConflict(String),
    Undecodable {
        encoding: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(err) => write!(f, "cannot read file: {err}"),
            LoadError::TooLarge { size, limit } => write!(
                f,
                "file skipped: {:.1} MiB is over the {:.1} MiB limit (raise it with --max-file-size)",
                *size as f64 / 1048576.0,
                *limit as f64 / 1048576.0
            ),
            LoadError::Binary { offset } => {
                write!(
                    f,
                    "file skipped: it looks binary (NUL byte at offset {offset})"
                )
            }
            LoadError::InvalidUtf8 { line, column, byte } => write!(
                f,
                "file is not valid UTF-8 (byte 0x{byte:02x} at line {line}, column {column}) and declares no other encoding (PEP 263)"
            ),
            LoadError::UnknownEncoding(name) => {
                write!(f, "unknown encoding `{name}` in the coding declaration")
            }
            LoadError::BomConflict(name) => write!(
                f,
                "encoding problem: the file starts with a UTF-8 byte-order mark but declares `{name}`"
            ),
            LoadError::Undecodable { encoding } => {
                write!(
                    f,
                    "file cannot be decoded with its declared encoding `{encoding}`"
                )
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// The decoded text of a file and the encoding it was read with.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Read and decode a file, refusing files over `max_size` bytes.
pub fn read(path: &Path, max_size: u64) -> Result<Decoded, LoadError> {
    decode(&read_bytes(path, max_size)?)
}

/// A file's bytes, undecoded (what `--fix` writes back in the file's own
/// encoding), at most `max_size` of them: a larger file is an error.
pub fn read_bytes(path: &Path, max_size: u64) -> Result<Vec<u8>, LoadError> {
    let file = std::fs::File::open(path).map_err(LoadError::Io)?;
    let meta = file.metadata().map_err(LoadError::Io)?;
    if meta.len() > max_size {
        return Err(LoadError::TooLarge {
            size: meta.len(),
            limit: max_size,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` guards against a file that grows while we read it.
    file.take(max_size + 1)
        .read_to_end(&mut bytes)
        .map_err(LoadError::Io)?;
    if bytes.len() as u64 > max_size {
        return Err(LoadError::TooLarge {
            size: bytes.len() as u64,
            limit: max_size,
        });
    }
    Ok(bytes)
}

/// Decode source bytes the way CPython does.
pub fn decode(bytes: &[u8]) -> Result<Decoded, LoadError> {
    if let Some(offset) = memchr_nul(bytes) {
        return Err(LoadError::Binary { offset });
    }
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let declared = coding_declaration(body);
    let encoding = match declared.as_deref() {
        None => "utf-8",
        Some(name) => normalize_encoding(name),
    };
    if bom && encoding != "utf-8" {
        return Err(LoadError::BomConflict(declared.unwrap_or_default()));
    }
    match encoding {
        "utf-8" => match std::str::from_utf8(body) {
            Ok(text) => Ok(Decoded {
                text: text.to_owned(),
                encoding: "utf-8",
            }),
            Err(err) => {
                let at = err.valid_up_to();
                let before = &body[..at];
                let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                let line_start = before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                // Columns count characters, and everything before `at` is valid.
                let column = std::str::from_utf8(&body[line_start..at])
                    .map_or(at - line_start, |s| s.chars().count())
                    + 1;
                Err(LoadError::InvalidUtf8 {
                    line,
                    column,
                    byte: body[at],
                })
            }
        },
        // WHATWG maps the label latin-1 to windows-1252; Python's latin-1 is
        // ISO-8859-1, where every byte is the code point of the same number.
        "latin-1" => Ok(Decoded {
            text: body.iter().map(|&b| char::from(b)).collect(),
            encoding: "latin-1",
        }),
        other => {
            let Some(enc) = encoding_rs::Encoding::for_label(other.as_bytes()) else {
                return Err(LoadError::UnknownEncoding(declared.unwrap_or_default()));
            };
            let (text, had_errors) = enc.decode_without_bom_handling(body);
            if had_errors {
                return Err(LoadError::Undecodable {
                    encoding: other.to_owned(),
                });
            }
            Ok(Decoded {
                text: text.into_owned(),
                encoding: enc.name(),
            })
        }
    }
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    // `contains` on bytes is the standard library's word-at-a-time memchr;
    // the position is looked for only in a binary file.
    if !bytes.contains(&0) {
        return None;
    }
    bytes.iter().position(|&b| b == 0)
}

/// The PEP 263 declaration on line 1, or on line 2 when line 1 is blank or a
/// comment (as CPython's tokenizer does).
fn coding_declaration(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&b| b == b'\n');
    let first = lines.next()?;
    if let Some(name) = coding_in_line(first) {
        return Some(name);
    }
    let first_trimmed = trim_ascii_start(first);
    let first_is_comment_or_blank =
        first_trimmed.is_empty() || first_trimmed.starts_with(b"#") || first_trimmed == b"\r";
    if !first_is_comment_or_blank {
        return None;
    }
    coding_in_line(lines.next()?)
}

fn trim_ascii_start(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c'))
        .unwrap_or(line.len());
    &line[start..]
}

/// `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`
fn coding_in_line(line: &[u8]) -> Option<String> {
    let line = trim_ascii_start(line);
    let comment = line.strip_prefix(b"#")?;
    let text = String::from_utf8_lossy(comment);
    let mut search = text.as_ref();
    while let Some(pos) = search.find("coding") {
        let after = &search[pos + "coding".len()..];
        if let Some(rest) = after.strip_prefix([':', '=']) {
            let rest = rest.trim_start_matches([' ', '\t']);
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !name.is_empty() {
                return Some(name);
            }
        }
        search = after;
    }
    None
}

/// CPython's `get_normal_name`: utf-8 and latin-1 spellings collapse.
fn normalize_encoding(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase().replace('_', "-");
    if lower == "utf-8" || lower.starts_with("utf-8-") || lower == "utf8" {
        return "utf-8";
    }
    for latin in ["latin-1", "iso-8859-1", "iso-latin-1", "latin1", "l1"] {
        if lower == latin || lower.starts_with(&format!("{latin}-")) {
            return "latin-1";
        }
    }
    Box::leak(lower.into_boxed_str())
}

/// A syntax error, with the parser's message.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
}

/// Parse a module. Refuses, as CPython does, more than
/// [`MAX_BRACKET_DEPTH`] nested brackets.
///
/// Deeply nested input needs a deep stack: callers run this on threads with
/// a large stack (see the `unclosed` crate).
pub fn parse(text: &str) -> Result<Parsed<ModModule>, SyntaxError> {
    let parsed = ruff_python_parser::parse_module(text).map_err(|err| SyntaxError {
        message: format!("SyntaxError: {}", err.error),
        range: err.location,
    })?;
    let mut depth = 0usize;
    for token in parsed.tokens() {
        match token.kind() {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    return Err(SyntaxError {
                        message: format!(
                            "SyntaxError: too many nested parentheses (CPython allows {MAX_BRACKET_DEPTH})"
                        ),
                        range: TextRange::at(token.start(), TextSize::from(1)),
                    });
                }
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_declaration_decodes_every_byte() {
        let src = b"# -*- coding: latin-1 -*-\ns = '\xe9t\xe9'\n";
        let d = decode(src).unwrap();
        assert_eq!(d.encoding, "latin-1");
        assert!(d.text.contains("'été'"));
    }

    #[test]
    fn declaration_on_second_line_only_after_comment() {
        let ok = b"#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\nx = '\xa4'\n";
        assert_eq!(decode(ok).unwrap().text.lines().nth(2), Some("x = '€'"));
        let ignored = b"x = 1\n# coding: latin-1\ny = '\xe9'\n";
        assert!(matches!(
            decode(ignored),
            Err(LoadError::InvalidUtf8 { line: 3, .. })
        ));
    }

    #[test]
    fn bom_is_stripped_and_conflicts_are_errors() {
        assert_eq!(decode(b"\xEF\xBB\xBFx = 1\r\n").unwrap().text, "x = 1\r\n");
        assert!(matches!(
            decode(b"\xEF\xBB\xBF# coding: latin-1\n"),
            Err(LoadError::BomConflict(_))
        ));
    }

    #[test]
    fn binary_and_invalid_utf8_are_reported() {
        assert!(matches!(
            decode(b"abc\0def"),
            Err(LoadError::Binary { offset: 3 })
        ));
        let err = decode(b"x = 1\ny = '\xff'\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "file is not valid UTF-8 (byte 0xff at line 2, column 6) and declares no other encoding (PEP 263)"
        );
        assert!(matches!(
            decode(b"# coding: klingon\n"),
            Err(LoadError::UnknownEncoding(_))
        ));
    }

    #[test]
    fn syntax_errors_and_deep_nesting() {
        let err = parse("def f(:\n").unwrap_err();
        assert!(err.message.starts_with("SyntaxError"));
        let deep = format!("x = {}1{}\n", "(".repeat(300), ")".repeat(300));
        let err = parse(&deep).unwrap_err();
        assert!(err.message.contains("too many nested parentheses"));
        assert!(parse("x = ((1))\n").is_ok());
    }
}
