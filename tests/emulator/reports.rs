//! The report listings: paging, page sizes, filter boundaries, the service's errors and
//! refusals.

use std::collections::HashSet;

use super::{GRAPH_SCOPE, drain, get_with_token, graph_token, json_of, secret, token_url};
use crate::util::{Emulator, http_get, http_post_form, ids};

#[test]
fn draining_10000_records_gives_each_id_once_newest_first() {
    let emu = Emulator::start(&["--records", "10000"]);
    let token = graph_token(&emu);
    for report in ["directoryAudits", "signIns", "provisioning"] {
        let (records, pages) = drain(
            &format!("{}/v1.0/auditLogs/{report}?$top=100", emu.base_url),
            &token,
        );
        assert_eq!(records.len(), 10_000, "{report}");
        assert_eq!(pages, 100, "{report}");
        if report == "signIns" {
            // The service lists some sign-ins in several rows of one id (split by
            // conditional-access evaluation, or republished with risk detections).
            let distinct = ids(&records).len();
            assert!(
                (9_000..10_000).contains(&distinct),
                "{report}: {distinct} distinct ids in 10,000 rows"
            );
        } else {
            assert_eq!(ids(&records).len(), 10_000, "{report}: ids are distinct");
        }
        let field = if report == "signIns" {
            "createdDateTime"
        } else {
            "activityDateTime"
        };
        let times: Vec<&str> = records.iter().map(|r| r[field].as_str().unwrap()).collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "{report} is newest first"
        );
    }
    let truth: HashSet<String> = emu
        .get("/_emulator/truth?report=directoryAudits")
        .1
        .lines()
        .map(|l| json_of(l)["id"].as_str().unwrap().to_string())
        .collect();
    let (records, _) = drain(
        &format!("{}/beta/auditLogs/directoryAudits", emu.base_url),
        &token,
    );
    assert_eq!(ids(&records), truth, "the listing equals the ground truth");
}

#[test]
fn every_page_size_drains_exactly_for_graph_and_legacy() {
    let emu = Emulator::start(&["--records", "700"]);
    let graph = graph_token(&emu);
    let secret = secret(&emu);
    let (_, body) = http_post_form(
        &token_url(&emu, false),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AZURE_CLIENT_ID")),
            ("client_secret", &secret),
        ],
        &[],
    );
    let legacy = json_of(&body)["access_token"].as_str().unwrap().to_string();
    let tenant = emu.export("AZURE_TENANT_ID");
    for top in [1, 7, 100, 1000] {
        for (url, token) in [
            (
                format!("{}/v1.0/auditLogs/directoryAudits?$top={top}", emu.base_url),
                &graph,
            ),
            (
                format!("{}/v1.0/auditLogs/signIns?$top={top}", emu.base_url),
                &graph,
            ),
            (
                format!(
                    "{}/{tenant}/reports/auditEvents?api-version=beta&$top={top}",
                    emu.base_url
                ),
                &legacy,
            ),
        ] {
            let (records, pages) = drain(&url, token);
            assert_eq!(records.len(), 700, "{url}");
            let distinct: HashSet<String> = records.iter().map(|r| r.to_string()).collect();
            assert_eq!(distinct.len(), 700, "{url}: every row once");
            assert_eq!(pages, 700usize.div_ceil(top), "{url}");
        }
    }
}

#[test]
fn filter_boundaries_are_exact_to_the_tick() {
    let emu = Emulator::start(&["--records", "200"]);
    let token = graph_token(&emu);
    let (all, _) = drain(
        &format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url),
        &token,
    );
    let t = all[50]["activityDateTime"].as_str().unwrap().to_string();
    assert_eq!(
        t.len(),
        "2018-01-09T21:20:02.7215374Z".len(),
        "seven fractional digits: {t}"
    );
    let count = |filter: &str| {
        let url = format!(
            "{}/v1.0/auditLogs/directoryAudits?$filter={}",
            emu.base_url,
            filter.replace(' ', "%20")
        );
        drain(&url, &token).0
    };
    let at_t = all
        .iter()
        .filter(|r| r["activityDateTime"] == t.as_str())
        .count();
    let newer = all
        .iter()
        .filter(|r| r["activityDateTime"].as_str().unwrap() > t.as_str())
        .count();
    assert_eq!(
        count(&format!("activityDateTime ge {t}")).len(),
        newer + at_t,
        "ge includes"
    );
    assert_eq!(
        count(&format!("activityDateTime gt {t}")).len(),
        newer,
        "gt excludes"
    );
    assert_eq!(
        count(&format!("activityDateTime lt {t}")).len(),
        200 - newer - at_t,
        "lt excludes"
    );
    assert_eq!(
        count(&format!("activityDateTime le {t}")).len(),
        200 - newer,
        "le includes"
    );
    let window = count(&format!(
        "activityDateTime ge {t} and activityDateTime lt {t}"
    ));
    assert!(window.is_empty(), "an empty half-open window");
    let category = all[0]["category"].as_str().unwrap();
    let by_category = count(&format!("category eq '{category}'"));
    assert_eq!(
        by_category.len(),
        all.iter().filter(|r| r["category"] == category).count()
    );
}

