//! What each API version returns of a record, and Microsoft Graph's evolvable enums.
//!
//! A record is generated once in its full form; v1.0 and beta each list their own
//! model's properties (v1.0 signIn: the 24 documented properties and the six added to
//! the schema in 2026; beta: the beta model, without v1.0's `riskEventTypes`; beta
//! directoryAudit adds `userAgent`, `performedBy` and `initiatedBy.linkableIdentifiers`).
//!
//! Evolvable enum members (listed after `unknownFutureValue` in the schema) are sent
//! only to callers whose request says `Prefer: include-unknown-enum-members`; everyone
//! else gets `unknownFutureValue` in their place.

use serde_json::{Map, Value, json};

use super::Dataset;

/// v1.0 signIn's properties, in the order the full record has them.
const SIGN_IN_V1: &[&str] = &[
    "id",
    "createdDateTime",
    "userDisplayName",
    "userPrincipalName",
    "userId",
    "appId",
    "appDisplayName",
    "ipAddress",
    "clientAppUsed",
    "correlationId",
    "conditionalAccessStatus",
    "isInteractive",
    "riskDetail",
    "riskLevelAggregated",
    "riskLevelDuringSignIn",
    "riskState",
    "riskEventTypes",
    "riskEventTypes_v2",
    "resourceDisplayName",
    "resourceId",
    "status",
    "deviceDetail",
    "location",
    "appliedConditionalAccessPolicies",
    "authenticationAppDeviceDetails",
    "homeTenantId",
    "resourceTenantId",
    "servicePrincipalId",
    "servicePrincipalName",
    "userAgent",
];

/// v1.0 appliedConditionalAccessPolicy.
const POLICY_V1: &[&str] = &[
    "id",
    "displayName",
    "enforcedGrantControls",
    "enforcedSessionControls",
    "result",
];

/// Properties only beta directoryAudits have.
const AUDIT_BETA_ONLY: &[&str] = &["performedBy", "userAgent"];

#[rustfmt::skip]
const CA_RESULT: &[&str] = &["reportOnlySuccess", "reportOnlyFailure", "reportOnlyNotApplied", "reportOnlyInterrupted"];
#[rustfmt::skip]
const RISK_DETAIL_V1: &[&str] = &[
    "m365DAdminDismissedDetection", "adminConfirmedServicePrincipalCompromised",
    "adminDismissedAllRiskForServicePrincipal", "userChangedPasswordOnPremises",
    "adminDismissedRiskForSignIn", "adminConfirmedAccountSafe", "microsoftRevokedSessions",
];
#[rustfmt::skip]
const RISK_DETAIL_BETA: &[&str] = &[
    "m365DAdminDismissedDetection", "adminConfirmedServicePrincipalCompromised",
    "adminDismissedAllRiskForServicePrincipal", "userChangedPasswordOnPremises",
    "adminDismissedRiskForSignIn", "adminConfirmedAccountSafe", "microsoftRevokedSessions",
    "adminConfirmedAgentSafe", "adminConfirmedAgentCompromised", "adminDismissedRiskForAgent",
];
#[rustfmt::skip]
const TOKEN_ISSUER: &[&str] = &["AzureADBackupAuth", "ADFederationServicesMFAAdapter", "NPSExtension"];
#[rustfmt::skip]
const INCOMING_TOKEN: &[&str] = &["remoteDesktopToken", "refreshToken"];
#[rustfmt::skip]
const PROTOCOL: &[&str] = &[
    "authenticationTransfer", "nativeAuth", "implicitAccessTokenAndGetResponseMode",
    "implicitIdTokenAndGetResponseMode", "implicitAccessTokenAndPostResponseMode",
    "implicitIdTokenAndPostResponseMode", "authorizationCodeWithoutPkce", "authorizationCodeWithPkce",
    "clientCredentials", "refreshTokenGrant", "encryptedAuthorizeResponse", "directUserGrant",
    "kerberos", "prtGrant", "seamlessSso", "prtBrokerBased", "prtNonBrokerBased", "onBehalfOf",
    "samlOnBehalfOf", "officeS2S", "wsTrust",
];
#[rustfmt::skip]
const CA_CONDITIONS: &[&str] = &["servicePrincipals", "servicePrincipalRisk", "authenticationFlows", "insiderRisk"];

