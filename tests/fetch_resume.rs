//! aad-fetch going on where a run stopped: a killed backfill resumes at its next page, a
//! saved link the service refuses falls back to the frontier and the output stays exact,
//! and a state file is bound to its query, not to the host name that served it.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fetch::{assert_same_records, fetch, lines, requests, truth};
use crate::util::{Emulator, Tool};

fn file_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The state after a run that ended: one snapshot line.
fn snapshot(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.lines().count(), 1, "a finished run compacts: {text}");
    serde_json::from_str(&text).unwrap()
}

fn query(request: &Value) -> &str {
    request["query"].as_str().unwrap()
}

fn backfill(t: Tool, state: &Path, output: &Path) -> Tool {
    t.args([
        "directoryAudits",
        "--since",
        "8d",
        "--lag",
        "0s",
        "--page-size",
        "10",
        "--state",
    ])
    .arg(state)
    .arg("--output")
    .arg(output)
}

#[test]
fn a_backfill_killed_at_page_120_goes_on_at_its_next_page() {
    let emu = Emulator::start(&["--records", "2000", "--latency-ms", "10"]);
    let dir = tempfile::tempdir().unwrap();
    let (state, output) = (dir.path().join("s.state"), dir.path().join("out.ndjson"));
    let want = truth(&emu, "directoryAudits");
    // The family is one chain of 200 pages, newest first, as the truth lists them.
    let page_120: u64 = want[..1200].iter().map(|l| l.len() as u64 + 1).sum();
    let mut child = backfill(fetch(&emu), &state, &output).spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&output).map_or(0, |m| m.len()) < page_120 {
        assert!(Instant::now() < deadline, "page 120 never came");
        std::thread::yield_now();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let first = requests(&emu, "directoryAudits");
    assert!(
        (120..190).contains(&first.len()),
        "killed after page 120: {} requests",
        first.len()
    );

    backfill(fetch(&emu), &state, &output).success();
    let all = requests(&emu, "directoryAudits");
    let second = &all[first.len()..];
    // The pages written before the kill are not asked for again (the last two requests
    // of the first run were in flight and may not have been recorded).
    let done: HashSet<&str> = first[..first.len() - 2].iter().map(query).collect();
    let again: Vec<&str> = second
        .iter()
        .map(query)
        .filter(|q| done.contains(q))
        .collect();
    assert!(again.is_empty(), "asked again: {again:?}");
    assert!(
        query(&second[0]).contains("skiptoken"),
        "{}",
        query(&second[0])
    );
    assert!(all.len() <= 205, "about one request a page: {}", all.len());
    assert_same_records(&file_lines(&output), &want, "killed and resumed");
}

#[test]
fn a_saved_link_the_service_refuses_falls_back_to_the_frontier_exactly() {
    for edit in ["an unknown skip token", "not a link", "none saved"] {
        let emu = Emulator::start(&["--records", "300"]);
        let dir = tempfile::tempdir().unwrap();
        let (state, output) = (dir.path().join("s.state"), dir.path().join("out.ndjson"));
        // Stopped by --top inside page 5: the state goes on just after the frontier.
        backfill(fetch(&emu), &state, &output)
            .args(["--top", "45"])
            .success();
        assert_eq!(file_lines(&output).len(), 45);
        let mut doc = snapshot(&state);
        assert_eq!(doc["chain"]["next"], Value::Null, "{doc}");
        assert!(doc["chain"]["frontier"].is_string(), "{doc}");
        let refused = format!(
            "{}/v1.0/auditLogs/directoryAudits?$top=10&$skiptoken=bm90IGEgdG9rZW4",
            emu.base_url
        );
        match edit {
            "an unknown skip token" => doc["chain"]["next"] = refused.clone().into(),
            "not a link" => doc["chain"]["next"] = "::garbage::".into(),
            _ => {}
        }
        std::fs::write(&state, doc.to_string()).unwrap();
        let first = requests(&emu, "directoryAudits");
        backfill(fetch(&emu), &state, &output).success();
        let second: Vec<Value> = requests(&emu, "directoryAudits").split_off(first.len());
        assert_same_records(&file_lines(&output), &truth(&emu, "directoryAudits"), edit);
        if edit == "an unknown skip token" {
            assert_eq!(second[0]["status"], 400, "{edit}: {:?}", second[0]);
            assert!(query(&second[0]).ends_with("bm90IGEgdG9rZW4"));
        }
        // Then the rest of the family, from just after the frontier, not from page 1.
        let restart = second.iter().find(|r| r["status"] == 200).unwrap();
        assert!(
            !query(restart).contains("skiptoken") && query(restart) != query(&first[0]),
            "{edit}: {restart}"
        );
        assert!(
            second.len() <= 30 - 4 + 2,
            "{edit}: {} requests",
            second.len()
        );
    }
}

