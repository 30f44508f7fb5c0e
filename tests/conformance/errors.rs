//! Refusals and headers: the 403 bodies for a missing permission and a missing
//! licence, the reports' 429, the headers every Graph answer carries (errors too),
//! and the token endpoint's AADSTS error descriptions.

use serde_json::Value;

use super::{
    Answer, Service, Shared, assert_graph_error, assert_no_failures, graph_error_problems,
    graph_path, is_error_date, is_guid,
};

static SERVICE: Shared = Shared::new();

fn service() -> std::sync::Arc<Service> {
    SERVICE.get(&["--records", "20"])
}

/// The four list endpoints, in both versions where they exist.
const ENDPOINTS: [&str; 5] = [
    "/v1.0/auditLogs/signIns",
    "/beta/auditLogs/signIns",
    "/v1.0/auditLogs/directoryAudits",
    "/beta/auditLogs/directoryAudits",
    "/v1.0/auditLogs/provisioning",
];

/// A token without AuditLog.Read.All gets the body captured on provisioning
/// (microsoft-graph-explorer-v4#3165, 2024), on signIns (microsoft-graph-docs#13632)
/// and in microsoft-graph-docs-contrib#8997 (2024).
#[test]
fn a_token_without_audit_log_read_all_gets_ms_graph_permission_missing() {
    let service = service();
    let noperm = service.token_for(service.emu.export("AAD_EMULATOR_NOPERM_CLIENT_ID"));
    for path in ENDPOINTS {
        let answer = service.get_as(Some(&noperm), path, &[]);
        assert_graph_error(
            &answer,
            403,
            "Authentication_MSGraphPermissionMissing",
            "Calling principal does not have required MSGraph permissions AuditLog.Read.All",
        );
    }
}

/// Without Entra ID P1/P2, sign-ins answer 403 with the body captured from 2020 to
/// 2026; audit logs need no licence.
#[test]
fn a_tenant_without_premium_gets_the_licence_body_on_sign_ins_only() {
    let service = Service::start(&["--records", "5", "--no-premium"]);
    for path in ["/v1.0/auditLogs/signIns", "/beta/auditLogs/signIns"] {
        assert_graph_error(
            &service.get(path, &[]),
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        );
    }
    let answer = service.get("/v1.0/auditLogs/directoryAudits", &[]);
    assert_eq!(answer.status, 200, "{}", answer.describe());
}

/// Reports' 429 (Microsoft's troubleshooting guide, 2020, and AzureAD cmdlet captures
/// 2020 to 2022): `UnknownError` and "This request is throttled. Please try again after
/// the value (in seconds) specified in the Retry-After header. CorrelationId: <guid>",
/// with `Retry-After` in seconds (`10` in the capture). Captures also show a second
/// message, "Too Many Requests"; chosen: the longer one, which names Retry-After.
fn assert_reports_throttle(answer: &Answer) {
    let prefix = "This request is throttled. Please try again after the value (in seconds) specified in the Retry-After header. CorrelationId: ";
    let message = answer.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.strip_prefix(prefix).is_some_and(is_guid),
        "{}\nmessage must be {prefix}<guid>",
        answer.describe()
    );
    assert_graph_error(answer, 429, "UnknownError", &message);
    let retry_after = answer.header("retry-after").unwrap_or_default();
    assert!(
        retry_after
            .parse::<u64>()
            .is_ok_and(|s| (1..=10).contains(&s)),
        "Retry-After {retry_after:?}: whole seconds, at most the 10 s window"
    );
    assert!(
        header_problems(answer, None).is_empty(),
        "{:?}",
        header_problems(answer, None)
    );
}

#[test]
fn throttled_requests_get_the_reports_429() {
    let limited = Service::start(&["--records", "5", "--rate-limit", "2/10s"]);
    let answers: Vec<Answer> = (0..3)
        .map(|_| limited.get("/v1.0/auditLogs/directoryAudits", &[]))
        .collect();
    assert_eq!(answers[0].status, 200, "{}", answers[0].describe());
    assert_eq!(answers[1].status, 200, "{}", answers[1].describe());
    assert_reports_throttle(&answers[2]);

    let injected = Service::start(&["--records", "5", "--throttle-every", "2"]);
    let _ = injected.get("/v1.0/auditLogs/signIns", &[]);
    assert_reports_throttle(&injected.get("/v1.0/auditLogs/signIns", &[]));
}

