//! The process wrapper every `main` calls.
//!
//! `run_main` runs the tool, prints a failure as `name: error: message (cause)` plus an
//! optional `hint:` line, maps it to its exit status, and treats a broken pipe (the
//! reader of stdout went away, as in `aad-fetch ... | head -n 3`) as a quiet success.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::error::{Error, Result};
use crate::sanitize::printable;
use crate::status::Status;

/// Runs `run` and turns its outcome into the process exit code.
pub fn run_main(name: &'static str, run: impl FnOnce() -> Result<()>) -> ExitCode {
    install_panic_hook(name);
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            report(name, &err);
            ExitCode::from(err.status().code())
        }
    }
}

/// Prints `name: error: ...` and the hint to stderr. Errors writing stderr are ignored:
/// there is nowhere left to report them.
pub fn report(name: &str, err: &Error) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{name}: error: {err}");
    if let Some(hint) = err.hint() {
        let _ = writeln!(stderr, "hint: {}", printable(hint));
    }
}

/// Prints `name: warning: message` to stderr.
pub fn warn(name: &str, message: &str) {
    let _ = writeln!(
        io::stderr().lock(),
        "{name}: warning: {}",
        printable(message)
    );
}

/// A panic is a bug: report it in one line with status 1 instead of a backtrace dump,
/// and without the panic payload's arguments, which could hold data or secrets.
fn install_panic_hook(name: &'static str) {
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            io::stderr().lock(),
            "{name}: error: internal error{place} (this is a bug; please report it)"
        );
        std::process::exit(i32::from(Status::Internal.code()));
    }));
}
