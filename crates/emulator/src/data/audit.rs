//! `directoryAudit` records (Microsoft Graph) in their full (beta) form: the changes the
//! tenant's administrators and workloads make to its users, groups, applications,
//! roles and policies, each entity with its stable id and name.

use serde_json::{Value, json};

use super::GenContext;
use super::entities::{Entities, User};
use super::pools;
use crate::rng::Rng;
use crate::time::{Ticks, format_ticks};

/// What an activity looks like: category, name, operation, service, target type.
struct Activity {
    category: &'static str,
    name: &'static str,
    operation: &'static str,
    service: &'static str,
    target: &'static str,
}

const ACTIVITIES: &[Activity] = &[
    Activity {
        category: "UserManagement",
        name: "Add user",
        operation: "Add",
        service: "Core Directory",
        target: "User",
    },
    Activity {
        category: "UserManagement",
        name: "Update user",
        operation: "Update",
        service: "Core Directory",
        target: "User",
    },
    Activity {
        category: "UserManagement",
        name: "Delete user",
        operation: "Delete",
        service: "Core Directory",
        target: "User",
    },
    Activity {
        category: "UserManagement",
        name: "Reset user password",
        operation: "Reset",
        service: "Core Directory",
        target: "User",
    },
    Activity {
        category: "UserManagement",
        name: "Change user license",
        operation: "Update",
        service: "Core Directory",
        target: "User",
    },
    Activity {
        category: "UserManagement",
        name: "Reset password (self-service)",
        operation: "Update",
        service: "Self-service Password Management",
        target: "User",
    },
    Activity {
        category: "UserManagement",
        name: "Invite external user",
        operation: "Add",
        service: "Invited Users",
        target: "User",
    },
    Activity {
        category: "GroupManagement",
        name: "Add member to group",
        operation: "Assign",
        service: "Core Directory",
        target: "Group",
    },
    Activity {
        category: "GroupManagement",
        name: "Remove member from group",
        operation: "Unassign",
        service: "Core Directory",
        target: "Group",
    },
    Activity {
        category: "GroupManagement",
        name: "Add group",
        operation: "Add",
        service: "Core Directory",
        target: "Group",
    },
    Activity {
        category: "ApplicationManagement",
        name: "Add service principal",
        operation: "Add",
        service: "Core Directory",
        target: "ServicePrincipal",
    },
    Activity {
        category: "ApplicationManagement",
        name: "Update application – Certificates and secrets management ",
        operation: "Update",
        service: "Core Directory",
        target: "Application",
    },
    Activity {
        category: "ApplicationManagement",
        name: "Consent to application",
        operation: "Assign",
        service: "Core Directory",
        target: "ServicePrincipal",
    },
    Activity {
        category: "RoleManagement",
        name: "Add member to role",
        operation: "Assign",
        service: "Core Directory",
        target: "Role",
    },
    Activity {
        category: "RoleManagement",
        name: "Add eligible member to role in PIM completed (permanent)",
        operation: "Assign",
        service: "PIM",
        target: "Role",
    },
    Activity {
        category: "Policy",
        name: "Update conditional access policy",
        operation: "Update",
        service: "Conditional Access",
        target: "Policy",
    },
    Activity {
        category: "Device",
        name: "Register device",
        operation: "Add",
        service: "Device Registration Service",
        target: "Device",
    },
];

const FAILURE_REASONS: &[&str] = &[
    "Microsoft.Online.Workflows.ObjectAlreadyExistsException",
    "The user does not have permissions to perform this operation.",
    "Invalid value specified for property 'mailNickname' of resource 'Group'.",
    "Request_ResourceNotFound",
];

/// Built-in roles with their template ids (the same in every tenant).
const ROLES: &[(&str, &str)] = &[
    (
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
    ),
    ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
    ("Security Reader", "5d6b6bb7-de71-4623-b4af-96380a352509"),
    ("Reports Reader", "4a5d8f65-41da-4de4-8968-e035b65339cf"),
    (
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    ),
];

/// A directoryAudit; `version` > 0 adds what a later republication would add.
pub(super) fn directory_audit(
    rng: &mut Rng,
    ctx: &GenContext,
    ticks: Ticks,
    version: u32,
) -> Value {
    let e = &ctx.entities;
    let activity = rng.pick(ACTIVITIES);
    let id = format!(
        "Directory_{}_{}_{}",
        rng.guid(),
        short_code(rng),
        rng.below(900_000_000) + 100_000_000
    );
    let result = match rng.below(100) {
        0..=92 => "success",
        93..=98 => "failure",
        _ => "timeout",
    };
    let result_reason = if result == "success" {
        String::new()
    } else {
        pools::pick_maybe_hostile(rng, FAILURE_REASONS)
    };
    let by_user = rng.chance(0.75);
    let admin = if rng.chance(0.8) {
        &e.users[e.admins[rng.below(e.admins.len() as u64) as usize]]
    } else {
        rng.pick(&e.users)
    };
    let workload = rng.pick(&e.service_principals);
    let initiated_by = if by_user {
        json!({
            "app": null,
            "user": {
                "id": admin.id,
                "displayName": admin.display,
                "userPrincipalName": admin.upn,
                "ipAddress": admin.ip,
                "userType": if admin.guest { "Guest" } else { "Member" },
                "homeTenantId": if admin.guest { &e.guest_tenant } else { &ctx.tenant_id },
                "homeTenantName": if admin.guest { "Fabrikam" } else { "Contoso" },
            },
            "linkableIdentifiers": null,
        })
    } else {
        json!({
            "app": {
                "appId": workload.app_id,
                "displayName": workload.name,
                "servicePrincipalId": workload.service_principal_id,
                "servicePrincipalName": null,
            },
            "user": null,
            "linkableIdentifiers": null,
        })
    };
    let targets = targets(rng, e, activity);
    let mut details = Vec::new();
    if rng.chance(0.6) {
        details.push(
            json!({"key": "UserType", "value": if rng.chance(0.9) { "Member" } else { "Guest" }}),
        );
    }
    let agent = if by_user {
        json!(admin.user_agent)
    } else {
        Value::Null
    };
    if rng.chance(0.3) {
        details.push(json!({"key": "User-Agent", "value": pools::pick_maybe_hostile(rng, pools::USER_AGENTS)}));
    }
    if version > 0 {
        details.push(json!({"key": "RepublishedBy", "value": "Core Directory enrichment"}));
        details.push(json!({"key": "RepublishVersion", "value": version.to_string()}));
    }
    json!({
        "id": id,
        "category": activity.category,
        "correlationId": rng.guid(),
        "result": result,
        "resultReason": result_reason,
        "activityDisplayName": activity.name,
        "activityDateTime": format_ticks(ticks),
        "loggedByService": activity.service,
        "operationType": activity.operation,
        "initiatedBy": initiated_by,
        "targetResources": targets,
        "additionalDetails": details,
        "performedBy": null,
        "userAgent": agent,
    })
}

