//! Every example request of the list pages (signIns v1.0 and beta, directoryAudits
//! v1.0 and beta, provisioning v1.0, including the old query-parameter tables),
//! replayed as written, with the answer's status, top-level shape, next link and
//! records checked against the example responses. Each test checks every example
//! before failing, so one run shows all that differs.
//!
//! Examples whose filter dates lie in 2024 or 2018 are before today's retention window:
//! replayed literally they get the service's "Invalid filter clause", and they are
//! replayed again with the same shape over recent dates.

use serde_json::Value;

use super::cases::{instant, strings};
use super::pages::{Findings, next_link, next_link_problems, page, values};
use super::{Answer, Service, Shared, graph_path};

static SERVICE: Shared = Shared::new();

/// More than one page of 1,000 (the documented default and largest page of sign-ins).
fn service() -> std::sync::Arc<Service> {
    SERVICE.get(&["--records", "1200"])
}

/// The tip directoryAudits pages carry (2024 v1.0 and beta Example 2).
const AUDIT_TIP: &str = "Use $select to choose only the properties your app needs, as this can lead to performance improvements. For example: GET auditLogs/directoryAudits?$select=activityDateTime,activityDisplayName";

/// Replays `path_and_query` as written (spaces as %20, nothing else encoded).
fn replay(service: &Service, path_and_query: &str) -> Answer {
    service.get(&path_and_query.replace(' ', "%20"), &[])
}

fn app_starts_with(record: &Value, prefix: &str) -> bool {
    record["appDisplayName"]
        .as_str()
        .is_some_and(|a| a.to_lowercase().starts_with(&prefix.to_lowercase()))
}

/// Replays an example and checks its page (version and list taken from the path).
fn replay_page(f: &mut Findings, service: &Service, query: &str) -> Option<Value> {
    let path = query.split('?').next().unwrap_or_default();
    let version = path.split('/').nth(1).unwrap_or_default();
    let segment = path.rsplit('/').next().unwrap_or_default();
    page(f, service, &replay(service, query), version, segment)
}

/// Example 2 of both versions: the sign-ins of apps whose name starts with `prefix`,
/// asked with `top=10` (as first published, without `$`) and with `$top=10`, whose
/// next link repeats the filter. Returns the `$top=10` page.
fn app_prefix_example(
    f: &mut Findings,
    service: &Service,
    path: &str,
    prefix: &str,
) -> Option<Value> {
    let filter = format!("startsWith(appDisplayName,'{prefix}')");
    let mut last = None;
    for top in ["top", "$top"] {
        let query = format!("{path}?&$filter={filter}&{top}=10");
        let answer = replay_page(f, service, &query);
        let records = values(&answer);
        f.check(!records.is_empty(), || {
            format!("{query}: the example answers with {prefix} sign-ins")
        });
        let all_match = records.iter().all(|r| app_starts_with(r, prefix));
        f.check(all_match, || format!("{query}: another app"));
        last = answer;
    }
    let query = format!("{path}?&$filter={filter}&$top=10");
    f.check(values(&last).len() <= 10, || {
        format!("{query}: more than 10 records")
    });
    let want = [("$filter", filter.as_str()), ("$top", "10")];
    f.all(
        &format!("{query} next link"),
        next_link_problems(&last, &want),
    );
    last
}

fn newest_first(records: &[Value], field: &str) -> bool {
    let times: Vec<_> = records
        .iter()
        .map(|r| instant(r[field].as_str().unwrap_or("bad")))
        .collect();
    times.windows(2).all(|w| w[0] >= w[1])
}

/// A skip token from the docs, long expired. Unverified status and body (two captures
/// differ); chosen: 400 with the msgraph-sdk-powershell#1388 body.
fn expired_skiptoken(f: &mut Findings, service: &Service, path: &str) {
    let answer = replay(
        service,
        &format!("{path}?$skiptoken=01fa0e77c60c2d3d63226c8e3294c860__1"),
    );
    f.error(
        path,
        &answer,
        400,
        "UnknownError",
        "Invalid Skip Token, skip token is null",
    );
}