#[test]
fn bad_requests_get_the_services_status_and_error_shape() {
    let emu = Emulator::start(&["--records", "5", "--token-ttl", "0"]);
    let expired = graph_token(&emu);
    let base = &emu.base_url;
    let (status, body) =
        get_with_token(&format!("{base}/v1.0/auditLogs/directoryAudits"), &expired);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken")),
        "{body}"
    );
    assert_eq!(
        body["error"]["message"],
        "Lifetime validation failed, the token is expired."
    );
    for key in ["date", "request-id", "client-request-id"] {
        assert!(
            body["error"]["innerError"][key].is_string(),
            "{key}: {body}"
        );
    }
    let (status, body) = http_get(&format!("{base}/v1.0/auditLogs/directoryAudits"), &[]);
    assert_eq!(
        (status, json_of(&body)["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    // Authorization header name and scheme are case-insensitive.
    let emu2 = Emulator::start(&["--records", "5"]);
    let token = graph_token(&emu2);
    let base = &emu2.base_url;
    let (status, _) = http_get(
        &format!("{base}/v1.0/auditLogs/directoryAudits"),
        &[("authorization", &format!("bEaReR {token}"))],
    );
    assert_eq!(status, 200);
    for (query, want_status, want_code) in [
        ("auditLogs/nosuchReport", 400, "BadRequest"),
        (
            "auditLogs/directoryAudits?$filter=activityDateTime%20ge",
            400,
            "BadRequest",
        ),
        (
            "auditLogs/directoryAudits?$filter=resultReason%20eq%20'x'",
            400,
            "BadRequest",
        ),
        ("auditLogs/directoryAudits?$top=0", 400, "BadRequest"),
        ("auditLogs/directoryAudits?$top=5000", 400, "BadRequest"),
        (
            "auditLogs/directoryAudits?$orderby=activityDateTime%20asc",
            400,
            "BadRequest",
        ),
        (
            "auditLogs/directoryAudits?$skiptoken=garbage",
            400,
            "UnknownError",
        ),
    ] {
        let (status, body) = get_with_token(&format!("{base}/v1.0/{query}"), &token);
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (want_status, Some(want_code)),
            "{query}: {body}"
        );
        assert!(body["error"]["innerError"]["request-id"].is_string());
    }
    // The original bash sample sends '&=eventTime gt ...' (an empty parameter name).
    let tenant = emu2.export("AZURE_TENANT_ID");
    let secret = secret(&emu2);
    let (_, body) = http_post_form(
        &token_url(&emu2, false),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu2.export("AZURE_CLIENT_ID")),
            ("client_secret", &secret),
        ],
        &[],
    );
    let legacy = json_of(&body)["access_token"].as_str().unwrap().to_string();
    let (status, body) = get_with_token(
        &format!(
            "{base}/{tenant}/reports/auditEvents?api-version=beta&=eventTime%20gt%202020-01-01"
        ),
        &legacy,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = get_with_token(&format!("{base}/{tenant}/reports/auditEvents"), &legacy);
    assert_eq!(
        (status, body["odata.error"]["code"].as_str()),
        (400, Some("Request_BadRequest")),
        "api-version is required: {body}"
    );
}

#[test]
fn permission_and_licence_refusals() {
    let emu = Emulator::start(&["--records", "5", "--no-premium"]);
    let secret = secret(&emu);
    let (_, body) = http_post_form(
        &token_url(&emu, true),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AAD_EMULATOR_NOPERM_CLIENT_ID")),
            ("client_secret", &secret),
            ("scope", GRAPH_SCOPE),
        ],
        &[],
    );
    let noperm = json_of(&body)["access_token"].as_str().unwrap().to_string();
    let (status, body) = get_with_token(
        &format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url),
        &noperm,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("Authentication_MSGraphPermissionMissing"))
    );
    let token = graph_token(&emu);
    let (status, body) =
        get_with_token(&format!("{}/v1.0/auditLogs/signIns", emu.base_url), &token);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            403,
            Some("Authentication_RequestFromNonPremiumTenantOrB2CTenant")
        )
    );
    let (status, _) = get_with_token(
        &format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url),
        &token,
    );
    assert_eq!(status, 200, "audit logs need no premium licence");
}
