//! Legacy Azure AD Graph report records (`auditEvents`, `signinEvents`): flat string
//! fields, as the retired `graph.windows.net/<tenant>/reports` API returned them.

use serde_json::{Value, json};

use super::GenContext;
use super::pools::{self, maybe_hostile};
use crate::rng::Rng;
use crate::time::{Ticks, format_ticks};

const ACTIONS: &[(&str, &str)] = &[
    ("Add user", "User"),
    ("Update user", "User"),
    ("Delete user", "User"),
    ("Reset user password", "User"),
    ("Add member to group", "Group"),
    ("Add member to role", "Role"),
    ("Set company information", "Company"),
    ("Add service principal", "ServicePrincipal"),
];

/// An `AuditEvent` entity; `version` > 0 fills `targetDetail` that a later publication carries.
pub(super) fn audit_event(rng: &mut Rng, ctx: &GenContext, ticks: Ticks, version: u32) -> Value {
    let (action, target_type) = *rng.pick(ACTIONS);
    let (_, actor_upn) = pools::person(rng, &ctx.domain);
    let (target_name, target_upn) = pools::person(rng, &ctx.domain);
    let actor_id = rng.guid();
    let target_id = rng.guid();
    json!({
        "id": rng.guid(),
        "eventTime": format_ticks(ticks),
        "actor": actor_upn,
        "action": action,
        "target": maybe_hostile(rng, if target_type == "User" { target_upn } else { target_name }),
        "actorDetail": format!("objectId={actor_id}; type=User; ipAddress={}", pools::ip(rng)),
        "targetDetail": if version > 0 { format!("objectId={target_id}; type={target_type}; enriched=true") } else { format!("objectId={target_id}; type={target_type}") },
        "updatedProperties": if rng.chance(0.5) { json!("AccountEnabled: [true] -> [false]") } else { json!("") },
    })
}

/// A `SigninEvent` entity (2017-18 shape: `signinDateTime`, `loginStatus` "0"/"1").
pub(super) fn signin_event(rng: &mut Rng, ctx: &GenContext, ticks: Ticks, version: u32) -> Value {
    let (display, upn) = pools::person(rng, &ctx.domain);
    let (app_id, app_name) = *rng.pick(pools::APPS);
    let (city, state, country, lat, lon) = *rng.pick(pools::PLACES);
    let failed = rng.chance(0.12);
    json!({
        "id": rng.guid(),
        "signinDateTime": format_ticks(ticks),
        "userDisplayName": maybe_hostile(rng, display),
        "userPrincipalName": upn,
        "userId": rng.guid(),
        "appId": app_id,
        "appDisplayName": app_name,
        "ipAddress": pools::ip(rng),
        "loginStatus": if failed { "1" } else { "0" },
        "signinErrorCode": if failed { "50126" } else { "0" },
        "failureReason": if failed { json!("Invalid username or password or Invalid on-premise username or password.") } else { Value::Null },
        "deviceInformation": format!("{};{}", rng.pick(pools::SYSTEMS), rng.pick(pools::BROWSERS)),
        "location": {"city": city, "state": state, "country": country},
        "geoCoordinates": {"latitude": lat.to_string(), "longitude": lon.to_string()},
        "mfaRequired": if version > 0 { "true" } else { "false" },
    })
}
