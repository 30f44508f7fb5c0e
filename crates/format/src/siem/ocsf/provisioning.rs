//! Provisioning records in the class their identity fits: a user → Account Change
//! 3001, any other named object → Entity Management 3004 (a SCIM `…:User` counts as a
//! user); a record that names no identity → API Activity 6003, whose required actor and
//! source the provisioning service stands in for.

use std::borrow::Cow;

use super::class::{ACCOUNT_CHANGE, API_ACTIVITY, ENTITY_MANAGEMENT, Enum, activity_by, status_of};
use super::event::{Actor, Endpoint, Entity, Event, Unmapped, User};
use crate::siem::normalize::PROVISIONING_NUMBERS;
use crate::siem::view::Provisioning;

/// The top-level properties `unmapped` leaves out when an attribute took them or they
/// carry nothing (`tenantId` only when it is the event's tenant).
fn candidate(key: &str) -> bool {
    matches!(
        key,
        "id" | "activityDateTime" | "changeId" | "durationInMilliseconds" | "tenantId"
    )
}

const FEATURE: &str = "Provisioning logs";

/// The event of a provisioning record.
pub(super) fn event<'t>(p: &'t Provisioning<'t>, tenant: Option<&'t str>) -> (Event<'t>, Unmapped) {
    let user = User {
        uid: p.identity_id,
        name: p.identity_name,
        ..User::default()
    };
    let object = p.object();
    let named = user.is_named();
    let mut event = if object == "user" && named {
        let ids = [
            ("create", 1),
            ("disable", 5),
            ("delete", 6),
            ("stagedDelete", 6),
        ];
        let activity = activity_by(&ACCOUNT_CHANGE, p.action, &ids);
        let mut event = Event::new(&ACCOUNT_CHANGE, activity, FEATURE);
        event.user = Some(user);
        event
    } else if named {
        let ids = [
            ("create", 1),
            ("update", 3),
            ("delete", 4),
            ("stagedDelete", 4),
            ("disable", 9),
        ];
        let activity = activity_by(&ENTITY_MANAGEMENT, p.action, &ids);
        let mut event = Event::new(&ENTITY_MANAGEMENT, activity, FEATURE);
        event.entity = Some(Entity {
            uid: p.identity_id,
            name: p.identity_name,
            kind: if object == "group" {
                Enum::known(3, "Group")
            } else {
                Enum::other(p.identity_type)
            },
        });
        event
    } else {
        let ids = [
            ("create", 1),
            ("update", 3),
            ("delete", 4),
            ("stagedDelete", 4),
        ];
        let mut event = Event::new(
            &API_ACTIVITY,
            activity_by(&API_ACTIVITY, p.action, &ids),
            FEATURE,
        );
        event.api = Some((p.action.unwrap_or("Provisioning activity"), Some(FEATURE)));
        event
    };
    event.status = status_of(p.status);
    event.status_code = p.error_code.as_deref().map(Cow::Borrowed);
    event.status_detail = p.error_reason;
    event.duration = p.duration_ms;
    event.uid = p.id;
    event.correlation_uid = p.change_id;
    event.tenant = tenant.or(p.tenant_id);
    let is_user = p
        .initiator_type
        .is_some_and(|t| t.eq_ignore_ascii_case("user"));
    let actor = if is_user {
        Actor {
            user: User {
                uid: p.initiator_id,
                display_name: p.initiator_name,
                ..User::default()
            },
            ..Actor::default()
        }
    } else {
        Actor {
            app_name: p.initiator_name,
            app_uid: p.initiator_id,
            ..Actor::default()
        }
    };
    let has_actor = actor.user.is_named() || actor.app_name.is_some() || actor.app_uid.is_some();
    if has_actor {
        event.actor = Some(actor);
    }
    if !named {
        // API Activity requires an actor and a source: the service stands in.
        let app_name = actor.app_name.filter(|_| has_actor);
        event.actor.get_or_insert(Actor {
            app_name: Some(FEATURE),
            ..Actor::default()
        });
        event.src_endpoint = Endpoint {
            svc_name: Some(app_name.unwrap_or(FEATURE)),
            ..Endpoint::default()
        };
    }
    let mut taken = vec!["activityDateTime"];
    for (key, used) in [
        ("id", p.id.is_some()),
        ("changeId", p.change_id.is_some()),
        ("durationInMilliseconds", p.duration_ms.is_some()),
        ("tenantId", tenant.is_none() && p.tenant_id.is_some()),
    ] {
        if used {
            taken.push(key);
        }
    }
    let unmapped = Unmapped {
        candidate,
        taken,
        numbers: PROVISIONING_NUMBERS,
    };
    (event, unmapped)
}
