//! Running `--token-command`: `sh -c CMD` in a process group of its own, with a deadline
//! and limits.
//!
//! - **Deadline.** When `--token-timeout` passes before the command ends, its whole
//!   process group is killed (SIGKILL), so a command that started other programs leaves
//!   none behind, and the run ends with status 3. A pipeline waiting for a token that
//!   never comes should fail and say so, not hang.
//! - **Limits.** Stdout is the token document: past [`DOCUMENT_LIMIT`] the command is
//!   killed the same way (nothing that long can be a token). Stderr is kept up to
//!   [`STDERR_SHOWN`] and drained past it, so the command never blocks on a full pipe.
//! - **Stderr.** It is relayed after the command ends, line by line, with control
//!   characters escaped and every known secret masked, the new token included (the
//!   caller registers it first, [`relay_stderr`]): a command run with `-v`, or one that
//!   echoes a server's answer, cannot put a secret on aad-fetch's stderr.

use std::ffi::OsString;
use std::io::{self, Read, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aad_common::io::{DOCUMENT_LIMIT, format_size, read_limited};
use aad_common::mask::mask_secrets;
use aad_common::sanitize::printable;
use aad_common::time::format_duration;
use aad_common::{Error, Result};
use rustix::process::{Pid, Signal, kill_process_group};

use crate::NAME;

/// The most of the command's stderr that is shown.
const STDERR_SHOWN: usize = 64 * 1024;
/// How often the command is checked for having ended.
const POLL: Duration = Duration::from_millis(10);
/// How long a killed command's stderr is awaited, so what it said can still be shown.
const STDERR_GRACE: Duration = Duration::from_millis(200);

/// What a command that ended by itself left.
#[derive(Debug)]
pub(crate) struct Finished {
    /// How it ended.
    pub(crate) status: ExitStatus,
    /// Its whole stdout, at most [`DOCUMENT_LIMIT`] bytes.
    pub(crate) stdout: Vec<u8>,
    /// Its stderr, at most [`STDERR_SHOWN`] bytes; relay it with [`relay_stderr`].
    pub(crate) stderr: Captured,
}

/// A stream's bytes, kept up to a limit, with a count of what was dropped.
#[derive(Debug, Default)]
pub(crate) struct Captured {
    bytes: Vec<u8>,
    dropped: u64,
}

/// What the reader threads report.
enum Report {
    Stdout(io::Result<Vec<u8>>),
    StderrDone,
}

/// The command's PATH: `path` with aad-fetch's own directory `dir` appended, so a cron
/// job (PATH=/usr/bin:/bin) that runs /usr/local/bin/aad-fetch finds the aad-token
/// installed beside it. Appended, so a PATH that names another aad-token keeps it; an
/// unset PATH is the shell's usual `/usr/bin:/bin`.
fn search_path(path: Option<OsString>, dir: &Path) -> OsString {
    let mut dirs: Vec<std::path::PathBuf> = match &path {
        Some(p) => std::env::split_paths(p).collect(),
        None => vec!["/usr/bin".into(), "/bin".into()],
    };
    if !dirs.iter().any(|d| d == dir) {
        dirs.push(dir.to_path_buf());
    }
    std::env::join_paths(dirs).unwrap_or_else(|_| path.unwrap_or_default())
}

/// Runs `cmd` with `sh -c` until it ends or `timeout` passes.
pub(crate) fn run(cmd: &str, timeout: Duration) -> Result<Finished> {
    let mut command = Command::new("sh");
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        command.env("PATH", search_path(std::env::var_os("PATH"), &dir));
    }
    let mut child = command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| Error::auth("cannot run --token-command").with_source(e))?;
    let (reports, rx) = channel();
    let stderr = Arc::new(Mutex::new(Captured::default()));
    if let Some(mut out) = child.stdout.take() {
        let reports = reports.clone();
        std::thread::spawn(move || {
            let _ = reports.send(Report::Stdout(read_limited(&mut out, DOCUMENT_LIMIT)));
        });
    }
    if let Some(err) = child.stderr.take() {
        let captured = Arc::clone(&stderr);
        std::thread::spawn(move || {
            capture(err, &captured);
            let _ = reports.send(Report::StderrDone);
        });
    }
    let deadline = Instant::now() + timeout;
    let mut stdout = None;
    let mut stderr_done = false;
    let mut status = None;
    loop {
        if status.is_none() {
            status = child
                .try_wait()
                .map_err(|e| Error::auth("cannot wait for --token-command").with_source(e))?;
        }
        match &stdout {
            Some(Err(e)) => {
                let err = Error::auth(format!(
                    "--token-command printed more than {}: that is not a token; it was stopped",
                    format_size(DOCUMENT_LIMIT)
                ))
                .with_source(format!("{e}"));
                return Err(stop(&mut child, &rx, &stderr, err));
            }
            Some(Ok(_)) if stderr_done && status.is_some() => break,
            _ => {}
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let err = Error::auth(format!(
                "--token-command did not finish within {} (--token-timeout); it was stopped",
                format_duration(timeout)
            ))
            .with_hint("run the command by hand to see where it waits, or raise --token-timeout");
            return Err(stop(&mut child, &rx, &stderr, err));
        }
        match rx.recv_timeout(left.min(POLL)) {
            Ok(Report::Stdout(result)) => stdout = Some(result),
            Ok(Report::StderrDone) => stderr_done = true,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
        }
    }
    let stderr = std::mem::take(&mut *stderr.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(Finished {
        status: status.unwrap_or_default(),
        stdout: stdout.and_then(Result::ok).unwrap_or_default(),
        stderr,
    })
}

