//! `signIn` records (Microsoft Graph) in their full form: every property of the beta
//! model, plus v1.0's `riskEventTypes` ([`super::views`] cuts each version's view).
//!
//! Every draw is made in the same order whatever the `version`, so the rows of one
//! sign-in (its split rows and its republication) share everything but what the
//! version changes: the service lists one sign-in as several rows when it evaluates
//! conditional-access policies separately, and republishes a sign-in once its risk
//! detections arrive (Entra FAQ).

use serde_json::{Value, json};

use super::entities::{Entities, PolicyState, User};
use super::pools::{self, PLACES};
use super::risk;
use super::{GenContext, SignInType};
use crate::rng::Rng;
use crate::time::{Ticks, format_ticks_seconds};

const CLIENT_APPS: &[&str] = &[
    "Browser",
    "Mobile Apps and Desktop clients",
    "Browser",
    "Mobile Apps and Desktop clients",
    "Exchange ActiveSync",
    "Other clients",
];

/// Failures of user sign-ins: (AADSTS code, failureReason), from Entra's reference.
const USER_FAILURES: &[(i64, &str)] = &[
    (
        50126,
        "Error validating credentials due to invalid username or password.",
    ),
    (
        50126,
        "Error validating credentials due to invalid username or password.",
    ),
    (50074, "Strong Authentication is required."),
    (
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
    ),
    (
        50053,
        "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
    ),
    (
        50057,
        "User account is disabled. The account has been disabled by an administrator.",
    ),
    (50055, "The password is expired."),
    (
        53003,
        "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
    ),
    (
        530003,
        "Your device is required to be managed to access this resource.",
    ),
    (
        50140,
        "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
    ),
    (
        500121,
        "Authentication failed during strong authentication request.",
    ),
];

/// Failures of non-interactive sign-ins (expired or revoked sessions).
const SESSION_FAILURES: &[(i64, &str)] = &[
    (
        50173,
        "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
    ),
    (
        70044,
        "The session has expired or is invalid due to sign-in frequency checks by conditional access.",
    ),
    (
        50133,
        "Session is invalid due to expiration or recent password change.",
    ),
];

/// Failures of service principals (a wrong secret, a deleted application).
const APP_FAILURES: &[(i64, &str)] = &[
    (
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
    ),
    (
        700016,
        "Application with identifier was not found in the directory.",
    ),
];

