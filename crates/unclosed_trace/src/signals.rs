//! Signals while the command runs.
//!
//! Ctrl-C and Ctrl-\ reach the whole foreground process group, so the
//! command gets them itself; the runner must merely survive them to still
//! print the report. SIGTERM and SIGHUP are usually sent to the runner
//! alone (a CI timeout, a closed terminal): they are forwarded to the
//! command. Handlers (not `SIG_IGN`, which `exec` would pass on) only set
//! an atomic; the wait loop does the rest.

use std::sync::atomic::{AtomicI32, Ordering};

static PENDING: AtomicI32 = AtomicI32::new(0);

extern "C" fn remember(sig: libc::c_int) {
    PENDING.store(sig, Ordering::SeqCst);
}

extern "C" fn ignore(_sig: libc::c_int) {}

/// Install the handlers (idempotent).
pub fn install() {
    let remember_fn: extern "C" fn(libc::c_int) = remember;
    let ignore_fn: extern "C" fn(libc::c_int) = ignore;
    // SAFETY: the handlers only touch an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, remember_fn as libc::sighandler_t);
        libc::signal(libc::SIGHUP, remember_fn as libc::sighandler_t);
        libc::signal(libc::SIGINT, ignore_fn as libc::sighandler_t);
        libc::signal(libc::SIGQUIT, ignore_fn as libc::sighandler_t);
    }
}

/// A signal received since the last call, to forward.
pub fn take_pending() -> Option<i32> {
    match PENDING.swap(0, Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// Send `sig` to the command.
pub fn forward(pid: u32, sig: i32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}
