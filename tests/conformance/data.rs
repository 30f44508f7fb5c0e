//! The data has what real tenants' logs have, so that real queries find something:
//! the same users, groups, applications and policies across events; risky and failed
//! sign-ins with real error codes; several countries; every conditional-access outcome;
//! service-principal and managed-identity sign-ins; duplicates as the service
//! produces them (Entra FAQ: one sign-in split into several rows, an event republished
//! with more detail); and, in live mode, several sign-ins in one second, some published
//! late into a second already listed.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::cases::strings;
use super::enums::PREFER_EVOLVABLE;
use super::{Service, Shared, assert_no_failures, graph_path};

static SERVICE: Shared = Shared::new();

fn service() -> std::sync::Arc<Service> {
    SERVICE.get(&["--records", "500"])
}

/// How often each value occurs.
fn counts<'a>(values: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    let mut counts = HashMap::new();
    for v in values.filter(|v| !v.is_empty()) {
        *counts.entry(v).or_default() += 1;
    }
    counts
}

/// The values one key maps to, for keys with more than one (an id with two names).
fn inconsistent<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut seen: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (key, value) in pairs.filter(|(k, _)| !k.is_empty()) {
        seen.entry(key).or_default().insert(value);
    }
    seen.into_iter()
        .filter(|(_, values)| values.len() > 1)
        .map(|(key, values)| {
            let shown: Vec<String> = values
                .iter()
                .map(|v| v.chars().take(40).collect())
                .collect();
            format!("{key} -> {shown:?}")
        })
        .take(3)
        .collect()
}

fn recurring(
    label: &str,
    counts: &HashMap<&str, usize>,
    at_least: usize,
    failures: &mut Vec<String>,
) {
    if !counts.values().any(|n| *n >= at_least) {
        failures.push(format!("no {label} occurs in {at_least} or more events"));
    }
}

