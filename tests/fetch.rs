//! aad-fetch end to end against the emulator: exact record sets, paging shapes,
//! faults, pacing, refusals, incremental state, kills.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Emulator, Output, Tool, http_post_form, tool};

/// A token the emulator accepts for both APIs (its own base URL as the resource).
pub(crate) fn token(emu: &Emulator) -> String {
    token_for(emu, emu.export("AZURE_CLIENT_ID"))
}

fn token_for(emu: &Emulator, client: &str) -> String {
    let secret = std::fs::read_to_string(emu.export("AAD_CLIENT_SECRET_FILE")).unwrap();
    let (status, body) = http_post_form(
        &format!(
            "{}/{}/oauth2/v2.0/token",
            emu.base_url,
            emu.export("AZURE_TENANT_ID")
        ),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", &secret),
            ("scope", &format!("{}/.default", emu.base_url)),
        ],
        &[],
    );
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// aad-fetch pointed at the emulator, with a token in AAD_ACCESS_TOKEN and no pacing.
pub(crate) fn fetch(emu: &Emulator) -> Tool {
    tool("aad-fetch")
        .emulator_env(emu)
        .env("AAD_ACCESS_TOKEN", token(emu))
        .args(["--rate", "off"])
}

pub(crate) fn truth(emu: &Emulator, report: &str) -> Vec<String> {
    let (status, body) = emu.get(&format!("/_emulator/truth?report={report}"));
    assert_eq!(status, 200);
    body.lines().map(str::to_string).collect()
}

/// Lines as a sorted multiset, for order-insensitive exact comparison.
pub(crate) fn multiset(lines: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry(l).or_insert(0) += 1;
    }
    m
}

pub(crate) fn lines(out: &Output) -> Vec<String> {
    out.stdout_text().lines().map(str::to_string).collect()
}

/// Asserts two record sets are equal, describing the difference briefly when not.
pub(crate) fn assert_same_records(got: &[String], want: &[String], what: &str) {
    let (g, w) = (
        multiset(got.iter().cloned()),
        multiset(want.iter().cloned()),
    );
    if g != w {
        let extra = g.iter().filter(|(k, n)| w.get(*k) != Some(n)).count();
        let missing = w.iter().filter(|(k, n)| g.get(*k) != Some(n)).count();
        panic!(
            "{what}: got {} lines, want {}; {extra} differ or repeat, {missing} missing or repeated",
            got.len(),
            want.len()
        );
    }
}

pub(crate) fn requests(emu: &Emulator, endpoint_part: &str) -> Vec<Value> {
    emu.get("/_emulator/requests")
        .1
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or_default()
                .contains(endpoint_part)
        })
        .collect()
}

