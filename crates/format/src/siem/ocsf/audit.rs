//! Directory audits in the OCSF class their activity fits, first match wins: a role
//! assignment → User Access Management 3005 (Group Management 3006 for a group);
//! `GroupManagement` with a group target → 3006; `UserManagement` with a user target →
//! Account Change 3001; any target with an id or name → Entity Management 3004; and
//! nothing to name → API Activity 6003. Detections written for OCSF's IAM classes
//! expect 3001/3005/3006; 6003 is the fallback because it requires a `src_endpoint`,
//! which tenant-internal actions lack.

use std::borrow::Cow;

use super::class::{
    ACCOUNT_CHANGE, API_ACTIVITY, Class, ENTITY_MANAGEMENT, Enum, GROUP_MANAGEMENT, USER_ACCESS,
    activity, activity_by, status_of,
};
use super::event::{Actor, Endpoint, Entity, Event, Group, Unmapped, User};
use crate::siem::normalize::NO_NUMBERS;
use crate::siem::tree::Node;
use crate::siem::values::{is_ocsf_ip, same};
use crate::siem::view::{self, Audit, Target};

/// The top-level properties `unmapped` leaves out when an attribute took them or they
/// carry nothing (Graph, then legacy `auditEvents`).
fn candidate(key: &str) -> bool {
    matches!(
        key,
        "id" | "activityDateTime"
            | "correlationId"
            | "activityDisplayName"
            | "result"
            | "resultReason"
            | "loggedByService"
    )
}

fn legacy_candidate(key: &str) -> bool {
    matches!(key, "id" | "eventTime" | "action")
}

/// The event of a directory audit.
pub(super) fn event<'t>(
    a: &'t Audit<'t>,
    tenant: Option<&'t str>,
    legacy: bool,
) -> (Event<'t>, Unmapped) {
    let feature = a.logged_by_service.unwrap_or("Audit logs");
    // A role assignment that names no principal or role goes on with step 4.
    let specific = if is_role_assignment(a) {
        role_assignment(a, feature)
    } else {
        group_management(a, feature).or_else(|| account_change(a, feature))
    };
    let mut event = specific
        .or_else(|| entity_management(a, feature))
        .unwrap_or_else(|| api_activity(a, feature));
    event.status = status_of(a.result);
    event.status_detail = a.result_reason;
    event.message = a.activity.map(Cow::Borrowed);
    event.uid = a.id;
    event.correlation_uid = a.correlation_id;
    event.tenant = tenant;
    if event.actor.is_none() {
        event.actor = actor(a);
    }
    if let Some(ip) = a.actor_ip.filter(|ip| is_ocsf_ip(ip)) {
        event.src_endpoint = Endpoint {
            ip: Some(ip),
            ..Endpoint::default()
        };
    }
    event.user_agent = a.user_agent;
    let mut taken = vec![if legacy {
        "eventTime"
    } else {
        "activityDateTime"
    }];
    for (key, value) in [
        ("id", a.id),
        ("correlationId", a.correlation_id),
        (
            if legacy {
                "action"
            } else {
                "activityDisplayName"
            },
            a.activity,
        ),
        ("result", a.result),
        ("resultReason", a.result_reason),
        ("loggedByService", a.logged_by_service),
    ] {
        if value.is_some() {
            taken.push(key);
        }
    }
    let unmapped = Unmapped {
        candidate: if legacy { legacy_candidate } else { candidate },
        taken,
        numbers: NO_NUMBERS,
    };
    (event, unmapped)
}

/// The initiator as an OCSF actor, if the audit names one.
fn actor<'t>(a: &Audit<'t>) -> Option<Actor<'t>> {
    match a.actor {
        view::Actor::Nobody => None,
        view::Actor::User {
            id,
            upn,
            display_name,
        } => Some(Actor {
            user: User {
                uid: id,
                upn,
                display_name,
                ..User::default()
            },
            ..Actor::default()
        }),
        view::Actor::App {
            app_id,
            display_name,
            service_principal_id,
            service_principal_name,
        } => {
            let app_name = display_name.or(service_principal_name);
            Some(Actor {
                user: User {
                    uid: service_principal_id,
                    name: app_name,
                    service: true,
                    ..User::default()
                }
                .only_with_uid(),
                app_name,
                app_uid: app_id.or(service_principal_id),
            })
        }
    }
}

/// A target as an OCSF user: a user by its UPN, a service principal by its name.
fn target_user<'t>(target: &Target<'t>) -> User<'t> {
    if target.is("ServicePrincipal") {
        User {
            uid: target.id,
            name: target.display_name,
            service: true,
            ..User::default()
        }
    } else {
        User {
            uid: target.id,
            upn: target.upn,
            display_name: target.display_name,
            ..User::default()
        }
    }
}

