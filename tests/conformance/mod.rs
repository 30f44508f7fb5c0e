//! Conformance of aad-emulator with Microsoft Graph's audit-log list endpoints
//! (`/{v1.0,beta}/auditLogs/signIns`, `/directoryAudits`, `/provisioning`).
//!
//! The emulator is the only stand-in for the real service that the tools, the tests
//! and users' pipelines meet, so every place where it is more lenient, stricter or
//! differently shaped than Microsoft Graph is a bug. These tests state what the real
//! service does (each fact with where it was observed: Microsoft's docs, SDK models
//! generated from Graph's live schema, captured responses in public issues) and check
//! the real emulator binary against it. They were written before the emulator was made
//! to pass them; where the public record is silent, the choice made is written next to
//! the assertion as "Unverified; chosen: ...".
//!
//! | module | what |
//! |---|---|
//! | [`cases`] | the filter tables: values picked from the data, OData text and a Rust predicate per case |
//! | [`compare`] | runs a table and compares each answer with the client-side evaluation |
//! | [`filters_signins`] | every documented sign-in filter, v1.0 and beta, each sign-in kind |
//! | [`filters_audits`] | every documented directoryAudits and provisioning filter |
//! | [`filters_refused`] | undocumented filters: 400 `BadRequest` "Invalid filter clause" |
//! | [`examples`] | every example request of the list pages, replayed |
//! | [`nested`] | the nested objects of each record per version |
//! | [`pages`] | checks of one page: top-level keys, records, next link parameters and encoding |
//! | [`models`] | the property sets and JSON types of each report and version |
//! | [`shapes`] | records against their model, nested objects, date formats, `$select` |
//! | [`enums`] | enum members per version, and `Prefer: include-unknown-enum-members` |
//! | [`errors`] | 403/429 bodies, the headers of every answer, token endpoint errors |
//! | [`tokens`] | RS256 access tokens, OpenID discovery, JWKS, an independent JWT library |
//! | [`data`] | data that exercises real queries: stable entities, risk, failures, duplicates, live ties |
//!
//! Each module starts its emulator once ([`Shared`]) and its tests reuse it.

mod cases;
mod compare;
mod data;
mod enums;
mod errors;
mod examples;
mod filters_audits;
mod filters_refused;
mod filters_signins;
mod models;
mod nested;
mod pages;
mod shapes;
mod tokens;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use crate::util::{Emulator, test_agent};

/// The scope an application asks for to call Microsoft Graph.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// The sign-in kinds of beta `signInEventTypes`, in the order the docs list them.
pub const SIGN_IN_KINDS: [&str; 4] = [
    "interactiveUser",
    "nonInteractiveUser",
    "servicePrincipal",
    "managedIdentity",
];

/// Every list: (version, report).
pub const LISTS: [(&str, &str); 5] = [
    ("v1.0", "signIns"),
    ("beta", "signIns"),
    ("v1.0", "directoryAudits"),
    ("beta", "directoryAudits"),
    ("v1.0", "provisioning"),
];

/// One HTTP answer: status, headers (names lowercased, in order), body text.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The URL asked, for messages.
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl Answer {
    /// The body as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {}", self.url, self.text))
    }

    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Status and body, for assertion messages.
    pub fn describe(&self) -> String {
        let body: String = self.text.chars().take(1500).collect();
        format!("GET {} -> {}: {body}", self.url, self.status)
    }
}

/// A running emulator, a Graph token of its main application (which holds
/// AuditLog.Read.All), and the complete record sets fetched so far.
pub struct Service {
    pub emu: Emulator,
    agent: ureq::Agent,
    pub token: String,
    /// Whether the token's application may read conditional-access policies.
    pub reads_conditional_access: bool,
    complete: Mutex<HashMap<String, Arc<Vec<Value>>>>,
}

impl Service {
    /// Starts the emulator with these arguments and gets a token.
    pub fn start(args: &[&str]) -> Service {
        let emu = Emulator::start(args);
        let agent = test_agent(emu.exports.get("SSL_CERT_FILE").map(String::as_str));
        let mut service = Service {
            emu,
            agent,
            token: String::new(),
            reads_conditional_access: false,
            complete: Mutex::new(HashMap::new()),
        };
        let client = service.emu.export("AZURE_CLIENT_ID").to_string();
        service.token = service.token_for(&client);
        service.reads_conditional_access = reads_conditional_access(&service.token);
        service
    }

