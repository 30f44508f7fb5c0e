//! Each flag on each report: the exact `$filter` condition, or what is tested here.

use super::*;

const GUID: &str = "4e3d2c1b-0a9f-4e8d-9c7b-6a5f4e3d2c1b";

fn server(q: &Questions, shape: Shape, beta: bool) -> Vec<String> {
    let t = translate(q, Some(shape), beta).unwrap();
    assert!(t.local.is_empty(), "{:?}", t.local);
    t.server
}

fn refused(q: &Questions, shape: Shape) -> String {
    let err = translate(q, Some(shape), false).unwrap_err();
    assert_eq!(err.status(), aad_common::Status::Usage);
    err.to_string()
}

#[test]
fn values_are_quoted_as_odata_wants() {
    assert_eq!(quote("O'Brien"), "'O''Brien'");
    assert_eq!(quote("a''b"), "'a''''b'");
    let q = Questions {
        user: Some("o'brien@contoso.com".into()),
        ..Questions::default()
    };
    assert_eq!(
        server(&q, Shape::SignIns, false),
        ["userPrincipalName eq 'o''brien@contoso.com'"]
    );
}

#[test]
fn sign_ins() {
    let q = Questions {
        user: Some(GUID.into()),
        app: Some("Azure Portal".into()),
        ip: Some("192.0.2.7".into()),
        error_code: Some(50126),
        target_resource: Some("Microsoft Graph".into()),
        ..Questions::default()
    };
    let want = [
        format!("userId eq '{GUID}'"),
        "appDisplayName eq 'Azure Portal'".to_string(),
        "ipAddress eq '192.0.2.7'".to_string(),
        "status/errorCode eq 50126".to_string(),
        "resourceDisplayName eq 'Microsoft Graph'".to_string(),
    ];
    assert_eq!(server(&q, Shape::SignIns, false), want);
    assert_eq!(server(&q, Shape::SignIns, true), want);
    let q = Questions {
        app: Some(GUID.to_uppercase()),
        target_resource: Some(GUID.into()),
        ..Questions::default()
    };
    assert_eq!(
        server(&q, Shape::SignIns, false),
        [
            format!("appId eq '{}'", GUID.to_uppercase()),
            format!("resourceId eq '{GUID}'")
        ]
    );
}