/// An evolvable enum property: its path (`[]` after a collection), the evolvable
/// members, and the enum's own `unknownFutureValue` spelling.
type Evolvable = (&'static str, &'static [&'static str], &'static str);

const SIGN_IN_EVOLVABLE: &[Evolvable] = &[
    (
        "appliedConditionalAccessPolicies[]/result",
        CA_RESULT,
        "unknownFutureValue",
    ),
    (
        "appliedConditionalAccessPolicies[]/conditionsSatisfied",
        CA_CONDITIONS,
        "unknownFutureValue",
    ),
    (
        "appliedConditionalAccessPolicies[]/conditionsNotSatisfied",
        CA_CONDITIONS,
        "unknownFutureValue",
    ),
    ("tokenIssuerType", TOKEN_ISSUER, "UnknownFutureValue"),
    (
        "crossTenantAccessType",
        &["passthrough"],
        "unknownFutureValue",
    ),
    ("incomingTokenType", INCOMING_TOKEN, "unknownFutureValue"),
    ("authenticationProtocol", PROTOCOL, "unknownFutureValue"),
];

/// The record as `/{version}` lists it (`v1` or beta).
pub(crate) fn for_version(dataset: Dataset, full: &Value, v1: bool) -> Value {
    match (dataset, v1) {
        (Dataset::SignIns(_), true) => sign_in_v1(full),
        (Dataset::SignIns(_), false) => without(full, &["riskEventTypes"]),
        (Dataset::DirectoryAudits, true) => audit_v1(full),
        _ => full.clone(),
    }
}

/// The record for a caller that did not send `Prefer: include-unknown-enum-members`;
/// `None` when it has no evolvable member (the same record).
pub(crate) fn without_evolvable(dataset: Dataset, view: &Value, v1: bool) -> Option<Value> {
    if !matches!(dataset, Dataset::SignIns(_)) {
        return None;
    }
    let mut out = view.clone();
    let mut changed = false;
    let risk: &[&str] = if v1 { RISK_DETAIL_V1 } else { RISK_DETAIL_BETA };
    let fields =
        SIGN_IN_EVOLVABLE
            .iter()
            .copied()
            .chain([("riskDetail", risk, "unknownFutureValue")]);
    for (path, members, unknown) in fields {
        changed |= substitute(&mut out, path, members, unknown);
    }
    changed.then_some(out)
}

/// The record for a caller that may not read conditional-access policies: the
/// property is left out entirely, not emptied (beta signin-list).
pub(crate) fn without_policies(record: &Value) -> Value {
    without(record, &["appliedConditionalAccessPolicies"])
}

fn without(record: &Value, names: &[&str]) -> Value {
    match record {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !names.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn pick(record: &Value, names: &[&str]) -> Value {
    let mut out = Map::new();
    if let Value::Object(map) = record {
        for (k, v) in map {
            if names.contains(&k.as_str()) {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn sign_in_v1(full: &Value) -> Value {
    let mut v1 = pick(full, SIGN_IN_V1);
    if let Some(device) = v1.get_mut("deviceDetail") {
        *device = without(device, &["browserId"]);
    }
    // v1.0 writes all three coordinates; beta also writes an empty object.
    let geo = &mut v1["location"]["geoCoordinates"];
    if geo.as_object().is_some_and(Map::is_empty) {
        *geo = json!({"altitude": null, "latitude": null, "longitude": null});
    }
    if let Some(policies) = v1
        .get_mut("appliedConditionalAccessPolicies")
        .and_then(Value::as_array_mut)
    {
        for policy in policies {
            *policy = pick(policy, POLICY_V1);
        }
    }
    v1
}

fn audit_v1(full: &Value) -> Value {
    let mut v1 = without(full, AUDIT_BETA_ONLY);
    if let Some(initiated) = v1.get_mut("initiatedBy") {
        *initiated = without(initiated, &["linkableIdentifiers"]);
    }
    v1
}

/// Replaces the evolvable members at `path` (each member of a comma-separated flags
/// value); says whether anything changed.
fn substitute(value: &mut Value, path: &str, members: &[&str], unknown: &str) -> bool {
    let (head, rest) = match path.split_once('/') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let (name, each) = match head.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (head, false),
    };
    let Some(inner) = value.get_mut(name) else {
        return false;
    };
    match (each, rest) {
        (true, Some(rest)) => inner.as_array_mut().is_some_and(|items| {
            items.iter_mut().fold(false, |changed, item| {
                substitute(item, rest, members, unknown) | changed
            })
        }),
        (false, Some(rest)) => substitute(inner, rest, members, unknown),
        (_, None) => {
            let Some(text) = inner.as_str() else {
                return false;
            };
            let replaced: Vec<&str> = text
                .split(',')
                .map(|m| {
                    if members.contains(&m.trim()) {
                        unknown
                    } else {
                        m
                    }
                })
                .collect();
            let replaced = replaced.join(",");
            let changed = replaced != text;
            *inner = Value::String(replaced);
            changed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SignInType;

    #[test]
    fn evolvable_members_are_replaced_member_by_member() {
        let record = json!({
            "riskDetail": "adminConfirmedAgentSafe",
            "tokenIssuerType": "NPSExtension",
            "appliedConditionalAccessPolicies": [
                {"result": "reportOnlySuccess", "conditionsSatisfied": "application,insiderRisk"},
                {"result": "success", "conditionsSatisfied": "none"},
            ],
        });
        let dataset = Dataset::SignIns(SignInType::InteractiveUser);
        let beta = without_evolvable(dataset, &record, false).unwrap();
        assert_eq!(beta["riskDetail"], "unknownFutureValue");
        assert_eq!(beta["tokenIssuerType"], "UnknownFutureValue");
        let policies = &beta["appliedConditionalAccessPolicies"];
        assert_eq!(policies[0]["result"], "unknownFutureValue");
        assert_eq!(
            policies[0]["conditionsSatisfied"],
            "application,unknownFutureValue"
        );
        assert_eq!(policies[1]["result"], "success");
        // The agent members are beta's: v1.0's enum does not have them at all.
        let v1 = without_evolvable(dataset, &json!({"riskDetail": "none"}), true);
        assert!(v1.is_none());
    }
}
