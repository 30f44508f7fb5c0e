//! `--add-field` (records tagged, the service's bytes kept) and `--metrics`/`--summary`
//! (what a run did, also a failed one), each figure checked against what the emulator
//! saw, the output's lines and the files `--save-pages` kept; the metrics file is also
//! checked by Prometheus's own `promtool` where it is installed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::fetch::{assert_same_records, fetch, lines, requests, truth};
use crate::util::{Emulator, Output};

/// The samples of a metrics file: metric name → (labels as written, value).
fn samples(text: &str) -> BTreeMap<String, (String, f64)> {
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let brace = line
            .find('{')
            .unwrap_or_else(|| panic!("no labels: {line}"));
        let close = line.rfind('}').unwrap();
        let value: f64 = line[close + 1..].trim().parse().unwrap();
        samples.insert(
            line[..brace].to_string(),
            (line[brace..=close].to_string(), value),
        );
    }
    samples
}

fn value(samples: &BTreeMap<String, (String, f64)>, name: &str) -> f64 {
    samples
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {samples:?}"))
        .1
}

/// `promtool check metrics` on the file, when promtool is installed (`.ci/run` installs
/// it); says so once when it is not.
#[allow(clippy::print_stderr, reason = "the skip notice the suite promises")]
fn promtool_accepts(path: &Path) {
    use std::io::Write as _;
    let Ok(mut child) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("skipped: promtool not installed");
        return;
    };
    let text = std::fs::read(path).unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&text)
    );
}

/// The `--summary` line: the one line of stderr that is a JSON object.
fn summary(out: &Output) -> Value {
    let found: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(found.len(), 1, "{}", out.describe());
    let line = found[0];
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {}", out.describe()))
}

#[test]
fn tags_go_in_front_of_the_bytes_the_service_sent() {
    let emu = Emulator::start(&["--records", "300"]);
    let want = truth(&emu, "directoryAudits");
    let out = fetch(&emu)
        .args(["directoryAudits", "--since", "30d", "--page-size", "70"])
        .args([
            "--add-field",
            "tenantId=t-1",
            "--add-field",
            "site=a\"b\\c\n",
        ])
        .success();
    let prefix = "{\"tenantId\":\"t-1\",\"site\":\"a\\\"b\\\\c\\n\",";
    let got: Vec<String> = lines(&out)
        .iter()
        .map(|l| {
            let rest = l
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("not tagged: {l}"));
            format!("{{{rest}")
        })
        .collect();
    assert_same_records(&got, &want, "records without their tags");
    let first: Value = serde_json::from_str(&lines(&out)[0]).unwrap();
    assert_eq!(first["site"], "a\"b\\c\n");

    // Every audit record has an id: it keeps its own, nothing is added twice.
    let own = fetch(&emu)
        .args([
            "directoryAudits",
            "--since",
            "30d",
            "--add-field",
            "id=x",
            "-v",
        ])
        .success();
    assert_same_records(&lines(&own), &want, "records that have the member");
    assert_eq!(
        own.stderr
            .matches("--add-field: a record already has a member 'id'")
            .count(),
        1,
        "{}",
        own.stderr
    );
}

#[test]
fn tags_do_not_change_what_the_state_remembers() {
    let emu = Emulator::start(&["--records", "200"]);
    let want = truth(&emu, "directoryAudits");
    let dir = tempfile::tempdir().unwrap();
    let (state, output) = (dir.path().join("a.state"), dir.path().join("a.ndjson"));
    let run = |tag: &[&str]| {
        fetch(&emu)
            .args(["directoryAudits", "--since", "30d", "--state"])
            .arg(&state)
            .arg("--output")
            .arg(&output)
            .args(tag)
            .success()
    };
    run(&[]);
    // The same records again, now tagged: already emitted, so nothing is written.
    run(&["--add-field", "tenantId=t-1"]);
    let text = std::fs::read_to_string(&output).unwrap();
    let got: Vec<String> = text.lines().map(str::to_string).collect();
    assert_same_records(&got, &want, "two runs, the second tagged");
}

