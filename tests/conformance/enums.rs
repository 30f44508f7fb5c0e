//! Enum members per report and version, and Microsoft Graph's evolvable enums.
//!
//! The member lists are those of the SDK enum files (msgraph-sdk-python for v1.0,
//! msgraph-beta-sdk-python for beta; both generated from Graph's live schema), in
//! their order. Graph's rule for evolvable enums: members listed after
//! `unknownFutureValue` are returned only to callers that send
//! `Prefer: include-unknown-enum-members`; others get `unknownFutureValue` in their
//! place. (Stated in the SDK descriptions of these properties; unverified that these
//! endpoints substitute. Chosen: they do, as every Graph workload is required to.)
//! Flags enums (`crossTenantAccessType`, `incomingTokenType`, `authenticationProtocol`,
//! `conditionsSatisfied`) are one string; several members would be comma-separated
//! (OData; unverified, no multi-valued example seen).

use serde_json::Value;

use super::{Service, Shared, assert_no_failures, graph_path};

static SERVICE: Shared = Shared::new();

fn service() -> std::sync::Arc<Service> {
    SERVICE.get(&["--records", "400"])
}

/// The header that asks for evolvable members.
pub const PREFER_EVOLVABLE: (&str, &str) = ("Prefer", "include-unknown-enum-members");

/// One enum-valued property: its path (`/` between properties, `[]` after a
/// collection: each of its items), its members up to and including
/// `unknownFutureValue`, and the evolvable members after it.
type Field = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

/// The values at a path of [`Field`] (nulls included).
fn values_at<'a>(record: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut at = vec![record];
    for segment in path.split('/') {
        let (name, each) = match segment.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (segment, false),
        };
        at = at
            .into_iter()
            .flat_map(|v| match (&v[name], each) {
                (Value::Array(items), true) => items.iter().collect(),
                (_, true) => Vec::new(),
                (inner, false) => vec![inner],
            })
            .collect();
    }
    at
}

