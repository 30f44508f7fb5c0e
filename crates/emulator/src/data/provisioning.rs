//! `provisioningObjectSummary` records (Microsoft Graph).

use serde_json::{Value, json};

use super::GenContext;
use super::pools::{self, maybe_hostile};
use crate::rng::Rng;
use crate::time::{Ticks, format_ticks_seconds};

const SYSTEMS: &[&str] = &[
    "Azure Active Directory",
    "Workday",
    "ServiceNow",
    "Salesforce",
    "SAP SuccessFactors",
];

/// A provisioning event; `version` > 0 adds the export step a later publication carries.
pub(super) fn summary(rng: &mut Rng, ctx: &GenContext, ticks: Ticks, version: u32) -> Value {
    let action = *rng.pick(&["create", "update", "delete", "disable", "other"]);
    let failed = rng.chance(0.1);
    let (display, upn) = pools::person(rng, &ctx.domain);
    let source = *rng.pick(SYSTEMS);
    let target = if source == "Azure Active Directory" {
        "ServiceNow"
    } else {
        "Azure Active Directory"
    };
    let mut steps = vec![
        json!({"name": "EntryImportAdd", "provisioningStepType": "import", "status": "success", "description": format!("Received User '{upn}' change of type ({action}) from {source}"), "details": {}}),
        json!({"name": "EntrySynchronizationScoping", "provisioningStepType": "scoping", "status": "success", "description": "Determine if User in scope by evaluating against each scoping filter", "details": {"Active in the source system": "True", "Assigned to the application": "True"}}),
        json!({"name": "EntryExportUpdate", "provisioningStepType": "export", "status": if failed { "failure" } else { "success" }, "description": maybe_hostile(rng, format!("User '{upn}' was updated in {target}")), "details": {}}),
    ];
    if version > 0 {
        steps.push(json!({"name": "EntryExportConfirm", "provisioningStepType": "export", "status": "success", "description": "Export confirmed by the target system", "details": {"ConfirmedBy": target}}));
    }
    json!({
        "id": rng.guid(),
        "activityDateTime": format_ticks_seconds(ticks),
        "tenantId": ctx.tenant_id,
        "jobId": format!("{}.{}.{}", source.replace(' ', ""), rng.guid().replace('-', ""), ctx.tenant_id.replace('-', "")),
        "cycleId": rng.guid(),
        "changeId": rng.guid(),
        "provisioningAction": action,
        "durationInMilliseconds": rng.below(5000) + 50,
        "provisioningStatusInfo": {
            "status": if failed { "failure" } else { "success" },
            "errorInformation": if failed {
                json!({"errorCode": "EntrySynchronizationError", "reason": maybe_hostile(rng, "The attribute 'mail' is required.".to_string()), "additionalDetails": null, "errorCategory": "NonServiceFailure", "recommendedAction": "Add a mail address in the source system."})
            } else { Value::Null },
        },
        "provisioningSteps": steps,
        "modifiedProperties": [
            {"displayName": "accountEnabled", "oldValue": "True", "newValue": if action == "disable" { "False" } else { "True" }},
            {"displayName": "displayName", "oldValue": null, "newValue": maybe_hostile(rng, display.clone())},
        ],
        "servicePrincipal": {"id": rng.guid(), "displayName": format!("{source} provisioning")},
        "sourceSystem": {"id": rng.guid(), "displayName": source, "details": {}},
        "targetSystem": {"id": rng.guid(), "displayName": target, "details": {"ApplicationId": rng.guid(), "ServicePrincipalId": rng.guid()}},
        "initiatedBy": {"id": "", "displayName": "Azure AD Provisioning Service", "initiatorType": "system"},
        "sourceIdentity": {"id": rng.guid(), "displayName": display, "identityType": "User", "details": {}},
        "targetIdentity": {"id": rng.guid(), "displayName": upn, "identityType": "User", "details": {}},
    })
}
