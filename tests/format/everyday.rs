//! Everyday use: --where, --sort, coalesced columns, presets, the --fields warning,
//! --time, and the table fitted to a terminal, on the emulator's records. Expected
//! values are computed here from the records with serde_json and chrono.

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::format;
use crate::util::tool;

/// `records` records of `report` from the emulator, as NDJSON.
fn dump(report: &str, records: usize) -> String {
    let out = tool("aad-emulator")
        .args([
            "--dump",
            report,
            "--records",
            &records.to_string(),
            "--seed",
            "1",
        ])
        .success();
    out.stdout_text()
}

fn values(ndjson: &str) -> Vec<Value> {
    ndjson
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn time(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn failed_sign_ins_sorted_in_a_table() {
    let signins = dump("signIns", 400);
    let args = [
        "--where",
        "status.errorCode != 0",
        "--sort",
        "createdDateTime",
        "-f",
        "@signins",
        "-t",
        "table",
    ];
    let out = format(&args, signins.as_str());
    out.assert_code(0).assert_quiet();
    let text = out.stdout_text();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "time", "user", "app", "ip", "error", "reason", "client", "ca"
        ]
    );
    let mut failed: Vec<Value> = values(&signins)
        .into_iter()
        .filter(|r| r["status"]["errorCode"] != 0)
        .collect();
    assert!(failed.len() > 5 && failed.len() < 400, "{}", failed.len());
    failed.sort_by_key(|r| time(r["createdDateTime"].as_str().unwrap()));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), failed.len());
    for (row, record) in rows.iter().zip(&failed) {
        let expected = record["createdDateTime"].as_str().unwrap();
        // The time is the first cell (cut at 40 columns, which no Graph time reaches).
        assert!(row.starts_with(expected), "{row} / {expected}");
        let code = record["status"]["errorCode"].to_string();
        assert!(row.contains(&format!("  {code}  ")), "{row} / {code}");
    }
}

#[test]
fn where_is_the_same_on_any_number_of_threads_and_through_pages() {
    let audits = dump("directoryAudits", 300);
    let expr = "result = 'failure' or (category in ('UserManagement', 'GroupManagement') and not initiatedBy.app.displayName exists)";
    let one = format(
        &["--where", expr, "-j", "1", "-t", "ndjson"],
        audits.as_str(),
    );
    one.assert_code(0).assert_quiet();
    let expected: Vec<String> = audits
        .lines()
        .filter(|line| {
            let r: Value = serde_json::from_str(line).unwrap();
            r["result"] == "failure"
                || (["UserManagement", "GroupManagement"]
                    .contains(&r["category"].as_str().unwrap())
                    && r["initiatedBy"]["app"]["displayName"].is_null())
        })
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(!expected.is_empty() && expected.len() < 300);
    assert_eq!(one.stdout_text(), expected.concat());
    let many = format(
        &["--where", expr, "-j", "3", "-t", "ndjson"],
        audits.as_str(),
    );
    assert_eq!(many.stdout, one.stdout);
    let page = format!(
        "{{\"value\":[{}]}}\n",
        audits.lines().collect::<Vec<_>>().join(",")
    );
    let paged = format(&["--where", expr, "-t", "ndjson"], page);
    assert_eq!(paged.stdout, one.stdout);
}

