//! Synthetic report data: what a record is, which datasets exist, and how a dataset's
//! records are generated deterministically from a seed.
//!
//! Each record is rendered to compact JSON once, when generated, so serving a
//! 1000-record page is a matter of copying bytes. The few plain fields that `$filter`
//! may test with `eq` are extracted at the same time ([`Record::attrs`]).

mod audit;
mod legacy;
pub(crate) mod pools;
mod provisioning;
mod signin;

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::rng::Rng;
use crate::time::{TICKS_PER_SECOND, Ticks};

/// The kinds of sign-in events (beta `signInEventTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignInType {
    /// `interactiveUser`: the only kind v1.0 returns.
    InteractiveUser,
    /// `nonInteractiveUser`.
    NonInteractiveUser,
    /// `servicePrincipal`.
    ServicePrincipal,
    /// `managedIdentity`.
    ManagedIdentity,
}

impl SignInType {
    /// All kinds.
    pub const ALL: [SignInType; 4] = [
        SignInType::InteractiveUser,
        SignInType::NonInteractiveUser,
        SignInType::ServicePrincipal,
        SignInType::ManagedIdentity,
    ];

    /// The value in `signInEventTypes`.
    pub fn event_type(self) -> &'static str {
        match self {
            SignInType::InteractiveUser => "interactiveUser",
            SignInType::NonInteractiveUser => "nonInteractiveUser",
            SignInType::ServicePrincipal => "servicePrincipal",
            SignInType::ManagedIdentity => "managedIdentity",
        }
    }

    /// The kind named by a `signInEventTypes` value.
    pub fn from_event_type(name: &str) -> Option<SignInType> {
        SignInType::ALL.into_iter().find(|k| k.event_type() == name)
    }
}

/// One dataset of the emulated tenant. Each has its own records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dataset {
    /// Microsoft Graph `auditLogs/directoryAudits`.
    DirectoryAudits,
    /// Microsoft Graph `auditLogs/signIns`, one dataset per sign-in kind.
    SignIns(SignInType),
    /// Microsoft Graph `auditLogs/provisioning`.
    Provisioning,
    /// Legacy Azure AD Graph `reports/auditEvents`.
    AuditEvents,
    /// Legacy Azure AD Graph `reports/signinEvents`.
    SigninEvents,
}

impl Dataset {
    /// Every dataset.
    pub const ALL: [Dataset; 8] = [
        Dataset::DirectoryAudits,
        Dataset::SignIns(SignInType::InteractiveUser),
        Dataset::SignIns(SignInType::NonInteractiveUser),
        Dataset::SignIns(SignInType::ServicePrincipal),
        Dataset::SignIns(SignInType::ManagedIdentity),
        Dataset::Provisioning,
        Dataset::AuditEvents,
        Dataset::SigninEvents,
    ];

    /// The report name, as aad-fetch and `/_emulator/truth?report=` use it.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::DirectoryAudits => "directoryAudits",
            Dataset::SignIns(SignInType::InteractiveUser) => "signIns",
            Dataset::SignIns(SignInType::NonInteractiveUser) => "nonInteractiveSignIns",
            Dataset::SignIns(SignInType::ServicePrincipal) => "servicePrincipalSignIns",
            Dataset::SignIns(SignInType::ManagedIdentity) => "managedIdentitySignIns",
            Dataset::Provisioning => "provisioning",
            Dataset::AuditEvents => "auditEvents",
            Dataset::SigninEvents => "signinEvents",
        }
    }

    /// The dataset of a report name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Dataset> {
        Dataset::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// The record field that holds the event time.
    pub fn time_field(self) -> &'static str {
        match self {
            Dataset::DirectoryAudits | Dataset::Provisioning => "activityDateTime",
            Dataset::SignIns(_) => "createdDateTime",
            Dataset::AuditEvents => "eventTime",
            Dataset::SigninEvents => "signinDateTime",
        }
    }

    /// The OData entity type, for `@odata.context` and error messages.
    pub fn entity_type(self) -> &'static str {
        match self {
            Dataset::DirectoryAudits => "microsoft.graph.directoryAudit",
            Dataset::SignIns(_) => "microsoft.graph.signIn",
            Dataset::Provisioning => "microsoft.graph.provisioningObjectSummary",
            Dataset::AuditEvents => {
                "Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting.AuditEvent"
            }
            Dataset::SigninEvents => {
                "Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting.SigninEvent"
            }
        }
    }

    /// Fields `$filter` may compare with `eq` (slash paths, as OData writes them).
    pub fn eq_fields(self) -> &'static [&'static str] {
        match self {
            Dataset::DirectoryAudits => &[
                "id",
                "category",
                "result",
                "activityDisplayName",
                "loggedByService",
                "operationType",
                "correlationId",
                "initiatedBy/user/id",
                "initiatedBy/user/userPrincipalName",
                "initiatedBy/user/displayName",
                "initiatedBy/app/appId",
                "initiatedBy/app/displayName",
            ],
            Dataset::SignIns(_) => &[
                "id",
                "userId",
                "userPrincipalName",
                "userDisplayName",
                "appId",
                "appDisplayName",
                "ipAddress",
                "clientAppUsed",
                "correlationId",
                "conditionalAccessStatus",
                "isInteractive",
                "resourceId",
                "resourceDisplayName",
                "status/errorCode",
            ],
            Dataset::Provisioning => &[
                "id",
                "jobId",
                "cycleId",
                "changeId",
                "provisioningAction",
                "provisioningStatusInfo/status",
            ],
            // The legacy reports filter on their time field only.
            Dataset::AuditEvents => &[],
            Dataset::SigninEvents => &[
                "userId",
                "userPrincipalName",
                "appId",
                "appDisplayName",
                "loginStatus",
            ],
        }
    }

    /// A number that separates the random streams of the datasets.
    fn salt(self) -> u64 {
        match self {
            Dataset::DirectoryAudits => 11,
            Dataset::SignIns(k) => 20 + k as u64,
            Dataset::Provisioning => 31,
            Dataset::AuditEvents => 41,
            Dataset::SigninEvents => 51,
        }
    }
}

