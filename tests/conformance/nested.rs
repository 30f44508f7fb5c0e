//! The nested objects of each record: which keys they have per version, and the
//! JSON types inside them (the property models are in [`super::models`]).

use serde_json::Value;

use super::models::Ty::{BoolOrNull, StrOrNull};

/// Problems of the nested objects of one record of `/{version}/auditLogs/{report}`.
pub fn nested_problems(version: &str, report: &str, record: &Value) -> Vec<String> {
    match report.to_ascii_lowercase().as_str() {
        "signins" => sign_in_nested(version, record),
        "directoryaudits" => audit_nested(version, record),
        _ => provisioning_nested(record),
    }
}

/// Keys of an object against the required ones and the others allowed.
pub fn keys_problem(
    label: &str,
    value: &Value,
    required: &[&str],
    allowed: &[&str],
) -> Option<String> {
    let object = value.as_object()?;
    let missing: Vec<&&str> = required
        .iter()
        .filter(|k| !object.contains_key(**k))
        .collect();
    let extra: Vec<&String> = object
        .keys()
        .filter(|k| !required.contains(&k.as_str()) && !allowed.contains(&k.as_str()))
        .collect();
    (!missing.is_empty() || !extra.is_empty())
        .then(|| format!("{label}: missing {missing:?}, not in the model {extra:?}"))
}

pub fn each(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn sign_in_nested(version: &str, r: &Value) -> Vec<String> {
    let v1 = version == "v1.0";
    let mut p = Vec::new();
    let device = [
        "deviceId",
        "displayName",
        "operatingSystem",
        "browser",
        "isCompliant",
        "isManaged",
        "trustType",
    ];
    p.extend(keys_problem(
        "deviceDetail",
        &r["deviceDetail"],
        &device,
        if v1 { &[] } else { &["browserId"] },
    ));
    for flag in ["isCompliant", "isManaged"] {
        if !BoolOrNull.accepts(&r["deviceDetail"][flag]) {
            p.push(format!(
                "deviceDetail.{flag}: {} is not a boolean or null",
                r["deviceDetail"][flag]
            ));
        }
    }
    p.extend(keys_problem(
        "location",
        &r["location"],
        &["city", "state", "countryOrRegion", "geoCoordinates"],
        &[],
    ));
    let geo = &r["location"]["geoCoordinates"];
    let coordinates = ["altitude", "latitude", "longitude"];
    // v1.0 examples write all three; beta examples also write `{}`.
    p.extend(keys_problem(
        "geoCoordinates",
        geo,
        if v1 { &coordinates } else { &[] },
        &coordinates,
    ));
    if let Some(bad) = geo
        .as_object()
        .and_then(|g| g.values().find(|v| !(v.is_number() || v.is_null())))
    {
        p.push(format!("geoCoordinates: {bad} is not a number or null"));
    }
    p.extend(keys_problem(
        "status",
        &r["status"],
        &["errorCode", "failureReason", "additionalDetails"],
        &[],
    ));
    if r["status"].is_object() && !r["status"]["errorCode"].is_i64() {
        p.push(format!(
            "status.errorCode {} is not an integer",
            r["status"]["errorCode"]
        ));
    }
    let v1_policy = [
        "id",
        "displayName",
        "enforcedGrantControls",
        "enforcedSessionControls",
        "result",
    ];
    let beta_policy = [
        "authenticationStrength",
        "conditionsSatisfied",
        "conditionsNotSatisfied",
        "includeRulesSatisfied",
        "excludeRulesSatisfied",
        "sessionControlsNotSatisfied",
    ];
    for policy in each(&r["appliedConditionalAccessPolicies"]) {
        let required: Vec<&str> = if v1 {
            v1_policy.to_vec()
        } else {
            [&v1_policy[..], &beta_policy[..]].concat()
        };
        p.extend(keys_problem(
            "appliedConditionalAccessPolicies[]",
            policy,
            &required,
            &[],
        ));
        for list in ["enforcedGrantControls", "enforcedSessionControls"] {
            if !policy[list]
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string))
            {
                p.push(format!(
                    "appliedConditionalAccessPolicies[].{list}: {} is not an array of strings",
                    policy[list]
                ));
            }
        }
    }
    for list in [
        "riskEventTypes",
        "riskEventTypes_v2",
        "signInEventTypes",
        "authenticationMethodsUsed",
        "conditionalAccessAudiences",
    ] {
        if let Some(items) = r.get(list).and_then(Value::as_array)
            && !items.iter().all(Value::is_string)
        {
            p.push(format!("{list}: {} is not an array of strings", r[list]));
        }
    }
    if !v1 {
        for pair in each(&r["authenticationProcessingDetails"]) {
            p.extend(keys_problem(
                "authenticationProcessingDetails[]",
                pair,
                &["key", "value"],
                &[],
            ));
        }
        for network in each(&r["networkLocationDetails"]) {
            p.extend(keys_problem(
                "networkLocationDetails[]",
                network,
                &["networkType", "networkNames"],
                &[],
            ));
        }
        let msi = [
            "msiType",
            "associatedResourceId",
            "federatedTokenId",
            "federatedTokenIssuer",
        ];
        p.extend(keys_problem(
            "managedServiceIdentity",
            &r["managedServiceIdentity"],
            &msi,
            &[],
        ));
    }
    p
}

