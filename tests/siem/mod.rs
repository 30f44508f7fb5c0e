//! Tests: SIEM outputs. `aad-format --to ecs | ocsf | azure-monitor` against hand-written
//! golden files, every emulator report through the independent validators
//! (`tests/fixtures/siem/check_ecs.py`, `check_ocsf.py`, standard-library Python), and
//! the Azure Monitor envelope's category and byte-equal `properties`.
//!
//! `robust` adds unexpected shapes, legacy records and randomly mutated records;
//! `options` the command line (`--tenant-id`, options that do not apply, threads,
//! pages, a record that stops the run).

mod options;
mod robust;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::value::RawValue;

use crate::util::{self, tool};

/// Where the SIEM fixtures live.
fn siem_dir() -> PathBuf {
    util::repo_root().join("tests/fixtures/siem")
}

/// The three targets, as `--to` names them and as the golden files are suffixed.
const TARGETS: [&str; 3] = ["ecs", "ocsf", "azure-monitor"];

/// The sign-in reports of the emulator and the Azure Monitor category of their records.
const SIGN_IN_REPORTS: [(&str, &str); 4] = [
    ("signIns", "SignInLogs"),
    ("nonInteractiveSignIns", "NonInteractiveUserSignInLogs"),
    ("servicePrincipalSignIns", "ServicePrincipalSignInLogs"),
    ("managedIdentitySignIns", "ManagedIdentitySignInLogs"),
];

/// Every report the emulator can dump that the SIEM targets accept.
const REPORTS: [&str; 6] = [
    "signIns",
    "nonInteractiveSignIns",
    "servicePrincipalSignIns",
    "managedIdentitySignIns",
    "directoryAudits",
    "provisioning",
];

/// Golden case names: `<case>.json` files (the expectations have a second suffix).
fn golden_cases() -> Vec<String> {
    let dir = siem_dir().join("golden");
    let mut cases: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter_map(|name| name.strip_suffix(".json").map(str::to_string))
        .filter(|stem| !stem.contains('.'))
        .collect();
    cases.sort();
    assert!(cases.len() >= 17, "golden cases missing: {cases:?}");
    cases
}