/// A plain field value that `eq` can compare.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// A string.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// JSON null or missing.
    Null,
}

/// One version of one record, rendered.
#[derive(Debug, Clone)]
pub struct Record {
    /// The event time in 100 ns ticks since the Unix epoch.
    pub ticks: Ticks,
    /// The record id.
    pub id: Arc<str>,
    /// 0 for the first publication, 1 for a republished copy.
    pub version: u32,
    /// Compact JSON, as beta (and the legacy API) returns it.
    pub body: Bytes,
    /// Compact JSON as v1.0 returns it, where it differs from beta.
    pub v1_body: Option<Bytes>,
    /// Values of [`Dataset::eq_fields`], in that order.
    pub attrs: Vec<AttrValue>,
    /// For sign-ins: the `signInEventTypes` values.
    pub event_types: Vec<&'static str>,
}

impl Record {
    /// The rendering for an API version.
    pub fn body_for(&self, v1: bool) -> &Bytes {
        match (&self.v1_body, v1) {
            (Some(b), true) => b,
            _ => &self.body,
        }
    }

    /// The value of one of the dataset's `eq` fields.
    pub fn attr(&self, dataset: Dataset, field: &str) -> Option<&AttrValue> {
        let at = dataset.eq_fields().iter().position(|f| *f == field)?;
        self.attrs.get(at)
    }
}

/// What the generators need to know about the tenant.
#[derive(Debug, Clone)]
pub struct GenContext {
    /// The data seed.
    pub seed: u64,
    /// Tenant id.
    pub tenant_id: String,
    /// Tenant domain, for user principal names.
    pub domain: String,
}

/// Generates record `index` of a dataset at time `ticks`. `version` 0 is the first
/// publication; 1 is a republished, enriched version of the same event (same id).
pub fn generate(
    ctx: &GenContext,
    dataset: Dataset,
    index: u64,
    ticks: Ticks,
    version: u32,
) -> Record {
    let mut rng = Rng::for_item(ctx.seed, dataset.salt(), index);
    let (value, v1_value) = match dataset {
        Dataset::DirectoryAudits => (audit::directory_audit(&mut rng, ctx, ticks, version), None),
        Dataset::SignIns(kind) => {
            let beta = signin::sign_in(&mut rng, ctx, kind, ticks, version);
            let v1 = (kind == SignInType::InteractiveUser).then(|| signin::v1_view(&beta));
            (beta, v1)
        }
        Dataset::Provisioning => (provisioning::summary(&mut rng, ctx, ticks, version), None),
        Dataset::AuditEvents => (legacy::audit_event(&mut rng, ctx, ticks, version), None),
        Dataset::SigninEvents => (legacy::signin_event(&mut rng, ctx, ticks, version), None),
    };
    let attrs = dataset
        .eq_fields()
        .iter()
        .map(|path| attr_at(&value, path))
        .collect();
    let event_types = match dataset {
        Dataset::SignIns(kind) => vec![kind.event_type()],
        _ => Vec::new(),
    };
    let id: Arc<str> = value
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .into();
    Record {
        ticks,
        id,
        version,
        body: Bytes::from(value.to_string()),
        v1_body: v1_value.map(|v| Bytes::from(v.to_string())),
        attrs,
        event_types,
    }
}