/// The headers every Graph answer carries, errors included (captures of 400, 403
/// and 429 on these endpoints): `request-id` (a GUID), `client-request-id` (the
/// caller's when it sent one, else the request-id), `x-ms-ags-diagnostic` (JSON with
/// `ServerInfo` `DataCenter`, `Slice`, `Ring`, `ScaleUnit`, `RoleInstance`) and `Date`.
fn header_problems(answer: &Answer, sent_client_id: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    let request_id = answer.header("request-id");
    if !request_id.is_some_and(is_guid) {
        problems.push(format!("request-id {request_id:?} is not a GUID"));
    }
    let want = sent_client_id.or(request_id);
    if answer.header("client-request-id") != want {
        problems.push(format!(
            "client-request-id {:?} instead of {want:?}",
            answer.header("client-request-id")
        ));
    }
    let diagnostic = answer.header("x-ms-ags-diagnostic").unwrap_or("missing");
    let info = serde_json::from_str::<Value>(diagnostic).unwrap_or(Value::Null);
    for key in ["DataCenter", "Slice", "Ring", "ScaleUnit", "RoleInstance"] {
        if !info["ServerInfo"][key].is_string() {
            problems.push(format!(
                "x-ms-ags-diagnostic {diagnostic}: no ServerInfo.{key}"
            ));
        }
    }
    let date = answer.header("date").unwrap_or("missing");
    let parsed = chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000"));
    if !parsed.is_ok_and(|d| (d.timestamp() - chrono::Utc::now().timestamp()).abs() < 300) {
        problems.push(format!(
            "Date {date:?} is not the current time as an HTTP date"
        ));
    }
    if answer.status >= 400 {
        let body: Value = serde_json::from_str(&answer.text).unwrap_or(Value::Null);
        let inner = &body["error"]["innerError"];
        if inner["request-id"].as_str() != request_id {
            problems.push(format!(
                "innerError.request-id {} differs from the header",
                inner["request-id"]
            ));
        }
        if inner["client-request-id"].as_str() != answer.header("client-request-id") {
            problems.push(format!(
                "innerError.client-request-id {} differs from the header",
                inner["client-request-id"]
            ));
        }
        if !inner["date"].as_str().is_some_and(is_error_date) {
            problems.push(format!("innerError.date {}", inner["date"]));
        }
    }
    problems
}

#[test]
fn every_answer_carries_request_ids_diagnostics_and_date() {
    let service = service();
    let noperm = service.token_for(service.emu.export("AAD_EMULATOR_NOPERM_CLIENT_ID"));
    let token = service.token.clone();
    let bad_filter = graph_path("v1.0", "signIns", &[("$filter", "isRisky eq true")]);
    let requests: Vec<(Option<&str>, String, u16)> = vec![
        (Some(&token), "/v1.0/auditLogs/signIns?$top=1".into(), 200),
        (Some(&token), "/beta/auditLogs/signIns?$top=1".into(), 200),
        (
            Some(&token),
            "/v1.0/auditLogs/directoryAudits?$top=1".into(),
            200,
        ),
        (
            Some(&token),
            "/beta/auditLogs/directoryAudits?$top=1".into(),
            200,
        ),
        (
            Some(&token),
            "/v1.0/auditLogs/provisioning?$top=1".into(),
            200,
        ),
        (Some(&token), bad_filter, 400),
        (Some(&token), "/v1.0/auditLogs/nosuchReport".into(), 400),
        (None, "/v1.0/auditLogs/signIns".into(), 401),
        (Some(&noperm), "/v1.0/auditLogs/directoryAudits".into(), 403),
    ];
    let mut failures = Vec::new();
    for (token, path, status) in &requests {
        for sent in [None, Some("0f6f3c52-26b1-4bb5-a1c8-7b7a0e0e9a01")] {
            let headers: Vec<(&str, &str)> = sent
                .map(|id| ("client-request-id", id))
                .into_iter()
                .collect();
            let answer = service.get_as(*token, path, &headers);
            let mut problems = header_problems(&answer, sent);
            if answer.status != *status {
                problems.push(format!("status {} instead of {status}", answer.status));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{path} (client-request-id {sent:?}): {}",
                    problems.join("; ")
                ));
            }
        }
    }
    assert_no_failures("answer headers", 2 * requests.len(), &failures);
}

/// Beta answers announce the beta's changes in a `Link` header with
/// `rel="deprecation"`. Captured on beta signIns (a 403, Microsoft-Extractor-Suite#202,
/// 2026-06) with the entry below, among others. Unverified which entry other beta lists
/// carry; chosen: some `rel="deprecation"` link, on directoryAudits too.
#[test]
fn beta_answers_carry_the_deprecation_link() {
    let service = service();
    let entry = "<https://developer.microsoft-tst.com/en-us/graph/changes?$filterby=beta,SignIn&from=2024-08-01&to=2024-09-01>;rel=\"deprecation\";type=\"text/html\"";
    let noperm = service.token_for(service.emu.export("AAD_EMULATOR_NOPERM_CLIENT_ID"));
    let mut failures = Vec::new();
    for (token, path, want) in [
        (&service.token, "/beta/auditLogs/signIns?$top=1", entry),
        (&noperm, "/beta/auditLogs/signIns?$top=1", entry),
        (
            &service.token,
            "/beta/auditLogs/directoryAudits?$top=1",
            "rel=\"deprecation\"",
        ),
    ] {
        let answer = service.get_as(Some(token), path, &[]);
        let links = answer.header_values("link").join(", ");
        if !links.contains(want) {
            failures.push(format!(
                "{path} ({}): Link {links:?} lacks {want}",
                answer.status
            ));
        }
    }
    assert_no_failures("deprecation links", 3, &failures);
}