#[test]
fn every_report_and_page_size_gives_exactly_the_truth() {
    let emu = Emulator::start(&["--records", "40"]);
    for report in [
        "directoryAudits",
        "signIns",
        "provisioning",
        "nonInteractiveSignIns",
        "servicePrincipalSignIns",
        "managedIdentitySignIns",
        "auditEvents",
        "signinEvents",
    ] {
        let want = truth(&emu, report);
        assert_eq!(want.len(), 40);
        for top in ["1", "7", "1000"] {
            let out = fetch(&emu).args([report, "--top", top]).success();
            out.assert_quiet();
            // v1.0 sign-ins drop the beta-only fields; compare those by id.
            if report == "signIns" {
                let ids = |ls: &[String]| {
                    ls.iter()
                        .map(|l| {
                            serde_json::from_str::<Value>(l).unwrap()["id"]
                                .as_str()
                                .unwrap()
                                .to_string()
                        })
                        .collect::<HashSet<_>>()
                };
                assert_eq!(ids(&lines(&out)), ids(&want), "{report} top {top}");
                assert_eq!(lines(&out).len(), 40);
            } else {
                assert_same_records(&lines(&out), &want, &format!("{report} --top {top}"));
            }
        }
    }
    let beta = fetch(&emu)
        .args(["signIns", "--graph-version", "beta"])
        .success();
    assert_same_records(
        &lines(&beta),
        &truth(&emu, "signIns"),
        "beta signIns are byte-exact",
    );
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
            "--top",
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
fn relative_odata_and_empty_page_chains_drain_exactly() {
    for knobs in [
        ["--next-links", "relative"],
        ["--next-links", "odata"],
        ["--empty-pages", "--seed"],
    ] {
        let mut args = vec!["--records", "55"];
        args.extend(knobs);
        if knobs[0] == "--empty-pages" {
            args.push("3");
        }
        let emu = Emulator::start(&args);
        for report in ["directoryAudits", "auditEvents"] {
            let out = fetch(&emu).args([report, "--top", "10"]).success();
            assert_same_records(
                &lines(&out),
                &truth(&emu, report),
                &format!("{knobs:?} {report}"),
            );
        }
    }
}

#[test]
fn every_fault_alone_and_combined_still_gives_each_record_once() {
    for knobs in [
        vec!["--throttle-every", "3", "--retry-after", "0"],
        vec!["--fail-every", "4"],
        vec!["--timeout-every", "5"],
        vec!["--truncate-every", "4"],
        vec!["--garble-every", "3"],
        vec![
            "--throttle-every",
            "3",
            "--retry-after",
            "0",
            "--fail-every",
            "5",
            "--truncate-every",
            "7",
            "--timeout-every",
            "11",
        ],
    ] {
        let mut args = vec!["--records", "200"];
        args.extend(knobs.iter());
        let emu = Emulator::start(&args);
        let out = fetch(&emu)
            .args(["directoryAudits", "--top", "10"])
            .success();
        assert_same_records(
            &lines(&out),
            &truth(&emu, "directoryAudits"),
            &format!("{knobs:?}"),
        );
        let faults = serde_json::from_str::<Value>(&emu.get("/_emulator/stats").1).unwrap();
        assert!(
            faults["endpoints"]["/v1.0/auditLogs/directoryAudits"]["faults"]
                .as_object()
                .unwrap()
                .values()
                .any(|n| n.as_u64() > Some(0)),
            "{knobs:?}: faults fired"
        );
    }
}

#[test]
fn pacing_to_the_budget_gets_no_429() {
    let emu = Emulator::start(&["--records", "80", "--rate-limit", "3/2s"]);
    let started = Instant::now();
    let out = fetch(&emu)
        .args(["directoryAudits", "--top", "10", "--rate", "3/2s"])
        .success();
    assert_eq!(lines(&out).len(), 80);
    let stats = serde_json::from_str::<Value>(&emu.get("/_emulator/stats").1).unwrap();
    let endpoint = &stats["endpoints"]["/v1.0/auditLogs/directoryAudits"];
    assert_eq!(endpoint["requests"], 8);
    assert!(
        endpoint["status"]["429"].is_null(),
        "no 429 received: {endpoint}"
    );
    // Eight requests at three per two seconds: two full windows at least.
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn links_to_another_host_are_refused() {
    let emu = Emulator::start(&["--records", "30", "--next-link-base", "http://127.0.0.2:9"]);
    let out = fetch(&emu).args(["directoryAudits", "--top", "10"]).run();
    out.assert_code(6);
    assert!(
        out.stderr
            .contains("refusing to follow a nextLink to another scheme, host or port"),
        "{}",
        out.describe()
    );
    assert_eq!(lines(&out).len(), 10, "the first page was good");
}

#[test]
fn malformed_pages_are_bad_data() {
    let emu = Emulator::start(&["--records", "30", "--malformed-every", "2"]);
    let out = fetch(&emu).args(["directoryAudits", "--top", "10"]).run();
    out.assert_code(6);
    assert!(
        out.stderr
            .starts_with("aad-fetch: error: the page is JSON but not a report page"),
        "{}",
        out.describe()
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.describe());
}

#[test]
fn refusals_exit_4_with_code_request_id_and_hint() {
    let emu = Emulator::start(&["--records", "5", "--no-premium"]);
    let out = fetch(&emu)
        .args(["directoryAudits", "--filter", "nosuchfield eq 'x'"])
        .run();
    out.assert_code(4);
    assert!(
        out.stderr
            .contains("HTTP 400 BadRequest: Invalid filter clause")
            && out.stderr.contains("request-id: ")
            && out.stderr.contains("hint: the service refused the $filter"),
        "{}",
        out.describe()
    );
    let out = fetch(&emu).arg("signIns").run();
    out.assert_code(4);
    assert!(
        out.stderr
            .contains("Authentication_RequestFromNonPremiumTenantOrB2CTenant")
            && out
                .stderr
                .contains("hint: sign-in logs need a Microsoft Entra ID P1 or P2 licence"),
        "{}",
        out.describe()
    );
    let noperm = token_for(&emu, emu.export("AAD_EMULATOR_NOPERM_CLIENT_ID"));
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .env("AAD_ACCESS_TOKEN", &noperm)
        .args(["directoryAudits", "--rate", "off"])
        .run();
    out.assert_code(4);
    assert!(
        out.stderr
            .contains("Authentication_MSGraphPermissionMissing")
            && out
                .stderr
                .contains("AuditLog.Read.All as an Application permission"),
        "{}",
        out.describe()
    );
    assert!(!out.stderr.contains(&noperm), "the token is never printed");
    let out = fetch(&emu).arg("noSuchReport").run();
    out.assert_code(2);
}

#[test]
fn an_expired_token_without_a_way_to_renew_exits_3() {
    let emu = Emulator::start(&["--records", "5", "--token-ttl", "0"]);
    let expired = token(&emu);
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .env("AAD_ACCESS_TOKEN", &expired)
        .args(["directoryAudits", "--rate", "off"])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("the API rejected the token from AAD_ACCESS_TOKEN")
            && out.stderr.contains("hint: "),
        "{}",
        out.describe()
    );
    assert!(!out.stderr.contains(&expired));
    // Stdin works as a token source too, and gives the same refusal.
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .stdin(format!("{expired}\n"))
        .args(["directoryAudits", "--rate", "off"])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr.contains("token from stdin"),
        "{}",
        out.describe()
    );
}

