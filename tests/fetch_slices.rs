//! How aad-fetch cuts the window and follows chains: a small pull costs as many requests
//! as pages, parts the service times out on are halved and the span that worked is
//! remembered, families are made lazily, flags out of range are usage errors, and a next
//! link that repeats ends the run instead of looping.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fetch::{assert_same_records, fetch, lines, requests, token, truth};
use crate::fetch_state::page_server;
use crate::util::{Emulator, tool};

#[test]
fn a_30_day_pull_of_a_quiet_tenant_takes_as_many_requests_as_pages() {
    let emu = Emulator::start(&["--records", "2000", "--rate-limit", "5/10s"]);
    let started = Instant::now();
    // The default --rate and --slice.
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .env("AAD_ACCESS_TOKEN", token(&emu))
        .args(["directoryAudits", "--since", "30d"])
        .success();
    let took = started.elapsed();
    assert_same_records(&lines(&out), &truth(&emu, "directoryAudits"), "30 days");
    let statuses: Vec<u64> = requests(&emu, "directoryAudits")
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200, 200], "two pages, two requests, no 429");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn parts_that_time_out_are_halved_and_the_span_that_worked_is_remembered() {
    let emu = Emulator::start(&["--records", "700", "--max-window", "1d"]);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.state");
    let run = || {
        fetch(&emu)
            .args(["directoryAudits", "--since", "8d", "--lag", "0s", "--state"])
            .arg(&state)
            .success()
    };
    let first = run();
    assert_same_records(&lines(&first), &truth(&emu, "directoryAudits"), "halved");
    let asked = requests(&emu, "directoryAudits");
    let timeouts = asked.iter().filter(|r| r["status"] == 504).count();
    // 8 days, halved three times to a day (8, 4 and 2 days time out).
    assert_eq!(timeouts, 3 * 3, "three timeouts a halving");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let span = doc["span"].as_str().unwrap();
    let seconds = aad_common::time::parse_duration(span).unwrap().as_secs();
    assert_eq!(seconds, 86_400, "the span that worked: {span}");
    // Pages of the newest part come first: the output is newest first.
    let times: Vec<String> = lines(&first)
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["activityDateTime"].to_string())
        .collect();
    assert!(times.windows(2).all(|p| p[0] >= p[1]), "newest first");

    // A week later (the checkpoint moved back), the remembered span costs no timeout.
    let mut doc = doc;
    let week_ago = chrono::Utc::now() - chrono::TimeDelta::days(7);
    doc["checkpoint"] = aad_common::time::graph_time(week_ago).into();
    std::fs::write(&state, doc.to_string()).unwrap();
    let before = asked.len();
    run();
    let again = requests(&emu, "directoryAudits").split_off(before);
    assert!(again.iter().all(|r| r["status"] == 200), "{again:?}");
}