/// The targets of an activity: the entity changed (with modifiedProperties whose
/// values are JSON in strings), and for memberships the user added or removed.
fn targets(rng: &mut Rng, e: &Entities, activity: &Activity) -> Vec<Value> {
    let user = rng.pick(&e.users);
    let group = rng.pick(&e.groups);
    let app = rng.pick(&e.apps);
    let (role, role_id) = *rng.pick(ROLES);
    let policy = rng.pick(&e.policies);
    let device = rng.guid();
    let key = rng.guid();
    let main = match activity.target {
        "User" => target(
            &user.id,
            Value::Null,
            "User",
            json!(user.upn),
            Value::Null,
            user_changes(rng, activity, user),
        ),
        "Group" => target(
            &group.id,
            json!(group.name),
            "Group",
            Value::Null,
            json!(if rng.chance(0.7) {
                "unifiedGroups"
            } else {
                "azureAD"
            }),
            vec![
                prop("Group.ObjectID", None, Some(&format!("\"{}\"", group.id))),
                prop(
                    "Group.DisplayName",
                    None,
                    Some(&json!(group.name).to_string()),
                ),
            ],
        ),
        "Role" => target(
            role_id,
            json!(role),
            "Role",
            Value::Null,
            Value::Null,
            vec![
                prop("Role.DisplayName", None, Some(&json!(role).to_string())),
                prop("Role.TemplateId", None, Some(&format!("\"{role_id}\""))),
            ],
        ),
        "Policy" => target(
            &policy.id,
            json!(policy.name),
            "Policy",
            Value::Null,
            Value::Null,
            vec![prop(
                "ConditionalAccessPolicy",
                Some(
                    "{\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"]}}}",
                ),
                Some(
                    "{\"state\":\"enabledForReportingButNotEnforced\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"]}}}",
                ),
            )],
        ),
        "Device" => target(
            &device,
            json!(format!("DESKTOP-{:05X}", rng.below(0xFFFFF))),
            "Device",
            Value::Null,
            Value::Null,
            vec![],
        ),
        kind => target(
            if kind == "ServicePrincipal" {
                &app.service_principal_id
            } else {
                &app.app_id
            },
            json!(app.name),
            kind,
            Value::Null,
            Value::Null,
            vec![prop(
                "KeyDescription",
                Some("[]"),
                Some(&format!(
                    "[\"[KeyIdentifier={key},KeyType=Password,KeyUsage=Verify,DisplayName=ci secret]\"]"
                )),
            )],
        ),
    };
    let mut targets = vec![main];
    if matches!(activity.target, "Group" | "Role") && activity.operation != "Add" {
        // The member added to (or removed from) the group or role.
        targets.push(target(
            &user.id,
            Value::Null,
            "User",
            json!(user.upn),
            Value::Null,
            vec![],
        ));
    }
    targets
}

fn user_changes(rng: &mut Rng, activity: &Activity, user: &User) -> Vec<Value> {
    match activity.operation {
        "Update" => vec![
            prop("AccountEnabled", Some("[true]"), Some("[false]")),
            prop(
                "Included Updated Properties",
                None,
                Some("\"AccountEnabled\""),
            ),
            prop("TargetId.UserType", None, Some("\"Member\"")),
        ],
        "Add" => vec![
            prop("AccountEnabled", Some("[]"), Some("[true]")),
            prop(
                "DisplayName",
                Some("[]"),
                Some(&json!([user.display]).to_string()),
            ),
            prop(
                "StrongAuthenticationMethod",
                Some("[]"),
                Some(if rng.chance(0.5) {
                    "[{\"MethodType\":6,\"Default\":true},{\"MethodType\":7,\"Default\":false}]"
                } else {
                    "[]"
                }),
            ),
        ],
        _ => vec![],
    }
}

fn target(
    id: &str,
    display_name: Value,
    kind: &str,
    upn: Value,
    group_type: Value,
    changes: Vec<Value>,
) -> Value {
    json!({
        "id": id,
        "displayName": display_name,
        "type": kind,
        "userPrincipalName": upn,
        "groupType": group_type,
        "modifiedProperties": changes,
    })
}

/// One modifiedProperty; the values are strings that usually hold JSON.
fn prop(name: &str, old: Option<&str>, new: Option<&str>) -> Value {
    json!({"displayName": name, "oldValue": old, "newValue": new})
}

/// The five-character code in directoryAudit ids (`QA6WB`).
fn short_code(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..5)
        .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize] as char)
        .collect()
}