fn golden(name: &str) -> Vec<u8> {
    let path = siem_dir().join("golden").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs one of the Python validators on NDJSON; `Err` holds its report.
fn validate(script: &str, ndjson: &[u8]) -> Result<(), String> {
    let mut child = Command::new("python3")
        .arg(siem_dir().join(script))
        .arg("--quiet")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = ndjson.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait for the validator");
    feeder
        .join()
        .expect("feeder thread")
        .expect("write to the validator");
    if out.status.success() {
        return Ok(());
    }
    let report: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .take(40)
        .map(|l| format!("  {l}\n"))
        .collect();
    Err(format!(
        "{script} exited {:?}:\n{report}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// The validator for a target, if it has one.
fn validator(target: &str) -> Option<&'static str> {
    match target {
        "ecs" => Some("check_ecs.py"),
        "ocsf" => Some("check_ocsf.py"),
        _ => None,
    }
}

/// Records of an emulator report, one JSON object per line.
fn dump(report: &str) -> Vec<u8> {
    tool("aad-emulator")
        .args(["--dump", report, "--records", "300", "--seed", "7"])
        .args(["--now", "2026-01-12T00:00:00Z"])
        .success()
        .stdout
}

/// `aad-format --to <target>` on `input`, which must succeed quietly.
fn convert(target: &str, input: &[u8]) -> Vec<u8> {
    let out = tool("aad-format")
        .args(["--to", target])
        .stdin(input.to_vec())
        .run();
    out.assert_code(0).assert_quiet();
    out.stdout
}

fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

/// Where two byte strings first differ, with some context, for failure messages.
fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let at = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.len().min(actual.len()));
    let from = at.saturating_sub(60);
    format!(
        "first difference at byte {at}:\n  expected: …{}\n  actual:   …{}",
        String::from_utf8_lossy(&expected[from..(at + 60).min(expected.len())]),
        String::from_utf8_lossy(&actual[from..(at + 60).min(actual.len())])
    )
}

// ---------------------------------------------------------------------------------------
// The test material itself.

#[test]
fn validators_catch_what_they_claim() {
    let out = Command::new("python3")
        .arg(siem_dir().join("validators_test.py"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "validators_test.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn golden_expectations_are_valid_and_keep_the_record() {
    let mut failures = Vec::new();
    for case in golden_cases() {
        let input = golden(&format!("{case}.json"));
        assert_eq!(
            lines(&input).len(),
            1,
            "{case}.json: one record on one line"
        );
        for target in TARGETS {
            let expected = golden(&format!("{case}.{target}.json"));
            assert_eq!(lines(&expected).len(), 1, "{case}.{target}.json: one line");
            assert!(
                expected.ends_with(b"\n"),
                "{case}.{target}.json: newline at the end"
            );
            if let Some(script) = validator(target)
                && let Err(report) = validate(script, &expected)
            {
                failures.push(format!("{case}.{target}.json: {report}"));
            }
        }
        let envelope: BTreeMap<String, Box<RawValue>> =
            serde_json::from_slice(&golden(&format!("{case}.azure-monitor.json")))
                .unwrap_or_else(|e| panic!("{case}.azure-monitor.json: {e}"));
        assert_eq!(
            envelope["properties"].get().as_bytes(),
            lines(&input)[0],
            "{case}.azure-monitor.json: properties must be the input record byte for byte"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// aad-format.

#[test]
fn golden_cases_convert_byte_for_byte() {
    let mut failures = Vec::new();
    for case in golden_cases() {
        let input = golden(&format!("{case}.json"));
        for target in TARGETS {
            let expected = golden(&format!("{case}.{target}.json"));
            let actual = convert(target, &input);
            if actual != expected {
                failures.push(format!(
                    "{case} --to {target}: {}",
                    first_difference(&expected, &actual)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_emulator_report_converts_to_valid_events() {
    let mut failures = Vec::new();
    for report in REPORTS {
        let records = dump(report);
        let count = lines(&records).len();
        assert_eq!(count, 300, "aad-emulator --dump {report}");
        for target in ["ecs", "ocsf"] {
            let events = convert(target, &records);
            assert_eq!(
                lines(&events).len(),
                count,
                "{report} --to {target}: one event per record"
            );
            if let Err(report_text) = validate(validator(target).expect("validator"), &events) {
                failures.push(format!("{report} --to {target}: {report_text}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Converts an emulator report to Azure Monitor records and checks each one: the
/// category of its kind, the operation name where it is fixed, and `properties` equal
/// to the input record byte for byte.
fn check_azure_envelopes(report: &str, category: &str, operation: Option<&str>) {
    let records = dump(report);
    let envelopes = convert("azure-monitor", &records);
    let (inputs, outputs) = (lines(&records), lines(&envelopes));
    assert_eq!(
        inputs.len(),
        outputs.len(),
        "{report}: one envelope per record"
    );
    for (n, (record, line)) in inputs.iter().zip(&outputs).enumerate() {
        let at = format!("{report} line {}", n + 1);
        let envelope: BTreeMap<String, Box<RawValue>> =
            serde_json::from_slice(line).unwrap_or_else(|e| panic!("{at}: not a JSON object: {e}"));
        assert_eq!(
            envelope["category"].get(),
            format!("\"{category}\""),
            "{at}"
        );
        if let Some(operation) = operation {
            assert_eq!(
                envelope["operationName"].get(),
                format!("\"{operation}\""),
                "{at}"
            );
        }
        assert_eq!(
            envelope["properties"].get().as_bytes(),
            *record,
            "{at}: properties must be the record byte for byte"
        );
    }
}

#[test]
fn azure_monitor_sign_ins_carry_their_category_and_the_record_bytes() {
    for (report, category) in SIGN_IN_REPORTS {
        check_azure_envelopes(report, category, Some("Sign-in activity"));
    }
}

#[test]
fn audits_and_provisioning_keep_their_records_in_azure_monitor_form() {
    check_azure_envelopes("directoryAudits", "AuditLogs", None);
    check_azure_envelopes(
        "provisioning",
        "ProvisioningLogs",
        Some("Provisioning activity"),
    );
}
