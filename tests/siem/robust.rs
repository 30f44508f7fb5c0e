//! Records that neither the golden cases nor the emulator show: unexpected shapes and
//! values written by hand, legacy records, and emulator records mutated at random (keys
//! dropped, values nulled, given another type or hostile text). Every document that
//! comes out must pass the validators, and a record may only be refused for one of the
//! documented reasons.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::{check_azure_envelopes, dump, lines, validate, validator};
use crate::util::{Output, tool};

/// `aad-format --to <target> --skip-invalid` on `input`.
fn convert_skipping(target: &str, input: &[u8]) -> Output {
    tool("aad-format")
        .args(["--to", target, "--skip-invalid"])
        .stdin(input.to_vec())
        .run()
}

/// The documents of a run that must succeed, parsed; each must pass the validator.
fn documents(target: &str, records: &[Value]) -> Vec<Value> {
    let input: String = records.iter().map(|r| format!("{r}\n")).collect();
    let out = tool("aad-format").args(["--to", target]).stdin(input).run();
    out.assert_code(0).assert_quiet();
    if let Some(script) = validator(target) {
        validate(script, &out.stdout).unwrap_or_else(|report| panic!("--to {target}: {report}"));
    }
    lines(&out.stdout)
        .iter()
        .map(|line| serde_json::from_slice(line).expect("a JSON document"))
        .collect()
}

#[test]
fn legacy_reports_map_to_valid_events() {
    for (report, category) in [("auditEvents", "AuditLogs"), ("signinEvents", "SignInLogs")] {
        let records = dump(report);
        for target in ["ecs", "ocsf"] {
            let out = tool("aad-format")
                .args(["--to", target])
                .stdin(records.clone())
                .run();
            out.assert_code(0).assert_quiet();
            assert_eq!(lines(&out.stdout).len(), 300, "{report} --to {target}");
            validate(validator(target).expect("validator"), &out.stdout)
                .unwrap_or_else(|report_text| panic!("{report} --to {target}: {report_text}"));
        }
        check_azure_envelopes(report, category, None);
    }
}

/// A sign-in with the properties every mapping needs, for variations.
fn sign_in() -> Value {
    json!({
        "id": "66ea54eb-6301-4ee5-be62-ff5a759b0100",
        "createdDateTime": "2026-01-12T08:14:03Z",
        "userId": "d7cc485d-2c1b-422c-98fd-5ce52859a4a3",
        "userPrincipalName": "alexw@contoso.com",
        "appId": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "ipAddress": "131.107.159.37",
        "status": {"errorCode": 0}
    })
}

/// `record` with `changes` merged in at the top level.
fn with(mut record: Value, changes: Value) -> Value {
    if let (Some(record), Some(changes)) = (record.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            record.insert(key.clone(), value.clone());
        }
    }
    record
}