/// Unverified what the service answers to a window entirely before retention (the
/// old table's `le 2018-01-24`); chosen: the min-date check refuses it like a lower
/// bound before retention.
fn before_retention(f: &mut Findings, service: &Service, query: &str) {
    f.error(
        query,
        &replay(service, query),
        400,
        "BadRequest",
        "Invalid filter clause",
    );
}

#[test]
fn v1_sign_in_examples() {
    let service = service();
    let mut f = Findings::default();
    // Example 1 (2020, 2023): everything, newest first, 1,000 per page.
    let first = replay_page(&mut f, &service, "/v1.0/auditLogs/signIns");
    let records = values(&first);
    f.check(records.len() == 1000, || {
        format!(
            "Example 1: {} records, the default page is 1,000",
            records.len()
        )
    });
    f.check(next_link(&first).is_some(), || {
        "Example 1: 1,200 records need a second page".into()
    });
    f.check(newest_first(&records, "createdDateTime"), || {
        "Example 1: not newest first".into()
    });

    // Example 2 as first published (2020): `top` without `$`; then (2023) `$top=10`.
    let graph = app_prefix_example(&mut f, &service, "/v1.0/auditLogs/signIns", "Graph");
    if let Some(next) = next_link(&graph) {
        let following = page(
            &mut f,
            &service,
            &service.get(&next, &[]),
            "v1.0",
            "signIns",
        );
        f.check(
            values(&following)
                .iter()
                .all(|r| app_starts_with(r, "Graph")),
            || format!("{next}: another app"),
        );
    }

    // The old query-parameter table.
    let one = replay_page(&mut f, &service, "/v1.0/auditLogs/signIns?$top=1");
    f.check(values(&one).len() == 1, || "$top=1: not one record".into());
    f.all(
        "$top=1 next link",
        next_link_problems(&one, &[("$top", "1")]),
    );
    expired_skiptoken(&mut f, &service, "/v1.0/auditLogs/signIns");
    before_retention(
        &mut f,
        &service,
        "/v1.0/auditLogs/signIns?&$filter=createdDateTime le 2018-01-24",
    );
    f.finish("v1.0 signIns examples");
}

/// Example 1 since PR #9257 (2024): a two-week window. Replayed literally it is
/// before retention; shifted to the last two weeks (inside the 30 days a P1/P2 tenant
/// keeps, whatever span the data covers) it lists that window.
#[test]
fn v1_sign_in_time_window_example() {
    let service = service();
    let mut f = Findings::default();
    let literal = "/v1.0/auditLogs/signIns?$filter=createdDateTime ge 2024-07-01T00:00:00Z and createdDateTime le 2024-07-14T23:59:59Z";
    before_retention(&mut f, &service, literal);
    let now = chrono::Utc::now();
    let from = (now - chrono::TimeDelta::days(14))
        .format("%Y-%m-%dT00:00:00Z")
        .to_string();
    let to = now.format("%Y-%m-%dT23:59:59Z").to_string();
    let filter = format!("createdDateTime ge {from} and createdDateTime le {to}");
    match service.drain(&graph_path("v1.0", "signIns", &[("$filter", &filter)]), &[]) {
        Err(answer) => f.fail(format!("last two weeks: {}", answer.describe())),
        Ok(records) => {
            let all = service.complete("v1.0", "signIns").len();
            // The data spans the last 7 days: the window holds all of it.
            f.check(records.len() == all, || {
                format!("last two weeks: {} of {all} records", records.len())
            });
        }
    }
    f.finish("v1.0 time-window example");
}

