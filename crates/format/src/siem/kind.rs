//! Telling the records apart from the record alone, so that v1.0, beta and Azure
//! Monitor `properties` records all work and no flag has to say what the input is.
//!
//! Family, first match wins: `activityDisplayName` → directory audit; a provisioning
//! property (`provisioningAction`, `provisioningStatusInfo`, `provisioningSteps`,
//! `jobId`, `cycleId`) → provisioning; `createdDateTime` → sign-in; and for the legacy
//! Azure AD Graph reports, `signinDateTime` → sign-in (`signinEvents`) and `eventTime`
//! → directory audit (`auditEvents`). "Has" means present and not null.

use super::tree::{Members, Node};
use super::values::{id, same, text};

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    SignIn(SignInKind),
    Audit,
    Provisioning,
}

/// The four sign-in logs of Entra ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignInKind {
    InteractiveUser,
    NonInteractiveUser,
    ServicePrincipal,
    ManagedIdentity,
}

impl SignInKind {
    /// True for the kinds whose principal is a user (not an application).
    pub(crate) fn is_user(self) -> bool {
        matches!(
            self,
            SignInKind::InteractiveUser | SignInKind::NonInteractiveUser
        )
    }
}

/// A record's family, and whether it is a legacy Azure AD Graph record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    pub(crate) family: Family,
    pub(crate) legacy: bool,
}

impl Kind {
    /// The Azure Monitor diagnostic-settings category of the record's log.
    pub(crate) fn category(self) -> &'static str {
        match self.family {
            Family::SignIn(SignInKind::InteractiveUser) => "SignInLogs",
            Family::SignIn(SignInKind::NonInteractiveUser) => "NonInteractiveUserSignInLogs",
            Family::SignIn(SignInKind::ServicePrincipal) => "ServicePrincipalSignInLogs",
            Family::SignIn(SignInKind::ManagedIdentity) => "ManagedIdentitySignInLogs",
            Family::Audit => "AuditLogs",
            Family::Provisioning => "ProvisioningLogs",
        }
    }

    /// The property that holds the record's time.
    pub(crate) fn time_key(self) -> &'static str {
        match (self.family, self.legacy) {
            (Family::SignIn(_), false) => "createdDateTime",
            (Family::SignIn(_), true) => "signinDateTime",
            (Family::Audit, true) => "eventTime",
            (Family::Audit | Family::Provisioning, _) => "activityDateTime",
        }
    }

    /// The record family in words, for messages.
    pub(crate) fn described(self) -> &'static str {
        match self.family {
            Family::SignIn(_) => "sign-in",
            Family::Audit => "directory audit",
            Family::Provisioning => "provisioning",
        }
    }
}

/// Why no kind matched, for the message.
pub(crate) const UNKNOWN: &str = "not a sign-in, directory audit or provisioning record \
     (none of createdDateTime, activityDisplayName, provisioningAction, \
     provisioningStatusInfo, provisioningSteps, jobId, cycleId, signinDateTime or eventTime \
     has a value)";

/// What the kind rules look at, gathered in one pass over the members (null values
/// count as missing).
#[derive(Default)]
struct Clues<'t> {
    audit: bool,
    provisioning: bool,
    created: bool,
    legacy_sign_in: bool,
    legacy_audit: bool,
    event_types: &'t [Node<'t>],
    msi_type: Option<&'t str>,
    credential_type: Option<&'t str>,
    user: bool,
    service_principal: bool,
    interactive: Option<bool>,
}

impl<'t> Clues<'t> {
    fn of(record: &'t Members<'t>) -> Clues<'t> {
        let mut c = Clues::default();
        for (key, value) in record {
            if matches!(value, Node::Null) {
                continue;
            }
            match &**key {
                "activityDisplayName" => c.audit = true,
                "provisioningAction"
                | "provisioningStatusInfo"
                | "provisioningSteps"
                | "jobId"
                | "cycleId" => c.provisioning = true,
                "createdDateTime" => c.created = true,
                "signinDateTime" => c.legacy_sign_in = true,
                "eventTime" => c.legacy_audit = true,
                "signInEventTypes" => c.event_types = value.elements().unwrap_or(&[]),
                "managedServiceIdentity" => {
                    c.msi_type = value.get("msiType").and_then(Node::as_str);
                }
                "clientCredentialType" => c.credential_type = value.as_str(),
                "userId" | "userPrincipalName" => c.user |= id(Some(value)).is_some(),
                "servicePrincipalId" => c.service_principal |= id(Some(value)).is_some(),
                "servicePrincipalName" => c.service_principal |= text(Some(value)).is_some(),
                "isInteractive" => c.interactive = value.as_bool(),
                _ => {}
            }
        }
        c
    }

    /// Sign-in kind, first match wins: beta `signInEventTypes`; a managed identity; a
    /// service principal without a user; `isInteractive: false`; else interactive
    /// (v1.0's `signIns` lists interactive user sign-ins).
    fn sign_in_kind(&self) -> SignInKind {
        const BY_PRIORITY: [(&str, SignInKind); 4] = [
            ("managedIdentity", SignInKind::ManagedIdentity),
            ("servicePrincipal", SignInKind::ServicePrincipal),
            ("nonInteractiveUser", SignInKind::NonInteractiveUser),
            ("interactiveUser", SignInKind::InteractiveUser),
        ];
        let listed = |name: &str| self.event_types.iter().any(|t| same(t.as_str(), name));
        if let Some((_, kind)) = BY_PRIORITY.iter().find(|(name, _)| listed(name)) {
            *kind
        } else if same(self.msi_type, "userAssigned")
            || same(self.msi_type, "systemAssigned")
            || same(self.credential_type, "managedIdentity")
        {
            SignInKind::ManagedIdentity
        } else if !self.user && self.service_principal {
            SignInKind::ServicePrincipal
        } else if self.interactive == Some(false) {
            SignInKind::NonInteractiveUser
        } else {
            SignInKind::InteractiveUser
        }
    }
}