fn audit_nested(version: &str, r: &Value) -> Vec<String> {
    let v1 = version == "v1.0";
    let mut p = Vec::new();
    let initiated = &r["initiatedBy"];
    p.extend(keys_problem(
        "initiatedBy",
        initiated,
        if v1 {
            &["user", "app"]
        } else {
            &["user", "app", "linkableIdentifiers"]
        },
        &[],
    ));
    // v1.0 userIdentity has four properties; the 2024 v1.0 capture also carries
    // userType, homeTenantId, homeTenantName (beta's auditUserIdentity).
    let user_required: &[&str] = if v1 {
        &["id", "displayName", "ipAddress", "userPrincipalName"]
    } else {
        &[
            "id",
            "displayName",
            "ipAddress",
            "userPrincipalName",
            "homeTenantId",
            "homeTenantName",
        ]
    };
    p.extend(keys_problem(
        "initiatedBy.user",
        &initiated["user"],
        user_required,
        &["userType", "homeTenantId", "homeTenantName"],
    ));
    p.extend(keys_problem(
        "initiatedBy.app",
        &initiated["app"],
        &[
            "appId",
            "displayName",
            "servicePrincipalId",
            "servicePrincipalName",
        ],
        &[],
    ));
    for target in each(&r["targetResources"]) {
        p.extend(keys_problem(
            "targetResources[]",
            target,
            &[
                "id",
                "displayName",
                "type",
                "userPrincipalName",
                "groupType",
                "modifiedProperties",
            ],
            &[],
        ));
        for change in each(&target["modifiedProperties"]) {
            p.extend(modified_property_problem(change));
        }
    }
    for pair in each(&r["additionalDetails"]) {
        p.extend(keys_problem(
            "additionalDetails[]",
            pair,
            &["key", "value"],
            &[],
        ));
    }
    p
}

/// `{displayName, oldValue, newValue}`, the values strings (often JSON text) or null.
fn modified_property_problem(change: &Value) -> Option<String> {
    keys_problem(
        "modifiedProperties[]",
        change,
        &["displayName", "oldValue", "newValue"],
        &[],
    )
    .or_else(|| {
        (!StrOrNull.accepts(&change["oldValue"]) || !StrOrNull.accepts(&change["newValue"]))
            .then(|| format!("modifiedProperties[]: values must be strings or null: {change}"))
    })
}

fn provisioning_nested(r: &Value) -> Vec<String> {
    let mut p = Vec::new();
    p.extend(keys_problem(
        "initiatedBy",
        &r["initiatedBy"],
        &["id", "displayName", "initiatorType"],
        &[],
    ));
    p.extend(keys_problem(
        "provisioningStatusInfo",
        &r["provisioningStatusInfo"],
        &["status", "errorInformation"],
        &[],
    ));
    let error = [
        "errorCode",
        "reason",
        "additionalDetails",
        "errorCategory",
        "recommendedAction",
    ];
    p.extend(keys_problem(
        "errorInformation",
        &r["provisioningStatusInfo"]["errorInformation"],
        &error,
        &[],
    ));
    for step in each(&r["provisioningSteps"]) {
        p.extend(keys_problem(
            "provisioningSteps[]",
            step,
            &[
                "name",
                "provisioningStepType",
                "status",
                "description",
                "details",
            ],
            &[],
        ));
        if !step["details"].is_object() {
            p.push(format!(
                "provisioningSteps[].details {} is not an object",
                step["details"]
            ));
        }
    }
    p.extend(keys_problem(
        "servicePrincipal",
        &r["servicePrincipal"],
        &["id", "displayName"],
        &[],
    ));
    for system in ["sourceSystem", "targetSystem"] {
        p.extend(keys_problem(
            system,
            &r[system],
            &["id", "displayName", "details"],
            &[],
        ));
    }
    for identity in ["sourceIdentity", "targetIdentity"] {
        p.extend(keys_problem(
            identity,
            &r[identity],
            &["id", "displayName", "identityType", "details"],
            &[],
        ));
    }
    for change in each(&r["modifiedProperties"]) {
        p.extend(modified_property_problem(change));
    }
    p
}