#[test]
fn unexpected_values_and_shapes_still_give_valid_events() {
    let records = [
        // Numbers sent as strings, an unknown kind, risk level and protocol.
        with(
            sign_in(),
            json!({"status": {"errorCode": "50126", "failureReason": "Invalid password"},
                   "signInEventTypes": ["someFutureKind"], "riskLevelDuringSignIn": "extreme",
                   "authenticationProtocol": "someFutureProtocol"}),
        ),
        // Properties of the wrong type and objects that are null or missing.
        with(
            sign_in(),
            json!({"location": "Seattle", "deviceDetail": null, "status": null,
                   "ipAddress": 1234, "userDisplayName": {"x": 1}, "isInteractive": "no"}),
        ),
        // Hostile strings: control characters, bidi overrides, an invalid address.
        with(
            sign_in(),
            json!({"userPrincipalName": "\u{0}\u{1b}[31m\u{202e}@\n", "ipAddress": "1.2.3.4 ",
                   "deviceDetail": {"displayName": "\u{2028}", "operatingSystem": "\t"},
                   "location": {"city": "\"", "countryOrRegion": "u\u{301}s",
                                "geoCoordinates": {"latitude": 1e300, "longitude": 0}}}),
        ),
        // A directory audit with only its name and time.
        json!({"activityDisplayName": "Something new", "activityDateTime": "2026-01-12T08:14:03.1Z"}),
        // An audit whose targets and initiator have the wrong shapes.
        json!({"activityDisplayName": "Add member to role", "category": "RoleManagement",
               "activityDateTime": "2026-01-12T08:14:03+02:00", "result": "timeout",
               "initiatedBy": [], "targetResources": [null, 5, {"type": "Role"}, {"type": "User"}]}),
        // Provisioning with an unknown action and status, and no identity at all.
        json!({"jobId": "j", "activityDateTime": "2026-01-12T08:14:03Z",
               "provisioningAction": "archive", "provisioningStatusInfo": {"status": "unknownFutureValue"}}),
    ];
    let ecs = documents("ecs", &records);
    let ocsf = documents("ocsf", &records);
    documents("azure-monitor", &records);
    // A failure whose code came as a string is a failure everywhere.
    assert_eq!(ecs[0]["event"]["outcome"], "failure");
    assert_eq!(ecs[0]["event"]["code"], "50126");
    assert_eq!(ecs[0]["entra"]["signin"]["status"]["errorCode"], 50126);
    assert_eq!(ocsf[0]["status_id"], 2);
    assert_eq!(ocsf[0]["status_code"], "50126");
    assert_eq!(ocsf[0]["auth_protocol_id"], 99);
    assert_eq!(ocsf[0]["auth_protocol"], "someFutureProtocol");
    assert_eq!(ocsf[0]["severity_id"], 1);
    // Without a status the outcome is not known; wrong types map to nothing.
    assert_eq!(ecs[1]["event"].get("outcome"), None);
    assert_eq!(ocsf[1]["status_id"], 0);
    assert_eq!(ecs[1].get("source"), None);
    assert_eq!(ocsf[1].get("src_endpoint"), None);
    assert_eq!(ocsf[1]["unmapped"]["ipAddress"], 1234);
    // An address with a space is not an IP address; coordinates out of range are dropped.
    assert_eq!(ecs[2]["source"]["address"], "1.2.3.4 ");
    assert_eq!(ecs[2]["source"].get("ip"), None);
    assert_eq!(ecs[2]["source"]["geo"].get("location"), None);
    assert_eq!(ecs[2]["source"]["geo"].get("country_iso_code"), None);
    // The audit with nothing to name is an API Activity; timeout is neither outcome.
    assert_eq!(ocsf[3]["class_uid"], 6003);
    assert_eq!(ecs[4]["event"]["outcome"], "unknown");
    assert_eq!(ocsf[4]["status_id"], 99);
    assert_eq!(ocsf[4]["status"], "timeout");
    assert_eq!(ecs[4]["@timestamp"], "2026-01-12T06:14:03.000Z");
    assert_eq!(ocsf[5]["class_uid"], 6003);
    assert_eq!(ocsf[5]["activity_id"], 99);
    assert_eq!(ocsf[5]["activity_name"], "archive");
    assert_eq!(ecs[5]["event"]["type"], json!(["info", "admin"]));
}

#[test]
fn failed_sign_ins_are_failures_in_every_schema() {
    let mut failures = 0;
    for report in [
        "signIns",
        "nonInteractiveSignIns",
        "servicePrincipalSignIns",
        "managedIdentitySignIns",
    ] {
        let records: Vec<Value> = lines(&dump(report))
            .iter()
            .map(|line| serde_json::from_slice(line).expect("a record"))
            .collect();
        let ecs = documents("ecs", &records);
        let ocsf = documents("ocsf", &records);
        let azure = documents("azure-monitor", &records);
        for (n, record) in records.iter().enumerate() {
            let code = record["status"]["errorCode"].as_i64().expect("errorCode");
            let (outcome, status_id) = if code == 0 {
                ("success", 1)
            } else {
                failures += 1;
                ("failure", 2)
            };
            let at = format!("{report} record {}", n + 1);
            assert_eq!(ecs[n]["event"]["outcome"], outcome, "{at}");
            assert_eq!(ecs[n]["event"]["code"], code.to_string(), "{at}");
            assert_eq!(ocsf[n]["status_id"], status_id, "{at}");
            assert_eq!(ocsf[n]["status_code"], code.to_string(), "{at}");
            assert_eq!(azure[n]["resultType"], code.to_string(), "{at}");
        }
    }
    assert!(failures > 20, "the emulator sends failures ({failures})");
}

/// A small deterministic generator (xorshift64*), so that a failure can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % below
    }
}

/// Every place in `value` that holds a value: object keys and array indexes.
fn places(value: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    let children: Vec<(Value, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (json!(k), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (json!(i), v))
            .collect(),
        _ => return,
    };
    for (step, child) in children {
        at.push(step);
        out.push(at.clone());
        places(child, at, out);
        at.pop();
    }
}

/// The values a mutation puts in a place.
fn replacements() -> Vec<Value> {
    vec![
        Value::Null,
        json!(""),
        json!("   "),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(true),
        json!([]),
        json!({}),
        json!({"nested": null}),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("203.0.113.XXX"),
        json!("0001-01-01T00:00:00Z"),
        json!("=cmd|' /C calc'!A0\u{0}\u{1b}[2J\u{202e}\u{2028}\"\\"),
        json!("x".repeat(5000)),
        json!("50126"),
    ]
}

