//! Sampling the traced process tree's open descriptors from `/proc`.
//!
//! The kernel does not tell a parent how many descriptors its descendants
//! hold, so the runner polls: each sample finds the tree under the root pid
//! (one pass over `/proc/*/stat` for parent links, since
//! `/proc/PID/task/TID/children` is not always compiled in) and counts the
//! entries of each `/proc/PID/fd`. The peak is compared with the soft
//! `RLIMIT_NOFILE` of the root process, read from `/proc/PID/limits` (the
//! limit is per process, so the per-process peak is the one that matters).
//! Command lines are re-read at every sample (a pid's command changes on
//! `exec`, and launchers like pyenv's shims exec Python late) to name the
//! Python processes that cannot load the shim (`python -I` children).

use std::collections::{HashMap, HashSet};
use std::fs;

/// What the samples found.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct FdStats {
    /// Most descriptors open at once in the whole tree.
    pub peak_total: usize,
    /// Most descriptors open at once in one process.
    pub peak_process: usize,
    /// Which process that was.
    pub peak_pid: Option<u32>,
    /// Soft `RLIMIT_NOFILE` of the command's process.
    pub soft_limit: Option<u64>,
    pub samples: usize,
    /// Most processes alive at once in the tree.
    pub peak_processes: usize,
}

/// Polls `/proc` for one process tree.
#[derive(Debug)]
pub struct Sampler {
    root: u32,
    pub stats: FdStats,
    /// Python command lines seen in the tree whose flags skip the shim.
    pub cmdlines: HashMap<u32, Vec<String>>,
    /// Parent of every pid seen in the tree.
    pub parents: HashMap<u32, u32>,
}

impl Sampler {
    pub fn new(root: u32) -> Self {
        Self {
            root,
            stats: FdStats {
                soft_limit: soft_nofile(root),
                ..FdStats::default()
            },
            cmdlines: HashMap::new(),
            parents: HashMap::new(),
        }
    }

    /// Take one sample. Processes that vanish meanwhile are skipped.
    pub fn sample(&mut self) {
        let tree = self.tree();
        if tree.is_empty() {
            return;
        }
        let mut total = 0;
        for &pid in &tree {
            let Some(n) = count_fds(pid) else { continue };
            total += n;
            if n > self.stats.peak_process {
                self.stats.peak_process = n;
                self.stats.peak_pid = Some(pid);
            }
            if let std::collections::hash_map::Entry::Vacant(e) = self.cmdlines.entry(pid)
                && let Some(cmd) = cmdline(pid)
                && crate::report::uninstrumentable_python(&cmd).is_some()
            {
                e.insert(cmd);
            }
        }
        if self.stats.soft_limit.is_none() {
            self.stats.soft_limit = soft_nofile(self.root);
        }
        self.stats.peak_total = self.stats.peak_total.max(total);
        self.stats.peak_processes = self.stats.peak_processes.max(tree.len());
        self.stats.samples += 1;
    }

    /// The root and all its live descendants.
    fn tree(&mut self) -> Vec<u32> {
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        if let Ok(entries) = fs::read_dir("/proc") {
            for entry in entries.filter_map(Result::ok) {
                let Some(pid) = entry
                    .file_name()
                    .to_str()
                    .and_then(|s| s.parse::<u32>().ok())
                else {
                    continue;
                };
                if let Some(ppid) = parent_of(pid) {
                    children.entry(ppid).or_default().push(pid);
                }
            }
        }
        let mut out = vec![self.root];
        let mut seen: HashSet<u32> = HashSet::from([self.root]);
        let mut i = 0;
        while i < out.len() {
            let pid = out[i];
            i += 1;
            for &child in children.get(&pid).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(child) {
                    self.parents.insert(child, pid);
                    out.push(child);
                }
            }
        }
        out
    }
}

/// Whether `pid` exists and is not a zombie.
pub fn is_running(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next());
    !matches!(state, None | Some("Z" | "X"))
}

/// The parent pid from `/proc/PID/stat` (the field after the parenthesized
/// command name, which may itself contain spaces and parentheses).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_ppid(&stat)
}

fn parse_ppid(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let _state = fields.next()?;
    fields.next()?.parse().ok()
}

fn count_fds(pid: u32) -> Option<usize> {
    Some(fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

fn cmdline(pid: u32) -> Option<Vec<String>> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    if raw.is_empty() {
        return None;
    }
    Some(
        raw.split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
    )
}

/// Soft `RLIMIT_NOFILE` of `pid`, from `/proc/PID/limits`.
pub fn soft_nofile(pid: u32) -> Option<u64> {
    let limits = fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    parse_soft_nofile(&limits)
}

fn parse_soft_nofile(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppid_survives_odd_command_names() {
        assert_eq!(parse_ppid("42 (a b) c) S 7 42 42 0"), Some(7));
        assert_eq!(parse_ppid("garbage"), None);
    }

    #[test]
    fn soft_limit_is_first_column() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 524288               files\n";
        assert_eq!(parse_soft_nofile(limits), Some(1024));
        assert_eq!(
            parse_soft_nofile("Max open files  unlimited unlimited files"),
            None
        );
    }

    #[test]
    fn samples_own_process() {
        let mut s = Sampler::new(std::process::id());
        s.sample();
        assert_eq!(s.stats.samples, 1);
        assert!(s.stats.peak_total >= 1);
        assert!(s.stats.soft_limit.is_some());
        assert!(s.cmdlines.is_empty());
    }
}