/// A sign-in of `kind` at `ticks` (whole seconds). `version` 0 is the first row,
/// 1 the republication with risk detections added, 2 and 3 the two rows of a sign-in
/// listed split by conditional-access evaluation.
pub(super) fn sign_in(
    rng: &mut Rng,
    ctx: &GenContext,
    kind: SignInType,
    ticks: Ticks,
    version: u32,
) -> Value {
    let e = &ctx.entities;
    let user_kind = matches!(
        kind,
        SignInType::InteractiveUser | SignInType::NonInteractiveUser
    );
    let user = &e.users[rng.below(e.users.len() as u64) as usize];
    let workload = match kind {
        SignInType::ServicePrincipal => Some(rng.pick(&e.service_principals)),
        SignInType::ManagedIdentity => Some(rng.pick(&e.managed_identities)),
        _ => None,
    };
    let app = rng.pick(&e.apps);
    let (app_id, app_name, app_owner) = match workload {
        Some(w) => (w.app_id.as_str(), w.name.as_str(), ctx.tenant_id.as_str()),
        None => (
            app.app_id.as_str(),
            app.name.as_str(),
            app.owner_tenant.as_str(),
        ),
    };
    let resource = rng.pick(&e.resources);
    let traveling = rng.chance(0.15);
    let place = PLACES[if traveling { user.away } else { user.home }];
    let ip = if traveling || !user_kind {
        pools::ip(rng)
    } else {
        user.ip.clone()
    };
    let failure = failure(rng, kind);
    let policies = policies(rng, e, failure.is_some(), user_kind, version >= 2);
    let ca_failed = policies.iter().any(|p| p["result"] == "failure");
    let ca_succeeded = policies.iter().any(|p| p["result"] == "success");
    let risk = risk::draw(rng, ctx.risk_hidden, user_kind);
    let mfa = user_kind && rng.chance(0.4);
    let correlation = rng.guid();
    let id = rng.guid();
    let session = rng.guid();
    let original_request = if rng.chance(0.2) {
        rng.guid()
    } else {
        String::new()
    };
    let processing = rng.below(400) + 20;
    let token_id = format!("{:016x}{:06x}", rng.next_u64(), rng.below(0xff_ffff));
    let protocol = match kind {
        SignInType::InteractiveUser => {
            *rng.pick(&["none", "none", "oAuth2", "authorizationCodeWithPkce"])
        }
        SignInType::NonInteractiveUser => *rng.pick(&["none", "refreshTokenGrant"]),
        _ => "clientCredentials",
    };
    let incoming = match kind {
        SignInType::NonInteractiveUser => {
            *rng.pick(&["primaryRefreshToken", "refreshToken", "none"])
        }
        _ => "none",
    };
    let issuer_type = if user.federated {
        "ADFederationServices"
    } else if rng.chance(0.02) {
        "AzureADBackupAuth"
    } else {
        "AzureAD"
    };
    let credential = match (kind, workload) {
        (SignInType::ServicePrincipal, _) => *rng.pick(&[
            "clientSecret",
            "certificate",
            "clientAssertion",
            "federatedIdentityCredential",
        ]),
        (SignInType::ManagedIdentity, _) => "managedIdentity",
        _ => "none",
    };
    let key_id = rng.guid();
    let thumbprint = format!(
        "{:016X}{:016X}{:08X}",
        rng.next_u64(),
        rng.next_u64(),
        rng.below(u64::from(u32::MAX))
    );
    let named_network = rng.chance(0.3);
    let lifetime = rng.chance(0.2);
    let asn = 3598 + rng.below(60_000);

    let (code, reason) = match failure {
        Some((code, reason)) => (json!(code), json!(reason)),
        None if kind == SignInType::NonInteractiveUser => (json!(0), json!("Other.")),
        None => (json!(0), Value::Null),
    };
    let details = match failure {
        Some((50126, _)) => json!(
            "The user didn't enter the right credentials. It's expected to see some number of these errors in your logs due to users making mistakes."
        ),
        Some(_) => json!("Follow the steps in the error message, or contact your administrator."),
        None if mfa => json!("MFA requirement satisfied by claim in the token"),
        None => Value::Null,
    };
    let geo = if rng.chance(0.1) {
        json!({})
    } else {
        json!({"altitude": null, "latitude": place.3, "longitude": place.4})
    };
    let time = format_ticks_seconds(ticks);
    let steps = if user_kind {
        auth_steps(&time, failure.is_none(), mfa)
    } else {
        json!([])
    };
    let guest = user_kind && user.guest;
    let user_field = |v: &str| if user_kind { json!(v) } else { Value::Null };
    let mut record = json!({
        "id": id,
        "createdDateTime": time,
        "userDisplayName": user_field(&user.display),
        "userPrincipalName": user_field(&user.upn),
        "userId": if user_kind { json!(user.id) } else { json!("") },
        "appId": app_id,
        "appDisplayName": app_name,
        "ipAddress": ip,
        "clientAppUsed": if user_kind { json!(rng.pick(CLIENT_APPS)) } else { Value::Null },
        "correlationId": correlation,
        "conditionalAccessStatus": if ca_failed { "failure" } else if ca_succeeded { "success" } else { "notApplied" },
        "isInteractive": kind == SignInType::InteractiveUser,
        "riskDetail": risk.detail,
        "riskLevelAggregated": risk.aggregated,
        "riskLevelDuringSignIn": risk.during,
        "riskState": risk.state,
        "riskEventTypes": risk.event_types,
        "riskEventTypes_v2": risk.event_types,
        "resourceDisplayName": resource.name,
        "resourceId": resource.id,
        "status": {"errorCode": code, "failureReason": reason, "additionalDetails": details},
        "deviceDetail": device(user, user_kind),
        "location": {
            "city": place.0,
            "state": place.1,
            "countryOrRegion": place.2,
            "geoCoordinates": geo,
        },
        "appliedConditionalAccessPolicies": policies,
        "authenticationAppDeviceDetails": null,
        "homeTenantId": if guest { &e.guest_tenant } else { &ctx.tenant_id },
        "resourceTenantId": ctx.tenant_id,
        "servicePrincipalId": workload.map_or("", |w| w.service_principal_id.as_str()),
        "servicePrincipalName": workload.map(|w| w.name.as_str()),
        "userAgent": if user_kind { json!(user.user_agent) } else { Value::Null },
    });
    // The beta model's properties.
    let beta = json!({
        "agent": null,
        "appOwnerTenantId": app_owner,
        "appTokenProtectionStatus": if user_kind { json!("none") } else { Value::Null },
        "appliedEventListeners": [],
        "authenticationAppPolicyEvaluationDetails": [],
        "authenticationContextClassReferences": [],
        "authenticationDetails": steps,
        "authenticationMethodsUsed": if !user_kind { json!([]) } else if mfa { json!(["Password", "Mobile app notification"]) } else { json!(["Password"]) },
        "authenticationProcessingDetails": [
            {"key": "Legacy TLS (TLS 1.0, 1.1, 3DES)", "value": "False"},
            {"key": "Is CAE Token", "value": if user_kind { "True" } else { "False" }},
        ],
        "authenticationProtocol": protocol,
        "authenticationRequirement": if mfa { "multiFactorAuthentication" } else { "singleFactorAuthentication" },
        "authenticationRequirementPolicies": if mfa { json!([{"requirementProvider": "multiConditionalAccess", "detail": "Conditional Access"}]) } else { json!([]) },
        "autonomousSystemNumber": asn,
        "azureResourceId": workload.and_then(|w| w.resource_id.as_deref()),
        "clientCredentialType": credential,
        "clientSessionId": null,
        "conditionalAccessAudiences": audiences(resource.id.as_str(), user_kind),
        "crossTenantAccessType": if guest { "b2bCollaboration" } else { "none" },
        "federatedCredentialId": if credential == "federatedIdentityCredential" { json!(key_id) } else { Value::Null },
        "flaggedForReview": false,
        "globalSecureAccessIpAddress": null,
        "homeTenantName": if guest { "Fabrikam" } else { "" },
        "incomingTokenType": incoming,
        "ipAddressFromResourceProvider": null,
        "isTenantRestricted": false,
        "isThroughGlobalSecureAccess": false,
        "managedServiceIdentity": {
            "msiType": workload.and_then(|w| w.msi).unwrap_or("none"),
            "associatedResourceId": workload.and_then(|w| w.resource_id.as_deref()),
            "federatedTokenId": null,
            "federatedTokenIssuer": null,
        },
        "mfaDetail": null,
        "networkLocationDetails": if named_network { json!([{"networkType": "namedNetwork", "networkNames": ["Contoso HQ"]}]) } else { json!([]) },
    });
    let beta_more = json!({
        "originalRequestId": original_request,
        "originalTransferMethod": "none",
        "privateLinkDetails": {"policyId": "", "policyName": "", "resourceId": "", "policyTenantId": ""},
        "processingTimeInMilliseconds": processing,
        "resourceOwnerTenantId": resource.owner_tenant,
        "resourceServicePrincipalId": resource.service_principal_id,
        "servicePrincipalCredentialKeyId": if credential == "clientSecret" { key_id.as_str() } else { "" },
        "servicePrincipalCredentialThumbprint": if credential == "certificate" { thumbprint.as_str() } else { "" },
        "sessionId": if user_kind { session.as_str() } else { "" },
        "sessionLifetimePolicies": if lifetime { json!([{"expirationRequirement": "tenantTokenLifetimePolicy", "detail": "The user was required to sign in again according to the tenant session lifetime policy"}]) } else { json!([]) },
        "signInEventTypes": [kind.event_type()],
        "signInIdentifier": if user_kind { json!(user.upn) } else { Value::Null },
        "signInIdentifierType": if user_kind { json!("userPrincipalName") } else { Value::Null },
        "signInTokenProtectionStatus": "none",
        "tokenIssuerName": if user.federated && user_kind { "contoso-adfs" } else { "" },
        "tokenIssuerType": issuer_type,
        "tokenProtectionStatusDetails": {"signInSessionStatus": "unbound", "signInSessionStatusCode": 1002},
        "uniqueTokenIdentifier": token_id,
        "userType": if !user_kind { Value::Null } else if guest { json!("guest") } else { json!("member") },
    });
    for part in [beta, beta_more] {
        if let (Some(all), Value::Object(more)) = (record.as_object_mut(), part) {
            all.extend(more);
        }
    }
    match version {
        0 => {}
        1 => risk::detected(&mut record),
        split => keep_policies(&mut record, split),
    }
    record
}

