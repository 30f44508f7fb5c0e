//! Shared test helpers: one hermetic way to run a tool, the emulator as a child process,
//! and file snapshots.
//!
//! - [`Emulator::start`] spawns `aad-emulator --port 0 --print-env` and reads its
//!   `export` lines and its `listening on` line (no sleeping: the line is printed only
//!   once the port accepts connections). The process is killed when the value drops.
//! - [`tool`] builds a command for one of the binaries with a cleared environment
//!   (no `AZURE_*`, `AAD_*`, proxies, `NO_COLOR` from the developer's shell), a private
//!   `HOME`/`XDG_CACHE_HOME`, optional stdin fed from a thread, and on failure prints
//!   the command, status, stdout and stderr.
//! - [`assert_snapshot`] compares text with a committed file; `AAD_UPDATE_SNAPSHOTS=1`
//!   rewrites the file instead.

#![allow(
    dead_code,
    reason = "each test module uses a different subset of the helpers"
)]
#![allow(clippy::print_stderr, reason = "test diagnostics")]
#![allow(
    unreachable_pub,
    reason = "helpers are `pub` for the test modules of this one test binary"
)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};

/// Path of one of the four binaries, built by cargo for the integration tests.
pub fn bin(name: &str) -> &'static str {
    match name {
        "aad-token" => env!("CARGO_BIN_EXE_aad-token"),
        "aad-fetch" => env!("CARGO_BIN_EXE_aad-fetch"),
        "aad-format" => env!("CARGO_BIN_EXE_aad-format"),
        "aad-emulator" => env!("CARGO_BIN_EXE_aad-emulator"),
        other => panic!("unknown binary {other}"),
    }
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `aad-emulator` child process.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:PORT` (or https with `--tls`).
    pub base_url: String,
    /// The `export NAME=VALUE` lines it printed.
    pub exports: BTreeMap<String, String>,
    /// Holds the secret file, certificates, logs; removed on drop.
    pub dir: tempfile::TempDir,
}

impl Emulator {
    /// Starts the emulator with `--port 0 --print-env` and the given extra arguments.
    pub fn start(args: &[&str]) -> Emulator {
        let dir = tempfile::tempdir().expect("temp dir");
        let stderr = File::create(dir.path().join("emulator.stderr")).expect("stderr file");
        let mut child = Command::new(bin("aad-emulator"))
            .args(["--port", "0", "--print-env", "--env-dir"])
            .arg(dir.path().join("env"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("spawn aad-emulator");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut exports = BTreeMap::new();
        let base_url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(url) = line.strip_prefix("listening on ") {
                        break url.trim().to_string();
                    }
                    if let Some(rest) = line.strip_prefix("export ") {
                        let (k, v) = rest.split_once('=').expect("export NAME=VALUE");
                        exports.insert(k.to_string(), unquote(v));
                    }
                }
                _ => {
                    let _ = child.wait();
                    let err = std::fs::read_to_string(dir.path().join("emulator.stderr"))
                        .unwrap_or_default();
                    panic!("aad-emulator {args:?} exited before listening:\n{err}");
                }
            }
        };
        // Keep draining stdout so the emulator can never block on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Emulator {
            child,
            base_url,
            exports,
            dir,
        }
    }

    /// One of the exported values.
    pub fn export(&self, name: &str) -> &str {
        self.exports
            .get(name)
            .unwrap_or_else(|| panic!("emulator did not export {name}: {:?}", self.exports))
    }

    /// The emulator's stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("emulator.stderr")).unwrap_or_default()
    }

    /// The process id, for signal tests.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end (after a signal sent by the test).
    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().expect("wait for emulator")
    }

    /// A plain GET against the emulator (test-side inspection, e.g. `/_emulator/truth`),
    /// trusting its CA when it serves https.
    pub fn get(&self, path_and_query: &str) -> (u16, String) {
        let agent = test_agent(self.exports.get("SSL_CERT_FILE").map(String::as_str));
        get_with(&agent, &format!("{}{path_and_query}", self.base_url), &[])
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `'value'` or `"value"` as the shell would read it.
fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2
        && ((v.starts_with('\'') && v.ends_with('\'')) || (v.starts_with('"') && v.ends_with('"')))
    {
        v[1..v.len() - 1].replace("'\\''", "'")
    } else {
        v.to_string()
    }
}

/// The agent the tests use for their own requests: no redirects, no proxy, HTTP error
/// statuses returned as responses, and the CA certificates in `ca` (a PEM file) trusted.
pub fn test_agent(ca: Option<&str>) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None);
    if let Some(path) = ca {
        let pem = std::fs::read(path).unwrap_or_else(|e| panic!("CA file {path}: {e}"));
        let roots: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::new_with_certs(&roots));
        config = config.tls_config(tls.build());
    }
    config.build().into()
}

/// A GET with extra headers; returns status and body text. Never follows redirects.
pub fn http_get(url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    get_with(&test_agent(None), url, headers)
}

fn get_with(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut req = agent.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .unwrap_or_else(|e| panic!("GET {url} body: {e}"));
    (status, body)
}

/// A POST of a form; returns status and body text.
pub fn http_post_form(url: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> (u16, String) {
    let mut req = test_agent(None).post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut resp = req
        .send_form(form.iter().copied())
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    (status, body)
}

/// The `id` of each record.
pub fn ids(records: &[serde_json::Value]) -> std::collections::HashSet<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().expect("record without an id").to_string())
        .collect()
}

/// Environment variables a developer's shell may carry that change the tools' behaviour.
const CLEARED_PREFIXES: &[&str] = &["AZURE_", "AAD_", "IDENTITY_", "MSI_", "IMDS_"];
const CLEARED_NAMES: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "NO_COLOR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// A command for one of the binaries, run hermetically.
pub struct Tool {
    cmd: Command,
    display: String,
    stdin: Option<Vec<u8>>,
    home: tempfile::TempDir,
}

/// What a finished tool run produced.
#[derive(Debug)]
pub struct Output {
    /// Exit status.
    pub status: ExitStatus,
    /// Raw stdout.
    pub stdout: Vec<u8>,
    /// Stderr as text.
    pub stderr: String,
    /// The command line, for messages.
    pub command: String,
}

/// Starts building a hermetic command for `name` (`aad-fetch`, ...).
pub fn tool(name: &str) -> Tool {
    let home = tempfile::tempdir().expect("temp home");
    let mut cmd = Command::new(bin(name));
    for (key, _) in std::env::vars_os() {
        let key_str = key.to_string_lossy();
        if CLEARED_PREFIXES.iter().any(|p| key_str.starts_with(p))
            || CLEARED_NAMES.contains(&&*key_str)
        {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        // Shared request budgets stay within the run unless a test names a --rate-dir.
        .env("XDG_RUNTIME_DIR", home.path().join("run"))
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Tool {
        cmd,
        display: name.to_string(),
        stdin: None,
        home,
    }
}

impl Tool {
    /// Adds an argument.
    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Self {
        self.display.push(' ');
        self.display.push_str(&arg.as_ref().to_string_lossy());
        self.cmd.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    /// Sets every variable the emulator exported (authority host, Graph URLs, tenant,
    /// client id, secret file, ...).
    pub fn emulator_env(mut self, emulator: &Emulator) -> Self {
        for (k, v) in &emulator.exports {
            self.cmd.env(k, v);
        }
        self
    }

    /// Feeds these bytes to stdin.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// The private home directory of this run (its cache lives below it).
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Access to the underlying command for unusual set-ups.
    pub fn command_mut(&mut self) -> &mut Command {
        &mut self.cmd
    }

    /// Runs to completion.
    pub fn run(mut self) -> Output {
        if self.stdin.is_some() {
            self.cmd.stdin(Stdio::piped());
        }
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", self.display));
        let feeder = self.stdin.take().map(|bytes| {
            let mut stdin = child.stdin.take().expect("stdin");
            // A tool may stop reading early; a write error here is not a test failure.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            })
        });
        let out = child.wait_with_output().expect("wait for tool");
        if let Some(f) = feeder {
            let _ = f.join();
        }
        Output {
            status: out.status,
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            command: self.display,
        }
    }

    /// Runs and asserts exit status 0.
    pub fn success(self) -> Output {
        let out = self.run();
        out.assert_code(0);
        out
    }

    /// Spawns with stdout piped, for tests that read part of it (`| head`).
    pub fn spawn(mut self) -> Child {
        if self.stdin.is_some() {
            self.cmd.stdin(Stdio::piped());
        }
        let mut child = self.cmd.spawn().expect("spawn tool");
        if let Some(bytes) = self.stdin.take() {
            let mut stdin = child.stdin.take().expect("stdin");
            std::thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            });
        }
        // Keep the home directory alive as long as the process may use it.
        std::mem::forget(self.home);
        child
    }
}

impl Output {
    /// Stdout as UTF-8 text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone())
            .unwrap_or_else(|_| panic!("stdout of {} is not UTF-8", self.command))
    }

    /// The exit code (panics on death by signal).
    pub fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("{} died by a signal\n{}", self.command, self.describe()))
    }

    /// Asserts the exit code, printing everything on mismatch.
    pub fn assert_code(&self, want: i32) -> &Self {
        if self.status.code() != Some(want) {
            panic!("expected exit {want}\n{}", self.describe());
        }
        self
    }

    /// Asserts stderr is empty.
    pub fn assert_quiet(&self) -> &Self {
        if !self.stderr.is_empty() {
            panic!("expected empty stderr\n{}", self.describe());
        }
        self
    }

    /// Everything about the run, for failure messages.
    pub fn describe(&self) -> String {
        let stdout = String::from_utf8_lossy(&self.stdout);
        let stdout: String = stdout.chars().take(4000).collect();
        format!(
            "command: {}\nstatus: {:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
            self.command, self.status, self.stderr
        )
    }
}

/// Starts a Python fixture server from `tests/fixtures/` and reads its
/// `listening on URL` line (printed once it accepts connections); returns it and the URL.
pub fn python_server(script: &str, args: &[&std::ffi::OsStr]) -> (Child, String) {
    let mut child = Command::new("python3")
        .arg(repo_root().join("tests/fixtures").join(script))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{script}: no listening line: {line:?}"))
        .trim()
        .to_string();
    (child, url)
}

/// Compares `actual` with the committed file `path` (relative to the repository root).
/// With `AAD_UPDATE_SNAPSHOTS=1` the file is written instead.
pub fn assert_snapshot(path: &str, actual: &str) {
    let file = repo_root().join(path);
    if std::env::var_os("AAD_UPDATE_SNAPSHOTS").is_some() {
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).expect("snapshot dir");
        }
        std::fs::write(&file, actual).expect("write snapshot");
        return;
    }
    let mut expected = String::new();
    File::open(&file)
        .and_then(|mut f| f.read_to_string(&mut expected))
        .unwrap_or_else(|e| {
            panic!("snapshot {path} missing ({e}); run with AAD_UPDATE_SNAPSHOTS=1")
        });
    if expected != actual {
        let first_diff = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {path} differs at line {}:\n  expected: {:?}\n  actual:   {:?}\n(run with AAD_UPDATE_SNAPSHOTS=1 to accept)",
            first_diff + 1,
            expected.lines().nth(first_diff),
            actual.lines().nth(first_diff)
        );
    }
}
