//! Hostile input, end to end: what a hostile or broken server, token endpoint, token
//! command, cache or environment hands the tools, and how they answer: a one-line error
//! with its documented status, or output that is masked and escaped.
//!
//! | module | what |
//! |---|---|
//! | `token` | aad-token: echoed secrets, poisoned caches, oversized files, claims with bidi controls |
//! | `fetch` | aad-fetch: token command limits, echoed tokens, malformed records and tokens, bad URIs, Retry-After dates, file-size limits, user information in links |
//!
//! This file has the helpers they share: the scripted server
//! (`tests/fixtures/page_server.py`, whose answers can echo what it was sent), and
//! running a tool under shell limits (`ulimit`): a memory limit, so a regression that
//! reads without bound fails within seconds instead of filling the machine, or a
//! file-size limit.

mod fetch;
mod token;

use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::util::{Output, bin, http_get, python_server};

/// A running `page_server.py`, killed when dropped.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    _script: tempfile::TempDir,
}

impl Server {
    /// Starts the server with `script` (path → answer).
    pub(crate) fn start(script: &Value) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("script.json");
        std::fs::write(&file, script.to_string()).unwrap();
        let (child, base) = python_server("page_server.py", &[file.as_os_str()]);
        Server {
            child,
            base,
            _script: dir,
        }
    }

    /// How many requests `path_and_query` got, as the client sent it.
    pub(crate) fn count(&self, path_and_query: &str) -> u64 {
        let path: String = form_urlencoded::byte_serialize(path_and_query.as_bytes()).collect();
        let (status, body) = http_get(&format!("{}/_count?path={path}", self.base), &[]);
        assert_eq!(status, 200);
        body.trim().parse().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs binary `name` with `args` through `sh -c SCRIPT`, where the script ends with
/// `exec "$0" "$@"` (and may redirect it); only `env` is in its environment (and `PATH`,
/// a private `HOME`).
pub(crate) fn run_in_shell(
    script: &str,
    name: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Stdio,
) -> Output {
    let home = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .args(["-c", script, bin(name)])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("TZ", "UTC")
        .envs(env.iter().copied())
        .stdin(stdin)
        .output()
        .unwrap();
    Output {
        status: out.status,
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        command: format!("sh -c '{script}' {name} {}", args.join(" ")),
    }
}

/// [`run_in_shell`] with at most 2 GiB of address space.
pub(crate) fn run_limited(name: &str, args: &[&str], env: &[(&str, &str)], stdin: Stdio) -> Output {
    let script = "ulimit -v 2097152 && exec \"$0\" \"$@\"";
    run_in_shell(script, name, args, env, stdin)
}

/// `/dev/zero` as stdin: endless input.
pub(crate) fn endless() -> Stdio {
    Stdio::from(std::fs::File::open("/dev/zero").unwrap())
}

/// Asserts that stderr is exactly one `error:` line (and an optional `hint:` line), and
/// returns the error line.
pub(crate) fn error_line(out: &Output) -> &str {
    let lines: Vec<&str> = out.stderr.lines().collect();
    let one_line = match lines.as_slice() {
        [_] => true,
        [_, hint] => hint.starts_with("hint: "),
        _ => false,
    };
    assert!(one_line, "not one error line\n{}", out.describe());
    lines[0]
}