#[rustfmt::skip]
mod members {
    pub const CA_STATUS: &[&str] = &["success", "failure", "notApplied", "unknownFutureValue"];
    pub const RISK_LEVEL: &[&str] = &["low", "medium", "high", "hidden", "none", "unknownFutureValue"];
    pub const RISK_STATE: &[&str] = &["none", "confirmedSafe", "remediated", "dismissed", "atRisk", "confirmedCompromised", "unknownFutureValue"];
    pub const CA_RESULT: &[&str] = &["success", "failure", "notApplied", "notEnabled", "unknown", "unknownFutureValue"];
    pub const CA_RESULT_EVOLVABLE: &[&str] = &["reportOnlySuccess", "reportOnlyFailure", "reportOnlyNotApplied", "reportOnlyInterrupted"];
    pub const RISK_DETAIL: &[&str] = &[
        "none", "adminGeneratedTemporaryPassword", "userPerformedSecuredPasswordChange",
        "userPerformedSecuredPasswordReset", "adminConfirmedSigninSafe", "aiConfirmedSigninSafe",
        "userPassedMFADrivenByRiskBasedPolicy", "adminDismissedAllRiskForUser",
        "adminConfirmedSigninCompromised", "hidden", "adminConfirmedUserCompromised", "unknownFutureValue",
    ];
    pub const RISK_DETAIL_EVOLVABLE_V1: &[&str] = &[
        "m365DAdminDismissedDetection", "adminConfirmedServicePrincipalCompromised",
        "adminDismissedAllRiskForServicePrincipal", "userChangedPasswordOnPremises",
        "adminDismissedRiskForSignIn", "adminConfirmedAccountSafe", "microsoftRevokedSessions",
    ];
    /// Beta adds the agent members.
    pub const RISK_DETAIL_EVOLVABLE_BETA: &[&str] = &[
        "m365DAdminDismissedDetection", "adminConfirmedServicePrincipalCompromised",
        "adminDismissedAllRiskForServicePrincipal", "userChangedPasswordOnPremises",
        "adminDismissedRiskForSignIn", "adminConfirmedAccountSafe", "microsoftRevokedSessions",
        "adminConfirmedAgentSafe", "adminConfirmedAgentCompromised", "adminDismissedRiskForAgent",
    ];
    pub const RISK_EVENT_TYPE: &[&str] = &[
        "unlikelyTravel", "anonymizedIPAddress", "maliciousIPAddress", "unfamiliarFeatures",
        "malwareInfectedIPAddress", "suspiciousIPAddress", "leakedCredentials",
        "investigationsThreatIntelligence", "generic", "adminConfirmedUserCompromised",
        "mcasImpossibleTravel", "mcasSuspiciousInboxManipulationRules",
        "investigationsThreatIntelligenceSigninLinked", "maliciousIPAddressValidCredentialsBlockedIP",
        "unknownFutureValue",
    ];
    pub const SIGN_IN_EVENT_TYPE: &[&str] = &["interactiveUser", "nonInteractiveUser", "servicePrincipal", "managedIdentity", "unknownFutureValue"];
    pub const USER_TYPE: &[&str] = &["member", "guest", "unknownFutureValue"];
    /// PascalCase, unlike every other enum.
    pub const TOKEN_ISSUER: &[&str] = &["AzureAD", "ADFederationServices", "UnknownFutureValue"];
    pub const TOKEN_ISSUER_EVOLVABLE: &[&str] = &["AzureADBackupAuth", "ADFederationServicesMFAAdapter", "NPSExtension"];
    pub const CREDENTIAL: &[&str] = &["none", "clientSecret", "clientAssertion", "federatedIdentityCredential", "managedIdentity", "certificate", "unknownFutureValue"];
    pub const ACCESS_TYPE: &[&str] = &["none", "b2bCollaboration", "b2bDirectConnect", "microsoftSupport", "serviceProvider", "unknownFutureValue"];
    pub const INCOMING_TOKEN: &[&str] = &["none", "primaryRefreshToken", "saml11", "saml20", "unknownFutureValue"];
    pub const INCOMING_TOKEN_EVOLVABLE: &[&str] = &["remoteDesktopToken", "refreshToken"];
    pub const PROTOCOL: &[&str] = &["none", "oAuth2", "ropc", "wsFederation", "saml20", "deviceCode", "unknownFutureValue"];
    pub const PROTOCOL_EVOLVABLE: &[&str] = &[
        "authenticationTransfer", "nativeAuth", "implicitAccessTokenAndGetResponseMode",
        "implicitIdTokenAndGetResponseMode", "implicitAccessTokenAndPostResponseMode",
        "implicitIdTokenAndPostResponseMode", "authorizationCodeWithoutPkce", "authorizationCodeWithPkce",
        "clientCredentials", "refreshTokenGrant", "encryptedAuthorizeResponse", "directUserGrant",
        "kerberos", "prtGrant", "seamlessSso", "prtBrokerBased", "prtNonBrokerBased", "onBehalfOf",
        "samlOnBehalfOf", "officeS2S", "wsTrust",
    ];
    pub const MSI_TYPE: &[&str] = &["none", "userAssigned", "systemAssigned", "unknownFutureValue"];
    pub const IDENTIFIER_TYPE: &[&str] = &["userPrincipalName", "phoneNumber", "proxyAddress", "qrCode", "onPremisesUserPrincipalName", "unknownFutureValue"];
    pub const TOKEN_PROTECTION: &[&str] = &["none", "bound", "unbound", "unknownFutureValue"];
    pub const TRANSFER_METHOD: &[&str] = &["none", "deviceCodeFlow", "authenticationTransfer", "unknownFutureValue"];
    pub const NETWORK_TYPE: &[&str] = &["intranet", "extranet", "namedNetwork", "trusted", "trustedNamedLocation", "unknownFutureValue"];
    pub const EXPIRATION: &[&str] = &[
        "rememberMultifactorAuthenticationOnTrustedDevices", "tenantTokenLifetimePolicy",
        "audienceTokenLifetimePolicy", "signInFrequencyPeriodicReauthentication", "ngcMfa",
        "signInFrequencyEveryTime", "unknownFutureValue",
    ];
    pub const CA_CONDITIONS: &[&str] = &[
        "none", "application", "users", "devicePlatform", "location", "clientType", "signInRisk",
        "userRisk", "time", "deviceState", "client", "ipAddressSeenByAzureAD",
        "ipAddressSeenByResourceProvider", "unknownFutureValue",
    ];
    pub const CA_CONDITIONS_EVOLVABLE: &[&str] = &["servicePrincipals", "servicePrincipalRisk", "authenticationFlows", "insiderRisk"];
    pub const OPERATION_RESULT: &[&str] = &["success", "failure", "timeout", "unknownFutureValue"];
    pub const GROUP_TYPE: &[&str] = &["unifiedGroups", "azureAD", "unknownFutureValue"];
    pub const PROVISIONING_ACTION: &[&str] = &["other", "create", "delete", "disable", "update", "stagedDelete", "unknownFutureValue"];
    pub const PROVISIONING_RESULT: &[&str] = &["success", "failure", "skipped", "warning", "unknownFutureValue"];
    pub const ERROR_CATEGORY: &[&str] = &["failure", "nonServiceFailure", "success", "unknownFutureValue"];
    pub const STEP_TYPE: &[&str] = &["import", "scoping", "matching", "processing", "referenceResolution", "export", "unknownFutureValue"];
    pub const INITIATOR_TYPE: &[&str] = &["user", "application", "system", "unknownFutureValue"];
}