fn target_group<'t>(target: &Target<'t>) -> Group<'t> {
    Group {
        uid: target.id,
        name: target.display_name,
        kind: target.group_type,
    }
}

fn first<'a, 't>(a: &'a Audit<'t>, kind: &str) -> Option<&'a Target<'t>> {
    a.targets.iter().find(|t| t.is(kind))
}

fn name_is(a: &Audit<'_>, names: &[&str]) -> bool {
    a.activity.is_some_and(|activity| {
        names
            .iter()
            .any(|n| activity.trim().eq_ignore_ascii_case(n))
    })
}

fn name_starts(a: &Audit<'_>, prefix: &str) -> bool {
    a.activity.is_some_and(|activity| {
        let activity = activity.trim_start();
        activity
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    })
}

/// An activity from `operationType`: each listed type gives its id, any other `Other`.
fn by_operation<'t>(a: &Audit<'t>, class: &Class, ids: &[(&str, i64)]) -> Enum<'t> {
    activity_by(class, a.operation_type, ids)
}

/// True for role assignments: category `RoleManagement`, or an activity about role
/// members or app role assignments.
fn is_role_assignment(a: &Audit<'_>) -> bool {
    let lower = a.activity.map(str::to_ascii_lowercase).unwrap_or_default();
    same(a.category, "RoleManagement")
        || ["member to role", "member from role", "app role assignment"]
            .iter()
            .any(|phrase| lower.contains(phrase))
}

/// Step 1, role assignments: 3005 for a user or service principal, 3006 for a group.
fn role_assignment<'t>(a: &'t Audit<'t>, feature: &'t str) -> Option<Event<'t>> {
    let privilege = privilege(a)?;
    let assign =
        name_starts(a, "Add") || same(a.operation_type, "Assign") || same(a.operation_type, "Add");
    let revoke = name_starts(a, "Remove")
        || name_starts(a, "Delete")
        || same(a.operation_type, "Unassign")
        || same(a.operation_type, "Delete");
    let id = if assign {
        Some(1)
    } else if revoke {
        Some(2)
    } else {
        None
    };
    let principal = first(a, "User").or_else(|| first(a, "ServicePrincipal"));
    if let Some(user) = principal.map(target_user).filter(User::is_named) {
        let mut event = Event::new(
            &USER_ACCESS,
            activity(&USER_ACCESS, id, a.operation_type),
            feature,
        );
        event.user = Some(user);
        event.privileges = Some(privilege);
        return Some(event);
    }
    let group = first(a, "Group")
        .map(target_group)
        .filter(Group::is_named)?;
    let mut event = Event::new(
        &GROUP_MANAGEMENT,
        activity(&GROUP_MANAGEMENT, id, a.operation_type),
        feature,
    );
    event.group = Some(group);
    event.privileges = Some(privilege);
    Some(event)
}

/// The role of a role assignment: the first `Role` target's name, else the first
/// `Role.DisplayName`, `AppRole.Value` or `AppRole.DisplayName` modified property.
fn privilege<'t>(a: &Audit<'t>) -> Option<Cow<'t, str>> {
    if let Some(name) = first(a, "Role").and_then(|role| role.display_name) {
        return Some(Cow::Borrowed(name));
    }
    ["Role.DisplayName", "AppRole.Value", "AppRole.DisplayName"]
        .iter()
        .find_map(|property| {
            a.targets
                .iter()
                .flat_map(|t| t.modified_properties)
                .find(|p| p.get("displayName").and_then(Node::as_str) == Some(property))
                .and_then(|p| {
                    modified_value(p.get("newValue")).or_else(|| modified_value(p.get("oldValue")))
                })
        })
}

/// A modified property's value, JSON-decoded when it is a JSON string literal.
fn modified_value<'t>(value: Option<&'t Node<'t>>) -> Option<Cow<'t, str>> {
    let text = crate::siem::values::text(value)?;
    if text.starts_with('"')
        && let Ok(decoded) = serde_json::from_str::<String>(text)
    {
        return (!decoded.trim().is_empty()).then_some(Cow::Owned(decoded));
    }
    Some(Cow::Borrowed(text))
}