#[test]
fn head_closes_stdout_and_fetching_stops() {
    let emu = Emulator::start(&["--records", "200"]);
    // `| head -n 1`: the reader leaves after one line; whatever the pipe buffered, the
    // next write fails and the run ends quietly with status 0.
    let mut child = fetch(&emu).args(["directoryAudits", "--top", "10"]).spawn();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with("{\"id\":"), "{first}");
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");

    // A reader that is gone before the first page: one page fetched, at most one more
    // request in flight, then the run stops.
    let emu = Emulator::start(&["--records", "200"]);
    let mut child = fetch(&emu).args(["directoryAudits", "--top", "10"]).spawn();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let n = requests(&emu, "directoryAudits").len();
    assert!(n <= 2, "stopped at once: {n} requests for 20 pages");
}

#[test]
fn max_records_stops_without_fetching_more_pages() {
    let emu = Emulator::start(&["--records", "100"]);
    let out = fetch(&emu)
        .args(["directoryAudits", "--top", "10", "--max-records", "15"])
        .success();
    assert_eq!(lines(&out).len(), 15);
    assert!(requests(&emu, "directoryAudits").len() <= 3);
}

#[test]
fn save_pages_writes_numbered_copies_like_the_powershell_sample() {
    let emu = Emulator::start(&["--records", "25"]);
    let dir = tempfile::tempdir().unwrap();
    let out = fetch(&emu)
        .args(["auditEvents", "--top", "10", "--pages", "--save-pages"])
        .arg(dir.path())
        .success();
    let pages = lines(&out);
    assert_eq!(pages.len(), 3);
    for (n, page) in pages.iter().enumerate() {
        let saved =
            std::fs::read_to_string(dir.path().join(format!("auditEvents{n}.json"))).unwrap();
        assert_eq!(&saved, page, "page {n}");
        assert!(serde_json::from_str::<Value>(page).unwrap()["value"].is_array());
    }
    assert!(!dir.path().join("auditEvents3.json").exists());
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
            "--top",
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
            "--top",
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
    let mut collected: Vec<String> = Vec::new();
    let mut kills = 0;
    for delay_ms in [60u64, 150, 90] {
        let mut child = fetch(&emu)
            .args(["directoryAudits", "--since", "8d", "--top", "20", "--state"])
            .arg(&state)
            .spawn();
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
    let last = fetch(&emu)
        .args(["directoryAudits", "--since", "8d", "--top", "20", "--state"])
        .arg(&state)
        .success();
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
        .args(["directoryAudits", "--since", "8d", "--top", "10", "--state"])
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
    first.kill().unwrap();
    first.wait().unwrap();
    second.assert_code(7);
    assert!(
        second
            .stderr
            .contains("another aad-fetch run is using the state file"),
        "{}",
        second.describe()
    );
}

#[test]
fn list_names_every_report() {
    let out = tool("aad-fetch").arg("--list").success();
    let text = out.stdout_text();
    for name in [
        "directoryAudits",
        "signIns",
        "provisioning",
        "nonInteractiveSignIns",
        "servicePrincipalSignIns",
        "managedIdentitySignIns",
        "auditEvents",
        "signinEvents",
    ] {
        assert!(text.contains(name), "{name}");
    }
}

#[test]
fn tokens_expiring_mid_run_are_renewed_with_the_token_command() {
    // Tokens live 2 s; 30 pages at 100 ms each take longer, so renewal must happen.
    let emu = Emulator::start(&[
        "--records",
        "300",
        "--token-ttl",
        "2",
        "--latency-ms",
        "100",
    ]);
    let command = format!("'{}' -o json", crate::util::bin("aad-token"));
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .args([
            "directoryAudits",
            "--rate",
            "off",
            "--top",
            "10",
            "--token-command",
            &command,
        ])
        .success();
    assert_same_records(&lines(&out), &truth(&emu, "directoryAudits"), "renewed run");
    let token_requests = requests(&emu, "oauth2").len();
    assert!(
        token_requests >= 2,
        "the command ran again: {token_requests} token requests"
    );
    let refused = requests(&emu, "directoryAudits")
        .iter()
        .filter(|r| r["status"] == 401)
        .count();
    assert_eq!(
        refused, 0,
        "renewed before expiry, so the API never saw an expired token"
    );
}

#[test]
fn a_rejected_token_is_renewed_once_through_the_command() {
    let emu = Emulator::start(&["--records", "30"]);
    let other = Emulator::start(&["--records", "1"]);
    let dir = tempfile::tempdir().unwrap();
    // The first token comes from another emulator: well-formed, but not signed by this one.
    std::fs::write(dir.path().join("bad"), token(&other)).unwrap();
    std::fs::write(dir.path().join("good"), token(&emu)).unwrap();
    let d = dir.path().display();
    let command = format!(
        "if [ -e '{d}/used' ]; then cat '{d}/good'; else touch '{d}/used'; cat '{d}/bad'; fi"
    );
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .args([
            "directoryAudits",
            "--rate",
            "off",
            "--top",
            "10",
            "--token-command",
            &command,
        ])
        .success();
    assert_same_records(
        &lines(&out),
        &truth(&emu, "directoryAudits"),
        "after renewal",
    );
    let statuses: Vec<u64> = requests(&emu, "directoryAudits")
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![401, 200, 200, 200]);
}

