//! The property models: which properties a record of each report and version has,
//! and their JSON types.
//!
//! Property sets are the SDK models, which are generated from Graph's live schema
//! (msgraph-sdk-python for v1.0, msgraph-beta-sdk-python for beta); Graph writes every
//! property of the model, null when unset. Nullability is the v1.0 OpenAPI's (the
//! beta-only properties are taken as nullable). v1.0 signIn gained six properties in
//! the SDK build of 2026-08-04 (marked below, descriptions still placeholders); they
//! are in the live schema. Unverified that the service already writes them; chosen: it
//! does, like every property of the schema.

use serde_json::Value;

/// A JSON type, and whether null is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    StrOrNull,
    IntOrNull,
    BoolOrNull,
    Arr,
    Obj,
    ObjOrNull,
}

impl Ty {
    pub fn accepts(self, v: &Value) -> bool {
        match self {
            Str => v.is_string(),
            StrOrNull => v.is_string() || v.is_null(),
            IntOrNull => v.is_i64() || v.is_null(),
            BoolOrNull => v.is_boolean() || v.is_null(),
            Arr => v.is_array(),
            Obj => v.is_object(),
            ObjOrNull => v.is_object() || v.is_null(),
        }
    }
}

use Ty::{Arr, BoolOrNull, IntOrNull, Obj, ObjOrNull, Str, StrOrNull};

/// v1.0 signIn: the 24 documented properties, then the six of 2026-08-04.
#[rustfmt::skip]
pub const SIGN_IN_V1: &[(&str, Ty)] = &[
    ("id", Str), ("createdDateTime", Str), ("userDisplayName", StrOrNull),
    ("userPrincipalName", StrOrNull), ("userId", Str), ("appId", StrOrNull),
    ("appDisplayName", StrOrNull), ("ipAddress", StrOrNull), ("clientAppUsed", StrOrNull),
    ("correlationId", StrOrNull), ("conditionalAccessStatus", StrOrNull),
    ("isInteractive", BoolOrNull), ("riskDetail", StrOrNull), ("riskLevelAggregated", StrOrNull),
    ("riskLevelDuringSignIn", StrOrNull), ("riskState", StrOrNull), ("riskEventTypes", Arr),
    ("riskEventTypes_v2", Arr), ("resourceDisplayName", StrOrNull), ("resourceId", StrOrNull),
    ("status", ObjOrNull), ("deviceDetail", ObjOrNull), ("location", ObjOrNull),
    ("appliedConditionalAccessPolicies", Arr),
    // Added to the v1.0 schema on 2026-08-04.
    ("authenticationAppDeviceDetails", ObjOrNull), ("homeTenantId", StrOrNull),
    ("resourceTenantId", StrOrNull), ("servicePrincipalId", StrOrNull),
    ("servicePrincipalName", StrOrNull), ("userAgent", StrOrNull),
];

