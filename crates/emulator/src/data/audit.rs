//! `directoryAudit` records (Microsoft Graph), per the resource's documented schema.

use serde_json::{Value, json};

use super::GenContext;
use super::pools::{self, maybe_hostile};
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

const GROUPS: &[&str] = &[
    "Finance Team",
    "Sales EMEA",
    "All Company",
    "IT Admins",
    "Project Ωmega",
];
const ROLES: &[&str] = &[
    "Global Administrator",
    "User Administrator",
    "Security Reader",
    "Reports Reader",
    "Application Administrator",
];

/// A directoryAudit; `version` > 0 adds what a later republication would add.
pub(super) fn directory_audit(
    rng: &mut Rng,
    ctx: &GenContext,
    ticks: Ticks,
    version: u32,
) -> Value {
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
    let initiated_by = if rng.chance(0.7) {
        let (display, upn) = pools::person(rng, &ctx.domain);
        let display = if rng.chance(0.5) {
            Value::Null
        } else {
            json!(maybe_hostile(rng, display))
        };
        json!({
            "app": null,
            "user": {
                "id": rng.guid(),
                "displayName": display,
                "userPrincipalName": upn,
                "ipAddress": pools::ip(rng),
                "userType": null,
                "homeTenantId": null,
                "homeTenantName": null,
            }
        })
    } else {
        json!({
            "app": {
                "appId": if rng.chance(0.3) { Value::Null } else { json!(rng.guid()) },
                "displayName": pools::pick_maybe_hostile(rng, pools::SERVICE_APPS),
                "servicePrincipalId": rng.guid(),
                "servicePrincipalName": null,
            },
            "user": null
        })
    };
    let mut targets = vec![target(rng, ctx, activity)];
    if rng.chance(0.15) {
        // A second target: the group a member was added to, the role assigned, ...
        targets.push(json!({
            "id": rng.guid(),
            "displayName": rng.pick(GROUPS),
            "type": "Group",
            "userPrincipalName": null,
            "groupType": "unifiedGroups",
            "modifiedProperties": [],
        }));
    }
    let mut details = Vec::new();
    if rng.chance(0.6) {
        details.push(
            json!({"key": "UserType", "value": if rng.chance(0.9) { "Member" } else { "Guest" }}),
        );
    }
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
    })
}

/// The main target of an activity, with modifiedProperties whose values are JSON in strings.
fn target(rng: &mut Rng, ctx: &GenContext, activity: &Activity) -> Value {
    let (display, upn) = pools::person(rng, &ctx.domain);
    let (display_name, upn, group_type, props) = match activity.target {
        "User" => {
            let props = match activity.operation {
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
                        Some(&json!([maybe_hostile(rng, display.clone())]).to_string()),
                    ),
                    prop(
                        "StrongAuthenticationMethod",
                        Some("[]"),
                        Some(
                            "[{\"MethodType\":6,\"Default\":true},{\"MethodType\":7,\"Default\":false}]",
                        ),
                    ),
                ],
                _ => vec![],
            };
            (Value::Null, json!(upn), Value::Null, props)
        }
        "Group" => {
            let name = rng.pick(GROUPS);
            let props = vec![
                prop("Group.ObjectID", None, Some(&format!("\"{}\"", rng.guid()))),
                prop("Group.DisplayName", None, Some(&json!(name).to_string())),
            ];
            (json!(name), Value::Null, json!("unifiedGroups"), props)
        }
        "Role" => {
            let role = rng.pick(ROLES);
            let props = vec![
                prop("Role.DisplayName", None, Some(&json!(role).to_string())),
                prop(
                    "Role.TemplateId",
                    None,
                    Some(&format!("\"{}\"", rng.guid())),
                ),
            ];
            (json!(role), Value::Null, Value::Null, props)
        }
        "Policy" => {
            let props = vec![prop(
                "ConditionalAccessPolicy",
                Some(
                    "{\"state\":\"enabled\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"]}}}",
                ),
                Some(
                    "{\"state\":\"enabledForReportingButNotEnforced\",\"conditions\":{\"users\":{\"includeUsers\":[\"All\"]}}}",
                ),
            )];
            (
                json!("Require MFA for admins"),
                Value::Null,
                Value::Null,
                props,
            )
        }
        _ => {
            let (_, app) = rng.pick(pools::APPS);
            let props = vec![prop(
                "KeyDescription",
                Some("[]"),
                Some(&format!(
                    "[\"[KeyIdentifier={},KeyType=Password,KeyUsage=Verify,DisplayName=ci secret]\"]",
                    rng.guid()
                )),
            )];
            (
                json!(maybe_hostile(rng, (*app).to_string())),
                Value::Null,
                Value::Null,
                props,
            )
        }
    };
    json!({
        "id": rng.guid(),
        "displayName": display_name,
        "type": activity.target,
        "userPrincipalName": upn,
        "groupType": group_type,
        "modifiedProperties": props,
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
