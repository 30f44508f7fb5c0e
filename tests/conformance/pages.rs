//! Checks of one page of a list answer against Microsoft's example pages: the
//! top-level keys, the records' model, and the next link's parameters and encoding;
//! and [`Findings`], which collects what differs so that a test reports all of it.

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::{Answer, Service, assert_no_failures, graph_error_problems};

/// What differs, collected over a whole test, and how many checks were made.
#[derive(Default)]
pub struct Findings {
    failures: Vec<String>,
    checks: usize,
}

impl Findings {
    /// One check: `what` describes the failure when `ok` is false.
    pub fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checks += 1;
        if !ok {
            self.failures.push(what());
        }
    }

    /// A failed check.
    pub fn fail(&mut self, what: String) {
        self.check(false, || what);
    }

    /// Checks whose problems (if any) are listed, one failed check each.
    pub fn all(&mut self, label: &str, problems: Vec<String>) {
        self.checks += problems.len().max(1);
        self.failures
            .extend(problems.into_iter().map(|p| format!("{label}: {p}")));
    }

    /// A Graph error answer: the status, code and message given.
    pub fn error(&mut self, label: &str, answer: &Answer, status: u16, code: &str, message: &str) {
        let problems = graph_error_problems(answer, status, code, message);
        self.check(problems.is_empty(), || {
            format!("{label}: {}", problems.join("; "))
        });
    }

    /// Fails the test with every failure, if there is any.
    pub fn finish(self, what: &str) {
        assert_no_failures(what, self.checks, &self.failures);
    }
}

/// The checks of one 200 page: `@odata.context` first and as the example shows,
/// `value` an array of records shaped for the version, `@odata.nextLink` absolute on
/// the same path and before `value`. Returns the page when there is one.
pub fn page(
    f: &mut Findings,
    service: &Service,
    answer: &Answer,
    version: &str,
    report: &str,
) -> Option<Value> {
    let label = answer.url.clone();
    if answer.status != 200 {
        f.fail(format!("{label}: {}", answer.describe()));
        return None;
    }
    let Some(page) = serde_json::from_str::<Value>(&answer.text)
        .ok()
        .filter(Value::is_object)
    else {
        f.fail(format!("{label}: not a JSON object: {}", answer.describe()));
        return None;
    };
    let keys: Vec<&str> = page.as_object()?.keys().map(String::as_str).collect();
    f.check(keys.first() == Some(&"@odata.context"), || {
        format!("{label}: keys {keys:?}: @odata.context first")
    });
    let context = page["@odata.context"].as_str().unwrap_or_default();
    let want = format!("{}/{version}/$metadata#auditLogs/{report}", service.base());
    f.check(context.eq_ignore_ascii_case(&want), || {
        format!("{label}: @odata.context {context:?}, expected {want}")
    });
    let Some(records) = page["value"].as_array() else {
        f.fail(format!("{label}: value is not an array"));
        return None;
    };
    let problems: Vec<String> = records
        .iter()
        .flat_map(|r| super::shapes::record_problems(service, version, report, r, false))
        .collect();
    f.all(&label, super::summarize(&problems));
    if let Some(next) = page["@odata.nextLink"].as_str() {
        let same_path = format!("{}/{version}/auditLogs/{report}?", service.base());
        f.check(
            next.to_lowercase().starts_with(&same_path.to_lowercase()),
            || format!("{label}: nextLink {next} is not an absolute link to {same_path}"),
        );
        let at = |k: &str| keys.iter().position(|x| *x == k);
        f.check(at("@odata.nextLink") < at("value"), || {
            format!("{label}: @odata.nextLink comes before value in Microsoft's pages: {keys:?}")
        });
    }
    Some(page)
}

/// The records of a page.
pub fn values(page: &Option<Value>) -> Vec<Value> {
    page.as_ref()
        .and_then(|p| p["value"].as_array().cloned())
        .unwrap_or_default()
}

/// The query parameters of a link, raw (as written in the link) and decoded.
fn link_params(link: &str) -> Vec<(String, String, String)> {
    let query = link.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, raw) = p.split_once('=').unwrap_or((p, ""));
            let decoded = percent_decode_str(&raw.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            (name.to_string(), raw.to_string(), decoded)
        })
        .collect()
}

/// A next link repeats the request's options in Microsoft's order and encoding: names
/// `$filter`, `$top`, `$orderBy`, then `$skiptoken`; values percent-encoded with `,`
/// as `%2c`, `'` as `%27`, `/` as `%2f`, `:` as `%3a` and spaces as `+` (signin-list
/// v1.0 and beta examples). Hex digits may be in either case.
pub fn next_link_problems(page: &Option<Value>, want: &[(&str, &str)]) -> Vec<String> {
    let Some(link) = page.as_ref().and_then(|p| p["@odata.nextLink"].as_str()) else {
        return vec!["no @odata.nextLink".to_string()];
    };
    let params = link_params(link);
    let names: Vec<&str> = params.iter().map(|(n, _, _)| n.as_str()).collect();
    let mut want_names: Vec<&str> = want.iter().map(|(n, _)| *n).collect();
    want_names.push("$skiptoken");
    let mut problems = Vec::new();
    if names != want_names {
        problems.push(format!(
            "parameters {names:?} instead of {want_names:?} in {link}"
        ));
    }
    for ((name, raw, decoded), (_, value)) in params.iter().zip(want) {
        if decoded != value {
            problems.push(format!("{name} is {decoded:?} instead of {value:?}"));
        }
        let bare: Vec<char> = raw.chars().filter(|c| ",':/ ".contains(*c)).collect();
        if !bare.is_empty() {
            problems.push(format!("{name}={raw}: {bare:?} must be percent-encoded"));
        }
    }
    problems
}

pub fn next_link(page: &Option<Value>) -> Option<String> {
    page.as_ref()?["@odata.nextLink"]
        .as_str()
        .map(str::to_string)
}
