//! One request budget across processes: reports of one tenant pulled in parallel share
//! `--rate` and get no 429; `--rate-group app` shares across tenants; a throttled answer
//! pauses the group; a lock left by a killed process, a damaged budget file and a rate
//! directory others may write; `--if-locked` on the state file.
//!
//! The emulator's budget is 5 requests in any 2 s here (the service's 10 s, shortened),
//! and its request log says when each request arrived (`received_ms`).

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::emulator::tenants::{tenants, token as tenant_token};
use crate::fetch::{lines, token, truth};
use crate::fetch_state::page_server;
use crate::util::{Emulator, Output, Tool, python_server, tool};

/// The emulator's budget and the one aad-fetch is given.
const RATE: &str = "5/2s";
const WINDOW_MS: u64 = 2000;
const PER_WINDOW: usize = 5;

/// aad-fetch against the emulator with `token`, paced to [`RATE`] through `rate_dir`.
fn paced(emu: &Emulator, token: &str, rate_dir: &Path) -> Tool {
    paced_to(emu, token, rate_dir, RATE)
}

fn paced_to(emu: &Emulator, token: &str, rate_dir: &Path, rate: &str) -> Tool {
    tool("aad-fetch")
        .emulator_env(emu)
        .env("AAD_ACCESS_TOKEN", token)
        .args(["--rate", rate, "--page-size", "10", "--rate-dir"])
        .arg(rate_dir)
}

/// Runs the tools at the same time; their outputs in order.
fn together(tools: Vec<Tool>) -> Vec<Output> {
    let runs: Vec<_> = tools
        .into_iter()
        .map(|t| std::thread::spawn(move || t.run()))
        .collect();
    runs.into_iter().map(|r| r.join().expect("run")).collect()
}

/// Waits for a spawned tool whose stderr the test took.
fn finish(child: Child, command: &str) -> Output {
    let out = child.wait_with_output().expect("wait");
    Output {
        status: out.status,
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        command: command.to_string(),
    }
}