#[test]
fn failed_sign_ins_are_selected_here() {
    let q = Questions {
        user: Some("adele@contoso.com".into()),
        failed: true,
        ..Questions::default()
    };
    let t = translate(&q, Some(Shape::SignIns), false).unwrap();
    assert_eq!(t.server, ["userPrincipalName eq 'adele@contoso.com'"]);
    assert_eq!(t.local.identity(), "/status/errorCode!=0");
    assert_eq!(
        t.local.notes().collect::<Vec<_>>(),
        [
            "--failed: status/errorCode ne 0 is not a documented $filter of sign-ins (v1.0); all records of the window are fetched and status.errorCode tested here"
        ]
    );
    assert!(t.local.admits(br#"{"status":{"errorCode":50126}}"#));
    assert!(!t.local.admits(br#"{"status":{"errorCode":0}}"#));
    assert!(!t.local.admits(br#"{"status":{"errorCode":null}}"#));
    assert!(!t.local.admits(br#"{"status":{}}"#));
}

#[test]
fn audits() {
    let q = Questions {
        user: Some("adele@contoso.com".into()),
        app: Some(GUID.into()),
        activity: Some("Add member to group".into()),
        target_resource: Some(GUID.into()),
        ..Questions::default()
    };
    assert_eq!(
        server(&q, Shape::Audits, false),
        [
            "initiatedBy/user/userPrincipalName eq 'adele@contoso.com'".to_string(),
            format!("initiatedBy/app/appId eq '{GUID}'"),
            "activityDisplayName eq 'Add member to group'".to_string(),
            format!("targetResources/any(t: t/id eq '{GUID}')"),
        ]
    );
    let by = |who: &str| {
        server(
            &Questions {
                initiated_by: Some(who.into()),
                target_resource: Some("Sales".into()),
                ..Questions::default()
            },
            Shape::Audits,
            false,
        )
    };
    assert_eq!(
        by(GUID),
        [
            format!("initiatedBy/user/id eq '{GUID}' or initiatedBy/app/appId eq '{GUID}'"),
            "targetResources/any(t: t/displayName eq 'Sales')".to_string()
        ]
    );
    assert_eq!(
        by("adele@contoso.com")[0],
        "initiatedBy/user/userPrincipalName eq 'adele@contoso.com'"
    );
    assert_eq!(
        by("Microsoft Graph")[0],
        "initiatedBy/user/displayName eq 'Microsoft Graph' or initiatedBy/app/displayName eq 'Microsoft Graph'"
    );
}

#[test]
fn audit_result_category_and_ip_are_tested_here() {
    let q = Questions {
        failed: true,
        category: Some("GroupManagement".into()),
        ip: Some("192.0.2.7".into()),
        ..Questions::default()
    };
    let t = translate(&q, Some(Shape::Audits), false).unwrap();
    assert!(t.server.is_empty());
    assert_eq!(
        t.local.identity(),
        "/initiatedBy/user/ipAddress=='192.0.2.7' and /result=='failure' and /category=='GroupManagement'"
    );
    let yes = br#"{"result":"failure","category":"GroupManagement","initiatedBy":{"user":{"ipAddress":"192.0.2.7"},"app":null}}"#;
    assert!(t.local.admits(yes));
    let app = br#"{"result":"failure","category":"GroupManagement","initiatedBy":{"user":null,"app":{}}}"#;
    assert!(!t.local.admits(app));
    let ok = br#"{"result":"success","category":"GroupManagement","initiatedBy":{"user":{"ipAddress":"192.0.2.7"}}}"#;
    assert!(!t.local.admits(ok));
}

#[test]
fn provisioning_failures_are_documented_on_beta_only() {
    let q = Questions {
        failed: true,
        app: Some("Workday".into()),
        target_resource: Some(GUID.into()),
        initiated_by: Some("Azure AD Provisioning Service".into()),
        ..Questions::default()
    };
    let t = translate(&q, Some(Shape::Provisioning), false).unwrap();
    assert_eq!(
        t.server,
        [
            "servicePrincipal/displayName eq 'Workday'".to_string(),
            format!("targetIdentity/id eq '{GUID}'"),
            "initiatedBy/displayName eq 'Azure AD Provisioning Service'".to_string(),
        ]
    );
    assert_eq!(
        t.local.identity(),
        "/provisioningStatusInfo/status=='failure'"
    );
    let beta = translate(&q, Some(Shape::Provisioning), true).unwrap();
    assert!(beta.local.is_empty());
    assert_eq!(beta.server[3], "provisioningStatusInfo/status eq 'failure'");
}

#[test]
fn flags_that_mean_nothing_for_a_report_are_refused() {
    let activity = Questions {
        activity: Some("x".into()),
        ..Questions::default()
    };
    assert_eq!(
        refused(&activity, Shape::SignIns),
        "--activity does not apply to sign-ins: it filters directoryAudits by activityDisplayName"
    );
    assert!(
        refused(&activity, Shape::Provisioning)
            .starts_with("--activity does not apply to provisioning")
    );
    let code = Questions {
        error_code: Some(1),
        ..Questions::default()
    };
    assert!(
        refused(&code, Shape::Audits).starts_with("--error-code does not apply to directoryAudits")
    );
    let by = Questions {
        initiated_by: Some("x".into()),
        ..Questions::default()
    };
    assert!(refused(&by, Shape::SignIns).contains("use --user, --app or --ip"));
    let err = translate(
        &Questions {
            user: Some("u".into()),
            failed: true,
            ..Questions::default()
        },
        None,
        false,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("--user, --failed need a report whose records aad-fetch knows"),
        "{err}"
    );
    assert_eq!(
        translate(&Questions::default(), None, false).unwrap(),
        Translation::default()
    );
}

#[test]
fn guids_are_ids_and_anything_else_a_name() {
    assert!(is_guid(GUID));
    assert!(is_guid(&GUID.to_uppercase()));
    for other in [
        "",
        "adele@contoso.com",
        "4e3d2c1b-0a9f-4e8d-9c7b-6a5f4e3d2c1",
        "4e3d2c1b0a9f4e8d9c7b6a5f4e3d2c1b",
        "4e3d2c1b-0a9f-4e8d-9c7b-6a5f4e3d2c1x",
    ] {
        assert!(!is_guid(other), "{other}");
    }
}

#[test]
fn dotted_paths_are_found_outside_strings() {
    assert_eq!(
        dotted_path("status.errorCode eq 50126"),
        Some("status.errorCode")
    );
    assert_eq!(
        dotted_path("result eq 'a.b' and initiatedBy.user.id eq 'x'"),
        Some("initiatedBy.user.id")
    );
    for clean in [
        "status/errorCode eq 0",
        "displayName eq 'j.doe'",
        "createdDateTime ge 2026-11-28T10:00:00.5Z",
        "x eq 1.5",
        "isof('microsoft.graph.user')",
        "initiatedBy/microsoft.graph.user/id eq 'x'",
    ] {
        assert_eq!(dotted_path(clean), None, "{clean}");
    }
}

#[test]
fn empty_values_are_refused() {
    let q = Questions {
        app: Some(" ".into()),
        ..Questions::default()
    };
    let err = translate(&q, Some(Shape::SignIns), false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--app needs a value; an empty one would match nothing"
    );
}