/// Every https answer carries `Strict-Transport-Security: max-age=31536000` (all
/// captures: 400, 403, 429).
#[test]
fn https_answers_carry_strict_transport_security() {
    let service = Service::start(&["--records", "5", "--tls"]);
    assert!(service.base().starts_with("https://"));
    for token in [Some(service.token.as_str()), None] {
        let answer = service.get_as(token, "/v1.0/auditLogs/directoryAudits?$top=1", &[]);
        assert_eq!(
            answer.header("strict-transport-security"),
            Some("max-age=31536000"),
            "{}",
            answer.describe()
        );
    }
}

/// Azure AD's token errors: `error_description` is the AADSTS message, then
/// `Trace ID: ...`, `Correlation ID: ...`, `Timestamp: ...`, joined with CR LF (as
/// every captured body shows them, `\r\n` escaped in the JSON), the ids and time
/// equal to `trace_id`, `correlation_id`, `timestamp`.
#[test]
fn token_error_descriptions_join_their_lines_with_crlf() {
    let service = service();
    let tenant = service.emu.export("AZURE_TENANT_ID").to_string();
    let client = service.emu.export("AZURE_CLIENT_ID").to_string();
    let base = service.base().to_string();
    let attempts: Vec<(&str, Answer)> = vec![
        (
            "a wrong secret",
            service.token_request(&client, Some("not-the-secret")),
        ),
        (
            "an unknown client",
            service.token_request("11111111-2222-4333-8444-555555555555", None),
        ),
        (
            "an unknown tenant",
            service.post_form(
                &format!("{base}/nosuchtenant.onmicrosoft.com/oauth2/v2.0/token"),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client),
                    ("client_secret", "x"),
                    ("scope", super::GRAPH_SCOPE),
                ],
            ),
        ),
        (
            "a bad scope",
            service.post_form(
                &format!("{base}/{tenant}/oauth2/v2.0/token"),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &client),
                    ("client_secret", "x"),
                    ("scope", "https://graph.microsoft.com"),
                ],
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (what, answer) in &attempts {
        if let Err(problem) = aadsts_problem(answer) {
            failures.push(format!("{what}: {problem}\n  {}", answer.describe()));
        }
    }
    assert_eq!(attempts[0].1.status, 401, "invalid_client is a 401");
    assert_no_failures("AADSTS error bodies", attempts.len(), &failures);
}

fn aadsts_problem(answer: &Answer) -> Result<(), String> {
    let body: Value = serde_json::from_str(&answer.text).map_err(|e| format!("not JSON: {e}"))?;
    let description = body["error_description"]
        .as_str()
        .ok_or("no error_description")?;
    let lines: Vec<&str> = description.split("\r\n").collect();
    if lines.iter().any(|l| l.contains('\n') || l.contains('\r')) {
        return Err("a line break other than CR LF".into());
    }
    let code = body["error_codes"][0].as_i64().ok_or("no error_codes")?;
    let want = [
        format!("Trace ID: {}", body["trace_id"].as_str().unwrap_or("?")),
        format!(
            "Correlation ID: {}",
            body["correlation_id"].as_str().unwrap_or("?")
        ),
        format!("Timestamp: {}", body["timestamp"].as_str().unwrap_or("?")),
    ];
    match lines.as_slice() {
        [first, rest @ ..] if first.starts_with(&format!("AADSTS{code}: ")) && rest == want => {
            Ok(())
        }
        _ => Err(format!(
            "lines {lines:?}; expected \"AADSTS{code}: ...\" then {want:?}"
        )),
    }
}

#[test]
fn graph_error_problems_names_every_difference() {
    // The checker itself: a body that differs in each part is reported in each part.
    let answer = Answer {
        url: "test".into(),
        status: 500,
        headers: vec![("request-id".into(), "a".into())],
        text: r#"{"error":{"code":"X","message":"Y","innerError":{"date":"2021-09-07T07:11:46Z","request-id":"b"}}}"#.into(),
    };
    let problems = graph_error_problems(&answer, 400, "BadRequest", "Invalid filter clause");
    assert_eq!(problems.len(), 6, "{problems:#?}");
}
