//! Synthetic report data: what a record is, which datasets exist, and how a dataset's
//! records are generated deterministically from a seed.
//!
//! Each record is rendered to compact JSON once, when generated, so serving a
//! 1000-record page is a matter of copying bytes. The few plain fields that `$filter`
//! may test with `eq` are extracted at the same time ([`Record::attrs`]).
//!
//! | module | what |
//! |---|---|
//! | [`generate`] | a record of any dataset from its index, time and version; the timeline |
//! | `audit`, `signin`, `provisioning`, `legacy` | one record per the real schema of each report |
//! | `pools` | names, apps, places, user agents, and hostile strings to mix in |

mod audit;
pub(crate) mod generate;
mod legacy;
mod pools;
mod provisioning;
mod signin;

use std::cmp::Reverse;
use std::sync::Arc;

use bytes::Bytes;

use crate::time::Ticks;

/// The kinds of sign-in events (beta `signInEventTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SignInType {
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
    pub(crate) const ALL: [SignInType; 4] = [
        SignInType::InteractiveUser,
        SignInType::NonInteractiveUser,
        SignInType::ServicePrincipal,
        SignInType::ManagedIdentity,
    ];

    /// The value in `signInEventTypes`.
    pub(crate) fn event_type(self) -> &'static str {
        match self {
            SignInType::InteractiveUser => "interactiveUser",
            SignInType::NonInteractiveUser => "nonInteractiveUser",
            SignInType::ServicePrincipal => "servicePrincipal",
            SignInType::ManagedIdentity => "managedIdentity",
        }
    }

    /// The kind named by a `signInEventTypes` value.
    pub(crate) fn from_event_type(name: &str) -> Option<SignInType> {
        SignInType::ALL.into_iter().find(|k| k.event_type() == name)
    }
}

/// One dataset of the emulated tenant. Each has its own records; the sign-in report has
/// one per kind, because beta's `signInEventTypes` filter lists one kind at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Dataset {
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
    pub(crate) const ALL: [Dataset; 8] = [
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
    pub(crate) fn name(self) -> &'static str {
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
    pub(crate) fn from_name(name: &str) -> Option<Dataset> {
        Dataset::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// The record field that holds the event time.
    pub(crate) fn time_field(self) -> &'static str {
        match self {
            Dataset::DirectoryAudits | Dataset::Provisioning => "activityDateTime",
            Dataset::SignIns(_) => "createdDateTime",
            Dataset::AuditEvents => "eventTime",
            Dataset::SigninEvents => "signinDateTime",
        }
    }

    /// The OData entity type, for `@odata.context` and error messages.
    pub(crate) fn entity_type(self) -> &'static str {
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
    pub(crate) fn eq_fields(self) -> &'static [&'static str] {
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
    pub(crate) fn salt(self) -> u64 {
        match self {
            Dataset::DirectoryAudits => 11,
            Dataset::SignIns(k) => 20 + k as u64,
            Dataset::Provisioning => 31,
            Dataset::AuditEvents => 41,
            Dataset::SigninEvents => 51,
        }
    }
}

/// A plain field value that `eq` can compare, extracted once when the record is made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AttrValue {
    Str(String),
    Int(i64),
    Bool(bool),
    /// JSON null, or no such field.
    Null,
}

/// One version of one record, rendered.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// The event time in 100 ns ticks since the Unix epoch.
    pub ticks: Ticks,
    pub id: Arc<str>,
    /// 0 for the first publication, 1 for a republished copy.
    pub version: u32,
    /// Compact JSON, as beta (and the legacy API) returns it.
    pub body: Bytes,
    /// Compact JSON as v1.0 returns it, where it differs from beta.
    pub v1_body: Option<Bytes>,
    /// Values of [`Dataset::eq_fields`], in that order.
    pub attrs: Vec<AttrValue>,
}

impl Record {
    /// The rendering for an API version.
    pub(crate) fn body_for(&self, v1: bool) -> &Bytes {
        match (&self.v1_body, v1) {
            (Some(b), true) => b,
            _ => &self.body,
        }
    }

    /// Where the record sorts in its dataset.
    pub(crate) fn key(&self) -> Key {
        (Reverse(self.ticks), self.id.clone(), self.version)
    }

    /// The value of one of the dataset's `eq` fields.
    pub(crate) fn attr(&self, dataset: Dataset, field: &str) -> Option<&AttrValue> {
        let at = dataset.eq_fields().iter().position(|f| *f == field)?;
        self.attrs.get(at)
    }
}

/// What the generators need to know about the tenant: records name it.
#[derive(Debug, Clone)]
pub(crate) struct GenContext {
    pub seed: u64,
    pub tenant_id: String,
    /// For user principal names.
    pub domain: String,
}

/// Position in a dataset: (time descending, id ascending, version ascending). A
/// republished event is a second entry with the same id and time, as on the real
/// service, which lists the enriched copy next to the original.
pub(crate) type Key = (Reverse<Ticks>, Arc<str>, u32);