/// The kind of the record whose top-level members are `record`.
pub(crate) fn detect<'t>(record: &'t Members<'t>) -> Option<Kind> {
    let clues = Clues::of(record);
    let kind = |family, legacy| Some(Kind { family, legacy });
    if clues.audit {
        kind(Family::Audit, false)
    } else if clues.provisioning {
        kind(Family::Provisioning, false)
    } else if clues.created {
        kind(Family::SignIn(clues.sign_in_kind()), false)
    } else if clues.legacy_sign_in {
        kind(Family::SignIn(clues.sign_in_kind()), true)
    } else if clues.legacy_audit {
        kind(Family::Audit, true)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(json: &str) -> Option<Family> {
        let node = Node::parse(json).unwrap();
        detect(node.members().unwrap()).map(|kind| kind.family)
    }

    fn sign_in(json: &str) -> SignInKind {
        match family(json) {
            Some(Family::SignIn(kind)) => kind,
            other => panic!("{json}: {other:?}"),
        }
    }

    #[test]
    fn families_first_match_wins() {
        let t = r#""2026-01-12T00:00:00Z""#;
        assert_eq!(
            family(&format!(
                r#"{{"activityDisplayName":"x","jobId":"j","createdDateTime":{t}}}"#
            )),
            Some(Family::Audit)
        );
        assert_eq!(
            family(&format!(r#"{{"cycleId":"c","createdDateTime":{t}}}"#)),
            Some(Family::Provisioning)
        );
        assert_eq!(
            family(&format!(r#"{{"jobId":null,"createdDateTime":{t}}}"#)),
            Some(Family::SignIn(SignInKind::InteractiveUser))
        );
        assert_eq!(
            family(r#"{"eventTime":"x","action":"Add user"}"#),
            Some(Family::Audit)
        );
        assert_eq!(family(r#"{"id":"1","value":2}"#), None);
    }

    #[test]
    fn sign_in_kinds() {
        assert_eq!(
            sign_in(
                r#"{"createdDateTime":1,"signInEventTypes":["interactiveUser","servicePrincipal"],"userId":"u"}"#
            ),
            SignInKind::ServicePrincipal
        );
        assert_eq!(
            sign_in(r#"{"createdDateTime":1,"signInEventTypes":["future"],"isInteractive":false}"#),
            SignInKind::NonInteractiveUser
        );
        assert_eq!(
            sign_in(r#"{"createdDateTime":1,"managedServiceIdentity":{"msiType":"userAssigned"}}"#),
            SignInKind::ManagedIdentity
        );
        assert_eq!(
            sign_in(
                r#"{"createdDateTime":1,"clientCredentialType":"managedIdentity","userId":"u"}"#
            ),
            SignInKind::ManagedIdentity
        );
        assert_eq!(
            sign_in(
                r#"{"createdDateTime":1,"userId":"00000000-0000-0000-0000-000000000000","userPrincipalName":"","servicePrincipalId":"s"}"#
            ),
            SignInKind::ServicePrincipal
        );
        assert_eq!(
            sign_in(r#"{"createdDateTime":1,"userId":"u","servicePrincipalId":"s"}"#),
            SignInKind::InteractiveUser
        );
        assert_eq!(
            sign_in(r#"{"createdDateTime":1,"signInEventTypes":"managedIdentity"}"#),
            SignInKind::InteractiveUser
        );
    }

    #[test]
    fn categories_and_time_keys() {
        let kind = |family, legacy| Kind { family, legacy };
        assert_eq!(
            kind(Family::SignIn(SignInKind::NonInteractiveUser), false).category(),
            "NonInteractiveUserSignInLogs"
        );
        assert_eq!(kind(Family::Audit, true).time_key(), "eventTime");
        assert_eq!(
            kind(Family::Provisioning, false).time_key(),
            "activityDateTime"
        );
    }
}