/// Whether the sign-in failed, and why.
fn failure(rng: &mut Rng, kind: SignInType) -> Option<(i64, &'static str)> {
    let (rate, list) = match kind {
        SignInType::InteractiveUser => (0.15, USER_FAILURES),
        SignInType::NonInteractiveUser => (0.08, SESSION_FAILURES),
        SignInType::ServicePrincipal => (0.1, APP_FAILURES),
        SignInType::ManagedIdentity => (0.0, APP_FAILURES),
    };
    let failed = rng.chance(rate);
    let pick = *rng.pick(list);
    failed.then_some(pick)
}

/// The conditional-access policies evaluated for a sign-in, with every outcome the
/// service reports; the beta properties of each evaluation included.
fn policies(rng: &mut Rng, e: &Entities, failed: bool, user_kind: bool, split: bool) -> Vec<Value> {
    let count = if user_kind { rng.below(4) } else { 0 };
    // A sign-in listed split has an evaluation for each of its rows.
    let count = if split { count.max(2) } else { count };
    let first = rng.below(e.policies.len() as u64) as usize;
    (0..count as usize)
        .map(|k| {
            let policy = &e.policies[(first + k) % e.policies.len()];
            let roll = rng.unit();
            let result = match policy.state {
                PolicyState::Off => "notEnabled",
                PolicyState::ReportOnly if roll < 0.6 => "reportOnlySuccess",
                PolicyState::ReportOnly if roll < 0.8 => "reportOnlyNotApplied",
                PolicyState::ReportOnly => "reportOnlyFailure",
                PolicyState::On if failed && k == 0 => "failure",
                PolicyState::On if roll < 0.55 => "success",
                PolicyState::On => "notApplied",
            };
            let applied = !matches!(result, "notApplied" | "notEnabled" | "reportOnlyNotApplied");
            json!({
                "id": policy.id,
                "displayName": policy.name,
                "enforcedGrantControls": if applied { json!(policy.grant) } else { json!([]) },
                "enforcedSessionControls": [],
                "result": result,
                "authenticationStrength": null,
                "conditionsSatisfied": if applied { "application,users" } else { "none" },
                "conditionsNotSatisfied": if applied { "none" } else if rng.chance(0.1) { "servicePrincipals" } else { "users" },
                "includeRulesSatisfied": if applied { json!([{"conditionalAccessCondition": "application", "ruleSatisfied": "appId"}, {"conditionalAccessCondition": "users", "ruleSatisfied": "allUsers"}]) } else { json!([]) },
                "excludeRulesSatisfied": [],
                "sessionControlsNotSatisfied": [],
            })
        })
        .collect()
}

