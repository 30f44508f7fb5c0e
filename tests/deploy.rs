//! The at-scale recipes shipped in `scripts/deploy/` and the README's cron recipe: the
//! systemd units pass `systemd-analyze verify`, the Kubernetes manifest passes
//! `kubernetes-validate` (each where installed; `.ci/run` installs them), every flag
//! they give aad-fetch exists, and the cron line, run as cron runs it, pulls and then
//! pulls incrementally.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::fetch::{assert_same_records, requests, truth};
use crate::util::{Emulator, bin, repo_root, tool};

/// The flag `--if-locked` comes from the pacing work (branch `pace`); until it is on
/// this branch it is the one flag the recipes may name that `--help` does not list.
const FLAGS_FROM_ELSEWHERE: &[&str] = &["--if-locked"];

fn deploy(path: &str) -> PathBuf {
    repo_root().join("scripts/deploy").join(path)
}

/// Every `--flag` in `words` is one aad-fetch's `--help` lists.
fn flags_exist<'a>(words: impl IntoIterator<Item = &'a str>, what: &str) {
    let help = tool("aad-fetch").arg("--help").success().stdout_text();
    let flags = words
        .into_iter()
        .filter(|w| w.starts_with("--") && w[2..].starts_with(|c: char| c.is_ascii_lowercase()))
        .map(|w| w.split('=').next().unwrap_or(w));
    for flag in flags {
        if FLAGS_FROM_ELSEWHERE.contains(&flag) {
            continue;
        }
        assert!(
            help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
            "{what} gives aad-fetch {flag}, which --help does not list"
        );
    }
}

/// Runs a validator; `None` when it is not installed.
fn validator(program: &str, args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()
}

#[test]
#[allow(clippy::print_stderr, reason = "the skip notice the suite promises")]
fn the_systemd_units_pass_systemd_analyze_verify() {
    let service = std::fs::read_to_string(deploy("systemd/aad-fetch@.service")).unwrap();
    let timer = std::fs::read_to_string(deploy("systemd/aad-fetch@.timer")).unwrap();
    assert!(service.contains("ExecStart=/usr/local/bin/aad-fetch "));
    for needed in [
        "EnvironmentFile=/etc/aad-fetch/%i.env",
        "StateDirectory=",
        "LogsDirectory=",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "--token-command 'aad-token --cache'",
        "--if-locked skip",
        "--metrics /var/lib/prometheus/node-exporter/",
    ] {
        assert!(service.contains(needed), "the service lacks {needed}");
    }
    for needed in ["Persistent=true", "RandomizedDelaySec="] {
        assert!(timer.contains(needed), "the timer lacks {needed}");
    }
    // The words of the ExecStart lines, the token command's quoted words left out.
    let exec = service.replace("\\\n", " ");
    let words: Vec<&str> = exec
        .lines()
        .filter(|l| l.starts_with("ExecStart="))
        .flat_map(|l| l.split('\'').step_by(2))
        .flat_map(str::split_whitespace)
        .collect();
    flags_exist(words, "aad-fetch@.service");

    // systemd-analyze verify wants the ExecStart binary to exist: the built one.
    let dir = tempfile::tempdir().unwrap();
    let built = service.replace("/usr/local/bin/aad-fetch", bin("aad-fetch"));
    std::fs::write(dir.path().join("aad-fetch@.service"), built).unwrap();
    std::fs::write(dir.path().join("aad-fetch@.timer"), &timer).unwrap();
    let units = ["aad-fetch@contoso.service", "aad-fetch@contoso.timer"]
        .map(|u| dir.path().join(u).into_os_string());
    let mut args = vec![std::ffi::OsString::from("verify"), "--man=no".into()];
    args.extend(units);
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let Some(out) = validator("systemd-analyze", &args) else {
        eprintln!("skipped: systemd-analyze not installed");
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "systemd-analyze verify: {stderr}"
    );
}

