//! The two phases of a check run over many files: (1) read and parse every
//! file and index them as one program (`unclosed_program`: module names,
//! definitions, imports, which functions call themselves); (2) analyze each
//! file with that index, so that calls of the program's functions, in the
//! same file or imported from another, use their summaries
//! (`unclosed_dataflow::summaries`, computed once per function on first
//! need and shared by every file).

use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use unclosed_dataflow::Summaries;
use unclosed_diagnostics::FileReport;
use unclosed_rules::Settings;

use crate::progress::Progress;

/// Check `jobs` (each file with the settings of its configuration) as one
/// program; each report with the time its file took (reading, parsing and
/// analysis). Runs on the current rayon pool. Meant for one run per
/// process: the files' syntax trees are not freed (see the end).
pub fn check_program(
    jobs: &[(&Path, &Settings)],
    max_file_size: u64,
    progress: &Progress,
) -> Vec<(FileReport, Duration)> {
    let (files, load_times): (Vec<_>, Vec<_>) = jobs
        .par_iter()
        .map(|(path, _)| {
            let started = Instant::now();
            let file = unclosed_rules::load_file(path, max_file_size);
            (file, started.elapsed())
        })
        .unzip();
    let (program, modules) = unclosed_rules::index_program(&files);
    // Each module's functions are summarized with the catalog of its file.
    let catalogs: Vec<_> = jobs
        .iter()
        .zip(&modules)
        .filter(|(_, m)| m.is_some())
        .map(|((_, settings), _)| settings.resource_catalog())
        .collect();
    let summaries = Summaries::new(&program, catalogs.iter().map(|c| &**c).collect());
    let reports = files
        .par_iter()
        .zip(jobs)
        .zip(&modules)
        .zip(&load_times)
        .map(|(((file, (_, settings)), module), load_time)| {
            let started = Instant::now();
            let mut report = unclosed_rules::check_loaded(file, settings, &summaries, *module);
            // A file without findings is not shown: its text need not
            // wait for the others.
            if report.diagnostics.is_empty() {
                report.source = None;
            }
            progress.inc();
            (report, *load_time + started.elapsed())
        })
        .collect();
    drop(summaries);
    drop(program);
    // Freeing every syntax tree, node by node, costs about a sixth of the
    // instructions of a run, for memory the process hands back to the
    // operating system when it exits a moment later (one check run per
    // process): the trees are left to that, as compilers leave their
    // arenas.
    std::mem::forget(files);
    reports
}
