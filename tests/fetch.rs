//! aad-fetch end to end against the emulator: exact record sets, paging shapes,
//! faults, pacing, refusals, a closed stdout, `--top`, saved pages. The helpers here
//! serve the other `fetch_*` modules too.

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
            let out = fetch(&emu).args([report, "--page-size", top]).success();
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
            let out = fetch(&emu).args([report, "--page-size", "10"]).success();
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
            .args(["directoryAudits", "--page-size", "10"])
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
        .args(["directoryAudits", "--page-size", "10", "--rate", "3/2s"])
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
    let out = fetch(&emu)
        .args(["directoryAudits", "--page-size", "10"])
        .run();
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
    let out = fetch(&emu)
        .args(["directoryAudits", "--page-size", "10"])
        .run();
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
fn head_closes_stdout_and_fetching_stops() {
    let emu = Emulator::start(&["--records", "200"]);
    // `| head -n 1`: the reader leaves after one line; whatever the pipe buffered, the
    // next write fails and the run ends quietly with status 0.
    let mut child = fetch(&emu)
        .args(["directoryAudits", "--page-size", "10"])
        .spawn();
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
    let mut child = fetch(&emu)
        .args(["directoryAudits", "--page-size", "10"])
        .spawn();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let n = requests(&emu, "directoryAudits").len();
    assert!(n <= 2, "stopped at once: {n} requests for 20 pages");
}

#[test]
fn top_counts_records_and_fetches_no_page_it_does_not_need() {
    // `--top 10` against the service's budget: ten records, one request of ten.
    let emu = Emulator::start(&["--records", "2000", "--rate-limit", "5/10s"]);
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .env("AAD_ACCESS_TOKEN", token(&emu))
        .args(["directoryAudits", "--top", "10"])
        .success();
    let asked = requests(&emu, "directoryAudits");
    assert_eq!(asked.len(), 1, "{asked:?}");
    // The first ten the service lists (records that share a time are listed in the
    // service's order, which the ground truth does not promise).
    let everything = fetch(&emu).arg("directoryAudits").success();
    assert_eq!(lines(&out), lines(&everything)[..10], "the ten newest");
    assert!(
        asked[0]["query"].as_str().unwrap().ends_with("$top=10"),
        "{asked:?}"
    );
    // More than a page: the pages it needs and not one more; the old name still works.
    for flag in ["--top", "--max-records"] {
        let emu = Emulator::start(&["--records", "100"]);
        let out = fetch(&emu)
            .args(["directoryAudits", "--page-size", "10", flag, "25"])
            .success();
        assert_eq!(lines(&out).len(), 25, "{flag}");
        assert_eq!(requests(&emu, "directoryAudits").len(), 3, "{flag}");
    }
    // Whole pages count their records too.
    let emu = Emulator::start(&["--records", "100"]);
    let out = fetch(&emu)
        .args([
            "directoryAudits",
            "--pages",
            "--page-size",
            "10",
            "--top",
            "25",
        ])
        .success();
    assert_eq!(lines(&out).len(), 3, "three pages of ten");
    assert_eq!(requests(&emu, "directoryAudits").len(), 3);
}

#[test]
fn save_pages_writes_numbered_copies_like_the_powershell_sample() {
    let emu = Emulator::start(&["--records", "25"]);
    let dir = tempfile::tempdir().unwrap();
    let out = fetch(&emu)
        .args([
            "auditEvents",
            "--page-size",
            "10",
            "--pages",
            "--save-pages",
        ])
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
            "--page-size",
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
        .args(["directoryAudits", "--page-size", "10", "--progress"])
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
        .args(["directoryAudits", "--page-size", "10", "--progress", "-q"])
        .success();
    quiet.assert_quiet();
}