/// The two rows of a split sign-in: the first policy evaluation (version 2), the
/// others (version 3).
fn keep_policies(record: &mut Value, split: u32) {
    if let Some(list) = record["appliedConditionalAccessPolicies"].as_array_mut() {
        let rest = list.split_off(1.min(list.len()));
        if split != 2 {
            *list = rest;
        }
    }
}

fn device(user: &User, user_kind: bool) -> Value {
    if !user_kind {
        return json!({"deviceId": "", "displayName": null, "operatingSystem": null, "browser": null, "isCompliant": null, "isManaged": null, "trustType": null, "browserId": null});
    }
    json!({
        "deviceId": user.device_id,
        "displayName": user.device_name,
        "operatingSystem": user.os,
        "browser": user.browser,
        "isCompliant": user.compliant,
        "isManaged": user.managed,
        "trustType": user.trust,
        "browserId": null,
    })
}

/// `conditionalAccessAudiences`: the resource, and Graph when the app reads the user.
fn audiences(resource: &str, user_kind: bool) -> Value {
    const GRAPH: &str = "00000003-0000-0000-c000-000000000000";
    if user_kind && resource != GRAPH {
        json!([resource, GRAPH])
    } else {
        json!([resource])
    }
}

/// The authentication steps of a user sign-in (beta `authenticationDetails`).
fn auth_steps(time: &str, succeeded: bool, mfa: bool) -> Value {
    let mut steps = vec![json!({
        "authenticationStepDateTime": time,
        "authenticationMethod": "Password",
        "authenticationMethodDetail": "Password in the cloud",
        "succeeded": succeeded,
        "authenticationStepResultDetail": if succeeded { "Correct password" } else { "Invalid username or password or Invalid on-premise username or password." },
        "authenticationStepRequirement": "Primary authentication",
    })];
    if mfa && succeeded {
        steps.push(json!({
            "authenticationStepDateTime": time,
            "authenticationMethod": "Mobile app notification",
            "authenticationMethodDetail": null,
            "succeeded": true,
            "authenticationStepResultDetail": "MFA successfully completed",
            "authenticationStepRequirement": "Multi-factor authentication",
        }));
    }
    json!(steps)
}
