//! aad-fetch's query flags and times against the emulator. The records a flagged run
//! writes are compared, line for line, with what a selection written here keeps of the
//! full pull; the `$filter` it sent is read back from the emulator's request log.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::fetch::{assert_same_records, fetch, lines, requests};
use crate::util::{Emulator, Output};

/// The decoded `$filter` of every request to `endpoint`, oldest first.
fn filters_sent(emu: &Emulator, endpoint: &str) -> Vec<String> {
    requests(emu, endpoint)
        .iter()
        .filter_map(|r| {
            let query = r["query"].as_str().unwrap_or_default();
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "$filter")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

/// The first `$filter` sent to `endpoint` that contains `condition`: the first page of
/// the oldest slice of a run.
fn first_with(emu: &Emulator, endpoint: &str, condition: &str) -> String {
    filters_sent(emu, endpoint)
        .into_iter()
        .find(|f| f.contains(condition))
        .unwrap_or_else(|| panic!("no $filter with {condition}"))
}

/// The time after `field ge ` in a `$filter`.
fn window_start(filter: &str, field: &str) -> DateTime<Utc> {
    let after = filter
        .split(&format!("{field} ge "))
        .nth(1)
        .unwrap_or_else(|| panic!("no '{field} ge' in {filter}"));
    let text = after.split(' ').next().unwrap();
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn record(line: &str) -> Value {
    serde_json::from_str(line).unwrap()
}

fn time(record: &Value, field: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(record[field].as_str().unwrap())
        .unwrap()
        .to_utc()
}

/// The value of `key` that most records meeting `keep` have.
fn most_common(records: &[Value], keep: impl Fn(&Value) -> Vec<String>) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        for key in keep(r) {
            *counts.entry(key).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .map(|(k, _)| k)
        .expect("some record")
}

/// The lines of `all` whose records (`records`, the same lines parsed) `keep` keeps.
fn select<'a>(
    all: &'a [String],
    records: &[Value],
    keep: impl Fn(&Value) -> bool,
) -> Vec<&'a String> {
    all.iter()
        .zip(records)
        .filter(|(_, r)| keep(r))
        .map(|(line, _)| line)
        .collect()
}

/// The run wrote exactly `want`: the same lines, each as often (slices are written
/// oldest first, so the order differs from one newest-first chain); `at_least` records
/// make the comparison mean something.
fn assert_exactly(out: &Output, want: &[&String], at_least: usize, what: &str) {
    assert!(
        want.len() >= at_least,
        "{what}: too few records to compare: {}",
        want.len()
    );
    let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    assert_same_records(&lines(out), &want, what);
}

#[test]
fn failed_sign_ins_of_one_user_are_exactly_what_a_selection_of_the_full_pull_keeps() {
    let emu = Emulator::start(&["--records", "3000", "--days", "2"]);
    let all = lines(&fetch(&emu).arg("signIns").success());
    let records: Vec<Value> = all.iter().map(|l| record(l)).collect();
    let failed = |r: &Value| r["status"]["errorCode"].as_i64().is_some_and(|c| c != 0);
    let recent = Utc::now() - chrono::TimeDelta::hours(23);
    let user = most_common(&records, |r| {
        if failed(r) && time(r, "createdDateTime") > recent {
            vec![r["userPrincipalName"].as_str().unwrap().to_string()]
        } else {
            Vec::new()
        }
    });

    let out = fetch(&emu)
        .args([
            "signIns", "--since", "1d", "--user", &user, "--failed", "-v",
        ])
        .success();
    // The first request of the run carries the window's start.
    let condition = format!("userPrincipalName eq '{user}'");
    let filter = first_with(&emu, "signIns", &condition);
    assert!(!filter.contains("errorCode"), "{filter}");
    assert!(out.stderr.contains(
        "aad-fetch: --failed: status/errorCode ne 0 is not a documented $filter of sign-ins (v1.0); all records of the window are fetched and status.errorCode tested here\n"
    ), "{}", out.describe());

    let since = window_start(&filter, "createdDateTime");
    let want = select(&all, &records, |r| {
        r["userPrincipalName"] == user.as_str() && failed(r) && time(r, "createdDateTime") >= since
    });
    assert_exactly(&out, &want, 2, "--user --failed");

    // An id selects by userId; an application name with spaces is encoded.
    let some = &records[0];
    let (id, app) = (
        some["userId"].as_str().unwrap(),
        some["appDisplayName"].as_str().unwrap(),
    );
    let out = fetch(&emu)
        .args(["signIns", "--user", id, "--app", app])
        .success();
    let want = select(&all, &records, |r| {
        r["userId"] == id && r["appDisplayName"] == app
    });
    assert_exactly(&out, &want, 1, "--user ID --app NAME");
    let filter = filters_sent(&emu, "signIns").pop().unwrap();
    assert_eq!(
        filter,
        format!("userId eq '{id}' and appDisplayName eq '{app}'")
    );
}

#[test]
fn audits_about_one_target_resource_are_exactly_what_a_selection_of_the_full_pull_keeps() {
    let emu = Emulator::start(&["--records", "2000", "--days", "10"]);
    let all = lines(&fetch(&emu).arg("directoryAudits").success());
    let records: Vec<Value> = all.iter().map(|l| record(l)).collect();
    let targets = |r: &Value| -> Vec<String> {
        r["targetResources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["id"].as_str().map(str::to_string))
            .collect()
    };
    let id = most_common(&records, targets);

    let out = fetch(&emu)
        .args(["directoryAudits", "--since", "7d", "--target-resource", &id])
        .success();
    let condition = format!(" and targetResources/any(t: t/id eq '{id}')");
    let filter = first_with(&emu, "directoryAudits", &condition);
    assert!(filter.ends_with(&condition), "{filter}");
    let since = window_start(&filter, "activityDateTime");
    let want = select(&all, &records, |r| {
        targets(r).contains(&id) && time(r, "activityDateTime") >= since
    });
    assert_exactly(&out, &want, 2, "--target-resource");

    // Failures of one category: neither is a documented $filter, both are tested here.
    let category = most_common(&records, |r| match r["result"] == "failure" {
        true => vec![r["category"].as_str().unwrap().to_string()],
        false => Vec::new(),
    });
    let filtered_before = filters_sent(&emu, "directoryAudits").len();
    let out = fetch(&emu)
        .args(["directoryAudits", "--failed", "--category", &category])
        .success();
    out.assert_quiet();
    let sent = filters_sent(&emu, "directoryAudits");
    assert_eq!(sent.len(), filtered_before, "no $filter: {:?}", sent.last());
    let want = select(&all, &records, |r| {
        r["result"] == "failure" && r["category"] == category.as_str()
    });
    assert_exactly(&out, &want, 1, "--failed --category");
}

#[test]
fn flags_that_do_not_fit_the_report_are_usage_errors() {
    let emu = Emulator::start(&["--records", "10"]);
    let cases: [(&[&str], &str); 5] = [
        (
            &["signIns", "--activity", "Add user"],
            "aad-fetch: error: --activity does not apply to sign-ins: it filters directoryAudits by activityDisplayName\n",
        ),
        (
            &["auditEvents", "--user", "a@b.c"],
            "aad-fetch: error: --user needs a report whose records aad-fetch knows: signIns (and the beta sign-in kinds), directoryAudits or provisioning\nhint: for other reports, and the legacy ones, write the condition with --filter\n",
        ),
        (
            &["signIns", "--failed", "--pages"],
            "aad-fetch: error: --pages writes whole pages, so it cannot leave out the records that a query flag tests here (aad-fetch -v names them)\n",
        ),
        (
            &["directoryAudits", "--since", "2026-13-01"],
            "aad-fetch: error: --since: '2026-13-01' is out of range: month 13 (01 to 12)\nhint: times without a zone, dates, today and yesterday are UTC; --local reads them in the local zone (TZ)\n",
        ),
        // A zone of four bytes that are not four digits (found by aad-fuzz: it panicked).
        (
            &["directoryAudits", "--until", "2026-11-28T10:00-1€"],
            "aad-fetch: error: --until: '2026-11-28T10:00-1€' is not a time; use a date (2026-11-28), a date and time (2026-11-28 10:00, 2026-11-28T10:00:00Z), today, yesterday, now, or a duration back from now (90m, 36h, 7d)\nhint: times without a zone, dates, today and yesterday are UTC; --local reads them in the local zone (TZ)\n",
        ),
    ];
    for (args, stderr) in cases {
        let out = fetch(&emu).args(args).run();
        out.assert_code(2);
        assert_eq!(out.stderr, stderr, "{args:?}");
        assert!(out.stdout.is_empty());
    }
    assert!(requests(&emu, "auditLogs").is_empty(), "nothing was sent");
}

#[test]
fn a_dotted_path_in_filter_gets_the_odata_hint() {
    let emu = Emulator::start(&["--records", "10"]);
    let out = fetch(&emu)
        .args(["signIns", "--filter", "status.errorCode eq 50126"])
        .run();
    out.assert_code(4);
    assert!(
        out.stderr.ends_with(
            "\nhint: OData paths use '/', not '.': write status/errorCode in --filter (aad-format --fields is the one that uses dots)\n"
        ),
        "{}",
        out.describe()
    );
}

#[test]
fn times_people_type_become_the_window_sent() {
    let emu = Emulator::start(&["--records", "10"]);
    let sent = |args: &[&str], tz: &str| -> String {
        let mut all = vec!["directoryAudits", "--slice", "none"];
        all.extend_from_slice(args);
        fetch(&emu).env("TZ", tz).args(&all).success();
        filters_sent(&emu, "directoryAudits").pop().unwrap()
    };
    let window = |from: &str, to: &str| {
        format!("activityDateTime ge {from}.0000000Z and activityDateTime lt {to}.0000000Z")
    };
    // Days inside the service's retention, whenever the test runs.
    let day = (Utc::now() - chrono::TimeDelta::days(3)).date_naive();
    let next = day.succ_opt().unwrap();
    let at = |time: &str| format!("{day} {time}");
    assert_eq!(
        sent(
            &[
                "--since",
                &at("10:00"),
                "--until",
                &format!("{day}T12:30:15")
            ],
            "UTC"
        ),
        window(&format!("{day}T10:00:00"), &format!("{day}T12:30:15"))
    );
    // A zone-less time is UTC, whatever TZ says, unless --local. TZ=UTC-3 is a zone
    // three hours east of UTC without daylight saving (POSIX TZ rule).
    let plain = [
        "--since".to_string(),
        at("10:00"),
        "--until".to_string(),
        next.to_string(),
    ];
    let plain: Vec<&str> = plain.iter().map(String::as_str).collect();
    assert_eq!(
        sent(&plain, "UTC-3"),
        window(&format!("{day}T10:00:00"), &format!("{next}T00:00:00"))
    );
    let mut local = plain.clone();
    local.push("--local");
    assert_eq!(
        sent(&local, "UTC-3"),
        window(&format!("{day}T07:00:00"), &format!("{day}T21:00:00"))
    );
    // A written zone wins over --local.
    assert_eq!(
        sent(
            &[
                "--since",
                &at("10:00+05:00"),
                "--until",
                &at("12:00 UTC"),
                "--local"
            ],
            "UTC-3"
        ),
        window(&format!("{day}T05:00:00"), &format!("{day}T12:00:00"))
    );
    // yesterday and today are midnights: together, the whole of yesterday.
    let before = Utc::now().date_naive();
    let filter = sent(&["--since", "yesterday", "--until", "today"], "UTC");
    let today = Utc::now().date_naive();
    if before == today {
        let yesterday = today.pred_opt().unwrap();
        assert_eq!(
            filter,
            window(
                &format!("{yesterday}T00:00:00"),
                &format!("{today}T00:00:00")
            )
        );
    }
}
