//! `provisioningObjectSummary` records (Microsoft Graph): the tenant's provisioning
//! jobs (each with its job id and service principal) moving its users and groups
//! between systems, mostly in sync cycles, sometimes on demand by an administrator.

use serde_json::{Value, json};

use super::GenContext;
use super::pools::maybe_hostile;
use crate::rng::Rng;
use crate::time::{Ticks, format_ticks_seconds};

/// The provisioning jobs: (source system, target system).
const JOBS: &[(&str, &str)] = &[
    ("Workday", "Azure Active Directory"),
    ("SAP SuccessFactors", "Azure Active Directory"),
    ("Azure Active Directory", "ServiceNow"),
    ("Azure Active Directory", "Salesforce"),
];

/// (errorCode, reason, errorCategory, recommendedAction)
const ERRORS: &[(&str, &str, &str, Option<&str>)] = &[
    (
        "EntrySynchronizationError",
        "The attribute 'mail' is required.",
        "nonServiceFailure",
        Some("Add a mail address in the source system."),
    ),
    (
        "AzureActiveDirectoryConflictEntries",
        "Failed to match an entry in the target system: more than one entry matches the value of the matching attribute. The HTTP status code 409 was returned.",
        "nonServiceFailure",
        None,
    ),
    (
        "ServiceUnavailable",
        "The target system did not answer in time.",
        "failure",
        Some("No action needed: the next cycle retries."),
    ),
];

/// A provisioning event; `version` > 0 adds the export step a later publication carries.
pub(super) fn summary(rng: &mut Rng, ctx: &GenContext, ticks: Ticks, version: u32) -> Value {
    let e = &ctx.entities;
    let job = rng.below(JOBS.len() as u64) as usize;
    let (source, target) = JOBS[job];
    // Stable per job: its id, its service principal, its systems.
    let mut job_rng = Rng::for_item(ctx.seed, 0x10b, job as u64);
    let job_id = format!(
        "{}.{}.{}",
        source.replace(' ', ""),
        job_rng.guid().replace('-', ""),
        ctx.tenant_id.replace('-', "")
    );
    let (sp_id, source_id, target_id) = (job_rng.guid(), job_rng.guid(), job_rng.guid());
    let action = *rng.pick(&["create", "update", "update", "delete", "disable", "other"]);
    let failed = rng.chance(0.12);
    let error = *rng.pick(ERRORS);
    let group = rng.chance(0.2);
    let user = rng.pick(&e.users);
    let grp = rng.pick(&e.groups);
    let (kind, source_name, target_name, object_id) = if group {
        ("Group", grp.name.clone(), grp.name.clone(), grp.id.clone())
    } else {
        (
            "User",
            user.display.clone(),
            user.upn.clone(),
            user.id.clone(),
        )
    };
    let admin = &e.users[e.admins[rng.below(e.admins.len() as u64) as usize]];
    let on_demand = rng.chance(0.15);
    let initiated_by = if on_demand {
        json!({"id": admin.id, "displayName": admin.display, "initiatorType": "user"})
    } else {
        json!({"id": "", "displayName": "Azure AD Provisioning Service", "initiatorType": "system"})
    };
    let mut steps = vec![
        json!({"name": "EntryImportAdd", "provisioningStepType": "import", "status": "success", "description": format!("Received {kind} '{target_name}' change of type ({action}) from {source}"), "details": {}}),
        json!({"name": "EntrySynchronizationScoping", "provisioningStepType": "scoping", "status": "success", "description": format!("Determine if {kind} in scope by evaluating against each scoping filter"), "details": {"Active in the source system": "True", "Assigned to the application": "True"}}),
        json!({"name": "EntryExportUpdate", "provisioningStepType": "export", "status": if failed { "failure" } else { "success" }, "description": maybe_hostile(rng, format!("{kind} '{target_name}' was updated in {target}")), "details": {}}),
    ];
    if version > 0 {
        steps.push(json!({"name": "EntryExportConfirm", "provisioningStepType": "export", "status": "success", "description": "Export confirmed by the target system", "details": {"ConfirmedBy": target}}));
    }
    json!({
        "id": rng.guid(),
        "activityDateTime": format_ticks_seconds(ticks),
        "tenantId": ctx.tenant_id,
        "jobId": job_id,
        "cycleId": rng.guid(),
        "changeId": rng.guid(),
        "provisioningAction": action,
        "durationInMilliseconds": rng.below(5000) + 50,
        "provisioningStatusInfo": {
            "status": if failed { "failure" } else { "success" },
            "errorInformation": if failed {
                json!({"errorCode": error.0, "reason": error.1, "additionalDetails": null, "errorCategory": error.2, "recommendedAction": error.3})
            } else { Value::Null },
        },
        "provisioningSteps": steps,
        "modifiedProperties": [
            {"displayName": "accountEnabled", "oldValue": "True", "newValue": if action == "disable" { "False" } else { "True" }},
            {"displayName": "displayName", "oldValue": null, "newValue": source_name},
        ],
        "servicePrincipal": {"id": sp_id, "displayName": format!("{source} to {target} provisioning")},
        "sourceSystem": {"id": source_id, "displayName": source, "details": {}},
        "targetSystem": {"id": target_id, "displayName": target, "details": {"ApplicationId": sp_id, "ServicePrincipalId": sp_id}},
        "initiatedBy": initiated_by,
        "sourceIdentity": {"id": format!("{source}-{}", &object_id[..8]), "displayName": source_name, "identityType": kind, "details": {}},
        "targetIdentity": {"id": object_id, "displayName": target_name, "identityType": kind, "details": {}},
    })
}