#[test]
fn users_groups_applications_and_policies_recur_across_events() {
    let service = service();
    let sign_ins = service.complete("v1.0", "signIns");
    let audits = service.complete("v1.0", "directoryAudits");
    let mut failures = Vec::new();
    let s = |r: &'_ Value, k: &str| -> String { r[k].as_str().unwrap_or_default().to_string() };

    let users = counts(sign_ins.iter().filter_map(|r| r["userId"].as_str()));
    recurring("sign-in userId", &users, 3, &mut failures);
    let pairs: Vec<(String, String)> = sign_ins
        .iter()
        .map(|r| (s(r, "userPrincipalName"), s(r, "userId")))
        .collect();
    let broken = inconsistent(pairs.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    if !broken.is_empty() {
        failures.push(format!(
            "a userPrincipalName signs in with several userIds: {broken:?}"
        ));
    }
    let apps: Vec<(String, String)> = sign_ins
        .iter()
        .map(|r| (s(r, "appId"), s(r, "appDisplayName")))
        .collect();
    let broken = inconsistent(apps.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    if !broken.is_empty() {
        failures.push(format!("an appId has several names: {broken:?}"));
    }
    let policy_ids = counts(sign_ins.iter().flat_map(|r| {
        r["appliedConditionalAccessPolicies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["id"].as_str())
    }));
    recurring(
        "conditional-access policy id",
        &policy_ids,
        3,
        &mut failures,
    );

    let initiators = counts(
        audits
            .iter()
            .filter_map(|r| r["initiatedBy"]["user"]["id"].as_str()),
    );
    recurring(
        "directoryAudit initiatedBy.user.id",
        &initiators,
        2,
        &mut failures,
    );
    let targets = |kind: &'static str| {
        counts(audits.iter().flat_map(move |r| {
            r["targetResources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(move |t| t["type"] == kind)
                .filter_map(|t| t["id"].as_str())
        }))
    };
    recurring("target group id", &targets("Group"), 2, &mut failures);
    let app_ids = counts(
        audits
            .iter()
            .filter_map(|r| r["initiatedBy"]["app"]["servicePrincipalId"].as_str()),
    );
    recurring(
        "initiating application (servicePrincipalId)",
        &app_ids,
        2,
        &mut failures,
    );
    let group_names: Vec<(String, String)> = audits
        .iter()
        .flat_map(|r| r["targetResources"].as_array().cloned().unwrap_or_default())
        .filter(|t| t["type"] == "Group")
        .map(|t| (s(&t, "id"), s(&t, "displayName")))
        .collect();
    let broken = inconsistent(group_names.iter().map(|(a, b)| (a.as_str(), b.as_str())));
    if !broken.is_empty() {
        failures.push(format!("a group id has several names: {broken:?}"));
    }
    let audit_users: HashSet<&str> = audits
        .iter()
        .filter_map(|r| r["initiatedBy"]["user"]["id"].as_str())
        .chain(audits.iter().flat_map(|r| {
            r["targetResources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t["id"].as_str())
        }))
        .collect();
    if !users.keys().any(|u| audit_users.contains(u)) {
        failures.push("no user who signs in appears in the audit log".into());
    }
    assert_no_failures("recurring entities", 10, &failures);
}

/// Risky sign-ins as Identity Protection marks them: medium or high risk during
/// sign-in, `riskState` atRisk, and risk detections in `riskEventTypes_v2`.
#[test]
fn some_sign_ins_are_risky() {
    let service = service();
    let sign_ins = service.complete("v1.0", "signIns");
    let mut failures = Vec::new();
    if !sign_ins
        .iter()
        .any(|r| ["medium", "high"].contains(&r["riskLevelDuringSignIn"].as_str().unwrap_or("")))
    {
        failures.push("no riskLevelDuringSignIn medium or high".to_string());
    }
    let at_risk: Vec<&Value> = sign_ins
        .iter()
        .filter(|r| r["riskState"] == "atRisk")
        .collect();
    if at_risk.is_empty() {
        failures.push("no riskState atRisk".into());
    }
    if !at_risk
        .iter()
        .any(|r| strings(&r["riskEventTypes_v2"]).next().is_some())
    {
        failures.push("no atRisk sign-in lists its detections in riskEventTypes_v2".into());
    }
    assert_no_failures("risky sign-ins", 3, &failures);
}

/// Error codes real sign-ins fail with (Entra's AADSTS reference).
const REAL_FAILURES: &[i64] = &[
    16000, 50034, 50053, 50055, 50056, 50057, 50058, 50072, 50074, 50076, 50079, 50089, 50097,
    50105, 50125, 50126, 50132, 50133, 50140, 50158, 50173, 53000, 53001, 53003, 530003, 65001,
    70043, 70044, 81010, 500121, 700016, 7000215,
];

#[test]
fn failed_sign_ins_carry_real_error_codes_from_several_countries() {
    let service = service();
    let sign_ins = service.complete("v1.0", "signIns");
    let mut failures = Vec::new();
    let failed: Vec<&Value> = sign_ins
        .iter()
        .filter(|r| r["status"]["errorCode"].as_i64().is_some_and(|c| c != 0))
        .collect();
    let codes: HashSet<i64> = failed
        .iter()
        .filter_map(|r| r["status"]["errorCode"].as_i64())
        .collect();
    if codes.len() < 3 {
        failures.push(format!("fewer than 3 distinct error codes: {codes:?}"));
    }
    if let Some(code) = codes.iter().find(|c| !REAL_FAILURES.contains(c)) {
        failures.push(format!("error code {code} is not one sign-ins fail with"));
    }
    if let Some(r) = failed.iter().find(|r| {
        r["status"]["failureReason"]
            .as_str()
            .is_none_or(str::is_empty)
    }) {
        failures.push(format!("a failure without failureReason: {}", r["status"]));
    }
    let countries: HashSet<&str> = sign_ins
        .iter()
        .filter_map(|r| r["location"]["countryOrRegion"].as_str())
        .collect();
    if countries.len() < 3 {
        failures.push(format!(
            "sign-ins from fewer than 3 countries: {countries:?}"
        ));
    }
    assert_no_failures("failed sign-ins", 4, &failures);
}

/// Every conditional-access outcome: the sign-in's `conditionalAccessStatus`
/// (success, failure, notApplied) and each policy's `result` (success, failure,
/// notApplied, notEnabled, and a report-only one, seen with the Prefer header). The
/// property is only present for callers that may read policies, so the emulator's
/// main application must hold Policy.Read.All.
#[test]
fn conditional_access_outcomes_of_every_kind() {
    let service = service();
    assert!(
        service.reads_conditional_access,
        "the main application lacks Policy.Read.All: its sign-ins cannot show conditional access"
    );
    let sign_ins = service
        .drain(&graph_path("v1.0", "signIns", &[]), &[PREFER_EVOLVABLE])
        .unwrap_or_else(|a| panic!("{}", a.describe()));
    let statuses: HashSet<&str> = sign_ins
        .iter()
        .filter_map(|r| r["conditionalAccessStatus"].as_str())
        .collect();
    let results: HashSet<&str> = sign_ins
        .iter()
        .flat_map(|r| {
            r["appliedConditionalAccessPolicies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["result"].as_str())
        })
        .collect();
    let mut failures = Vec::new();
    for status in ["success", "failure", "notApplied"] {
        if !statuses.contains(status) {
            failures.push(format!("no conditionalAccessStatus {status}"));
        }
    }
    for result in ["success", "failure", "notApplied", "notEnabled"] {
        if !results.contains(result) {
            failures.push(format!("no policy result {result}"));
        }
    }
    if !results.iter().any(|r| r.starts_with("reportOnly")) {
        failures.push("no report-only policy result".into());
    }
    assert_no_failures("conditional-access outcomes", 8, &failures);
}

/// Beta service-principal and managed-identity sign-ins name their service principal;
/// one service principal signs in repeatedly.
#[test]
fn service_principal_and_managed_identity_sign_ins() {
    let service = service();
    let every = service.every_beta_sign_in();
    let mut failures = Vec::new();
    for kind in ["servicePrincipal", "managedIdentity"] {
        let of_kind: Vec<&Value> = every
            .iter()
            .filter(|r| strings(&r["signInEventTypes"]).any(|k| k == kind))
            .collect();
        if of_kind.is_empty() {
            failures.push(format!("no {kind} sign-ins"));
            continue;
        }
        if let Some(r) = of_kind.iter().find(|r| {
            r["servicePrincipalId"].as_str().is_none_or(str::is_empty)
                || !r["servicePrincipalName"].is_string()
        }) {
            failures.push(format!(
                "a {kind} sign-in without its service principal: {}",
                r["id"]
            ));
        }
        let principals = counts(
            of_kind
                .iter()
                .filter_map(|r| r["servicePrincipalId"].as_str()),
        );
        recurring(
            &format!("{kind} servicePrincipalId"),
            &principals,
            2,
            &mut failures,
        );
    }
    let mut msi = every
        .iter()
        .filter(|r| strings(&r["signInEventTypes"]).any(|k| k == "managedIdentity"));
    if let Some(r) = msi.find(|r| {
        !["systemAssigned", "userAssigned"].contains(
            &r["managedServiceIdentity"]["msiType"]
                .as_str()
                .unwrap_or(""),
        )
    }) {
        failures.push(format!(
            "a managed-identity sign-in with msiType {}",
            r["managedServiceIdentity"]["msiType"]
        ));
    }
    assert_no_failures("service-principal sign-ins", 5, &failures);
}

/// Duplicates as the FAQ describes them: one sign-in in several rows of the same id
/// (one per conditional-access policy evaluation), and an event republished later
/// with its risk detections added.
#[test]
fn sign_ins_come_split_and_republished_as_the_service_lists_them() {
    let service = service();
    let sign_ins = service.complete("v1.0", "signIns");
    let mut by_id: HashMap<&str, Vec<&Value>> = HashMap::new();
    for r in sign_ins.iter() {
        by_id
            .entry(r["id"].as_str().unwrap_or_default())
            .or_default()
            .push(r);
    }
    let groups: Vec<&Vec<&Value>> = by_id.values().filter(|rows| rows.len() > 1).collect();
    let split = groups.iter().any(|rows| {
        rows.iter()
            .all(|r| r["createdDateTime"] == rows[0]["createdDateTime"])
            && rows.iter().any(|r| {
                r["appliedConditionalAccessPolicies"] != rows[0]["appliedConditionalAccessPolicies"]
            })
    });
    let enriched = groups.iter().any(|rows| {
        rows.iter()
            .any(|r| strings(&r["riskEventTypes_v2"]).next().is_none())
            && rows
                .iter()
                .any(|r| strings(&r["riskEventTypes_v2"]).next().is_some())
    });
    let mut failures = Vec::new();
    if !split {
        failures.push(
            "no sign-in split into rows of the same id and time with different policies"
                .to_string(),
        );
    }
    if !enriched {
        failures.push("no sign-in republished with risk detections added".to_string());
    }
    assert_no_failures("duplicate sign-ins", 2, &failures);
}

/// Live mode: sign-ins arrive several per second, and some are published late into a
/// second a client has already listed (why `--lag` and `--overlap` exist).
#[test]
fn live_sign_ins_tie_within_a_second_and_arrive_late_into_listed_seconds() {
    let live = Service::start(&["--records", "0", "--live", "30", "--max-delay", "2s"]);
    let second = |r: &Value| {
        r["createdDateTime"]
            .as_str()
            .unwrap_or_default()
            .get(..19)
            .unwrap_or_default()
            .to_string()
    };
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut listed_seconds: HashSet<String> = HashSet::new();
    let mut frontier = String::new();
    let (mut tie, mut late) = (false, false);
    let deadline = Instant::now() + Duration::from_secs(12);
    while Instant::now() < deadline && !(tie && late) {
        let records = live
            .drain("/v1.0/auditLogs/signIns", &[])
            .unwrap_or_else(|a| panic!("{}", a.describe()));
        let per_second = counts(
            records
                .iter()
                .filter_map(|r| r["createdDateTime"].as_str().and_then(|t| t.get(..19))),
        );
        tie |= per_second.values().any(|n| *n >= 2);
        for r in &records {
            let id = r["id"].as_str().unwrap_or_default().to_string();
            // New, in a second listed before, behind the newest second then listed.
            let at = second(r);
            if !seen_ids.contains(&id) && listed_seconds.contains(&at) && at < frontier {
                late = true;
            }
        }
        if let Some(newest) = records.iter().map(second).max() {
            frontier = frontier.max(newest);
        }
        seen_ids.extend(
            records
                .iter()
                .map(|r| r["id"].as_str().unwrap_or_default().to_string()),
        );
        listed_seconds.extend(records.iter().map(second));
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(tie, "no two live sign-ins in the same second");
    assert!(
        late,
        "no live sign-in published into a second already listed"
    );
}
