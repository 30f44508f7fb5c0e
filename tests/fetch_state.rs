//! aad-fetch's promises about what it writes: no record dropped for looking like
//! another, exactly once with `--output` and at least once on stdout however a run is
//! killed, an output file cut back only by the state that wrote it, one run at a time
//! on a state file, and a state that cannot be right refused instead of quietly
//! fetching nothing.

use std::collections::HashSet;
use std::io::{BufReader, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fetch::{assert_same_records, fetch, lines, multiset, requests, truth};
use crate::util::{Emulator, Output, Tool, python_server, tool};

/// Starts `tests/fixtures/page_server.py` with a script (path → answer); returns it, its
/// base URL and the directory holding the script. `{base}` in a body is the server's URL.
pub(crate) fn page_server(script: &Value) -> (std::process::Child, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.json");
    std::fs::write(&file, script.to_string()).unwrap();
    let (child, url) = python_server("page_server.py", &[file.as_os_str()]);
    (child, url, dir)
}

fn incremental(emu: &Emulator, report: &str, state: &Path, output: &Path) -> Output {
    fetch(emu)
        .args([report, "--since", "7d", "--state"])
        .arg(state)
        .arg("--output")
        .arg(output)
        .run()
}

#[test]
fn records_with_equal_content_are_all_written_without_dedup() {
    let emu = Emulator::start(&["--records", "300"]);
    let narrow = [
        "directoryAudits",
        "--select",
        "activityDisplayName,result",
        "--slice",
        "none",
    ];
    let pages = fetch(&emu).args(narrow).arg("--pages").success();
    let listed: usize = lines(&pages)
        .iter()
        .map(|p| {
            serde_json::from_str::<Value>(p).unwrap()["value"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(listed, truth(&emu, "directoryAudits").len());
    for dedup in [&["--dedup", "none"][..], &[]] {
        let out = fetch(&emu).args(narrow).args(dedup).success();
        let records = lines(&out);
        assert_eq!(records.len(), listed, "{dedup:?}");
        let distinct: HashSet<&String> = records.iter().collect();
        assert!(
            distinct.len() < records.len() / 2,
            "the selection makes many records equal"
        );
    }
}

#[test]
fn equal_records_of_one_page_are_all_written() {
    let (mut server, base, _dir) = page_server(&serde_json::json!({
        "/r": {"body": "{\"value\":[{},{},{\"a\":1},{\"a\":1}]}"}
    }));
    let out = tool("aad-fetch")
        .env("AAD_ACCESS_TOKEN", "any-token")
        .args([&format!("{base}/r"), "--rate", "off"])
        .run();
    server.kill().unwrap();
    server.wait().unwrap();
    out.assert_code(0);
    assert_eq!(out.stdout_text(), "{}\n{}\n{\"a\":1}\n{\"a\":1}\n");
}

#[test]
fn two_states_cannot_share_one_output_file() {
    let emu = Emulator::start(&["--records", "120"]);
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("all.ndjson");
    let audits = dir.path().join("directoryAudits.state");
    let signins = dir.path().join("signIns.state");
    incremental(&emu, "directoryAudits", &audits, &output).assert_code(0);
    let after_first = std::fs::read(&output).unwrap();
    let refused = incremental(&emu, "signIns", &signins, &output);
    refused.assert_code(7);
    let message = refused.stderr.lines().next().unwrap_or_default();
    assert!(
        message.starts_with("aad-fetch: error: '")
            && message.contains("all.ndjson' is written by the state file '")
            && message.contains("directoryAudits.state'"),
        "{}",
        refused.describe()
    );
    assert!(
        refused
            .stderr
            .contains("hint: give each --state its own --output file")
    );
    assert_eq!(
        std::fs::read(&output).unwrap(),
        after_first,
        "nothing written or cut"
    );
    // The owner goes on as before, and the file holds each audit exactly once.
    incremental(&emu, "directoryAudits", &audits, &output).assert_code(0);
    let got: Vec<String> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_same_records(&got, &truth(&emu, "directoryAudits"), "owner's file");
    // A run without --state may not append to it either: the owner would cut it back.
    let stateless = fetch(&emu).args(["signIns", "--output"]).arg(&output).run();
    stateless.assert_code(7);
    assert!(
        stateless.stderr.contains("not by a --state run"),
        "{}",
        stateless.describe()
    );
    // A state for a file of its own works.
    incremental(
        &emu,
        "signIns",
        &signins,
        &dir.path().join("signins.ndjson"),
    )
    .assert_code(0);
}

#[test]
fn a_replaced_output_file_is_never_cut() {
    let emu = Emulator::start(&["--records", "60"]);
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.ndjson");
    let state = dir.path().join("s.state");
    incremental(&emu, "directoryAudits", &state, &output).assert_code(0);
    let length = std::fs::metadata(&output).unwrap().len() as usize;
    // Rotated, and something else wrote more than the state recorded into the new file.
    let other = format!("{}\n", "x".repeat(length + 100));
    std::fs::write(&output, &other).unwrap();
    let out = incremental(&emu, "directoryAudits", &state, &output);
    out.assert_code(0);
    assert!(
        out.stderr.contains("is not the file the state recorded"),
        "{}",
        out.describe()
    );
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        other,
        "kept whole; nothing new to write"
    );
}

#[test]
fn a_checkpoint_in_the_future_or_not_a_time_is_refused() {
    let emu = Emulator::start(&["--records", "10"]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.state");
    let output = dir.path().join("out.ndjson");
    incremental(&emu, "directoryAudits", &state, &output).assert_code(0);
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    for (checkpoint, says) in [
        ("2999-01-01T00:00:00.0000000Z", "lies in the future"),
        ("not a time", "is not a time"),
    ] {
        doc["checkpoint"] = checkpoint.into();
        std::fs::write(&state, doc.to_string()).unwrap();
        for quiet in [false, true] {
            let mut run = fetch(&emu).args(["directoryAudits", "--state"]).arg(&state);
            if quiet {
                run = run.arg("-q");
            }
            let out = run.run();
            out.assert_code(7);
            assert!(
                out.stderr.contains(says) && out.stderr.contains("hint:"),
                "{}",
                out.describe()
            );
        }
    }
}

#[test]
fn state_and_output_give_each_version_exactly_once_against_a_live_service() {
    let emu = Emulator::start(&[
        "--records",
        "0",
        "--live",
        "25",
        "--max-delay",
        "2s",
        "--republish-fraction",
        "0.3",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("audits.state");
    let output = dir.path().join("audits.ndjson");
    let run = || {
        fetch(&emu)
            .args([
                "directoryAudits",
                "--since",
                "2m",
                "--lag",
                "5s",
                "--overlap",
                "10s",
                "--state",
            ])
            .arg(&state)
            .arg("--output")
            .arg(&output)
            .success()
    };
    let deadline = Instant::now() + Duration::from_secs(12);
    let mut runs = 0;
    while Instant::now() < deadline || runs < 3 {
        run().assert_quiet();
        runs += 1;
    }
    let doc: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let until = doc["checkpoint"].as_str().unwrap().to_string();
    let want: Vec<String> = truth(&emu, "directoryAudits")
        .into_iter()
        .filter(|l| {
            serde_json::from_str::<Value>(l).unwrap()["activityDateTime"]
                .as_str()
                .unwrap()
                < until.as_str()
        })
        .collect();
    let got: Vec<String> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(want.len() > 100, "enough events: {}", want.len());
    let ids: HashSet<String> = want
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(ids.len() < want.len(), "some events were republished");
    assert_same_records(&got, &want, &format!("after {runs} runs"));
}

#[test]
fn kill_9_at_any_moment_loses_and_repeats_nothing_with_output() {
    let emu = Emulator::start(&["--records", "600", "--latency-ms", "15"]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json");
    let output = dir.path().join("out.ndjson");
    let args = |t: Tool| {
        t.args([
            "directoryAudits",
            "--since",
            "8d",
            "--lag",
            "0s",
            "--page-size",
            "20",
            "--slice",
            "2d",
            "--state",
        ])
        .arg(&state)
        .arg("--output")
        .arg(&output)
    };
    for (i, delay_ms) in [40u64, 120, 0, 260, 75, 400].iter().enumerate() {
        let mut child = args(fetch(&emu)).spawn();
        if *delay_ms == 0 {
            // Right after a page was written: wait until the file grows, then kill.
            let before = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
            let until = Instant::now() + Duration::from_secs(10);
            while std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0) == before
                && Instant::now() < until
            {
                std::thread::yield_now();
            }
        } else {
            std::thread::sleep(Duration::from_millis(*delay_ms));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(i < 10);
    }
    args(fetch(&emu)).success();
    let got: Vec<String> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_same_records(
        &got,
        &truth(&emu, "directoryAudits"),
        "after six kills and a final run",
    );
}

#[test]
fn kill_9_on_stdout_repeats_at_most_one_page() {
    let emu = Emulator::start(&["--records", "300", "--latency-ms", "15"]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json");
    let run = || {
        fetch(&emu)
            .args(["directoryAudits", "--since", "8d", "--page-size", "20"])
            .arg("--state")
            .arg(&state)
    };
    let mut collected: Vec<String> = Vec::new();
    let mut kills = 0;
    for delay_ms in [60u64, 150, 90] {
        let mut child = run().spawn();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stdout).read_to_string(&mut text);
            text
        });
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        collected.extend(reader.join().unwrap().lines().map(str::to_string));
    }
    let last = run().success();
    collected.extend(lines(&last));
    let want: HashSet<String> = truth(&emu, "directoryAudits").into_iter().collect();
    let got = multiset(collected.iter().cloned());
    assert_eq!(
        got.keys().cloned().collect::<HashSet<_>>(),
        want,
        "nothing lost"
    );
    let repeats: usize = got.values().map(|n| n - 1).sum();
    assert!(
        repeats <= 20 * kills,
        "at most one page repeated per kill: {repeats}"
    );
}

#[test]
fn a_second_run_on_the_same_state_file_refuses() {
    let emu = Emulator::start(&["--records", "200", "--latency-ms", "200"]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.json");
    let mut first = fetch(&emu)
        .args([
            "directoryAudits",
            "--since",
            "8d",
            "--page-size",
            "10",
            "--state",
        ])
        .arg(&state)
        .spawn();
    // The first run holds the lock once it has made its first request.
    let until = Instant::now() + Duration::from_secs(10);
    while requests(&emu, "directoryAudits").is_empty() && Instant::now() < until {
        std::thread::yield_now();
    }
    let second = fetch(&emu)
        .args(["directoryAudits", "--since", "8d", "--state"])
        .arg(&state)
        .run();
    let holder = first.id();
    first.kill().unwrap();
    first.wait().unwrap();
    second.assert_code(7);
    assert!(
        second.stderr.contains(&format!(
            "another aad-fetch run (pid {holder}) is using the state file"
        )),
        "{}",
        second.describe()
    );
}
