//! The process wrapper every `main` calls.
//!
//! `run_main` runs the tool, prints a failure as `name: error: message (cause)` plus an
//! optional `hint:` line, maps it to its exit status, and treats a broken pipe (the
//! reader of stdout went away, as in `aad-fetch ... | head -n 3`) as a quiet success.
//! Every line it prints has the known secrets masked ([`crate::mask`]).
//!
//! It also keeps a file-size limit (`ulimit -f`) from killing the process silently:
//! SIGXFSZ's default action ends a process without a word, in the middle of a write.
//! With a handler installed instead, the write that passes the limit fails with `EFBIG`
//! ("File too large"), which the tools report like any failed write (status 7).

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use crate::error::{Error, Result};
use crate::mask::mask_secrets;
use crate::sanitize::printable;
use crate::status::Status;

/// Set when a write passed the file-size limit; the failed write itself is what reports it.
static FILE_SIZE_LIMIT_HIT: AtomicBool = AtomicBool::new(false);

/// Runs `run` and turns its outcome into the process exit code.
pub fn run_main(name: &'static str, run: impl FnOnce() -> Result<()>) -> ExitCode {
    install_panic_hook(name);
    survive_file_size_limit();
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
    let _ = writeln!(stderr, "{}", mask_secrets(&format!("{name}: error: {err}")));
    if let Some(hint) = err.hint() {
        let _ = writeln!(stderr, "hint: {}", mask_secrets(&printable(hint)));
    }
}

/// Prints `name: warning: message` to stderr.
pub fn warn(name: &str, message: &str) {
    let line = format!("{name}: warning: {}", printable(message));
    let _ = writeln!(io::stderr().lock(), "{}", mask_secrets(&line));
}

/// Replaces SIGXFSZ's default action (end the process) with a handler, so a write past
/// `ulimit -f` fails with `EFBIG` and is reported. A handler rather than "ignore": an
/// ignored signal stays ignored in the programs a tool starts, a handler does not.
fn survive_file_size_limit() {
    // Registration fails only for signals that cannot be caught; SIGXFSZ can.
    let _ = signal_hook::flag::register(signal_hook::consts::signal::SIGXFSZ, &FILE_SIZE_LIMIT_HIT);
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