/// (arrival ms, status, tenant) of every report request the emulator logged.
fn report_requests(emu: &Emulator) -> Vec<(u64, u64, String)> {
    let mut requests: Vec<(u64, u64, String)> = crate::fetch::requests(emu, "/auditLogs/")
        .into_iter()
        .map(|r| {
            (
                r["received_ms"].as_u64().expect("received_ms"),
                r["status"].as_u64().expect("status"),
                r["tenant"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    requests.sort();
    requests
}

/// The most requests that arrived within any window of `window_ms`.
fn busiest_window(times: &[u64], window_ms: u64) -> usize {
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|&&t| t - times[i] < window_ms)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Checks the requests kept to the budget: no 429, at most five in any window, and the
/// whole took at most 1.1 times the least the budget allows for their number.
fn assert_paced_to_the_floor(requests: &[(u64, u64, String)], what: &str) {
    let throttled = requests.iter().filter(|r| r.1 == 429).count();
    assert_eq!(throttled, 0, "{what}: throttled answers");
    let times: Vec<u64> = requests.iter().map(|r| r.0).collect();
    assert!(
        times.len() > 2 * PER_WINDOW,
        "{what}: too few requests to tell"
    );
    let busiest = busiest_window(&times, WINDOW_MS);
    assert!(
        busiest <= PER_WINDOW,
        "{what}: {busiest} requests in one window"
    );
    // The n-th request (from 0) may go out no sooner than n / 5 whole windows in.
    let floor = ((times.len() as u64 - 1) / PER_WINDOW as u64) * WINDOW_MS;
    let span = times[times.len() - 1] - times[0];
    assert!(
        span * 10 <= floor * 11,
        "{what}: {} requests took {span} ms, the budget's floor is {floor} ms",
        times.len()
    );
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn two_reports_of_one_tenant_started_together_share_one_budget() {
    let emu = Emulator::start(&["--records", "100", "--rate-limit", RATE]);
    let dir = tempfile::tempdir().unwrap();
    let token = token(&emu);
    let outs = together(vec![
        paced(&emu, &token, dir.path()).arg("signIns"),
        paced(&emu, &token, dir.path()).arg("directoryAudits"),
    ]);
    for (out, report) in outs.iter().zip(["signIns", "directoryAudits"]) {
        out.assert_code(0).assert_quiet();
        assert_eq!(lines(out).len(), truth(&emu, report).len(), "{report}");
    }
    assert_paced_to_the_floor(&report_requests(&emu), "two reports");
}

#[test]
fn rate_group_app_shares_one_budget_across_tenants() {
    let emu = Emulator::start(&[
        "--records",
        "60",
        "--tenants",
        "2",
        "--multi-tenant-app",
        "--rate-limit",
        RATE,
    ]);
    let list = tenants(&emu);
    assert_eq!(list[0].1, list[1].1, "one application in both tenants");
    let tokens: Vec<String> = list.iter().map(|t| tenant_token(&emu, t)).collect();
    let dir = tempfile::tempdir().unwrap();
    let pull = |group: &str| {
        let outs = together(
            tokens
                .iter()
                .map(|t| {
                    paced(&emu, t, dir.path()).args(["directoryAudits", "--rate-group", group])
                })
                .collect(),
        );
        for out in &outs {
            out.assert_code(0).assert_quiet();
            assert_eq!(lines(out).len(), 60);
        }
    };
    // By tenant (the default) each tenant has its own budget, as the service counts.
    pull("tenant");
    let by_tenant = report_requests(&emu);
    let times: Vec<u64> = by_tenant.iter().map(|r| r.0).collect();
    assert!(
        busiest_window(&times, WINDOW_MS) > PER_WINDOW,
        "two tenants' budgets are used at once"
    );
    assert!(by_tenant.iter().all(|r| r.1 == 200));

    pull("app");
    let by_app: Vec<_> = report_requests(&emu).split_off(by_tenant.len());
    assert_eq!(
        by_app.iter().filter(|r| r.2 == list[1].0).count() * 2,
        by_app.len(),
        "both tenants were fetched"
    );
    assert_paced_to_the_floor(&by_app, "one application across two tenants");
}

#[test]
fn a_throttled_answer_pauses_every_process_of_the_group() {
    let retry_after_ms = 2000;
    let emu = Emulator::start(&[
        "--records",
        "80",
        "--throttle-every",
        "6",
        "--retry-after",
        "2",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let token = token(&emu);
    let fast = |report: &str| {
        paced_to(&emu, &token, dir.path(), "100/1s").args([report, "--rate-group", "paused"])
    };
    let outs = together(vec![fast("signIns"), fast("directoryAudits")]);
    for out in &outs {
        out.assert_code(0);
        assert_eq!(lines(out).len(), 80);
    }
    let requests = report_requests(&emu);
    let throttled: Vec<u64> = requests
        .iter()
        .filter(|r| r.1 == 429)
        .map(|r| r.0)
        .collect();
    assert!(!throttled.is_empty(), "the emulator throttled");
    for t in throttled {
        // What the other process had sent before it heard of the pause may arrive just
        // after the 429; nothing else until the pause is over.
        let during: Vec<u64> = requests
            .iter()
            .map(|r| r.0)
            .filter(|&at| at > t + 200 && at < t + retry_after_ms - 10)
            .map(|at| at - t)
            .collect();
        assert!(
            during.is_empty(),
            "requests {during:?} ms into a pause at {t}"
        );
    }
}

/// The one budget file in `dir`.
fn the_budget_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

/// An emulator of 20 records, a rate directory, and a token, after one paced pull has
/// made the group's budget file.
fn after_one_paced_run() -> (Emulator, tempfile::TempDir, String) {
    let emu = Emulator::start(&["--records", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let token = token(&emu);
    paced(&emu, &token, dir.path())
        .arg("directoryAudits")
        .success();
    (emu, dir, token)
}

#[test]
fn a_budget_file_locked_by_a_killed_process_does_not_block() {
    let (emu, dir, token) = after_one_paced_run();
    let first_run = report_requests(&emu).len();
    let file = the_budget_file(dir.path());
    let (mut holder, _pid) = python_server("hold_lock.py", &[file.as_os_str()]);
    let mut child = paced(&emu, &token, dir.path())
        .args(["directoryAudits", "-v"])
        .spawn();
    // Once it names the file, its next step is to lock it: wait for that line.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("sharing the request budget") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no sharing line");
    }
    let before = report_requests(&emu).len();
    let killed = now_ms();
    holder.kill().unwrap();
    holder.wait().unwrap();
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let out = finish(child, "aad-fetch after the holder was killed");
    out.assert_code(0);
    assert_eq!(lines(&out).len(), 20);
    let after = report_requests(&emu);
    assert_eq!(
        before, first_run,
        "nothing was sent while the lock was held"
    );
    assert_eq!(after.len(), before + first_run);
    assert!(
        after[before..].iter().all(|r| r.0 >= killed),
        "it waited for the lock until its holder died"
    );
}

#[test]
fn a_damaged_budget_file_is_started_again_with_a_warning() {
    let (emu, dir, token) = after_one_paced_run();
    let file = the_budget_file(dir.path());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("aad-fetch rate 1\npaused 0\nsent "),
        "{text}"
    );
    for damage in [
        b"aad-fetch rate 1\npaused soon\n".to_vec(),
        vec![0xff; 300 << 10],
    ] {
        std::fs::write(&file, &damage).unwrap();
        let out = paced(&emu, &token, dir.path()).arg("directoryAudits").run();
        out.assert_code(0);
        assert_eq!(lines(&out).len(), 20);
        assert_eq!(
            out.stderr,
            format!(
                "aad-fetch: warning: the rate file '{}' is damaged; starting its budget again\n",
                file.display()
            )
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("aad-fetch rate 1\npaused 0\nsent "),
            "{text}"
        );
    }
}

#[test]
fn a_rate_directory_others_may_write_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let emu = Emulator::start(&["--records", "5"]);
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("rate");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let token = token(&emu);
    let out = paced(&emu, &token, &dir).arg("directoryAudits").run();
    out.assert_code(7);
    assert_eq!(
        out.stderr,
        format!(
            "aad-fetch: error: the rate directory '{}' is writable by others (mode 0777)\nhint: processes that share a budget keep it in a directory only their user may write: fix it (chmod 700), or give --rate-dir\n",
            dir.display()
        )
    );
    assert!(out.stdout.is_empty());
    assert!(report_requests(&emu).is_empty(), "nothing was fetched");
    // Created by aad-fetch: private.
    let fresh = base.path().join("new/rate");
    paced(&emu, &token, &fresh).arg("directoryAudits").success();
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let file = the_budget_file(&fresh);
    let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A link could be swapped for another directory: the directory itself is asked for.
    let link = base.path().join("link");
    std::os::unix::fs::symlink(&fresh, &link).unwrap();
    let refused = |dir: &Path, why: &str| {
        let out = paced(&emu, &token, dir).arg("directoryAudits").run();
        out.assert_code(7);
        let error = format!(
            "aad-fetch: error: the rate directory '{}' {why}\n",
            dir.display()
        );
        assert!(out.stderr.starts_with(&error), "{}", out.describe());
    };
    refused(
        &link,
        "is a symbolic link (give the directory it points to)",
    );
    // Another user's directory, when this test may make one.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    if std::os::unix::fs::chown(&dir, Some(65534), None).is_ok() {
        refused(&dir, "belongs to another user (uid 65534)");
    }
}

#[test]
fn a_token_without_claims_paces_only_its_own_process_and_a_spent_budget_pauses() {
    let (mut server, base, _dir) = page_server(&serde_json::json!({
        "/r": {
            "headers": {"RateLimit-Remaining": "0", "RateLimit-Reset": "2"},
            "body": "{\"value\":[{\"a\":1}],\"@odata.nextLink\":\"{base}/r2\"}"
        },
        "/r2": {"body": "{\"value\":[{\"a\":2}]}"}
    }));
    let run = |group: &str| {
        tool("aad-fetch")
            .env("AAD_ACCESS_TOKEN", "opaque-token")
            .args([
                &format!("{base}/r"),
                "-v",
                "--rate",
                "100/1s",
                "--rate-group",
                group,
            ])
            .run()
    };
    let alone = run("tenant");
    alone.assert_code(0);
    assert!(
        alone.stderr.contains(
            "aad-fetch: pacing this process alone, not with other runs (the token has no claims to group by)\n"
        ),
        "{}",
        alone.describe()
    );
    assert!(!alone.stderr.contains("pacing to the request budget"));
    // A named group needs no claims; the answer that spends the budget pauses it.
    let named = run("nightly");
    server.kill().unwrap();
    server.wait().unwrap();
    named.assert_code(0);
    assert_eq!(lines(&named), ["{\"a\":1}", "{\"a\":2}"]);
    let wait = named
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("aad-fetch: pacing to the request budget, next request in "))
        .unwrap_or_else(|| panic!("no pause\n{}", named.describe()));
    let seconds: f64 = wait.trim_end_matches('s').parse().unwrap();
    assert!((1.0..=2.0).contains(&seconds), "{wait}");
}

/// A state file whose lock this test holds, as another run would, naming `pid`.
fn held_state(dir: &Path, pid: u32) -> (PathBuf, std::fs::File) {
    let state = dir.join("audits.state");
    let mut lock = std::fs::File::create(dir.join("audits.state.lock")).unwrap();
    lock.lock().unwrap();
    writeln!(lock, "{pid}").unwrap();
    (state, lock)
}

#[test]
fn if_locked_fails_skips_or_waits() {
    let emu = Emulator::start(&["--records", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let (state, lock) = held_state(dir.path(), 4242);
    let run = |extra: &[&str]| {
        crate::fetch::fetch(&emu)
            .args(["directoryAudits", "--since", "7d", "--state"])
            .arg(&state)
            .args(extra)
    };
    let failed = run(&[]).run();
    failed.assert_code(7);
    assert!(
        failed.stderr.starts_with(&format!(
            "aad-fetch: error: another aad-fetch run (pid 4242) is using the state file '{}' (its lock '{}.lock' is held)\nhint: ",
            state.display(),
            state.display()
        )),
        "{}",
        failed.describe()
    );
    assert_eq!(run(&["--if-locked", "fail"]).run().stderr, failed.stderr);

    let skipped = run(&["--if-locked", "skip"]).run();
    skipped.assert_code(0);
    assert_eq!(
        skipped.stderr,
        format!(
            "aad-fetch: skipped: the state file '{}' is locked by another run (pid 4242)\n",
            state.display()
        )
    );
    assert!(skipped.stdout.is_empty());
    run(&["--if-locked", "skip", "-q"]).success().assert_quiet();
    assert!(!state.exists(), "skipped runs leave no state");
    // The run holding the state writes the metrics when it ends; a skipped one leaves a
    // file it finds alone (else a run that hangs would show as a success).
    let metrics = dir.path().join("audits.prom");
    std::fs::write(&metrics, "left by the run holding the state\n").unwrap();
    let reported = run(&["--if-locked", "skip", "-q", "--summary", "--metrics"])
        .arg(&metrics)
        .success();
    assert_eq!(
        std::fs::read_to_string(&metrics).unwrap(),
        "left by the run holding the state\n"
    );
    let summary: Value = serde_json::from_str(reported.stderr.trim_end()).unwrap();
    assert_eq!(
        (
            &summary["skipped"],
            &summary["exit_status"],
            &summary["requests"]
        ),
        (&Value::Bool(true), &Value::from(0), &Value::from(0)),
        "{}",
        reported.describe()
    );
    assert!(report_requests(&emu).is_empty(), "nor fetch anything");

    let mut waiting = run(&["--if-locked", "wait", "-v"]).spawn();
    let mut stderr = BufReader::new(waiting.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(
        line,
        "aad-fetch: waiting for another run (pid 4242) to release the state file\n"
    );
    let pid = waiting.id();
    let released = now_ms();
    drop(lock);
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    let out = finish(waiting, "aad-fetch --if-locked wait");
    out.assert_code(0);
    assert_eq!(lines(&out).len(), 20);
    let requests = report_requests(&emu);
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.0 >= released), "it waited");
    assert!(state.exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("audits.state.lock")).unwrap(),
        format!("{pid}\n"),
        "the lock names the run that held it"
    );
}