/// The value at a slash path, as an [`AttrValue`].
fn attr_at(value: &Value, path: &str) -> AttrValue {
    let mut at = value;
    for part in path.split('/') {
        match at.get(part) {
            Some(v) => at = v,
            None => return AttrValue::Null,
        }
    }
    match at {
        Value::String(s) => AttrValue::Str(s.clone()),
        Value::Number(n) => n.as_i64().map_or(AttrValue::Null, AttrValue::Int),
        Value::Bool(b) => AttrValue::Bool(*b),
        _ => AttrValue::Null,
    }
}

/// `n` event times spread over `days` before `anchor`, newest first, with a few exact
/// ties (real logs have them, and they are where paging and dedup bugs hide).
pub fn timeline(seed: u64, dataset: Dataset, n: usize, anchor: Ticks, days: u32) -> Vec<Ticks> {
    let span = i64::from(days.max(1)) * 86_400 * TICKS_PER_SECOND;
    let mut rng = Rng::for_item(seed, dataset.salt() ^ 0x7157, 0);
    let whole_seconds = dataset == Dataset::Provisioning;
    let mut times: Vec<Ticks> = Vec::with_capacity(n);
    for i in 0..n {
        let t = if i > 0 && rng.chance(0.01) {
            times[i - 1]
        } else {
            anchor - 1 - rng.below(span as u64) as i64
        };
        times.push(if whole_seconds {
            t - t.rem_euclid(TICKS_PER_SECOND)
        } else {
            t
        });
    }
    times.sort_unstable_by(|a, b| b.cmp(a));
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> GenContext {
        GenContext {
            seed: 1,
            tenant_id: "t".into(),
            domain: "contoso.onmicrosoft.com".into(),
        }
    }

    #[test]
    fn generation_is_deterministic() {
        for dataset in Dataset::ALL {
            let a = generate(&ctx(), dataset, 5, 1_000_000_000, 0);
            let b = generate(&ctx(), dataset, 5, 1_000_000_000, 0);
            assert_eq!(a.body, b.body, "{}", dataset.name());
            let json: Value = serde_json::from_slice(&a.body).unwrap();
            assert!(
                json.get(dataset.time_field()).is_some(),
                "{}",
                dataset.name()
            );
            assert!(!a.id.is_empty());
        }
    }

    #[test]
    fn republished_version_keeps_id_and_time_but_differs() {
        for dataset in Dataset::ALL {
            let a = generate(&ctx(), dataset, 9, 1_000_000_000, 0);
            let b = generate(&ctx(), dataset, 9, 1_000_000_000, 1);
            assert_eq!(a.id, b.id);
            assert_ne!(a.body, b.body, "{}", dataset.name());
            let ta: Value = serde_json::from_slice(&a.body).unwrap();
            let tb: Value = serde_json::from_slice(&b.body).unwrap();
            assert_eq!(ta[dataset.time_field()], tb[dataset.time_field()]);
        }
    }

    #[test]
    fn timeline_is_newest_first_and_inside_the_window() {
        let anchor = 17_000_000_000_000_000;
        let times = timeline(3, Dataset::DirectoryAudits, 500, anchor, 2);
        assert!(times.windows(2).all(|w| w[0] >= w[1]));
        assert!(
            times
                .iter()
                .all(|&t| t < anchor && t >= anchor - 2 * 86_400 * TICKS_PER_SECOND)
        );
        assert!(
            times.windows(2).any(|w| w[0] == w[1]),
            "expected a few ties"
        );
    }

    #[test]
    fn sign_in_v1_view_drops_beta_fields() {
        let r = generate(
            &ctx(),
            Dataset::SignIns(SignInType::InteractiveUser),
            1,
            1_000_000_000,
            0,
        );
        let v1: Value = serde_json::from_slice(r.body_for(true)).unwrap();
        let beta: Value = serde_json::from_slice(r.body_for(false)).unwrap();
        assert!(v1.get("signInEventTypes").is_none());
        assert_eq!(beta["signInEventTypes"][0], "interactiveUser");
    }
}
