//! Synthetic report data: what a record is, which datasets exist, and how a dataset's
//! records are generated deterministically from a seed.
//!
//! Each record is rendered to compact JSON once, when generated, in each form a
//! caller can ask for (API version; with or without evolvable enum members), so
//! serving a 1000-record page is a matter of copying bytes.
//!
//! | module | what |
//! |---|---|
//! | [`generate`] | a record of any dataset from its index, time and version; the rows of a dataset |
//! | `entities` | the tenant's users, groups, applications, policies: the same in every event |
//! | `audit`, `signin`, `provisioning`, `legacy` | one record per the real schema of each report |
//! | `risk` | Identity Protection's risk properties of a sign-in |
//! | [`views`] | what each API version lists of a record; evolvable enum members |
//! | `pools` | names, apps, places, user agents, and hostile strings to mix in |

mod audit;
pub(crate) mod entities;
pub(crate) mod generate;
mod legacy;
mod pools;
mod provisioning;
mod risk;
mod signin;
pub(crate) mod views;

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
}

/// One dataset of the emulated tenant. Each has its own records; the sign-in report has
/// one per kind; beta's `signInEventTypes` filter picks which are listed together.
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

    /// Whether the service writes the time in whole seconds (sign-ins, provisioning)
    /// rather than with seven fractional digits.
    pub(crate) fn whole_seconds(self) -> bool {
        matches!(self, Dataset::SignIns(_) | Dataset::Provisioning)
    }

    /// The time a record of this dataset can have at `ticks`: cut to the second where
    /// the service writes whole seconds, so the time written and the time filtered on
    /// are the same.
    pub(crate) fn at(self, ticks: Ticks) -> Ticks {
        if self.whole_seconds() {
            ticks - ticks.rem_euclid(crate::time::TICKS_PER_SECOND)
        } else {
            ticks
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

/// Which rendering of a record a caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct View {
    /// Graph v1.0 rather than beta (and the legacy API).
    pub v1: bool,
    /// The request sent `Prefer: include-unknown-enum-members`.
    pub prefer: bool,
}

impl View {
    /// What `--dump` and `/_emulator/truth` give unless asked otherwise: what aad-fetch
    /// asks for by default (v1.0 audit logs and provisioning, beta sign-ins of every
    /// kind, whose v1.0 form lacks beta's properties), without `Prefer`.
    pub(crate) fn default_for(dataset: Dataset) -> View {
        View {
            v1: matches!(dataset, Dataset::DirectoryAudits | Dataset::Provisioning),
            prefer: false,
        }
    }
}

/// The renderings of one record that differ: beta as the full form, the others only
/// where they are not the same bytes.
#[derive(Debug, Clone)]
pub(crate) struct Bodies {
    pub beta: Bytes,
    pub beta_plain: Option<Bytes>,
    pub v1: Option<Bytes>,
    pub v1_plain: Option<Bytes>,
}

/// One version of one record, rendered.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    /// The event time in 100 ns ticks since the Unix epoch.
    pub ticks: Ticks,
    pub id: Arc<str>,
    /// 0 for the first publication, 1 for a republished copy, 2 and up for further
    /// rows of a sign-in the service lists split.
    pub version: u32,
    /// The dataset the record belongs to (the sign-in kind, where listings merge them).
    pub dataset: Dataset,
    pub bodies: Bodies,
}

impl Record {
    /// The rendering for a caller.
    pub(crate) fn body(&self, view: View) -> &Bytes {
        let b = &self.bodies;
        match (view.v1, view.prefer) {
            (false, true) => &b.beta,
            (false, false) => b.beta_plain.as_ref().unwrap_or(&b.beta),
            (true, true) => b.v1.as_ref().unwrap_or(&b.beta),
            (true, false) => b
                .v1_plain
                .as_ref()
                .or(b.v1.as_ref())
                .or(b.beta_plain.as_ref())
                .unwrap_or(&b.beta),
        }
    }

    /// Where the record sorts in its dataset.
    pub(crate) fn key(&self) -> Key {
        (Reverse(self.ticks), self.id.clone(), self.version)
    }
}

/// What the generators need to know about the tenant: records name it and its
/// entities.
#[derive(Debug, Clone)]
pub(crate) struct GenContext {
    pub seed: u64,
    pub tenant_id: String,
    /// For user principal names.
    pub domain: String,
    pub entities: Arc<entities::Entities>,
    /// The tenant has no Entra ID P2: risk levels and details are `hidden`.
    pub risk_hidden: bool,
}

impl GenContext {
    pub(crate) fn new(seed: u64, tenant_id: &str, domain: &str, risk_hidden: bool) -> GenContext {
        GenContext {
            seed,
            tenant_id: tenant_id.to_string(),
            domain: domain.to_string(),
            entities: Arc::new(entities::Entities::new(seed, tenant_id, domain)),
            risk_hidden,
        }
    }
}

/// Position in a dataset: (time descending, id ascending, version ascending). A
/// republished event is a second entry with the same id and time, as on the real
/// service, which lists the enriched copy next to the original.
pub(crate) type Key = (Reverse<Ticks>, Arc<str>, u32);
