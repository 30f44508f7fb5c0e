//! Legacy Azure AD Graph records (`signinEvents`, `auditEvents`, which aad-fetch still
//! reads) read into the same views as Graph records, so they map to minimal valid
//! events: the time, the user or actor, the application, the address and the outcome
//! where the record has them.
//!
//! `signinEvents`: `signinDateTime`, `userId`, `userPrincipalName`, `userDisplayName`,
//! `appId`, `appDisplayName`, `ipAddress`, `signinErrorCode` (a string), `loginStatus`
//! (`"0"` success, else failure), `failureReason`, `location` {`city`, `state`,
//! `country`} and top-level `geoCoordinates`. `auditEvents`: `eventTime`, `action`,
//! `actor` and `target` (names) with `actorDetail` and `targetDetail`
//! (`objectId=…; type=User; ipAddress=…`).

use super::tree::Node;
use super::values::{coordinates, country, id, integer, text};
use super::view::{Actor, Audit, SignIn, Target};

/// A legacy `signinEvents` record.
pub(crate) fn sign_in<'t>(get: &impl Fn(&str) -> Option<&'t Node<'t>>) -> SignIn<'t> {
    let location = get("location");
    let at = |key: &str| location.and_then(|l| l.get(key));
    let error_code = integer(get("signinErrorCode"));
    let failed = error_code
        .map(|code| code != 0)
        .or_else(|| text(get("loginStatus")).map(|status| status.trim() != "0"));
    SignIn {
        id: id(get("id")),
        user_id: id(get("userId")),
        user_principal_name: text(get("userPrincipalName")),
        user_display_name: text(get("userDisplayName")),
        app_id: id(get("appId")),
        app_display_name: text(get("appDisplayName")),
        ip_address: text(get("ipAddress")),
        error_code,
        failed,
        failure_reason: text(get("failureReason")),
        city: text(at("city")),
        state: text(at("state")),
        country: country(at("country")),
        coordinates: coordinates(get("geoCoordinates")),
        ..SignIn::default()
    }
}

/// A legacy `auditEvents` record.
pub(crate) fn audit<'t>(get: &impl Fn(&str) -> Option<&'t Node<'t>>) -> Audit<'t> {
    let actor_name = text(get("actor"));
    let actor_detail = text(get("actorDetail")).unwrap_or("");
    let actor_id = detail(actor_detail, "objectId");
    let actor_type = detail(actor_detail, "type");
    let is_user = match actor_type {
        Some(kind) => kind.eq_ignore_ascii_case("User"),
        None => actor_name.is_some_and(|name| name.contains('@')),
    };
    let actor = if is_user {
        Actor::User {
            id: actor_id,
            upn: actor_name,
            display_name: None,
        }
    } else {
        Actor::App {
            app_id: None,
            display_name: actor_name,
            service_principal_id: actor_id,
            service_principal_name: None,
        }
    };
    let target_name = text(get("target"));
    let target_detail = text(get("targetDetail")).unwrap_or("");
    let target_type = detail(target_detail, "type");
    let target_is_user = target_type.is_some_and(|t| t.eq_ignore_ascii_case("User"));
    let target = Target {
        id: detail(target_detail, "objectId"),
        display_name: target_name.filter(|_| !target_is_user),
        kind: target_type,
        upn: target_name.filter(|_| target_is_user),
        ..Target::default()
    };
    Audit {
        id: id(get("id")),
        activity: text(get("action")),
        actor: if actor.is_named() {
            actor
        } else {
            Actor::Nobody
        },
        actor_ip: detail(actor_detail, "ipAddress"),
        targets: if target.is_named() || target.upn.is_some() {
            vec![target]
        } else {
            Vec::new()
        },
        ..Audit::default()
    }
}

/// The value of `key` in a `key=value; key=value` detail string, when present.
fn detail<'t>(details: &'t str, key: &str) -> Option<&'t str> {
    details
        .split(';')
        .filter_map(|part| part.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty() && *v != "00000000-0000-0000-0000-000000000000")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_key_value_pairs() {
        let details = "objectId=f93e; type=User; ipAddress=198.51.100.3";
        assert_eq!(detail(details, "objectId"), Some("f93e"));
        assert_eq!(detail(details, "ipAddress"), Some("198.51.100.3"));
        assert_eq!(detail(details, "missing"), None);
        assert_eq!(detail("type=; x", "type"), None);
        assert_eq!(detail("", "type"), None);
    }

    #[test]
    fn a_legacy_sign_in_reads_its_status_and_location() {
        let json = r#"{"id":"a","signinDateTime":"2026-01-11T23:54:23Z","userPrincipalName":"m@contoso.com","loginStatus":"1","signinErrorCode":null,"location":{"city":"Bengaluru","country":"IN"},"geoCoordinates":{"latitude":"12.9716","longitude":"77.5946"}}"#;
        let node = Node::parse(json).unwrap();
        let s = sign_in(&|k| node.get(k));
        assert_eq!(s.failed, Some(true));
        assert_eq!(s.error_code, None);
        assert_eq!(s.country.as_deref(), Some("IN"));
        assert_eq!(s.coordinates, Some((12.9716, 77.5946)));
        assert_eq!(s.user_principal_name, Some("m@contoso.com"));
    }

    #[test]
    fn a_legacy_audit_reads_actor_and_target() {
        let json = r#"{"id":"1","eventTime":"2026-01-11T23:46:43Z","actor":"o@contoso.com","action":"Delete user","target":"m@contoso.com","actorDetail":"objectId=f9; type=User; ipAddress=198.51.100.3","targetDetail":"objectId=e0; type=User"}"#;
        let node = Node::parse(json).unwrap();
        let a = audit(&|k| node.get(k));
        assert_eq!(a.activity, Some("Delete user"));
        assert!(matches!(
            a.actor,
            Actor::User {
                id: Some("f9"),
                upn: Some("o@contoso.com"),
                ..
            }
        ));
        assert_eq!(a.actor_ip, Some("198.51.100.3"));
        assert_eq!(a.targets.len(), 1);
        assert_eq!(a.targets[0].upn, Some("m@contoso.com"));
        assert!(a.targets[0].is("user"));
    }
}