    /// A client-credentials token (v2 endpoint, Graph scope) for `client_id`, which
    /// shares the emulator's one client secret.
    pub fn token_for(&self, client_id: &str) -> String {
        let answer = self.token_request(client_id, None);
        assert_eq!(answer.status, 200, "{}", answer.describe());
        answer.json()["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// POSTs a client-credentials request to the v2 token endpoint; `secret` defaults
    /// to the emulator's secret.
    pub fn token_request(&self, client_id: &str, secret: Option<&str>) -> Answer {
        let file_secret = std::fs::read_to_string(self.emu.export("AAD_CLIENT_SECRET_FILE"))
            .expect("client secret file");
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.emu.base_url,
            self.emu.export("AZURE_TENANT_ID")
        );
        self.post_form(
            &url,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret.unwrap_or(file_secret.trim_end())),
                ("scope", GRAPH_SCOPE),
            ],
        )
    }

    /// A form POST to an absolute URL.
    pub fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .agent
            .post(url)
            .send_form(form.iter().copied())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        read_answer(url, response)
    }

    /// `scheme://host:port` of the emulator.
    pub fn base(&self) -> &str {
        &self.emu.base_url
    }

    /// A GET of `path_and_query` (or an absolute URL) with the main token and `headers`.
    pub fn get(&self, path_and_query: &str, headers: &[(&str, &str)]) -> Answer {
        self.get_as(Some(&self.token), path_and_query, headers)
    }

    /// A GET with another token, or none.
    pub fn get_as(
        &self,
        token: Option<&str>,
        path_and_query: &str,
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_string()
        } else {
            format!("{}{path_and_query}", self.emu.base_url)
        };
        let mut request = self.agent.get(&url);
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
        read_answer(&url, response)
    }

    /// Every record from `first` on, following `@odata.nextLink`s; the first answer
    /// that is not a 200 page is the error.
    pub fn drain(&self, first: &str, headers: &[(&str, &str)]) -> Result<Vec<Value>, Answer> {
        let mut url = first.to_string();
        let mut records = Vec::new();
        for _ in 0..10_000 {
            let answer = self.get(&url, headers);
            if answer.status != 200 {
                return Err(answer);
            }
            let page = answer.json();
            let Some(values) = page["value"].as_array() else {
                return Err(answer);
            };
            records.extend(values.iter().cloned());
            match page["@odata.nextLink"].as_str() {
                Some(next) => url = next.to_string(),
                None => return Ok(records),
            }
        }
        panic!("{first}: more than 10,000 pages");
    }

    /// The complete unfiltered record set of `/{version}/auditLogs/{report}` (for beta
    /// sign-ins: the interactive ones, as the service answers without an event-type
    /// filter), fetched once per emulator.
    pub fn complete(&self, version: &str, report: &str) -> Arc<Vec<Value>> {
        self.cached(&format!("{version}/{report}"), || {
            let path = format!("/{version}/auditLogs/{report}");
            self.drain(&path, &[])
                .unwrap_or_else(|answer| panic!("the complete set: {}", answer.describe()))
        })
    }

    /// Every beta sign-in of every kind: the union of the four single-kind queries
    /// `signInEventTypes/any(t: t eq 'KIND')`, the documented way to reach each kind.
    pub fn every_beta_sign_in(&self) -> Arc<Vec<Value>> {
        self.cached("beta/signIns/every-kind", || {
            let mut all = Vec::new();
            for kind in SIGN_IN_KINDS {
                let filter = format!("signInEventTypes/any(t: t eq '{kind}')");
                let path = graph_path("beta", "signIns", &[("$filter", &filter)]);
                all.extend(
                    self.drain(&path, &[]).unwrap_or_else(|answer| {
                        panic!("the {kind} sign-ins: {}", answer.describe())
                    }),
                );
            }
            all
        })
    }

    fn cached(&self, key: &str, fetch: impl FnOnce() -> Vec<Value>) -> Arc<Vec<Value>> {
        if let Some(hit) = lock(&self.complete).get(key) {
            return hit.clone();
        }
        let records = Arc::new(fetch());
        lock(&self.complete).insert(key.to_string(), records.clone());
        records
    }
}

fn read_answer(url: &str, mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let text = response
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .unwrap_or_else(|e| panic!("{url}: body: {e}"));
    Answer {
        url: url.to_string(),
        status,
        headers,
        text,
    }
}

/// A mutex guard even when another test panicked while holding it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One emulator per test module, started by the first test that needs it and shared
/// by the tests that run while it lives. The last test to let go of it stops it (a
/// `static` emulator would outlive the test process, as statics are never dropped).
pub struct Shared {
    slot: Mutex<Weak<Service>>,
}

impl Shared {
    pub const fn new() -> Shared {
        Shared {
            slot: Mutex::new(Weak::new()),
        }
    }

    /// The running service, or a new one started with `args`.
    pub fn get(&self, args: &[&str]) -> Arc<Service> {
        let mut slot = lock(&self.slot);
        if let Some(service) = slot.upgrade() {
            return service;
        }
        let service = Arc::new(Service::start(args));
        *slot = Arc::downgrade(&service);
        service
    }
}