#[test]
fn beta_sign_in_examples() {
    let service = service();
    let mut f = Findings::default();
    let first = replay_page(&mut f, &service, "/beta/auditLogs/signIns");
    f.check(
        values(&first)
            .iter()
            .all(|r| r["signInEventTypes"] == serde_json::json!(["interactiveUser"])),
        || "Example 1: a sign-in of another kind than interactiveUser".into(),
    );

    // Example 2 (lower-case `signins` in the path, as Microsoft wrote it).
    app_prefix_example(&mut f, &service, "/beta/auditLogs/signins", "Azure");

    // Example 3: the other kinds, newest first; the next link's parameter order is
    // `$filter`, `$top`, `$orderBy`, `$skiptoken` (not the request's).
    let query = "/beta/auditLogs/signins?&$filter=(signInEventTypes/any(t: t ne 'interactiveUser'))&$orderBy=createdDateTime DESC&$top=10";
    let others = replay_page(&mut f, &service, query);
    let records = values(&others);
    f.check(records.len() == 10, || {
        format!("Example 3: {} records instead of 10", records.len())
    });
    f.check(
        records
            .iter()
            .all(|r| strings(&r["signInEventTypes"]).any(|k| k != "interactiveUser")),
        || "Example 3: an interactive sign-in".into(),
    );
    f.check(newest_first(&records, "createdDateTime"), || {
        "Example 3: not createdDateTime DESC".into()
    });
    let want = [
        (
            "$filter",
            "(signInEventTypes/any(t: t ne 'interactiveUser'))",
        ),
        ("$top", "10"),
        ("$orderBy", "createdDateTime DESC"),
    ];
    f.all("Example 3 next link", next_link_problems(&others, &want));
    expired_skiptoken(&mut f, &service, "/beta/auditLogs/signIns");
    f.finish("beta signIns examples");
}

/// The Q&A/docs note: a window plus one kind, for nonInteractiveUser, servicePrincipal
/// and managedIdentity. Literal 2024 dates are before retention; the same shape over
/// the last two days lists sign-ins of that kind in the window.
#[test]
fn beta_sign_in_kind_and_window_examples() {
    let service = service();
    let mut f = Findings::default();
    let now = chrono::Utc::now();
    let from = (now - chrono::TimeDelta::days(2))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let to = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (lo, hi) = (instant(&from), instant(&to));
    for kind in ["nonInteractiveUser", "servicePrincipal", "managedIdentity"] {
        let literal = format!(
            "/beta/auditLogs/signIns?$filter=(createdDateTime ge 2024-01-13T14:13:32Z and createdDateTime le 2024-01-14T17:43:26Z) and signInEventTypes/any(t: t eq '{kind}')"
        );
        before_retention(&mut f, &service, &literal);
        let filter = format!(
            "(createdDateTime ge {from} and createdDateTime le {to}) and signInEventTypes/any(t: t eq '{kind}')"
        );
        match service.drain(&graph_path("beta", "signIns", &[("$filter", &filter)]), &[]) {
            Err(answer) => f.fail(format!("{kind}: {}", answer.describe())),
            Ok(records) => {
                f.check(!records.is_empty(), || {
                    format!("{kind}: no sign-ins in the last two days")
                });
                let outside = records.iter().find(|r| {
                    !strings(&r["signInEventTypes"]).any(|k| k == kind)
                        || !r["createdDateTime"]
                            .as_str()
                            .map(instant)
                            .is_some_and(|t| t >= lo && t <= hi)
                });
                f.check(outside.is_none(), || {
                    format!("{kind}: a record outside the filter: {outside:?}")
                });
            }
        }
    }
    f.finish("beta kind-and-window examples");
}