/// Step 2, group management with a group target: 3006.
fn group_management<'t>(a: &'t Audit<'t>, feature: &'t str) -> Option<Event<'t>> {
    if !same(a.category, "GroupManagement") {
        return None;
    }
    let groups: Vec<&Target<'t>> = a.targets.iter().filter(|t| t.is("Group")).collect();
    let member_event = name_is(a, &["Add member to group", "Remove member from group"]);
    let user = member_event.then(|| first(a, "User")).flatten();
    let (subgroup, container) = match (member_event, user, groups.as_slice()) {
        (true, None, [member, container, ..]) => (Some(*member), *container),
        (_, _, [container, ..]) => (None, *container),
        _ => return None,
    };
    let group = Some(target_group(container)).filter(Group::is_named)?;
    let adding = name_is(a, &["Add member to group"]);
    let id = if name_is(a, &["Add group"]) {
        Some(6)
    } else if name_is(a, &["Delete group", "Hard delete group"]) {
        Some(5)
    } else if member_event {
        Some(match (adding, subgroup.is_some()) {
            (true, false) => 3,
            (true, true) => 7,
            (false, false) => 4,
            (false, true) => 8,
        })
    } else {
        return Some(with_group(
            Event::new(
                &GROUP_MANAGEMENT,
                by_operation(a, &GROUP_MANAGEMENT, &[("Add", 6), ("Delete", 5)]),
                feature,
            ),
            group,
        ));
    };
    let mut event = with_group(
        Event::new(
            &GROUP_MANAGEMENT,
            activity(&GROUP_MANAGEMENT, id, None),
            feature,
        ),
        group,
    );
    event.user = user.map(target_user).filter(User::is_named);
    event.subgroup = subgroup.map(target_group).filter(Group::is_named);
    Some(event)
}

fn with_group<'t>(mut event: Event<'t>, group: Group<'t>) -> Event<'t> {
    event.group = Some(group);
    event
}

/// Step 3, user management with a user target: Account Change 3001.
fn account_change<'t>(a: &'t Audit<'t>, feature: &'t str) -> Option<Event<'t>> {
    if !same(a.category, "UserManagement") {
        return None;
    }
    let user = first(a, "User").map(target_user).filter(User::is_named)?;
    const BY_NAME: &[(&[&str], i64)] = &[
        (&["Add user", "Invite external user", "Create user"], 1),
        (&["Enable account"], 2),
        (
            &["Change user password", "Change password (self-service)"],
            3,
        ),
        (
            &[
                "Reset user password",
                "Reset password (self-service)",
                "Reset password (by admin)",
            ],
            4,
        ),
        (&["Disable account"], 5),
        (&["Delete user", "Hard delete user"], 6),
        (
            &[
                "User registered security info",
                "Admin registered security info",
            ],
            10,
        ),
        (
            &["User deleted security info", "Admin deleted security info"],
            11,
        ),
    ];
    let activity = match BY_NAME.iter().find(|(names, _)| name_is(a, names)) {
        Some((_, id)) => activity(&ACCOUNT_CHANGE, Some(*id), None),
        None => by_operation(a, &ACCOUNT_CHANGE, &[("Add", 1), ("Delete", 6)]),
    };
    let mut event = Event::new(&ACCOUNT_CHANGE, activity, feature);
    event.user = Some(user);
    Some(event)
}

/// Step 4, any target with an id or a name: Entity Management 3004.
fn entity_management<'t>(a: &'t Audit<'t>, feature: &'t str) -> Option<Event<'t>> {
    let target = a.targets.iter().find(|t| t.is_named())?;
    const TYPES: &[(&str, i64, &str)] = &[
        ("Device", 1, "Device"),
        ("User", 2, "User"),
        ("Group", 3, "Group"),
        ("Directory", 4, "Organization"),
        ("Policy", 5, "Policy"),
    ];
    let kind = TYPES
        .iter()
        .find(|(kind, _, _)| target.is(kind))
        .map_or_else(
            || Enum::other(target.kind),
            |(_, id, caption)| Enum::known(*id, caption),
        );
    let name = target
        .display_name
        .or_else(|| target.upn.filter(|_| target.is("User")));
    let activity = by_operation(
        a,
        &ENTITY_MANAGEMENT,
        &[("Add", 1), ("Update", 3), ("Delete", 4)],
    );
    let mut event = Event::new(&ENTITY_MANAGEMENT, activity, feature);
    event.entity = Some(Entity {
        uid: target.id,
        name,
        kind,
    });
    Some(event)
}

/// Step 5, nothing to name: API Activity 6003, with the service standing in for the actor
/// and the source when the audit has neither.
fn api_activity<'t>(a: &'t Audit<'t>, feature: &'t str) -> Event<'t> {
    let activity = by_operation(
        a,
        &API_ACTIVITY,
        &[("Add", 1), ("Update", 3), ("Delete", 4)],
    );
    let mut event = Event::new(&API_ACTIVITY, activity, feature);
    let operation = a.activity.or(a.operation_type).unwrap_or("Unknown");
    event.api = Some((operation, Some(feature)));
    let actor = actor(a).unwrap_or(Actor {
        app_name: Some(feature),
        ..Actor::default()
    });
    let app_name = actor.app_name;
    event.actor = Some(actor);
    event.src_endpoint = Endpoint {
        svc_name: Some(app_name.unwrap_or(feature)),
        ..Endpoint::default()
    };
    event
}