#[test]
fn the_state_belongs_to_the_query_not_the_host_and_makes_its_directories() {
    let emu = Emulator::start(&["--records", "200"]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("newdir/x.state");
    let output = dir.path().join("out/sub/o.ndjson");
    // --top 50 ends with page 5: the state saves the link of page 6.
    let on = |host: &str| {
        let url = emu.base_url.replace("127.0.0.1", host);
        backfill(fetch(&emu).env("AAD_GRAPH_URL", url), &state, &output)
    };
    on("127.0.0.1").args(["--top", "50"]).success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("newdir"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    }
    let doc = snapshot(&state);
    let saved = doc["chain"]["next"].as_str().unwrap().to_string();
    assert!(saved.starts_with("http://127.0.0.1:"), "{saved}");
    assert_eq!(doc["query"]["path"], "/v1.0/auditLogs/directoryAudits");
    let before = requests(&emu, "directoryAudits").len();
    on("localhost").success().assert_quiet();
    let second = requests(&emu, "directoryAudits").split_off(before);
    let token = saved.rsplit_once("$skiptoken=").unwrap().1;
    assert!(
        query(&second[0]).ends_with(token),
        "page 6 first: {:?}",
        second[0]
    );
    assert_same_records(
        &file_lines(&output),
        &truth(&emu, "directoryAudits"),
        "127.0.0.1, then localhost",
    );
    // Another query is refused, naming both.
    let out = fetch(&emu).args(["signIns", "--state"]).arg(&state).run();
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("was made for /v1.0/auditLogs/directoryAudits")
            && out
                .stderr
                .contains("this run asks for /v1.0/auditLogs/signIns"),
        "{}",
        out.describe()
    );
}

#[test]
fn a_state_of_version_1_is_read_and_rewritten_as_version_2() {
    let emu = Emulator::start(&["--records", "2000"]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("old.state");
    let want = truth(&emu, "directoryAudits");
    let newest: Value = serde_json::from_str(&want[0]).unwrap();
    // As version 1 wrote it: the query with another host, an entry for the newest record.
    let checkpoint = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    let old = serde_json::json!({
        "version": 1,
        "query": "http://127.0.0.1:1/v1.0/auditLogs/directoryAudits",
        "checkpoint": aad_common::time::graph_time(checkpoint),
        "emitted": [{"id": newest["id"], "hash": "0123456789abcdef", "time": newest["activityDateTime"]}],
    });
    std::fs::write(&state, old.to_string()).unwrap();
    let out = fetch(&emu)
        .args(["directoryAudits", "--dedup", "id", "--lag", "0s", "--state"])
        .arg(&state)
        .success();
    // The window is the last three hours: the newest record is in it, and skipped.
    let printed = lines(&out);
    assert!(printed.len() > 10, "{} records", printed.len());
    assert!(
        !printed
            .iter()
            .any(|l| l.contains(newest["id"].as_str().unwrap())),
        "already emitted"
    );
    let doc = snapshot(&state);
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["query"]["path"], "/v1.0/auditLogs/directoryAudits");
}