#[test]
fn directory_audit_examples_in_both_versions() {
    let service = service();
    let mut f = Findings::default();
    for version in ["v1.0", "beta"] {
        // Example 1 and 2: the list, and one initiator (a placeholder id in the docs,
        // and an initiator of the data).
        let path = format!("/{version}/auditLogs/directoryAudits");
        let list = replay_page(&mut f, &service, &path);
        let tip = list.as_ref().map(|p| p["@microsoft.graph.tips"].clone());
        f.check(tip == Some(Value::from(AUDIT_TIP)), || {
            format!("{path}: @microsoft.graph.tips {tip:?}")
        });
        let query =
            format!("{path}?$filter=initiatedBy/user/id eq '00000000-0000-0000-0000-000000000000'");
        let placeholder = replay_page(&mut f, &service, &query);
        let tip = placeholder
            .as_ref()
            .map(|p| p["@microsoft.graph.tips"].clone());
        f.check(tip == Some(Value::from(AUDIT_TIP)), || {
            format!("{query}: @microsoft.graph.tips {tip:?}")
        });
        let complete = service.complete(version, "directoryAudits");
        let user = complete
            .iter()
            .find_map(|r| r["initiatedBy"]["user"]["id"].as_str())
            .unwrap_or("no-user");
        let query = format!("{path}?$filter=initiatedBy/user/id eq '{user}'");
        let records = values(&replay_page(&mut f, &service, &query));
        f.check(!records.is_empty(), || format!("{query}: nothing"));
        f.check(
            records
                .iter()
                .all(|r| r["initiatedBy"]["user"]["id"] == user),
            || format!("{query}: another initiator"),
        );

        // The old query-parameter table.
        let one = replay_page(&mut f, &service, &format!("{path}?$top=1"));
        f.check(values(&one).len() == 1, || {
            format!("{path}?$top=1: not one record")
        });
        f.all(
            &format!("{path}?$top=1 next link"),
            next_link_problems(&one, &[("$top", "1")]),
        );
        expired_skiptoken(&mut f, &service, &path);
        before_retention(
            &mut f,
            &service,
            &format!("{path}?&$filter=activityDateTime le 2018-01-24"),
        );
    }
    f.finish("directoryAudits examples");
}

/// Examples 1 and 2 of the provisioning list: the same request; Example 2's event
/// failed (a conflict in the target) and is still a 200 with `errorInformation`.
#[test]
fn provisioning_examples() {
    let service = service();
    let mut f = Findings::default();
    let list = replay_page(&mut f, &service, "/v1.0/auditLogs/provisioning");
    let records = values(&list);
    match records
        .iter()
        .find(|r| r["provisioningStatusInfo"]["status"] == "failure")
    {
        None => f.fail("no failed provisioning event, as in Example 2".into()),
        Some(failed) => {
            let info = &failed["provisioningStatusInfo"]["errorInformation"];
            for key in ["errorCode", "reason", "errorCategory"] {
                f.check(info[key].is_string(), || {
                    format!("errorInformation.{key}: {info}")
                });
            }
        }
    }
    f.finish("provisioning examples");
}

/// `--next-links odata` imitates the legacy Azure AD Graph (JSON light): its pages
/// name their metadata `odata.metadata` and their link `odata.nextLink`, never the
/// OData v4 `@odata.context` beside a v3 `odata.nextLink`.
#[test]
fn legacy_next_links_pair_odata_metadata_with_odata_next_link() {
    let service = Service::start(&["--records", "30", "--next-links", "odata"]);
    let tenant = service.emu.export("AZURE_TENANT_ID").to_string();
    let file = service.emu.export("AAD_CLIENT_SECRET_FILE").to_string();
    let secret = std::fs::read_to_string(file).expect("secret");
    let token = service.post_form(
        &format!("{}/{tenant}/oauth2/token?api-version=1.0", service.base()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", service.emu.export("AZURE_CLIENT_ID")),
            ("client_secret", secret.trim_end()),
        ],
    );
    assert_eq!(token.status, 200, "{}", token.describe());
    let legacy = token.json()["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let pages = [
        service.get_as(
            Some(&legacy),
            &format!("/{tenant}/reports/auditEvents?api-version=beta&$top=10"),
            &[],
        ),
        service.get("/v1.0/auditLogs/directoryAudits?$top=10", &[]),
    ];
    let mut f = Findings::default();
    for answer in pages {
        let page = answer.json();
        let label = answer.url.clone();
        f.check(answer.status == 200, || answer.describe());
        f.check(page["odata.nextLink"].is_string(), || {
            format!("{label}: no odata.nextLink")
        });
        f.check(page["odata.metadata"].is_string(), || {
            format!("{label}: no odata.metadata")
        });
        f.check(page.get("@odata.context").is_none(), || {
            format!("{label}: @odata.context with odata.nextLink")
        });
        f.check(page.get("@odata.nextLink").is_none(), || {
            format!("{label}: @odata.nextLink")
        });
    }
    f.finish("legacy link style");
}
