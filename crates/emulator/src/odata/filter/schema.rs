//! What each list's `$filter` supports, property by property and operator by operator:
//! the `Supports $filter (...)` notes of each resource's properties (v1.0 and beta
//! differ), the filters Microsoft itself publishes in its examples, and the choices
//! where the public record is silent (each named in `man aad-emulator`).

use crate::data::Dataset;
use crate::time::Ticks;

/// The JSON type a property holds, which decides the literals it is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Int,
    Bool,
    /// The list's time field: unquoted DateTimeOffset literals only.
    Time,
    /// A collection of strings, tested item by item inside `any()`.
    Strings,
    /// A collection of objects, tested through their properties inside `any()`.
    Objects(&'static [Prop]),
}

/// Operators as bits of [`Prop::ops`].
pub(crate) const EQ: u8 = 1;
pub(crate) const GT: u8 = 2;
pub(crate) const GE: u8 = 4;
pub(crate) const LT: u8 = 8;
pub(crate) const LE: u8 = 16;
pub(crate) const STARTS: u8 = 32;
pub(crate) const CONTAINS: u8 = 64;
/// Every comparison of a time field.
const RANGE: u8 = EQ | GT | GE | LT | LE;

/// One filterable property: its path (`/` between properties), type and operators.
/// `ne` is accepted wherever `eq` is, except on the time field (Microsoft's own
/// examples use `ne` on `status/errorCode`, risk levels, `authenticationRequirement`
/// and inside `any()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prop {
    pub path: &'static str,
    pub ty: Ty,
    pub ops: u8,
}

const fn p(path: &'static str, ty: Ty, ops: u8) -> Prop {
    Prop { path, ty, ops }
}

use Ty::{Bool, Int, Objects, Str, Strings, Time};

/// appliedConditionalAccessPolicy: `id` (eq, the type's note) and `result` (Entra
/// PowerShell's Example 4 filters on it).
const POLICY: &[Prop] = &[p("id", Str, EQ), p("result", Str, EQ)];

/// targetResource through `any()`: `id` and `displayName` eq, `displayName` startswith.
const TARGET: &[Prop] = &[p("id", Str, EQ), p("displayName", Str, EQ | STARTS)];

/// Both versions of signIn.
#[rustfmt::skip]
const SIGN_IN: &[Prop] = &[
    p("appDisplayName", Str, EQ | STARTS), p("appId", Str, EQ), p("clientAppUsed", Str, EQ),
    p("conditionalAccessStatus", Str, EQ), p("correlationId", Str, EQ),
    p("createdDateTime", Time, RANGE),
    p("deviceDetail/browser", Str, EQ | STARTS), p("deviceDetail/operatingSystem", Str, EQ | STARTS),
    p("ipAddress", Str, EQ | STARTS),
    p("location/city", Str, EQ | STARTS), p("location/state", Str, EQ | STARTS),
    p("location/countryOrRegion", Str, EQ | STARTS),
    p("resourceDisplayName", Str, EQ), p("resourceId", Str, EQ),
    p("riskDetail", Str, EQ), p("riskLevelAggregated", Str, EQ),
    p("riskLevelDuringSignIn", Str, EQ), p("riskState", Str, EQ),
    p("riskEventTypes_v2", Strings, EQ | STARTS),
    p("status/errorCode", Int, EQ),
    p("userDisplayName", Str, EQ | STARTS), p("userId", Str, EQ),
    p("userPrincipalName", Str, EQ | STARTS),
    // The old list page's table.
    p("id", Str, EQ),
    // Published by Microsoft (Entra PowerShell examples), not annotated.
    p("appliedConditionalAccessPolicies", Objects(POLICY), EQ),
    p("deviceDetail/isCompliant", Bool, EQ), p("isInteractive", Bool, EQ),
];

/// v1.0 only: the legacy enum collection.
const SIGN_IN_V1: &[Prop] = &[p("riskEventTypes", Strings, EQ)];

/// beta only.
#[rustfmt::skip]
const SIGN_IN_BETA: &[Prop] = &[
    p("appOwnerTenantId", Str, EQ), p("authenticationRequirement", Str, EQ | STARTS),
    p("conditionalAccessAudiences", Strings, EQ), p("originalRequestId", Str, EQ),
    p("resourceOwnerTenantId", Str, EQ),
    p("servicePrincipalId", Str, EQ | STARTS), p("servicePrincipalName", Str, EQ | STARTS),
    p("signInEventTypes", Strings, EQ), p("tokenIssuerName", Str, EQ),
    p("userAgent", Str, EQ | STARTS),
    // The Entra FAQ's filter.
    p("resourceServicePrincipalId", Str, EQ),
];

