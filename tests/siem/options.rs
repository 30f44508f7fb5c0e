//! The SIEM targets on the command line: `--tenant-id`, the options that do not apply,
//! threads, Graph pages, and a record that stops the run.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::{TARGETS, dump, lines};
use crate::util::tool;

/// The first document `aad-format args` makes of `input`, parsed.
fn document(args: &[&str], input: &str) -> Value {
    let out = tool("aad-format").args(args).stdin(input).run();
    out.assert_code(0).assert_quiet();
    serde_json::from_slice(lines(&out.stdout)[0]).expect("a JSON document")
}

const AUDIT: &str = r#"{"id":"a1","activityDisplayName":"Add user","activityDateTime":"2026-01-12T23:00:42Z","category":"UserManagement","result":"success","initiatedBy":{"user":{"id":"u1","userPrincipalName":"admin@contoso.com"}},"targetResources":[{"id":"u2","type":"User","userPrincipalName":"new@contoso.com"}]}"#;

#[test]
fn the_tenant_comes_from_the_flag_else_from_the_record() {
    let tenant = "5F2B3C4D-6E7F-4A8B-9C0D-1E2F3A4B5C6D";
    let lower = tenant.to_ascii_lowercase();
    let flag = ["--tenant-id", tenant];
    let ecs = document(&["--to", "ecs", flag[0], flag[1]], AUDIT);
    assert_eq!(ecs["cloud"]["account"]["id"], lower);
    let ocsf = document(&["--to", "ocsf", flag[0], flag[1]], AUDIT);
    assert_eq!(ocsf["metadata"]["tenant_uid"], lower);
    let azure = document(&["--to", "azure-monitor", flag[0], flag[1]], AUDIT);
    assert_eq!(azure["tenantId"], lower);
    assert_eq!(
        azure["resourceId"],
        format!("/tenants/{lower}/providers/Microsoft.aadiam")
    );
    // Audits carry no tenant of their own.
    let azure = document(&["--to", "azure-monitor"], AUDIT);
    assert_eq!(azure.get("tenantId"), None);
    assert_eq!(azure.get("resourceId"), None);
    // A sign-in names its resource tenant, then its home tenant; the flag wins.
    let sign_in = r#"{"createdDateTime":"2026-01-12T08:14:03Z","userId":"u","appId":"a","homeTenantId":"home","resourceTenantId":"resource"}"#;
    assert_eq!(
        document(&["--to", "ecs"], sign_in)["cloud"]["account"]["id"],
        "resource"
    );
    assert_eq!(
        document(&["--to", "ocsf", flag[0], flag[1]], sign_in)["metadata"]["tenant_uid"],
        lower
    );
}

#[test]
fn a_tenant_that_is_not_a_guid_is_a_usage_error() {
    for tenant in [
        "contoso.onmicrosoft.com",
        "5f2b3c4d6e7f4a8b9c0d1e2f3a4b5c6d",
        "",
    ] {
        let out = tool("aad-format")
            .args(["--to", "ecs", "--tenant-id", tenant])
            .run();
        out.assert_code(2);
        assert!(
            out.stderr.starts_with(&format!(
                "aad-format: error: --tenant-id '{tenant}' is not a GUID"
            )),
            "{}",
            out.describe()
        );
    }
}

#[test]
fn options_of_other_formats_are_usage_errors() {
    for target in TARGETS {
        for option in [
            &["--pretty"][..],
            &["--fields", "id"],
            &["--excel"],
            &["--root", "r"],
            &["--item", "i"],
            &["--no-header"],
            &["--strict-fields"],
            &["--max-width", "9"],
        ] {
            let out = tool("aad-format")
                .args(["--to", target])
                .args(option)
                .stdin(AUDIT)
                .run();
            out.assert_code(2);
            assert!(
                out.stderr
                    .contains(&format!("{} applies to --to ", option[0]))
                    && out.stderr.contains(&format!("not to --to {target}")),
                "{}",
                out.describe()
            );
            assert!(out.stdout.is_empty());
        }
    }
    let out = tool("aad-format")
        .args([
            "--to",
            "csv",
            "--tenant-id",
            "5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.starts_with(
        "aad-format: error: --tenant-id applies to --to ecs, ocsf and azure-monitor, not to --to csv"
    ));
}

#[test]
fn threads_do_not_change_the_output() {
    let mut input = dump("signIns");
    input.extend(dump("directoryAudits"));
    input.extend(dump("provisioning"));
    for target in TARGETS {
        let run = |threads: &str| {
            let out = tool("aad-format")
                .args(["--to", target, "-j", threads])
                .stdin(input.clone())
                .run();
            out.assert_code(0).assert_quiet();
            out.stdout
        };
        let one = run("1");
        assert_eq!(lines(&one).len(), 900, "--to {target}");
        assert!(one == run("3"), "--to {target}: -j 3 differs from -j 1");
    }
}

#[test]
fn records_of_a_graph_page_keep_their_exact_bytes() {
    let first = r#"{ "id" : "1", "createdDateTime":"2026-01-12T08:14:03Z","userId":"u","appId":"a","userDisplayName":"Ren\u00e9e\/x","status":{"errorCode":1.0e1} }"#;
    let second = r#"{"activityDisplayName":"Add user","activityDateTime":"2026-01-12T08:14:03Z"}"#;
    let page =
        format!(r#"{{"@odata.context":"x","value":[ {first} ,{second}],"@odata.nextLink":"y"}}"#);
    let out = tool("aad-format")
        .args(["--to", "azure-monitor"])
        .stdin(format!("{page}\n"))
        .run();
    out.assert_code(0).assert_quiet();
    let documents = lines(&out.stdout);
    assert_eq!(documents.len(), 2);
    for (document, record) in documents.iter().zip([first, second]) {
        let envelope: BTreeMap<String, Box<RawValue>> =
            serde_json::from_slice(document).expect("JSON");
        assert_eq!(envelope["properties"].get(), record);
    }
    // The other targets decode what they copy: one escaping, shortest numbers.
    let ecs = document(&["--to", "ecs"], &page);
    assert_eq!(ecs["user"]["full_name"], "Renée/x");
    assert_eq!(ecs["entra"]["signin"]["status"], json!({"errorCode": 10.0}));
    assert_eq!(ecs["event"]["code"], "10");
}

#[test]
fn a_record_without_a_time_stops_the_run_with_status_6() {
    let good = r#"{"createdDateTime":"2026-01-12T08:14:03Z","userId":"u","appId":"a"}"#;
    let input = format!("{good}\n  {{\"createdDateTime\":\"yesterday\\u001b\"}}\n{good}\n");
    for target in TARGETS {
        let out = tool("aad-format")
            .args(["--to", target])
            .stdin(input.clone())
            .run();
        out.assert_code(6);
        assert_eq!(
            out.stderr,
            "aad-format: error: <stdin>:2:3: sign-in record has createdDateTime \"yesterday\\u001b\", not a time\n"
        );
        assert_eq!(
            lines(&out.stdout).len(),
            1,
            "--to {target}: the record before is written"
        );
    }
}
