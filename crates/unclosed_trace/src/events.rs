//! The shim's JSON-lines events, and reading them back.
//!
//! Every instrumented Python process (and every fork child) appends to its
//! own file `<pid>-<nonce>.jsonl` in the events directory, so writers never
//! interleave. The reader is forgiving: a torn last line (a process killed
//! mid-write) or an unknown event kind is skipped and counted, never fatal.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;

/// One frame of a short stack: absolute file, line, function.
pub type Frame = (String, u32, String);

/// A line of the shim's output. Field names match `sitecustomize.py`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "ev", rename_all = "lowercase")]
pub enum Event {
    /// A process loaded the shim (or a fork child began).
    Start {
        pid: u32,
        #[serde(default)]
        ppid: Option<u32>,
        #[serde(default)]
        argv: Vec<String>,
        #[serde(default)]
        version: Option<String>,
        #[serde(default)]
        fork: bool,
    },
    /// A resource that leaked: closed by GC, open at exit, or never closed.
    Leak {
        pid: u32,
        how: String,
        kind: String,
        #[serde(default)]
        stack: Option<Vec<Frame>>,
        #[serde(default)]
        test: Option<String>,
        #[serde(default)]
        detail: Option<String>,
        #[serde(default)]
        message: Option<String>,
        /// Where a warning with no known acquisition was raised.
        #[serde(default)]
        dropped: Option<(String, u32)>,
    },
    /// Descriptors open at exit that were not open at start, no owner known.
    Fds { pid: u32, fds: Vec<FdInfo> },
    /// Acquisitions per site, written once at exit.
    Sites { pid: u32, sites: Vec<SiteCount> },
    /// A child Python the shim saw started in a way that skips the shim.
    Uninstrumented {
        pid: u32,
        argv: Vec<String>,
        reason: String,
    },
    /// The process's exit report is complete.
    End { pid: u32 },
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Deserialize, PartialEq, serde::Serialize)]
pub struct FdInfo {
    pub fd: i64,
    pub target: String,
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SiteCount {
    pub kind: String,
    pub file: String,
    pub line: u32,
    pub count: u64,
}

/// Everything read from an events directory.
#[derive(Debug, Default)]
pub struct Events {
    pub events: Vec<Event>,
    /// Lines that were not valid events (torn writes, foreign files).
    pub bad_lines: usize,
}

/// Upper bound on what is read from one file: a runaway process must not
/// exhaust memory here.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Read every `*.jsonl` file of `dir`, in name order (deterministic).
pub fn read_dir(dir: &Path) -> Events {
    let mut out = Events::default();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    paths.sort();
    for path in paths {
        let Ok(file) = fs::File::open(&path) else {
            continue;
        };
        let reader = BufReader::new(file.take(MAX_FILE_BYTES));
        for line in reader.split(b'\n') {
            let Ok(line) = line else { break };
            parse_line(&line, &mut out);
        }
    }
    out
}

/// Parse one line into `out`; blank lines are ignored.
pub fn parse_line(line: &[u8], out: &mut Events) {
    let text = String::from_utf8_lossy(line);
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    match serde_json::from_str::<Event>(text) {
        Ok(Event::Unknown) | Err(_) => out.bad_lines += 1,
        Ok(ev) => out.events.push(ev),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_and_skips_garbage() {
        let mut out = Events::default();
        for line in [
            r#"{"ev":"start","ppid":1,"argv":["x.py"],"version":"3.11.7","pid":10}"#,
            r#"{"ev":"leak","how":"gc","kind":"file","stack":[["/a.py",3,"f"]],"test":null,"pid":10}"#,
            r#"{"ev":"leak","how":"gc","kind":"unknown","stack":null,"dropped":["x.py",9],"message":"m","pid":10}"#,
            r#"{"ev":"fds","fds":[{"fd":5,"target":"pipe:[1]","kind":"pipe"}],"pid":10}"#,
            r#"{"ev":"sites","sites":[{"kind":"file","file":"/a.py","line":3,"count":2}],"pid":10}"#,
            r#"{"ev":"uninstrumented","argv":["python3","-I"],"reason":"python -I","pid":10}"#,
            r#"{"ev":"end","pid":10}"#,
            r#"{"ev":"future-kind","pid":10}"#,
            r#"{"ev":"leak","how":"#,
            "",
            "not json",
        ] {
            parse_line(line.as_bytes(), &mut out);
        }
        assert_eq!(out.events.len(), 7);
        assert_eq!(out.bad_lines, 3);
        assert!(matches!(&out.events[1], Event::Leak { stack: Some(s), .. } if s[0].1 == 3));
    }

    #[test]
    fn missing_dir_is_empty() {
        let ev = read_dir(Path::new("/nonexistent/unclosed-trace"));
        assert!(ev.events.is_empty());
    }
}