#[test]
#[allow(clippy::print_stderr, reason = "the skip notice the suite promises")]
fn the_kubernetes_manifest_passes_kubernetes_validate() {
    let path = deploy("kubernetes/aad-fetch-cronjob.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    for needed in [
        "kind: CronJob",
        "concurrencyPolicy: Forbid",
        "azure.workload.identity/use: \"true\"",
        "azure.workload.identity/client-id:",
        "serviceAccountName: aad-fetch-contoso",
        "kind: PersistentVolumeClaim",
        "- --metrics",
    ] {
        assert!(text.contains(needed), "the manifest lacks {needed}");
    }
    // The container's command: one list item per word.
    let words = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- "))
        .map(str::trim);
    flags_exist(words, "the CronJob");
    let Some(out) = validator(
        "kubernetes-validate",
        &["--strict".as_ref(), "--quiet".as_ref(), path.as_os_str()],
    ) else {
        eprintln!("skipped: kubernetes-validate not installed");
        return;
    };
    assert!(
        out.status.success(),
        "kubernetes-validate: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The README's cron line: the one line under "Incremental pulls from cron" that starts
/// with a schedule.
fn readme_cron_line() -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let section = readme
        .split("## Incremental pulls from cron")
        .nth(1)
        .expect("the README has the cron section");
    let found: Vec<&str> = section
        .split("\n## ")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("*/15 * * * * "))
        .collect();
    assert_eq!(found.len(), 1, "one cron line in the section: {found:?}");
    found[0].to_string()
}

#[test]
fn the_cron_recipe_runs_as_cron_runs_it_and_then_incrementally() {
    let line = readme_cron_line();
    for name in ["aad-fetch", "aad-token"] {
        // The help wraps the line with a shell continuation; the crontab has it whole.
        let help = tool(name).arg("--help").success().stdout_text();
        let joined = help.replace("\\\n      ", "");
        assert!(
            joined.lines().any(|l| l.trim() == line),
            "{name} --help does not show the README's cron line:\n{line}"
        );
    }
    let now = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    let now = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let emu = Emulator::start(&["--records", "200", "--days", "2", "--now", &now]);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let command = line
        .strip_prefix("*/15 * * * * ")
        .unwrap()
        .replace("/usr/local/bin/aad-fetch", bin("aad-fetch"))
        .replace("/var/lib/aad/", &format!("{}/", dir.path().display()))
        .replace("/var/log/aad/", &format!("{}/", dir.path().display()));
    assert!(Path::new(bin("aad-token")).parent() == Path::new(bin("aad-fetch")).parent());
    let output = dir.path().join("audits.ndjson");
    let cron = || {
        // As cron runs a line: sh -c, a bare environment, PATH=/usr/bin:/bin, and the
        // crontab's variables (here: the emulator's, standing for the tenant's).
        let mut cmd = Command::new("/bin/sh");
        cmd.env_clear()
            .env("HOME", &home)
            .env("PATH", "/usr/bin:/bin")
            .envs(emu.exports.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(["-c", &command]);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
            "{command}: {:?}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cron();
    let want = truth(&emu, "directoryAudits");
    let written = || -> Vec<String> {
        std::fs::read_to_string(&output)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    assert_same_records(&written(), &want, "the first cron run");
    cron();
    assert_same_records(
        &written(),
        &want,
        "the second cron run writes nothing twice",
    );
    let asked: Vec<Value> = requests(&emu, "/auditLogs/directoryAudits");
    assert_eq!(asked.len(), 2, "{asked:?}");
    let start = |r: &Value| {
        let query = r["query"].as_str().unwrap().to_string();
        let filter: String = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "$filter")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no $filter: {query}"));
        let ge = filter
            .split(" ge ")
            .nth(1)
            .unwrap_or_else(|| panic!("{filter}"));
        let time = ge.split_whitespace().next().unwrap().to_string();
        chrono::DateTime::parse_from_rfc3339(&time)
            .unwrap()
            .to_utc()
    };
    // The first run starts 7 days back; the second two hours (--overlap) before the
    // checkpoint, which is 10 minutes (--lag) before the first run.
    let (first, second) = (start(&asked[0]), start(&asked[1]));
    let wall = chrono::Utc::now();
    assert!((wall - first).num_hours() >= 7 * 24 - 1, "{first}");
    let back = (wall - second).num_minutes();
    assert!(
        (129..=135).contains(&back),
        "the second run starts {back} minutes back"
    );
}