/// `record` with one place removed or replaced.
fn mutate(record: &mut Value, random: &mut Random) {
    let mut all = Vec::new();
    places(record, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return;
    }
    let path = &all[random.next(all.len())];
    let (last, parent_path) = path.split_last().expect("a place");
    let mut parent = &mut *record;
    for step in parent_path {
        parent = match step {
            Value::String(key) => &mut parent[key.as_str()],
            step => &mut parent[step.as_u64().expect("index") as usize],
        };
    }
    let choices = replacements();
    let choice = random.next(choices.len() + 1);
    match (parent, last) {
        (Value::Object(map), Value::String(key)) if choice == choices.len() => {
            map.remove(key);
        }
        (parent, Value::String(key)) => {
            parent[key.as_str()] = choices[choice % choices.len()].clone()
        }
        (parent, index) => {
            parent[index.as_u64().expect("index") as usize] =
                choices[choice % choices.len()].clone();
        }
    }
}

/// The documented reasons a record may be refused for: no known kind, no time or not a
/// time; for OCSF also a sign-in without user or application, and a time before 1973.
fn allowed(reason: &str, target: &str) -> bool {
    let families = [
        "sign-in record has ",
        "directory audit record has ",
        "provisioning record has ",
    ];
    if reason.starts_with("not a sign-in, directory audit or provisioning record") {
        return true;
    }
    if families.iter().any(|family| reason.starts_with(family)) {
        return reason.contains(", not a time")
            || reason.contains(" record has no ")
            || (target == "ocsf" && reason.contains(", before 1973-03-03,"));
    }
    target == "ocsf" && reason.starts_with("OCSF Authentication needs ")
}

/// The line numbers a `--skip-invalid` run skipped, each reason checked.
fn skipped(out: &Output, target: &str) -> BTreeSet<usize> {
    let mut skipped = BTreeSet::new();
    for line in out.stderr.lines() {
        if line.starts_with("aad-format: error: skipped ") {
            continue;
        }
        let rest = line
            .strip_prefix("aad-format: warning: <stdin>:")
            .and_then(|rest| rest.strip_suffix("; skipped"))
            .unwrap_or_else(|| panic!("--to {target}: unexpected stderr line {line:?}"));
        let (number, rest) = rest.split_once(':').expect("line number");
        let reason = rest.split_once(": ").expect("column").1;
        assert!(
            allowed(reason, target),
            "--to {target}: refused for {reason:?}"
        );
        skipped.insert(number.parse().expect("a line number"));
    }
    skipped
}

#[test]
fn mutated_emulator_records_are_valid_or_refused_for_a_documented_reason() {
    let mut random = Random(0x5eed_1234_abcd_0001);
    let mut input = Vec::new();
    for report in super::REPORTS
        .iter()
        .chain(&["auditEvents", "signinEvents"])
    {
        for line in lines(&dump(report)).iter().take(60) {
            let original: Value = serde_json::from_slice(line).expect("a record");
            for _ in 0..4 {
                let mut record = original.clone();
                for _ in 0..=random.next(3) {
                    mutate(&mut record, &mut random);
                }
                input.extend(format!("{record}\n").into_bytes());
            }
        }
    }
    let records = lines(&input);
    let mut refused = Vec::new();
    for target in ["ecs", "ocsf", "azure-monitor"] {
        let out = convert_skipping(target, &input);
        let skipped = skipped(&out, target);
        assert_eq!(
            out.code(),
            if skipped.is_empty() { 0 } else { 6 },
            "{}",
            out.describe()
        );
        let documents = lines(&out.stdout);
        assert_eq!(
            documents.len() + skipped.len(),
            records.len(),
            "--to {target}"
        );
        if let Some(script) = validator(target) {
            validate(script, &out.stdout)
                .unwrap_or_else(|report| panic!("--to {target}: {report}"));
        }
        let kept = (1..=records.len()).filter(|n| !skipped.contains(n));
        if target == "azure-monitor" {
            for (n, document) in kept.zip(&documents) {
                let envelope: BTreeMap<String, Box<RawValue>> =
                    serde_json::from_slice(document).expect("JSON");
                let properties = envelope["properties"].get().as_bytes();
                assert_eq!(properties, records[n - 1], "line {n}");
            }
        }
        refused.push(skipped);
    }
    // Record checks are the same for every target; OCSF may refuse more.
    assert_eq!(
        refused[0], refused[2],
        "ecs and azure-monitor refuse the same records"
    );
    assert!(
        refused[0].is_subset(&refused[1]),
        "ocsf refuses what ecs refuses"
    );
    assert!(
        refused[1].len() < records.len() / 4,
        "most mutated records still map ({} of {} refused)",
        refused[1].len(),
        records.len()
    );
}