#[test]
fn where_errors_are_usage_errors_with_the_column() {
    for (expr, message) in [
        (
            "status.errorCode != open",
            "--where: column 21: 'open' is not a value",
        ),
        ("(a = 1", "--where: column 7: expected ')'"),
        ("a ~ '['", "--where: column 5: not a regular expression"),
    ] {
        let out = format(&["--where", expr], "{}\n");
        out.assert_code(2);
        assert!(
            out.stderr
                .starts_with(&format!("aad-format: error: {message}")),
            "{}",
            out.describe()
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn sort_orders_times_as_instants_and_keeps_ties_in_input_order() {
    let input = [
        r#"{"n":1,"t":"2026-11-29T21:47:56.5Z"}"#,
        r#"{"n":2,"t":"2026-11-29T21:47:56.4999999Z"}"#,
        r#"{"n":3}"#,
        r#"{"n":4,"t":"2026-11-29T22:47:56+01:00"}"#,
        r#"{"n":5,"t":"2026-11-29T21:47:56Z"}"#,
        r#"{"n":6,"t":"2026-11-28T23:00:00.1234567Z"}"#,
    ]
    .join("\n");
    let order = |args: &[&str]| {
        let out = format(args, input.as_str());
        out.assert_code(0).assert_quiet();
        out.stdout_text()
    };
    // 4 and 5 are the same instant: input order.
    assert_eq!(
        order(&["-s", "t", "-t", "csv", "-f", "n"]),
        "n\n6\n4\n5\n2\n1\n3\n"
    );
    assert_eq!(
        order(&["-s", "t:desc", "-t", "csv", "-f", "n"]),
        "n\n1\n2\n4\n5\n6\n3\n"
    );
    assert_eq!(
        order(&["--sort", "t:desc", "-j", "4"]),
        order(&["--sort", "t:desc", "-j", "1"])
    );
}

#[test]
fn coalesced_columns_take_the_first_path_set() {
    let audits = dump("directoryAudits", 300);
    let out = format(
        &[
            "-t",
            "csv",
            "-f",
            "who=initiatedBy.user.userPrincipalName|initiatedBy.app.displayName",
        ],
        audits.as_str(),
    );
    out.assert_code(0).assert_quiet();
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    assert_eq!(reader.headers().unwrap(), vec!["who"]);
    let cells: Vec<String> = reader
        .records()
        .map(|row| row.unwrap()[0].to_string())
        .collect();
    let expected: Vec<String> = values(&audits)
        .iter()
        .map(|r| {
            let by = &r["initiatedBy"];
            let who = [&by["user"]["userPrincipalName"], &by["app"]["displayName"]]
                .into_iter()
                .find(|v| !v.is_null());
            who.and_then(Value::as_str).unwrap_or("").to_string()
        })
        .collect();
    assert!(expected.iter().any(|w| w.contains('@')));
    assert!(expected.iter().any(|w| !w.is_empty() && !w.contains('@')));
    assert_eq!(cells, expected);
}

#[test]
fn presets_mix_with_fields_and_are_chosen_for_table_and_text() {
    let signins = dump("signIns", 5);
    let out = format(
        &["-t", "csv", "-f", "@signins,extra.path"],
        signins.as_str(),
    );
    out.assert_code(0);
    assert_eq!(
        out.stderr,
        "aad-format: warning: --fields path 'extra.path' matched nothing in the 5 records read\n"
    );
    assert!(
        out.stdout_text()
            .starts_with("time,user,app,ip,error,reason,client,ca,extra.path\n")
    );
    let audits = dump("directoryAudits", 20);
    let table = format(&["-t", "table"], audits.as_str());
    table.assert_code(0).assert_quiet();
    let text = table.stdout_text();
    let header: Vec<&str> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["time", "activity", "result", "by", "target", "category"]
    );
    // Oldest first: the emulator writes newest first.
    let times: Vec<DateTime<FixedOffset>> = text
        .lines()
        .skip(1)
        .map(|l| time(l.split_whitespace().next().unwrap()))
        .collect();
    assert_eq!(times.len(), 20);
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let text = format(&["-t", "text"], audits.as_str()).stdout_text();
    assert!(text.starts_with("time: "), "{text}");
    assert!(text.contains("\nactivity: ") && !text.contains("\ncorrelationId: "));
    // Unknown shapes, and -f @all, show every key as before.
    let all = format(&["-t", "text", "-f", "@all"], audits.as_str()).stdout_text();
    assert!(all.starts_with("id: ") && all.contains("\ncorrelationId: "));
    let other = format(&["-t", "table"], r#"{"a":1,"b":{"c":2}}"#).stdout_text();
    assert_eq!(other, "a  b.c\n1  2\n");
}

#[test]
fn a_fields_path_that_finds_nothing_is_warned_about_once() {
    let signins = dump("signIns", 1200);
    for threads in ["1", "3"] {
        let out = format(
            &["-t", "csv", "-j", threads, "-f", "userPrincipleName,id"],
            signins.as_str(),
        );
        out.assert_code(0);
        assert_eq!(
            out.stderr,
            "aad-format: warning: --fields path 'userPrincipleName' matched nothing in the first 1000 records (did you mean 'userPrincipalName'?)\n",
            "-j {threads}"
        );
        assert_eq!(out.stdout_text().lines().count(), 1201);
    }
    let quiet = format(&["-q", "-t", "csv", "-f", "nope"], signins.as_str());
    quiet.assert_code(0).assert_quiet();
    let strict = format(&["-t", "csv", "--strict-fields"], signins.as_str());
    strict.assert_code(0).assert_quiet();
    let first = signins.lines().next().unwrap();
    let few = format(&["-t", "json", "-f", "id,status.errorcode"], first);
    few.assert_code(0);
    assert_eq!(
        few.stderr,
        "aad-format: warning: --fields path 'status.errorcode' matched nothing in the one record read (did you mean 'status.errorCode'?)\n"
    );
}

#[test]
fn time_styles_rewrite_rfc_3339_cells() {
    let signins = dump("signIns", 20);
    let records = values(&signins);
    let excel = format(
        &["-t", "csv", "--time", "excel", "-f", "createdDateTime,id"],
        signins.as_str(),
    );
    excel.assert_code(0).assert_quiet();
    for (line, record) in excel.stdout_text().lines().skip(1).zip(&records) {
        let utc = time(record["createdDateTime"].as_str().unwrap()).to_utc();
        let expected = utc.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
        let expected = expected.trim_end_matches(".000");
        assert_eq!(line.split(',').next().unwrap(), expected);
    }
    let local = tool("aad-format")
        .env("TZ", "Asia/Kolkata")
        .args([
            "-t",
            "tsv",
            "--time",
            "local",
            "-f",
            "createdDateTime",
            "--no-header",
        ])
        .stdin(signins.clone())
        .success();
    for (line, record) in local.stdout_text().lines().zip(&records) {
        assert!(line.ends_with("+05:30"), "{line}");
        assert_eq!(
            time(line),
            time(record["createdDateTime"].as_str().unwrap())
        );
    }
    let refused = format(&["--time", "local"], signins.as_str());
    refused.assert_code(2);
    assert!(
        refused
            .stderr
            .contains("--time applies to --to csv, tsv, text and table")
    );
}

#[test]
fn max_width_zero_is_no_limit() {
    let long = "x".repeat(300);
    let out = format(
        &["-t", "table", "--max-width", "0"],
        format!(r#"{{"a":"{long}"}}"#),
    );
    out.assert_code(0).assert_quiet();
    assert_eq!(out.stdout_text(), format!("a\n{long}\n"));
}

/// Runs `command` with a terminal as stdout (util-linux `script`); `None` where there is
/// no `script`.
fn on_a_terminal(command: &str) -> Option<String> {
    let script = std::process::Command::new("script")
        .args(["-qec", command, "/dev/null"])
        .env("TERM", "dumb")
        .output()
        .ok()?;
    assert!(script.status.success(), "{script:?}");
    Some(
        String::from_utf8(script.stdout)
            .unwrap()
            .replace("\r\n", "\n"),
    )
}

#[test]
fn the_table_fits_the_terminal_and_only_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("signins.ndjson");
    std::fs::write(&file, dump("signIns", 30)).unwrap();
    let bin = crate::util::bin("aad-format");
    let command = format!("COLUMNS=70 {bin} -t table {}", file.display());
    let Some(fitted) = on_a_terminal(&command) else {
        // Without util-linux's `script` there is no terminal to test with.
        return;
    };
    let width = |line: &str| line.chars().count();
    assert_eq!(fitted.lines().count(), 31, "{fitted}");
    assert!(fitted.lines().all(|l| width(l) <= 70), "{fitted}");
    assert!(fitted.contains('…'));
    let piped = tool("aad-format")
        .env("COLUMNS", "70")
        .args(["-t", "table"])
        .arg(&file)
        .success()
        .stdout_text();
    assert!(
        piped.lines().any(|l| width(l) > 70),
        "not fitted without a terminal"
    );
}