/// directoryAudit, both versions (`category`, `result`, `operationType`: not annotated;
/// chosen: eq, as scripts send it).
#[rustfmt::skip]
const AUDIT: &[Prop] = &[
    p("activityDateTime", Time, RANGE), p("activityDisplayName", Str, EQ | STARTS),
    p("correlationId", Str, EQ), p("id", Str, EQ), p("loggedByService", Str, EQ),
    p("initiatedBy/user/id", Str, EQ), p("initiatedBy/user/displayName", Str, EQ),
    p("initiatedBy/user/userPrincipalName", Str, EQ | STARTS),
    p("initiatedBy/app/appId", Str, EQ), p("initiatedBy/app/displayName", Str, EQ),
    p("targetResources", Objects(TARGET), EQ),
    p("category", Str, EQ), p("result", Str, EQ), p("operationType", Str, EQ),
];

/// provisioningObjectSummary: eq and contains, the time field eq, gt, lt (not ge,
/// le). `initiatedBy` is compared through its `displayName` (chosen).
#[rustfmt::skip]
const PROVISIONING: &[Prop] = &[
    p("activityDateTime", Time, EQ | GT | LT), p("id", Str, EQ),
    p("changeId", Str, EQ | CONTAINS), p("cycleId", Str, EQ | CONTAINS),
    p("jobId", Str, EQ | CONTAINS), p("tenantId", Str, EQ | CONTAINS),
    p("initiatedBy/displayName", Str, EQ | CONTAINS),
    p("provisioningAction", Str, EQ | CONTAINS),
    p("servicePrincipal/id", Str, EQ), p("servicePrincipal/displayName", Str, EQ),
    p("sourceIdentity/identityType", Str, EQ | CONTAINS), p("sourceIdentity/id", Str, EQ | CONTAINS),
    p("sourceIdentity/displayName", Str, EQ | CONTAINS),
    p("targetIdentity/identityType", Str, EQ | CONTAINS), p("targetIdentity/id", Str, EQ | CONTAINS),
    p("targetIdentity/displayName", Str, EQ | CONTAINS),
    p("sourceSystem/displayName", Str, EQ | CONTAINS), p("targetSystem/displayName", Str, EQ | CONTAINS),
    // Annotated in the beta text only; chosen: the same service answers v1.0.
    p("durationInMilliseconds", Int, EQ | GT | LT),
    p("provisioningStatusInfo/status", Str, EQ | CONTAINS),
];

/// The legacy reports: their time field, and a few plain fields of sign-in events.
const LEGACY_AUDIT: &[Prop] = &[p("eventTime", Time, RANGE)];
#[rustfmt::skip]
const LEGACY_SIGN_IN: &[Prop] = &[
    p("signinDateTime", Time, RANGE), p("userId", Str, EQ), p("userPrincipalName", Str, EQ | STARTS),
    p("appId", Str, EQ), p("appDisplayName", Str, EQ | STARTS), p("loginStatus", Str, EQ),
];

/// What the parser checks a filter against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schema {
    pub dataset: Dataset,
    /// Graph v1.0 (its own model) rather than beta.
    pub v1: bool,
    /// Time literals before this (the retention window) are refused.
    pub oldest: Ticks,
}

impl Schema {
    /// The property at `path`, if the list can filter on it.
    pub(crate) fn prop(&self, path: &str) -> Option<Prop> {
        let tables: [&[Prop]; 2] = match self.dataset {
            Dataset::SignIns(_) if self.v1 => [SIGN_IN, SIGN_IN_V1],
            Dataset::SignIns(_) => [SIGN_IN, SIGN_IN_BETA],
            Dataset::DirectoryAudits => [AUDIT, &[]],
            Dataset::Provisioning => [PROVISIONING, &[]],
            Dataset::AuditEvents => [LEGACY_AUDIT, &[]],
            Dataset::SigninEvents => [LEGACY_SIGN_IN, &[]],
        };
        tables
            .iter()
            .flat_map(|t| t.iter())
            .find(|p| p.path == path)
            .copied()
    }

    /// `startswith` matches regardless of letter case on sign-ins and audit logs;
    /// provisioning's filters "are all case sensitive".
    pub(crate) fn case_sensitive_functions(&self) -> bool {
        self.dataset == Dataset::Provisioning
    }
}

/// A property of an object in a collection (inside `any()`).
pub(crate) fn member(props: &'static [Prop], name: &str) -> Option<Prop> {
    props.iter().find(|p| p.path == name).copied()
}
