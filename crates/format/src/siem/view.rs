//! What the mappings read from a record, by family ([`SignIn`], [`Audit`],
//! [`Provisioning`]): the properties each target maps, with the shared value rules
//! (`values`) already applied, so that every target sees the same values. `record`
//! fills them from Graph records, `legacy` from legacy Azure AD Graph records.

use super::tree::Node;
use super::values::same;

/// What the mappings read from a sign-in.
#[derive(Debug, Default)]
pub(crate) struct SignIn<'t> {
    pub(crate) id: Option<&'t str>,
    pub(crate) correlation_id: Option<&'t str>,
    pub(crate) user_id: Option<&'t str>,
    pub(crate) user_principal_name: Option<&'t str>,
    pub(crate) user_display_name: Option<&'t str>,
    pub(crate) service_principal_id: Option<&'t str>,
    pub(crate) service_principal_name: Option<&'t str>,
    pub(crate) app_id: Option<&'t str>,
    pub(crate) app_display_name: Option<&'t str>,
    pub(crate) resource_id: Option<&'t str>,
    pub(crate) resource_display_name: Option<&'t str>,
    /// As given (valid or not).
    pub(crate) ip_address: Option<&'t str>,
    pub(crate) user_agent: Option<&'t str>,
    pub(crate) session_id: Option<&'t str>,
    pub(crate) error_code: Option<i64>,
    /// Whether the sign-in failed, when known (from the error code, or the legacy status).
    pub(crate) failed: Option<bool>,
    pub(crate) failure_reason: Option<&'t str>,
    pub(crate) additional_details: Option<&'t str>,
    pub(crate) city: Option<&'t str>,
    pub(crate) state: Option<&'t str>,
    pub(crate) country: Option<String>,
    pub(crate) coordinates: Option<(f64, f64)>,
    /// Above 0.
    pub(crate) autonomous_system: Option<i64>,
    pub(crate) device_id: Option<&'t str>,
    pub(crate) device_name: Option<&'t str>,
    pub(crate) operating_system: Option<&'t str>,
    pub(crate) is_compliant: Option<bool>,
    pub(crate) is_managed: Option<bool>,
    pub(crate) risk_level: Option<&'t str>,
    pub(crate) authentication_requirement: Option<&'t str>,
    pub(crate) authentication_protocol: Option<&'t str>,
    pub(crate) resource_tenant_id: Option<&'t str>,
    pub(crate) home_tenant_id: Option<&'t str>,
}

impl SignIn<'_> {
    /// `failureReason (additionalDetails)`, or the one present (Elastic's rule), for ECS
    /// and OCSF `message`.
    pub(crate) fn message(&self) -> Option<String> {
        match (self.failure_reason, self.additional_details) {
            (Some(reason), Some(details)) => Some(format!("{reason} ({details})")),
            (one, other) => one.or(other).map(str::to_owned),
        }
    }
}

/// What the mappings read from a directory audit.
#[derive(Debug, Default)]
pub(crate) struct Audit<'t> {
    pub(crate) id: Option<&'t str>,
    pub(crate) correlation_id: Option<&'t str>,
    pub(crate) activity: Option<&'t str>,
    pub(crate) category: Option<&'t str>,
    pub(crate) result: Option<&'t str>,
    pub(crate) result_reason: Option<&'t str>,
    pub(crate) logged_by_service: Option<&'t str>,
    pub(crate) operation_type: Option<&'t str>,
    pub(crate) actor: Actor<'t>,
    /// `initiatedBy.user.ipAddress`, as given.
    pub(crate) actor_ip: Option<&'t str>,
    pub(crate) targets: Vec<Target<'t>>,
    pub(crate) user_agent: Option<&'t str>,
}

/// Who did what an audit records.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) enum Actor<'t> {
    #[default]
    Nobody,
    User {
        id: Option<&'t str>,
        upn: Option<&'t str>,
        display_name: Option<&'t str>,
    },
    App {
        app_id: Option<&'t str>,
        display_name: Option<&'t str>,
        service_principal_id: Option<&'t str>,
        service_principal_name: Option<&'t str>,
    },
}

/// One of an audit's `targetResources`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Target<'t> {
    pub(crate) id: Option<&'t str>,
    pub(crate) display_name: Option<&'t str>,
    /// `type`: User, Group, Role, ServicePrincipal, Application, Device, Policy, ...
    pub(crate) kind: Option<&'t str>,
    pub(crate) upn: Option<&'t str>,
    pub(crate) group_type: Option<&'t str>,
    pub(crate) modified_properties: &'t [Node<'t>],
}

impl Target<'_> {
    /// True when the target's type is `kind`, ignoring case.
    pub(crate) fn is(&self, kind: &str) -> bool {
        same(self.kind, kind)
    }

    /// True when the target has an id or a display name to name it by.
    pub(crate) fn is_named(&self) -> bool {
        self.id.is_some() || self.display_name.is_some()
    }
}

/// What the mappings read from a provisioning record.
#[derive(Debug, Default)]
pub(crate) struct Provisioning<'t> {
    pub(crate) id: Option<&'t str>,
    pub(crate) change_id: Option<&'t str>,
    pub(crate) tenant_id: Option<&'t str>,
    pub(crate) action: Option<&'t str>,
    pub(crate) duration_ms: Option<i64>,
    pub(crate) status: Option<&'t str>,
    pub(crate) error_code: Option<String>,
    pub(crate) error_reason: Option<&'t str>,
    /// `targetIdentity`, each field falling back to `sourceIdentity`.
    pub(crate) identity_id: Option<&'t str>,
    pub(crate) identity_name: Option<&'t str>,
    pub(crate) identity_type: Option<&'t str>,
    pub(crate) initiator_type: Option<&'t str>,
    pub(crate) initiator_id: Option<&'t str>,
    pub(crate) initiator_name: Option<&'t str>,
}

impl Provisioning<'_> {
    /// `user`, `group` or `admin`: what the provisioned identity is, from its type
    /// (`User`, or a SCIM URN ending in `:User`; the same for groups).
    pub(crate) fn object(&self) -> &'static str {
        let is = |kind: &str| {
            self.identity_type.is_some_and(|t| {
                let last = t.rsplit_once(':').map_or(t, |(_, last)| last);
                last.eq_ignore_ascii_case(kind)
            })
        };
        if is("User") {
            "user"
        } else if is("Group") {
            "group"
        } else {
            "admin"
        }
    }
}

impl Actor<'_> {
    /// True when the actor has something to name it by.
    pub(crate) fn is_named(&self) -> bool {
        match self {
            Actor::Nobody => false,
            Actor::User {
                id,
                upn,
                display_name,
            } => id.is_some() || upn.is_some() || display_name.is_some(),
            Actor::App {
                app_id,
                display_name,
                service_principal_id,
                service_principal_name,
            } => {
                app_id.is_some()
                    || display_name.is_some()
                    || service_principal_id.is_some()
                    || service_principal_name.is_some()
            }
        }
    }
}