/// Starts `tests/fixtures/odata_server.py` and returns it with its base URL.
fn odata_server(args: &[&str]) -> (std::process::Child, String) {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    crate::util::python_server("odata_server.py", &args)
}

#[test]
fn drains_an_independent_odata_server_with_relative_links_empty_last_page_and_faults() {
    for faults in [false, true] {
        let args: &[&str] = if faults {
            &["--records", "95", "--page-size", "10", "--faults"]
        } else {
            &["--records", "95", "--page-size", "10"]
        };
        let (mut server, base) = odata_server(args);
        let out = tool("aad-fetch")
            .env("AAD_ACCESS_TOKEN", "any-token")
            .args([&format!("{base}/odata/Events"), "--rate", "off"])
            .run();
        server.kill().unwrap();
        server.wait().unwrap();
        out.assert_code(0);
        let records: Vec<Value> = lines(&out)
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let got: Vec<String> = records
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = (0..95).map(|i| format!("evt-{i:05}")).collect();
        assert_eq!(got, want, "faults: {faults}");
        assert_eq!(records[3]["text"], "line\nbreak");
    }
}

#[test]
fn failures_that_outlast_the_retry_budget_exit_5() {
    let emu = Emulator::start(&["--records", "20", "--fail-every", "1"]);
    let started = Instant::now();
    let out = fetch(&emu)
        .args(["directoryAudits", "--retry-for", "3s"])
        .run();
    out.assert_code(5);
    assert!(
        out.stderr.contains("no progress for 3s (--retry-for)")
            && out.stderr.contains("HTTP 503 serviceNotAvailable"),
        "{}",
        out.describe()
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn pages_that_never_arrive_whole_outlast_the_retry_budget() {
    // Every answer is cut in half after its next link: each page is handed to the writer
    // unparsed, and the writer finds it damaged every time.
    let emu = Emulator::start(&["--records", "30", "--garble-every", "1"]);
    let started = Instant::now();
    let out = fetch(&emu)
        .args([
            "directoryAudits",
            "--top",
            "10",
            "--retry-for",
            "3s",
            "--rate",
            "off",
        ])
        .run();
    out.assert_code(5);
    assert!(
        out.stderr
            .contains("no progress for 3s (--retry-for); last failure: the page did not parse"),
        "{}",
        out.describe()
    );
    assert!(out.stdout.is_empty(), "{}", out.describe());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn verbose_logs_requests_but_never_the_token() {
    let emu = Emulator::start(&[
        "--records",
        "30",
        "--throttle-every",
        "2",
        "--retry-after",
        "0",
    ]);
    let token = token(&emu);
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .env("AAD_ACCESS_TOKEN", &token)
        .args(["directoryAudits", "--rate", "off", "--top", "10", "-v"])
        .success();
    assert!(
        out.stderr.contains("GET http://127.0.0.1:")
            && out.stderr.contains("-> 429")
            && out.stderr.contains("retry after"),
        "{}",
        out.describe()
    );
    assert!(!out.stderr.contains(&token));
    let signature = token.rsplit('.').next().unwrap();
    assert!(!out.stderr.contains(signature));
}

#[test]
fn the_progress_line_counts_pages_and_quiet_silences_it() {
    // The writer counts a page while the fetcher already waits for the next answer; the
    // latency lets the writer finish first, so the next retry note shows the new count.
    let emu = Emulator::start(&[
        "--records",
        "30",
        "--throttle-every",
        "2",
        "--retry-after",
        "0",
        "--latency-ms",
        "40",
    ]);
    let out = fetch(&emu)
        .args(["directoryAudits", "--top", "10", "--progress"])
        .success();
    assert!(
        out.stderr
            .contains("\r\x1b[2Kaad-fetch: directoryAudits · "),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("· 2 pages · 20 records") && !out.stderr.contains("slice"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("throttled, retrying in"),
        "waits are shown: {}",
        out.describe()
    );
    assert!(
        out.stderr.ends_with("\r\x1b[2K"),
        "the line is cleared at the end"
    );
    let quiet = fetch(&emu)
        .args(["directoryAudits", "--top", "10", "--progress", "-q"])
        .success();
    quiet.assert_quiet();
}