/// beta signIn: no `riskEventTypes` (only `riskEventTypes_v2`).
#[rustfmt::skip]
pub const SIGN_IN_BETA: &[(&str, Ty)] = &[
    ("id", Str), ("createdDateTime", Str), ("agent", ObjOrNull), ("appDisplayName", StrOrNull),
    ("appId", StrOrNull), ("appOwnerTenantId", StrOrNull), ("appTokenProtectionStatus", StrOrNull),
    ("appliedConditionalAccessPolicies", Arr), ("appliedEventListeners", Arr),
    ("authenticationAppDeviceDetails", ObjOrNull), ("authenticationAppPolicyEvaluationDetails", Arr),
    ("authenticationContextClassReferences", Arr), ("authenticationDetails", Arr),
    ("authenticationMethodsUsed", Arr), ("authenticationProcessingDetails", Arr),
    ("authenticationProtocol", StrOrNull), ("authenticationRequirement", StrOrNull),
    ("authenticationRequirementPolicies", Arr), ("autonomousSystemNumber", IntOrNull),
    ("azureResourceId", StrOrNull), ("clientAppUsed", StrOrNull), ("clientCredentialType", StrOrNull),
    ("clientSessionId", StrOrNull), ("conditionalAccessAudiences", Arr),
    ("conditionalAccessStatus", StrOrNull), ("correlationId", StrOrNull),
    ("crossTenantAccessType", StrOrNull), ("deviceDetail", ObjOrNull),
    ("federatedCredentialId", StrOrNull), ("flaggedForReview", BoolOrNull),
    ("globalSecureAccessIpAddress", StrOrNull), ("homeTenantId", StrOrNull),
    ("homeTenantName", StrOrNull), ("incomingTokenType", StrOrNull), ("ipAddress", StrOrNull),
    ("ipAddressFromResourceProvider", StrOrNull), ("isInteractive", BoolOrNull),
    ("isTenantRestricted", BoolOrNull), ("isThroughGlobalSecureAccess", BoolOrNull),
    ("location", ObjOrNull), ("managedServiceIdentity", ObjOrNull), ("mfaDetail", ObjOrNull),
    ("networkLocationDetails", Arr), ("originalRequestId", StrOrNull),
    ("originalTransferMethod", StrOrNull), ("privateLinkDetails", ObjOrNull),
    ("processingTimeInMilliseconds", IntOrNull), ("resourceDisplayName", StrOrNull),
    ("resourceId", StrOrNull), ("resourceOwnerTenantId", StrOrNull),
    ("resourceServicePrincipalId", StrOrNull), ("resourceTenantId", StrOrNull),
    ("riskDetail", StrOrNull), ("riskEventTypes_v2", Arr), ("riskLevelAggregated", StrOrNull),
    ("riskLevelDuringSignIn", StrOrNull), ("riskState", StrOrNull),
    ("servicePrincipalCredentialKeyId", StrOrNull), ("servicePrincipalCredentialThumbprint", StrOrNull),
    // User sign-ins in the beta examples carry "" here, not null.
    ("servicePrincipalId", Str), ("servicePrincipalName", StrOrNull), ("sessionId", StrOrNull),
    ("sessionLifetimePolicies", Arr), ("signInEventTypes", Arr), ("signInIdentifier", StrOrNull),
    ("signInIdentifierType", StrOrNull), ("signInTokenProtectionStatus", StrOrNull),
    ("status", ObjOrNull), ("tokenIssuerName", StrOrNull), ("tokenIssuerType", StrOrNull),
    ("tokenProtectionStatusDetails", ObjOrNull), ("uniqueTokenIdentifier", StrOrNull),
    ("userAgent", StrOrNull), ("userDisplayName", StrOrNull), ("userId", Str),
    ("userPrincipalName", StrOrNull), ("userType", StrOrNull),
];

#[rustfmt::skip]
pub const AUDIT_V1: &[(&str, Ty)] = &[
    ("id", Str), ("category", Str), ("correlationId", StrOrNull), ("result", StrOrNull),
    ("resultReason", StrOrNull), ("activityDisplayName", Str), ("activityDateTime", Str),
    ("loggedByService", StrOrNull), ("operationType", StrOrNull), ("initiatedBy", Obj),
    ("targetResources", Arr), ("additionalDetails", Arr),
];

pub const AUDIT_BETA_EXTRA: &[(&str, Ty)] = &[("performedBy", ObjOrNull), ("userAgent", StrOrNull)];

#[rustfmt::skip]
pub const PROVISIONING: &[(&str, Ty)] = &[
    ("id", Str), ("activityDateTime", Str), ("tenantId", StrOrNull), ("jobId", StrOrNull),
    ("cycleId", StrOrNull), ("changeId", StrOrNull), ("provisioningAction", StrOrNull),
    ("durationInMilliseconds", IntOrNull), ("provisioningStatusInfo", ObjOrNull),
    ("provisioningSteps", Arr), ("modifiedProperties", Arr), ("servicePrincipal", ObjOrNull),
    ("sourceSystem", ObjOrNull), ("targetSystem", ObjOrNull), ("initiatedBy", ObjOrNull),
    ("sourceIdentity", ObjOrNull), ("targetIdentity", ObjOrNull),
];

/// The properties a record of this report and version has, with their types.
pub fn model(version: &str, report: &str) -> Vec<(&'static str, Ty)> {
    match (version, report.to_ascii_lowercase().as_str()) {
        ("v1.0", "signins") => SIGN_IN_V1.to_vec(),
        (_, "signins") => SIGN_IN_BETA.to_vec(),
        ("v1.0", "directoryaudits") => AUDIT_V1.to_vec(),
        (_, "directoryaudits") => [AUDIT_V1, AUDIT_BETA_EXTRA].concat(),
        _ => PROVISIONING.to_vec(),
    }
}