#[test]
fn tag_flags_that_cannot_work_are_usage_errors() {
    let emu = Emulator::start(&["--records", "10"]);
    for (args, message) in [
        (
            &["--add-field", "tenantId"][..],
            "'tenantId' is not NAME=VALUE",
        ),
        (&["--add-field", "=x"], "'=x' has no NAME before '='"),
        (
            &["--add-field", "a=1", "--add-field", "a=2"],
            "--add-field names 'a' twice; a record can hold it once",
        ),
        (
            &["--add-field", "a=1", "--pages"],
            "--add-field adds a member to each record; --pages writes whole pages",
        ),
    ] {
        let out = fetch(&emu)
            .args(["directoryAudits", "--since", "1d"])
            .args(args)
            .run();
        out.assert_code(2);
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn metrics_count_what_the_service_saw() {
    let emu = Emulator::start(&[
        "--records",
        "300",
        "--throttle-every",
        "3",
        "--retry-after",
        "0",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("m.prom");
    let out = fetch(&emu)
        .args([
            "directoryAudits",
            "--since",
            "30d",
            "--page-size",
            "40",
            "--state",
        ])
        .arg(dir.path().join("a.state"))
        .arg("--metrics")
        .arg(&metrics)
        .arg("--summary")
        .success();
    let seen = requests(&emu, "/auditLogs/directoryAudits");
    let answered = |status: u64| seen.iter().filter(|r| r["status"] == status).count() as f64;
    let text = std::fs::read_to_string(&metrics).unwrap();
    let s = samples(&text);
    let records = lines(&out).len() as f64;
    assert_eq!(records, truth(&emu, "directoryAudits").len() as f64);
    assert!(answered(429) >= 2.0, "{seen:?}");
    assert_eq!(value(&s, "aad_fetch_records"), records);
    assert_eq!(value(&s, "aad_fetch_requests"), seen.len() as f64);
    assert_eq!(value(&s, "aad_fetch_pages"), answered(200));
    assert_eq!(value(&s, "aad_fetch_throttled_responses"), answered(429));
    assert_eq!(value(&s, "aad_fetch_retries"), answered(429));
    assert_eq!(value(&s, "aad_fetch_exit_status"), 0.0);
    let ended = value(&s, "aad_fetch_last_run_timestamp_seconds");
    let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    assert!(ended <= now && ended > now - 60.0, "{ended} vs {now}");
    assert_eq!(value(&s, "aad_fetch_last_success_timestamp_seconds"), ended);
    // The window ended --lag (10m) before the start, so the checkpoint is that far back.
    let lag = value(&s, "aad_fetch_checkpoint_lag_seconds");
    let took = value(&s, "aad_fetch_duration_seconds");
    assert!((600.0..=600.0 + took + 1.0).contains(&lag), "{lag}, {took}");
    let labels = format!(
        "{{report=\"directoryAudits\",tenant=\"{}\"}}",
        emu.export("AZURE_TENANT_ID")
    );
    assert!(s.values().all(|(l, _)| *l == labels), "{text}");
    assert_eq!(s.len(), 11, "{text}");
    for name in s.keys() {
        assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        assert!(text.contains(&format!("# TYPE {name} gauge\n")), "{name}");
    }
    promtool_accepts(&metrics);

    let line = summary(&out);
    assert_eq!(line["report"], "directoryAudits");
    assert_eq!(line["tenant"], emu.export("AZURE_TENANT_ID"));
    for (field, metric) in [
        ("records", "aad_fetch_records"),
        ("pages", "aad_fetch_pages"),
        ("requests", "aad_fetch_requests"),
        ("throttled_responses", "aad_fetch_throttled_responses"),
        ("retries", "aad_fetch_retries"),
        ("received_bytes", "aad_fetch_received_bytes"),
        ("exit_status", "aad_fetch_exit_status"),
        ("duration_seconds", "aad_fetch_duration_seconds"),
        ("checkpoint_lag_seconds", "aad_fetch_checkpoint_lag_seconds"),
    ] {
        assert_eq!(line[field].as_f64(), Some(value(&s, metric)), "{field}");
    }
    assert_eq!(line["finished"], line["last_success"]);
    let finished = chrono::DateTime::parse_from_rfc3339(line["finished"].as_str().unwrap());
    assert_eq!(finished.unwrap().timestamp(), ended.floor() as i64);
}

#[test]
fn received_bytes_are_the_pages_bytes() {
    let emu = Emulator::start(&["--records", "150"]);
    let dir = tempfile::tempdir().unwrap();
    let (pages, metrics) = (dir.path().join("pages"), dir.path().join("m.prom"));
    fetch(&emu)
        .args([
            "signIns",
            "--since",
            "30d",
            "--page-size",
            "60",
            "--save-pages",
        ])
        .arg(&pages)
        .arg("--metrics")
        .arg(&metrics)
        .success();
    let saved: Vec<u64> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    let s = samples(&std::fs::read_to_string(&metrics).unwrap());
    assert_eq!(value(&s, "aad_fetch_pages"), saved.len() as f64);
    assert_eq!(
        value(&s, "aad_fetch_received_bytes"),
        saved.iter().sum::<u64>() as f64
    );
    assert!(
        !s.contains_key("aad_fetch_checkpoint_lag_seconds"),
        "no --state"
    );
}

#[test]
fn a_failed_run_reports_its_status_and_keeps_the_last_success() {
    let emu = Emulator::start(&["--records", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("m.prom");
    let fetch_with = |args: &[&str]| {
        fetch(&emu)
            .args(["directoryAudits", "--since", "1d", "--metrics"])
            .arg(&metrics)
            .args(args)
            .run()
    };
    fetch_with(&[]).assert_code(0);
    let s = samples(&std::fs::read_to_string(&metrics).unwrap());
    let succeeded = value(&s, "aad_fetch_last_success_timestamp_seconds");
    assert_eq!(succeeded, value(&s, "aad_fetch_last_run_timestamp_seconds"));

    // A token the API refuses (exit 3), a filter it refuses (exit 4), a usage error
    // found after the command line was read (exit 2).
    let before = requests(&emu, "/auditLogs/directoryAudits").len();
    let cases: [(&[&str], u8, f64); 3] = [
        (&["--summary"], 3, 1.0),
        (&["--filter", "nosuchfield eq 1"], 4, 1.0),
        (&["--slice", "sometimes"], 2, 0.0),
    ];
    let mut sent = 0.0;
    for (args, code, requests_sent) in cases {
        let mut tool = fetch(&emu)
            .args(["directoryAudits", "--since", "1d", "--metrics"])
            .arg(&metrics)
            .args(args);
        if code == 3 {
            tool = tool.env("AAD_ACCESS_TOKEN", "not-a-token-the-service-knows");
        }
        let out = tool.run();
        out.assert_code(i32::from(code));
        let text = std::fs::read_to_string(&metrics).unwrap();
        let s = samples(&text);
        assert_eq!(
            value(&s, "aad_fetch_exit_status"),
            f64::from(code),
            "{text}"
        );
        assert_eq!(value(&s, "aad_fetch_records"), 0.0);
        assert_eq!(value(&s, "aad_fetch_requests"), requests_sent, "{text}");
        assert_eq!(
            value(&s, "aad_fetch_last_success_timestamp_seconds"),
            succeeded
        );
        assert!(value(&s, "aad_fetch_last_run_timestamp_seconds") >= succeeded);
        // No token tenant (3) or none yet (2): AZURE_TENANT_ID names it.
        let tenant = format!("tenant=\"{}\"", emu.export("AZURE_TENANT_ID"));
        assert!(s.values().all(|(l, _)| l.contains(&tenant)), "{text}");
        promtool_accepts(&metrics);
        if code == 3 {
            let line = summary(&out);
            assert_eq!(line["exit_status"], 3);
            assert_eq!(line["requests"], 1);
            assert!(line["checkpoint_lag_seconds"].is_null());
            assert_eq!(
                chrono::DateTime::parse_from_rfc3339(line["last_success"].as_str().unwrap())
                    .unwrap()
                    .timestamp(),
                succeeded.floor() as i64
            );
            assert!(
                out.stderr.starts_with("{\""),
                "the summary comes first: {}",
                out.stderr
            );
            assert!(out.stderr.contains("aad-fetch: error: "), "{}", out.stderr);
        }
        sent += requests_sent;
    }
    let after = requests(&emu, "/auditLogs/directoryAudits").len();
    assert_eq!((after - before) as f64, sent);
}

#[test]
fn label_values_are_escaped_and_a_metrics_file_that_cannot_be_written_only_warns() {
    let emu = Emulator::start(&["--records", "20"]);
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("m.prom");
    let out = fetch(&emu)
        .env("AAD_ACCESS_TOKEN", "not-a-token-the-service-knows")
        .args(["directoryAudits", "--since", "1d", "--metrics"])
        .arg(&metrics)
        .args(["--add-field", "tenantId=a\"b\\c\nd"])
        .run();
    out.assert_code(3);
    let text = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        text.contains(
            "aad_fetch_exit_status{report=\"directoryAudits\",tenant=\"a\\\"b\\\\c\\nd\"} 3\n"
        ),
        "{text}"
    );
    promtool_accepts(&metrics);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");

    let out = fetch(&emu)
        .args(["directoryAudits", "--since", "1d", "--metrics"])
        .arg(dir.path().join("no-such-dir/m.prom"))
        .run();
    out.assert_code(0);
    let warning: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(warning.len(), 1, "{}", out.stderr);
    assert!(
        warning[0].starts_with("aad-fetch: warning: the metrics were not written: cannot write "),
        "{}",
        out.stderr
    );
}