use members::*;

/// Sign-in enums of both versions.
const SIGN_IN: &[Field] = &[
    ("conditionalAccessStatus", CA_STATUS, &[]),
    ("riskLevelAggregated", RISK_LEVEL, &[]),
    ("riskLevelDuringSignIn", RISK_LEVEL, &[]),
    ("riskState", RISK_STATE, &[]),
    (
        "appliedConditionalAccessPolicies[]/result",
        CA_RESULT,
        CA_RESULT_EVOLVABLE,
    ),
];

const SIGN_IN_V1: &[Field] = &[
    ("riskDetail", RISK_DETAIL, RISK_DETAIL_EVOLVABLE_V1),
    ("riskEventTypes[]", RISK_EVENT_TYPE, &[]),
];

const SIGN_IN_BETA: &[Field] = &[
    ("riskDetail", RISK_DETAIL, RISK_DETAIL_EVOLVABLE_BETA),
    ("signInEventTypes[]", SIGN_IN_EVENT_TYPE, &[]),
    ("userType", USER_TYPE, &[]),
    ("tokenIssuerType", TOKEN_ISSUER, TOKEN_ISSUER_EVOLVABLE),
    ("clientCredentialType", CREDENTIAL, &[]),
    ("crossTenantAccessType", ACCESS_TYPE, &["passthrough"]),
    (
        "incomingTokenType",
        INCOMING_TOKEN,
        INCOMING_TOKEN_EVOLVABLE,
    ),
    ("authenticationProtocol", PROTOCOL, PROTOCOL_EVOLVABLE),
    ("managedServiceIdentity/msiType", MSI_TYPE, &[]),
    ("signInIdentifierType", IDENTIFIER_TYPE, &[]),
    ("appTokenProtectionStatus", TOKEN_PROTECTION, &[]),
    ("signInTokenProtectionStatus", TOKEN_PROTECTION, &[]),
    (
        "tokenProtectionStatusDetails/signInSessionStatus",
        TOKEN_PROTECTION,
        &[],
    ),
    ("originalTransferMethod", TRANSFER_METHOD, &[]),
    ("networkLocationDetails[]/networkType", NETWORK_TYPE, &[]),
    (
        "sessionLifetimePolicies[]/expirationRequirement",
        EXPIRATION,
        &[],
    ),
    (
        "appliedConditionalAccessPolicies[]/conditionsSatisfied",
        CA_CONDITIONS,
        CA_CONDITIONS_EVOLVABLE,
    ),
    (
        "appliedConditionalAccessPolicies[]/conditionsNotSatisfied",
        CA_CONDITIONS,
        CA_CONDITIONS_EVOLVABLE,
    ),
];

const AUDIT: &[Field] = &[
    ("result", OPERATION_RESULT, &[]),
    ("targetResources[]/groupType", GROUP_TYPE, &[]),
];

const PROVISIONING: &[Field] = &[
    ("provisioningAction", PROVISIONING_ACTION, &[]),
    ("provisioningStatusInfo/status", PROVISIONING_RESULT, &[]),
    (
        "provisioningStatusInfo/errorInformation/errorCategory",
        ERROR_CATEGORY,
        &[],
    ),
    ("provisioningSteps[]/provisioningStepType", STEP_TYPE, &[]),
    ("provisioningSteps[]/status", PROVISIONING_RESULT, &[]),
    ("initiatedBy/initiatorType", INITIATOR_TYPE, &[]),
];

fn fields_of(version: &str, report: &str) -> Vec<Field> {
    match (version, report.to_ascii_lowercase().as_str()) {
        ("v1.0", "signins") => [SIGN_IN, SIGN_IN_V1].concat(),
        (_, "signins") => [SIGN_IN, SIGN_IN_BETA].concat(),
        (_, "directoryaudits") => AUDIT.to_vec(),
        _ => PROVISIONING.to_vec(),
    }
}

