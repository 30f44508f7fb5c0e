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
            (Family::SignIn(_), false) => Body::SignIn(sign_in(members)),
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

/// A Graph sign-in, read in one pass over its members (it has some 45; looking each
/// property up in turn cost a tenth of the run).
fn sign_in<'t>(members: &'t Members<'t>) -> SignIn<'t> {
    let mut s = SignIn::default();
    for (key, value) in members {
        let value = Some(value);
        let at = |key: &str| value.and_then(|n| n.get(key));
        match &**key {
            "id" => s.id = id(value),
            "correlationId" => s.correlation_id = id(value),
            "userId" => s.user_id = id(value),
            "userPrincipalName" => s.user_principal_name = text(value),
            "userDisplayName" => s.user_display_name = text(value),
            "servicePrincipalId" => s.service_principal_id = id(value),
            "servicePrincipalName" => s.service_principal_name = text(value),
            "appId" => s.app_id = id(value),
            "appDisplayName" => s.app_display_name = text(value),
            "resourceId" => s.resource_id = id(value),
            "resourceDisplayName" => s.resource_display_name = text(value),
            "ipAddress" => s.ip_address = text(value),
            "userAgent" => s.user_agent = text(value),
            "sessionId" => s.session_id = id(value),
            "status" => {
                s.error_code = integer(at("errorCode"));
                s.failed = s.error_code.map(|code| code != 0);
                s.failure_reason = text(at("failureReason"));
                s.additional_details = text(at("additionalDetails"));
            }
            "location" => {
                s.city = text(at("city"));
                s.state = text(at("state"));
                s.country = country(at("countryOrRegion"));
                s.coordinates = coordinates(at("geoCoordinates"));
            }
            "autonomousSystemNumber" => {
                s.autonomous_system = integer(value).filter(|n| *n > 0);
            }
            "deviceDetail" => {
                s.device_id = id(at("deviceId"));
                s.device_name = text(at("displayName"));
                s.operating_system = text(at("operatingSystem"));
                s.is_compliant = boolean(at("isCompliant"));
                s.is_managed = boolean(at("isManaged"));
            }
            "riskLevelDuringSignIn" => s.risk_level = text(value),
            "authenticationRequirement" => s.authentication_requirement = text(value),
            "authenticationProtocol" => s.authentication_protocol = text(value),
            "resourceTenantId" => s.resource_tenant_id = id(value),
            "homeTenantId" => s.home_tenant_id = id(value),
            _ => {}
        }
    }
    s
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