/// Kills the command's process group, reaps it, shows what it said on stderr, and
/// returns `err`.
fn stop(child: &mut Child, rx: &Receiver<Report>, stderr: &Mutex<Captured>, err: Error) -> Error {
    // The group is gone already when every process in it ended: nothing to do then.
    let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
    let _ = child.wait();
    let grace = Instant::now() + STDERR_GRACE;
    while let Some(left) = grace.checked_duration_since(Instant::now()) {
        if let Ok(Report::StderrDone) | Err(RecvTimeoutError::Disconnected) = rx.recv_timeout(left)
        {
            break;
        }
    }
    relay_stderr(&stderr.lock().unwrap_or_else(|e| e.into_inner()));
    err
}

/// Keeps the first [`STDERR_SHOWN`] bytes of `stream` and counts the rest, to its end.
fn capture(mut stream: impl Read, into: &Mutex<Captured>) {
    let mut buffer = [0u8; 8192];
    loop {
        let n = match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let mut captured = into.lock().unwrap_or_else(|e| e.into_inner());
        let room = STDERR_SHOWN.saturating_sub(captured.bytes.len()).min(n);
        captured.bytes.extend_from_slice(&buffer[..room]);
        captured.dropped += (n - room) as u64;
    }
}

/// Writes the command's stderr to ours: each line escaped, with secrets masked.
pub(crate) fn relay_stderr(captured: &Captured) {
    let text = String::from_utf8_lossy(&captured.bytes);
    let mut err = io::stderr().lock();
    for line in text.lines() {
        let _ = writeln!(err, "{}", mask_secrets(&printable(line)));
    }
    if captured.dropped > 0 {
        let _ = writeln!(
            err,
            "{NAME}: ({} more bytes of --token-command's stderr not shown)",
            captured.dropped
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_own_directory_is_appended_to_the_search_path_once() {
        let dir = Path::new("/opt/aad/bin");
        let path = |p: Option<&str>| {
            search_path(p.map(OsString::from), dir)
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(path(Some("/usr/bin:/bin")), "/usr/bin:/bin:/opt/aad/bin");
        assert_eq!(path(Some("/opt/aad/bin:/bin")), "/opt/aad/bin:/bin");
        assert_eq!(path(None), "/usr/bin:/bin:/opt/aad/bin");
    }

    #[test]
    fn output_and_status_of_a_command_that_ends() {
        let done = run("printf tok; echo oops >&2; exit 4", Duration::from_secs(10)).unwrap();
        assert_eq!(done.stdout, b"tok");
        assert_eq!(done.stderr.bytes, b"oops\n");
        assert_eq!(done.status.code(), Some(4));
    }

    #[test]
    fn a_command_past_its_deadline_is_stopped() {
        let started = Instant::now();
        let err = run("echo waiting >&2; sleep 1000", Duration::from_millis(300)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5), "{err}");
        assert_eq!(err.status(), aad_common::Status::Auth);
        assert_eq!(
            err.to_string(),
            "--token-command did not finish within 300ms (--token-timeout); it was stopped"
        );
    }

    #[test]
    fn endless_output_is_stopped_at_the_limit() {
        let err = run("cat /dev/zero", Duration::from_secs(30)).unwrap_err();
        assert_eq!(err.status(), aad_common::Status::Auth);
        assert!(err.to_string().contains("more than 1 MiB"), "{err}");
    }
}
