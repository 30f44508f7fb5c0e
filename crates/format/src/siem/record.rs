//! A record read once for every target: its kind (`kind`), its time (`time`), its
//! top-level members (for the record copies), and the view of the properties its
//! family maps (`view`), read from a Graph record here or from a legacy one (`legacy`).

use super::kind::{self, Family, Kind, SignInKind};
use super::legacy;
use super::time::Time;
use super::tree::{Members, Node};
use super::values::{boolean, coordinates, country, id, integer, same, text};
use super::view::{Actor, Audit, Provisioning, SignIn, Target};

/// One record, read.
pub(crate) struct Record<'t> {
    pub(crate) kind: Kind,
    pub(crate) time: Time<'t>,
    /// The time as the record wrote it.
    pub(crate) time_text: &'t str,
    /// The record's top-level members, for the copies.
    pub(crate) members: &'t Members<'t>,
    pub(crate) body: Body<'t>,
}

/// The family-specific part of a [`Record`].
#[allow(
    clippy::large_enum_variant,
    reason = "one per record, on the renderer's stack; boxing would cost an allocation"
)]
pub(crate) enum Body<'t> {
    SignIn(SignIn<'t>),
    Audit(Audit<'t>),
    Provisioning(Provisioning<'t>),
}

impl<'t> Record<'t> {
    /// Reads the record whose top-level members are `members`; `Err` says why it is
    /// not one the SIEM targets can map.
    pub(crate) fn read(members: &'t Members<'t>) -> Result<Record<'t>, String> {
        let kind = kind::detect(members).ok_or(kind::UNKNOWN)?;
        let get = |key: &str| members.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        let key = kind.time_key();
        let (time_text, time) = match get(key) {
            None | Some(Node::Null) => {
                return Err(format!("{} record has no {key}", kind.described()));
            }
            Some(Node::Str(text)) => match Time::parse(text) {
                Some(time) => (&**text, time),
                None => {
                    return Err(format!(
                        "{} record has {key} {}, not a time",
                        kind.described(),
                        quoted(text)
                    ));
                }
            },
            Some(other) => {
                return Err(format!(
                    "{} record has {key} as {}, not a time string",
                    kind.described(),
                    other.described()
                ));
            }
        };
        let body = match (kind.family, kind.legacy) {
            (Family::SignIn(_), false) => Body::SignIn(sign_in(&get)),
            (Family::SignIn(_), true) => Body::SignIn(legacy::sign_in(&get)),
            (Family::Audit, false) => Body::Audit(audit(&get)),
            (Family::Audit, true) => Body::Audit(legacy::audit(&get)),
            (Family::Provisioning, _) => Body::Provisioning(provisioning(&get)),
        };
        Ok(Record {
            kind,
            time,
            time_text,
            members,
            body,
        })
    }

    /// The sign-in kind, for sign-ins.
    pub(crate) fn sign_in_kind(&self) -> Option<SignInKind> {
        match self.kind.family {
            Family::SignIn(kind) => Some(kind),
            _ => None,
        }
    }
}

/// A value from the record for a message: JSON-quoted, control characters escaped,
/// cut to 60 characters.
pub(crate) fn quoted(text: &str) -> String {
    let json = serde_json::Value::from(text).to_string();
    aad_common::sanitize::truncate_chars(&json, 60).into_owned()
}

fn sign_in<'t>(get: &impl Fn(&str) -> Option<&'t Node<'t>>) -> SignIn<'t> {
    let status = get("status");
    let error_code = integer(status.and_then(|s| s.get("errorCode")));
    let location = get("location");
    let device = get("deviceDetail");
    let at = |node: Option<&'t Node<'t>>, key: &str| node.and_then(|n| n.get(key));
    SignIn {
        id: id(get("id")),
        correlation_id: id(get("correlationId")),
        user_id: id(get("userId")),
        user_principal_name: text(get("userPrincipalName")),
        user_display_name: text(get("userDisplayName")),
        service_principal_id: id(get("servicePrincipalId")),
        service_principal_name: text(get("servicePrincipalName")),
        app_id: id(get("appId")),
        app_display_name: text(get("appDisplayName")),
        resource_id: id(get("resourceId")),
        resource_display_name: text(get("resourceDisplayName")),
        ip_address: text(get("ipAddress")),
        user_agent: text(get("userAgent")),
        session_id: id(get("sessionId")),
        error_code,
        failed: error_code.map(|code| code != 0),
        failure_reason: text(at(status, "failureReason")),
        additional_details: text(at(status, "additionalDetails")),
        city: text(at(location, "city")),
        state: text(at(location, "state")),
        country: country(at(location, "countryOrRegion")),
        coordinates: coordinates(at(location, "geoCoordinates")),
        autonomous_system: integer(get("autonomousSystemNumber")).filter(|n| *n > 0),
        device_id: id(at(device, "deviceId")),
        device_name: text(at(device, "displayName")),
        operating_system: text(at(device, "operatingSystem")),
        is_compliant: boolean(at(device, "isCompliant")),
        is_managed: boolean(at(device, "isManaged")),
        risk_level: text(get("riskLevelDuringSignIn")),
        authentication_requirement: text(get("authenticationRequirement")),
        authentication_protocol: text(get("authenticationProtocol")),
        resource_tenant_id: id(get("resourceTenantId")),
        home_tenant_id: id(get("homeTenantId")),
    }
}

fn audit<'t>(get: &impl Fn(&str) -> Option<&'t Node<'t>>) -> Audit<'t> {
    let initiated_by = get("initiatedBy");
    let user = initiated_by.and_then(|i| i.get("user"));
    let app = initiated_by.and_then(|i| i.get("app"));
    let at = |node: Option<&'t Node<'t>>, key: &str| node.and_then(|n| n.get(key));
    let user_actor = Actor::User {
        id: id(at(user, "id")),
        upn: text(at(user, "userPrincipalName")),
        display_name: text(at(user, "displayName")),
    };
    let app_actor = Actor::App {
        app_id: id(at(app, "appId")),
        display_name: text(at(app, "displayName")),
        service_principal_id: id(at(app, "servicePrincipalId")),
        service_principal_name: text(at(app, "servicePrincipalName")),
    };
    let actor = [user_actor, app_actor]
        .into_iter()
        .find(Actor::is_named)
        .unwrap_or_default();
    let targets = get("targetResources")
        .and_then(Node::elements)
        .unwrap_or(&[])
        .iter()
        .filter(|t| t.members().is_some())
        .map(|t| Target {
            id: id(t.get("id")),
            display_name: text(t.get("displayName")),
            kind: text(t.get("type")),
            upn: text(t.get("userPrincipalName")),
            group_type: text(t.get("groupType")),
            modified_properties: t
                .get("modifiedProperties")
                .and_then(Node::elements)
                .unwrap_or(&[]),
        })
        .collect();
    Audit {
        id: id(get("id")),
        correlation_id: id(get("correlationId")),
        activity: text(get("activityDisplayName")),
        category: text(get("category")),
        result: text(get("result")),
        result_reason: text(get("resultReason")),
        logged_by_service: text(get("loggedByService")),
        operation_type: text(get("operationType")),
        actor,
        actor_ip: text(at(user, "ipAddress")),
        targets,
        user_agent: text(get("userAgent")).or_else(|| user_agent_detail(get("additionalDetails"))),
    }
}

/// The value of the `additionalDetails` entry whose key is `User-Agent` (any case).
fn user_agent_detail<'t>(details: Option<&'t Node<'t>>) -> Option<&'t str> {
    details?
        .elements()?
        .iter()
        .find(|d| same(d.get("key").and_then(Node::as_str), "User-Agent"))
        .and_then(|d| text(d.get("value")))
}

fn provisioning<'t>(get: &impl Fn(&str) -> Option<&'t Node<'t>>) -> Provisioning<'t> {
    let at = |node: Option<&'t Node<'t>>, key: &str| node.and_then(|n| n.get(key));
    let status = get("provisioningStatusInfo");
    let error = at(status, "errorInformation");
    let (target, source) = (get("targetIdentity"), get("sourceIdentity"));
    let identity = |key: &str, read: fn(Option<&'t Node<'t>>) -> Option<&'t str>| {
        read(at(target, key)).or_else(|| read(at(source, key)))
    };
    let initiator = get("initiatedBy");
    let error_code = at(error, "errorCode").and_then(|code| match code {
        Node::Int(n) => Some(n.to_string()),
        _ => text(Some(code)).map(str::to_owned),
    });
    Provisioning {
        id: id(get("id")),
        change_id: id(get("changeId")),
        tenant_id: id(get("tenantId")),
        action: text(get("provisioningAction")),
        duration_ms: integer(get("durationInMilliseconds")),
        status: text(at(status, "status")),
        error_code,
        error_reason: text(at(error, "reason")),
        identity_id: identity("id", id),
        identity_name: identity("displayName", text),
        identity_type: identity("identityType", text),
        initiator_type: text(at(initiator, "initiatorType")),
        initiator_id: id(at(initiator, "id")),
        initiator_name: text(at(initiator, "displayName")),
    }
}
