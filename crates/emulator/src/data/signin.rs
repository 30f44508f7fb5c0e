//! `signIn` records (Microsoft Graph): the beta rendering, and the v1.0 view of it.

use serde_json::{Value, json};

use super::pools::{self, maybe_hostile};
use super::{GenContext, SignInType};
use crate::rng::Rng;
use crate::time::{Ticks, format_ticks};

/// Fields only the beta endpoint returns; the v1.0 view removes them.
const BETA_ONLY: &[&str] = &[
    "signInEventTypes",
    "userType",
    "authenticationRequirement",
    "tokenIssuerType",
    "userAgent",
    "servicePrincipalId",
    "servicePrincipalName",
    "clientCredentialType",
    "managedServiceIdentity",
    "homeTenantId",
    "resourceTenantId",
    "crossTenantAccessType",
    "processingTimeInMilliseconds",
    "uniqueTokenIdentifier",
];

const CLIENT_APPS: &[&str] = &[
    "Browser",
    "Mobile Apps and Desktop clients",
    "Exchange ActiveSync",
    "IMAP4",
    "SMTP",
    "Other clients",
];
const FAILURES: &[(i64, &str)] = &[
    (
        50126,
        "Error validating credentials due to invalid username or password.",
    ),
    (50074, "Strong Authentication is required."),
    (
        50053,
        "The account is locked, you've tried to sign in too many times with an incorrect user ID or password.",
    ),
    (
        530003,
        "Your device is required to be managed to access this resource.",
    ),
];
const POLICY_NAMES: [&str; 3] = [
    "Require MFA for admins",
    "Block legacy authentication",
    "Require compliant device",
];
const RESOURCES: &[(&str, &str)] = &[
    ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    (
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    (
        "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        "Windows Azure Service Management API",
    ),
];

/// A sign-in of the given kind, beta shape; `version` > 0 adds late risk information.
pub(super) fn sign_in(
    rng: &mut Rng,
    ctx: &GenContext,
    kind: SignInType,
    ticks: Ticks,
    version: u32,
) -> Value {
    let user_kind = matches!(
        kind,
        SignInType::InteractiveUser | SignInType::NonInteractiveUser
    );
    let (display, upn) = pools::person(rng, &ctx.domain);
    let (app_id, app_name) = *rng.pick(pools::APPS);
    let (resource_id, resource_name) = *rng.pick(RESOURCES);
    let (city, state, country, lat, lon) = *rng.pick(pools::PLACES);
    let failed = rng.chance(0.12);
    let status = if failed {
        let (code, reason) = *rng.pick(FAILURES);
        json!({"errorCode": code, "failureReason": reason, "additionalDetails": maybe_hostile(rng, "The user didn't enter the right credentials.".to_string())})
    } else {
        json!({"errorCode": 0, "failureReason": null, "additionalDetails": if rng.chance(0.2) { json!("MFA requirement satisfied by claim in the token") } else { Value::Null }})
    };
    let policies: Vec<Value> = (0..rng.below(3))
        .map(|i| {
            json!({
                "id": rng.guid(),
                "displayName": POLICY_NAMES[i as usize],
                "enforcedGrantControls": if failed { json!(["Mfa"]) } else { json!([]) },
                "enforcedSessionControls": [],
                "result": if failed { "failure" } else { *rng.pick(&["success", "notApplied", "reportOnlySuccess"]) },
            })
        })
        .collect();
    let geo = if rng.chance(0.1) {
        json!({"altitude": null, "latitude": null, "longitude": null})
    } else {
        json!({"altitude": null, "latitude": lat, "longitude": lon})
    };
    let (risk_detail, risk_level, risk_state) = if version > 0 {
        ("aiConfirmedSigninSafe", "low", "dismissed")
    } else {
        ("none", "none", "none")
    };
    let mut record = json!({
        "id": rng.guid(),
        "createdDateTime": format_ticks(ticks),
        "userDisplayName": if user_kind { json!(maybe_hostile(rng, display)) } else { Value::Null },
        "userPrincipalName": if user_kind { json!(upn) } else { Value::Null },
        "userId": if user_kind { json!(rng.guid()) } else { json!("") },
        "appId": app_id,
        "appDisplayName": maybe_hostile(rng, app_name.to_string()),
        "ipAddress": pools::ip(rng),
        "clientAppUsed": if user_kind { json!(rng.pick(CLIENT_APPS)) } else { Value::Null },
        "correlationId": rng.guid(),
        "conditionalAccessStatus": if policies.is_empty() { "notApplied" } else if failed { "failure" } else { "success" },
        "isInteractive": kind == SignInType::InteractiveUser,
        "riskDetail": risk_detail,
        "riskLevelAggregated": risk_level,
        "riskLevelDuringSignIn": risk_level,
        "riskState": risk_state,
        "riskEventTypes": [],
        "riskEventTypes_v2": [],
        "resourceDisplayName": resource_name,
        "resourceId": resource_id,
        "status": status,
        "deviceDetail": {
            "deviceId": if rng.chance(0.5) { json!(rng.guid()) } else { json!("") },
            "displayName": if rng.chance(0.5) { json!(format!("DESKTOP-{:05X}", rng.below(0xFFFFF))) } else { Value::Null },
            "operatingSystem": rng.pick(pools::SYSTEMS),
            "browser": rng.pick(pools::BROWSERS),
            "isCompliant": if rng.chance(0.3) { Value::Null } else { json!(rng.chance(0.8)) },
            "isManaged": if rng.chance(0.3) { Value::Null } else { json!(rng.chance(0.7)) },
            "trustType": if rng.chance(0.5) { json!("Azure AD joined") } else { Value::Null },
        },
        "location": {
            "city": maybe_hostile(rng, city.to_string()),
            "state": state,
            "countryOrRegion": country,
            "geoCoordinates": geo,
        },
        "appliedConditionalAccessPolicies": policies,
        "signInEventTypes": [kind.event_type()],
        "userType": if user_kind { json!("member") } else { Value::Null },
        "authenticationRequirement": if rng.chance(0.4) { "multiFactorAuthentication" } else { "singleFactorAuthentication" },
        "tokenIssuerType": "AzureAD",
        "userAgent": if user_kind { json!(pools::pick_maybe_hostile(rng, pools::USER_AGENTS)) } else { json!("") },
        "servicePrincipalId": if user_kind { json!("") } else { json!(rng.guid()) },
        "servicePrincipalName": if user_kind { Value::Null } else { json!(rng.pick(pools::SERVICE_APPS)) },
        "clientCredentialType": match kind {
            SignInType::ServicePrincipal => json!(rng.pick(&["clientSecret", "certificate", "federatedIdentityCredential"])),
            SignInType::ManagedIdentity => json!("managedIdentity"),
            _ => json!("none"),
        },
        "managedServiceIdentity": if kind == SignInType::ManagedIdentity {
            json!({"msiType": "systemAssigned", "associatedResourceId": format!("/subscriptions/{}/resourceGroups/prod/providers/Microsoft.Compute/virtualMachines/vm{}", rng.guid(), rng.below(100)), "federatedTokenId": null, "federatedTokenIssuer": null})
        } else {
            json!({"msiType": "none", "associatedResourceId": null, "federatedTokenId": null, "federatedTokenIssuer": null})
        },
        "homeTenantId": ctx.tenant_id,
        "resourceTenantId": ctx.tenant_id,
        "crossTenantAccessType": "none",
        "processingTimeInMilliseconds": rng.below(400) + 20,
        "uniqueTokenIdentifier": format!("{:016x}{:06x}", rng.next_u64(), rng.below(0xffffff)),
    });
    if version > 0
        && let Some(obj) = record.as_object_mut()
    {
        obj.insert("riskEventTypes_v2".into(), json!(["unfamiliarFeatures"]));
        obj.insert("riskEventTypes".into(), json!(["unfamiliarFeatures"]));
    }
    record
}

/// The v1.0 rendering: the beta record without the beta-only fields.
pub(super) fn v1_view(beta: &Value) -> Value {
    let mut v1 = beta.clone();
    if let Some(obj) = v1.as_object_mut() {
        for field in BETA_ONLY {
            obj.shift_remove(*field);
        }
    }
    v1
}