fn policies(r: &Value) -> &[Value] {
    r["appliedConditionalAccessPolicies"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Enum values of one record that are not members (for its version, and for a caller
/// that did or did not send `Prefer: include-unknown-enum-members`).
pub fn enum_problems(version: &str, report: &str, record: &Value, prefer: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, base, evolvable) in fields_of(version, report) {
        for value in values_at(record, path) {
            if value.is_null() {
                continue;
            }
            let Some(text) = value.as_str() else {
                problems.push(format!(
                    "{version} {report} {path}: {value} is not a string"
                ));
                continue;
            };
            for member in text.split(',').map(str::trim) {
                let known = base.contains(&member) || (prefer && evolvable.contains(&member));
                if !known {
                    let why = if evolvable.contains(&member) {
                        " (an evolvable member, for callers that send Prefer: include-unknown-enum-members only)"
                    } else {
                        ""
                    };
                    problems.push(format!(
                        "{version} {report} {path}: {member:?} is not a member{why}"
                    ));
                }
            }
        }
    }
    problems
}

fn check_all(service: &Service, headers: &[(&str, &str)], prefer: bool) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut checked = 0;
    for (version, report) in super::LISTS {
        let records = service
            .drain(&graph_path(version, report, &[]), headers)
            .unwrap_or_else(|a| panic!("{}", a.describe()));
        checked += records.len();
        for record in &records {
            problems.extend(enum_problems(version, report, record, prefer));
        }
    }
    let every = service.every_beta_sign_in();
    if !prefer {
        checked += every.len();
        for record in every.iter() {
            problems.extend(enum_problems("beta", "signIns", record, false));
        }
    }
    (checked, super::summarize(&problems))
}

#[test]
fn enum_members_are_the_versions_own_without_prefer() {
    let service = service();
    let (checked, problems) = check_all(&service, &[], false);
    assert_no_failures("enum members without Prefer", checked, &problems);
}

#[test]
fn enum_members_with_prefer_include_unknown_enum_members() {
    let service = service();
    let (checked, problems) = check_all(&service, &[PREFER_EVOLVABLE], true);
    assert_no_failures("enum members with Prefer", checked, &problems);
}

/// The same sign-ins asked for twice: an evolvable conditional-access result
/// (`reportOnlySuccess`, ...) with the header, `unknownFutureValue` in its place
/// without it.
#[test]
fn evolvable_members_become_unknown_future_value_without_prefer() {
    let service = service();
    for version in ["v1.0", "beta"] {
        let path = graph_path(version, "signIns", &[]);
        let with = service
            .drain(&path, &[PREFER_EVOLVABLE])
            .expect("with Prefer");
        let without = service.drain(&path, &[]).expect("without Prefer");
        assert_eq!(
            with.len(),
            without.len(),
            "{version}: the header changes no record count"
        );
        let mut substituted = 0;
        for (a, b) in with.iter().zip(&without) {
            assert_eq!(
                a["id"], b["id"],
                "{version}: same records in the same order"
            );
            for (p, q) in policies(a).iter().zip(policies(b)) {
                if p["result"]
                    .as_str()
                    .is_some_and(|r| CA_RESULT_EVOLVABLE.contains(&r))
                {
                    assert_eq!(
                        q["result"], "unknownFutureValue",
                        "{version} {}: {q}",
                        a["id"]
                    );
                    substituted += 1;
                } else {
                    assert_eq!(p["result"], q["result"], "{version} {}", a["id"]);
                }
            }
        }
        assert!(
            substituted > 0,
            "{version}: the data has no report-only conditional-access result to substitute"
        );
    }
}

/// tokenIssuerType members are PascalCase (`AzureAD`), unlike every other enum.
#[test]
fn beta_token_issuer_type_is_pascal_case() {
    let service = service();
    let beta = service.complete("beta", "signIns");
    assert!(
        beta.iter().any(|r| r["tokenIssuerType"] == "AzureAD"),
        "no sign-in with tokenIssuerType \"AzureAD\""
    );
}

/// Example 2 of the provisioning list: `errorCategory: "nonServiceFailure"`.
#[test]
fn provisioning_error_category_is_camel_case() {
    let service = service();
    let records = service.complete("v1.0", "provisioning");
    let categories: Vec<&Value> = records
        .iter()
        .map(|r| &r["provisioningStatusInfo"]["errorInformation"]["errorCategory"])
        .filter(|c| !c.is_null())
        .collect();
    assert!(
        categories.iter().any(|c| **c == "nonServiceFailure"),
        "no failure with errorCategory \"nonServiceFailure\": {:?}",
        categories.first()
    );
}