#[test]
fn a_billion_one_minute_slices_start_at_once() {
    let emu = Emulator::start(&["--records", "10"]);
    let mut child = fetch(&emu)
        .args(["directoryAudits", "--since", "0001-01-01", "--slice", "1m"])
        .spawn();
    let deadline = Instant::now() + Duration::from_secs(10);
    while requests(&emu, "directoryAudits").is_empty() {
        assert!(Instant::now() < deadline, "no request within 10 s");
        std::thread::yield_now();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let first = requests(&emu, "directoryAudits");
    assert!(
        first[0]["query"].as_str().unwrap().contains(
            "activityDateTime%20ge%200001-01-01T00:00:00.0000000Z%20and%20activityDateTime%20lt%200001-01-01T00:01:00.0000000Z"
        ),
        "{first:?}"
    );
}

#[test]
fn flags_out_of_range_are_one_line_usage_errors() {
    for args in [
        &["--since", "20000000w"][..],
        &["--since", "1d", "--slice", "99999999w"],
        &["--state", "s", "--lag", "99999999w"],
        &["--state", "s", "--overlap", "99999999w"],
        &["--top", "0"],
        &["--page-size", "0"],
        &["--rate", "0/10s"],
        &["--retry-for", "99999999999w"],
        &["--timeout", "0s"],
        &["--timeout", "9999999999w"],
    ] {
        let out = tool("aad-fetch")
            .env("AAD_ACCESS_TOKEN", "any-token")
            .arg("directoryAudits")
            .args(args)
            .run();
        out.assert_code(2);
        let mut stderr = out.stderr.lines();
        let first = stderr.next().unwrap_or_default();
        assert!(
            first.starts_with("aad-fetch: error: ") && first.contains(args[args.len() - 2]),
            "{args:?}: {}",
            out.describe()
        );
        assert!(
            stderr.all(|l| l.starts_with("hint: ")),
            "{args:?}: {}",
            out.describe()
        );
    }
}

#[test]
fn a_next_link_that_repeats_ends_the_run_with_status_6() {
    let page = |next: &str, n: u32| json!({"body": format!(r#"{{"@odata.nextLink":"{next}","value":[{{"n":{n}}}]}}"#)});
    // aad-fetch asks for the first page with its $top; the links name it exactly.
    let a = "{base}/a?$top=1000";
    for (name, script) in [
        ("A -> A", json!({"/a": page(a, 1)})),
        (
            "A -> B -> A",
            json!({"/a": page("{base}/b", 1), "/b": page(a, 2)}),
        ),
        ("an empty link", json!({"/a": page("", 1)})),
        (
            "a link after the records",
            json!({"/a": {"body": r#"{"value":[{"n":1}],"@odata.nextLink":"{base}/a?$top=1000"}"#}}),
        ),
    ] {
        let (mut server, base, _dir) = page_server(&script);
        let out = tool("aad-fetch")
            .env("AAD_ACCESS_TOKEN", "any-token")
            .args([&format!("{base}/a"), "--rate", "off"])
            .run();
        let (_, count) =
            crate::util::http_get(&format!("{base}/_count?path=%2Fa%3F%24top%3D1000"), &[]);
        server.kill().unwrap();
        server.wait().unwrap();
        out.assert_code(6);
        assert!(
            out.stderr
                .contains("sent a next link that repeats a page of this chain"),
            "{name}: {}",
            out.describe()
        );
        let want = if name == "A -> B -> A" {
            "{\"n\":1}\n{\"n\":2}\n"
        } else {
            "{\"n\":1}\n"
        };
        assert_eq!(out.stdout_text(), want, "{name}: each page once");
        assert_eq!(count, "1", "{name}: /a asked for once");
    }
}

#[test]
fn time_windows_are_half_open_and_sliced() {
    let emu = Emulator::start(&[
        "--records",
        "300",
        "--days",
        "3",
        "--now",
        "2026-01-10T00:00:00Z",
    ]);
    let all = truth(&emu, "directoryAudits");
    let time = |l: &String| {
        serde_json::from_str::<Value>(l).unwrap()["activityDateTime"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let want: Vec<String> = all
        .iter()
        .filter(|l| {
            time(l).as_str() >= "2026-01-08T00:00:00.0000000Z"
                && time(l).as_str() < "2026-01-09T12:00:00.0000000Z"
        })
        .cloned()
        .collect();
    let out = fetch(&emu)
        .args([
            "directoryAudits",
            "--since",
            "2026-01-08",
            "--until",
            "2026-01-09T12:00:00Z",
            "--slice",
            "6h",
            "--page-size",
            "20",
        ])
        .success();
    assert_same_records(&lines(&out), &want, "window");
    let got_times: Vec<String> = lines(&out).iter().map(time).collect();
    // Slices oldest first: the first record of the output is in the oldest slice.
    assert!(
        got_times[0].as_str() < "2026-01-08T06:00:00",
        "{}",
        got_times[0]
    );
    let first_pages: Vec<String> = requests(&emu, "directoryAudits")
        .iter()
        .filter(|r| !r["query"].as_str().unwrap().contains("skiptoken"))
        .map(|r| r["query"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        first_pages.len(),
        6,
        "36 hours in 6-hour slices: {first_pages:?}"
    );
    assert!(first_pages[0].contains("activityDateTime%20ge%202026-01-08T00:00:00.0000000Z%20and%20activityDateTime%20lt%202026-01-08T06:00:00.0000000Z"), "{}", first_pages[0]);
}

#[test]
fn slices_that_keep_timing_out_are_halved() {
    let emu = Emulator::start(&[
        "--records",
        "200",
        "--days",
        "1",
        "--now",
        "2026-01-02T00:00:00Z",
        "--max-window",
        "7h",
    ]);
    let out = fetch(&emu)
        .args([
            "directoryAudits",
            "--since",
            "2026-01-01",
            "--until",
            "2026-01-02",
            "--slice",
            "1d",
            "--page-size",
            "50",
        ])
        .success();
    assert_same_records(
        &lines(&out),
        &truth(&emu, "directoryAudits"),
        "halved slices",
    );
    let ok_windows = requests(&emu, "directoryAudits")
        .iter()
        .filter(|r| r["status"] == 200)
        .count();
    assert!(
        ok_windows >= 4,
        "the day was fetched as quarters or smaller"
    );
}