/// `/{version}/auditLogs/{report}?name=value&...`, values percent-encoded, names
/// (`$filter`, `$top`) as written.
pub fn graph_path(version: &str, report: &str, params: &[(&str, &str)]) -> String {
    let mut path = format!("/{version}/auditLogs/{report}");
    for (i, (name, value)) in params.iter().enumerate() {
        path.push(if i == 0 { '?' } else { '&' });
        path.push_str(name);
        path.push('=');
        path.extend(utf8_percent_encode(value, NON_ALPHANUMERIC));
    }
    path
}

/// An OData string literal: quoted, with `'` doubled.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The JSON of one part of a JWT (0: header, 1: claims).
pub fn jwt_part(token: &str, part: usize) -> Value {
    use base64::Engine as _;
    let text = token.split('.').nth(part).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap_or_else(|e| panic!("JWT part {part} is not base64url: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("JWT part {part} is not JSON: {e}"))
}

/// Whether a token's application may read conditional-access policies (Policy.Read.All
/// or a conditional-access policy permission): without one, sign-ins omit
/// `appliedConditionalAccessPolicies` (beta signin-list).
pub fn reads_conditional_access(token: &str) -> bool {
    cases::strings(&jwt_part(token, 1)["roles"]).any(|role| {
        [
            "Policy.Read.All",
            "Policy.ReadWrite.ConditionalAccess",
            "Policy.Read.ConditionalAccess",
        ]
        .contains(&role)
    })
}

/// A GUID in its 8-4-4-4-12 hex form.
pub fn is_guid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `innerError.date` of Graph errors: `2021-09-07T07:11:46`, seconds, no zone.
pub fn is_error_date(text: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").is_ok() && text.len() == 19
}

/// Checks a Microsoft Graph error answer: status, `error.code`, `error.message`, and
/// the `innerError` every captured body carries (`date`, `request-id`,
/// `client-request-id`, the ids equal to the answer's headers). Returns the problems.
pub fn graph_error_problems(
    answer: &Answer,
    status: u16,
    code: &str,
    message: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    if answer.status != status {
        problems.push(format!("status {} instead of {status}", answer.status));
    }
    let Ok(body) = serde_json::from_str::<Value>(&answer.text) else {
        problems.push(format!("body is not JSON: {}", answer.text));
        return problems;
    };
    let error = &body["error"];
    if error["code"] != code {
        problems.push(format!("error.code {} instead of {code:?}", error["code"]));
    }
    if error["message"] != message {
        problems.push(format!(
            "error.message {} instead of {message:?}",
            error["message"]
        ));
    }
    let inner = &error["innerError"];
    if !inner["date"].as_str().is_some_and(is_error_date) {
        problems.push(format!(
            "innerError.date {} is not like 2021-09-07T07:11:46",
            inner["date"]
        ));
    }
    for (key, header) in [
        ("request-id", "request-id"),
        ("client-request-id", "client-request-id"),
    ] {
        let in_body = inner[key].as_str();
        if in_body.is_none_or(str::is_empty) {
            problems.push(format!("innerError.{key} missing"));
        } else if in_body != answer.header(header) {
            problems.push(format!(
                "innerError.{key} {in_body:?} differs from the {header} header {:?}",
                answer.header(header)
            ));
        }
    }
    problems
}

/// Asserts [`graph_error_problems`] finds nothing.
pub fn assert_graph_error(answer: &Answer, status: u16, code: &str, message: &str) {
    let problems = graph_error_problems(answer, status, code, message);
    assert!(
        problems.is_empty(),
        "{}\n  {}",
        answer.describe(),
        problems.join("\n  ")
    );
}

/// Problems of many records, one line per kind: problems are written `label: detail`;
/// those of one label become one line with up to three of their details and a count.
pub fn summarize(problems: &[String]) -> Vec<String> {
    let mut labels: Vec<&str> = Vec::new();
    let mut details: HashMap<&str, Vec<&str>> = HashMap::new();
    for problem in problems {
        let (label, detail) = problem.split_once(": ").unwrap_or((problem, ""));
        let seen = details.entry(label).or_default();
        if seen.is_empty() {
            labels.push(label);
        }
        seen.push(detail);
    }
    labels
        .into_iter()
        .map(|label| {
            let all = &details[label];
            let mut distinct: Vec<&str> = Vec::new();
            for d in all {
                if !distinct.contains(d) && distinct.len() < 3 {
                    distinct.push(d);
                }
            }
            format!("{label}: {} ({} times)", distinct.join(" | "), all.len())
        })
        .collect()
}

/// Panics listing every failure, when there are any (tables check every case before
/// failing, so that one run shows all that is wrong).
pub fn assert_no_failures(what: &str, checked: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} of {checked} checks failed:\n- {}",
        failures.len(),
        failures.join("\n- ")
    );
}
