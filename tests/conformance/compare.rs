//! Runs the cases of a filter table against the emulator and compares each answer
//! with the client-side evaluation of the case's predicate over the complete set.

use std::collections::HashMap;

use serde_json::Value;

use super::cases::{Case, Expect};
use super::{Service, graph_path};

/// Runs every case against `/{version}/auditLogs/{report}` and compares with the
/// predicate over `complete`. Returns one line per failed case.
pub fn check_cases(
    service: &Service,
    version: &str,
    report: &str,
    complete: &[Value],
    cases: &[Case],
) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        let path = graph_path(version, report, &[("$filter", &case.odata)]);
        let expected: Vec<&Value> = complete.iter().filter(|r| (case.pred)(r)).collect();
        let label = format!("{version} {report} $filter={}", case.odata);
        match service.drain(&path, &[]) {
            Err(answer) => failures.push(format!(
                "{label}: refused with {} {}",
                answer.status,
                answer.text.chars().take(200).collect::<String>()
            )),
            Ok(got) => {
                if let Some(problem) = compare(&expected, &got) {
                    failures.push(format!("{label}: {problem}"));
                }
            }
        }
        if let Some(weak) = &case.weak {
            failures.push(format!("{label}: not discriminating: {weak}"));
        } else {
            match case.expect {
                Expect::Discriminating
                    if expected.is_empty() || expected.len() == complete.len() =>
                {
                    failures.push(format!(
                        "{label}: not discriminating: selects {} of {} records",
                        expected.len(),
                        complete.len()
                    ));
                }
                Expect::Empty if !expected.is_empty() => failures.push(format!(
                    "{label}: the data makes this case select {} records; it should select none",
                    expected.len()
                )),
                Expect::All if expected.len() != complete.len() || complete.is_empty() => {
                    failures.push(format!(
                        "{label}: the data makes this case select {} of {} records; it should select all",
                        expected.len(),
                        complete.len()
                    ));
                }
                _ => {}
            }
        }
    }
    failures
}

/// The difference between two multisets of records, if any.
fn compare(expected: &[&Value], got: &[Value]) -> Option<String> {
    let mut want: HashMap<String, isize> = HashMap::new();
    for r in expected {
        *want.entry(r.to_string()).or_default() += 1;
    }
    for r in got {
        *want.entry(r.to_string()).or_default() -= 1;
    }
    let id = |json: &str| -> String {
        serde_json::from_str::<Value>(json)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let missing: Vec<String> = want
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(r, _)| id(r))
        .collect();
    let extra: Vec<String> = want
        .iter()
        .filter(|(_, n)| **n < 0)
        .map(|(r, _)| id(r))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return None;
    }
    Some(format!(
        "expected {} records, got {}: {} missing (e.g. {:?}), {} not matching (e.g. {:?})",
        expected.len(),
        got.len(),
        missing.len(),
        missing.iter().take(3).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(3).collect::<Vec<_>>()
    ))
}
