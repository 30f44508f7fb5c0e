//! What to fetch, and the URL of the first page of each slice.
//!
//! A report name, a Graph path or a full URL becomes a [`Target`]; for each slice the
//! target builds the first page's URL with the `$filter` (time window, event type,
//! `--filter`), `$select` and `$top` options, percent-encoded as Graph expects.

use aad_common::query::{ODATA_QUERY, encode_pairs};
use aad_common::time::graph_time;
use aad_common::{Error, Result};

use crate::reports::{self, Api, Report};
use crate::window::Slice;

/// A resolved thing to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// Short name: the report name, or the last path segment (`--save-pages` files).
    pub(crate) label: String,
    /// The URL without its query: each slice adds its own.
    pub(crate) url: String,
    /// Query parameters every request carries (decoded): `api-version`, or a full URL's own.
    pub(crate) fixed: Vec<(String, String)>,
    /// The time field, when known.
    pub(crate) time_field: Option<String>,
    /// The `signInEventTypes` value of the beta sign-in kinds, filtered on.
    pub(crate) event_type: Option<&'static str>,
    /// Legacy Azure AD Graph: keep `api-version` on every link.
    pub(crate) legacy: bool,
}

/// Options that shape every first-page URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QueryOptions {
    /// `--filter`.
    pub(crate) filter: Option<String>,
    /// `--select`.
    pub(crate) select: Option<String>,
    /// `--top`.
    pub(crate) top: u32,
}

/// The service bases and tenant a target is resolved with.
pub(crate) struct Bases<'a> {
    /// Microsoft Graph base.
    pub(crate) graph: &'a str,
    /// Legacy Azure AD Graph base.
    pub(crate) legacy: &'a str,
    /// Tenant for legacy reports.
    pub(crate) tenant: Option<&'a str>,
    /// `v1.0` or `beta`.
    pub(crate) graph_version: &'a str,
}

impl Target {
    /// Resolves the REPORT argument.
    pub(crate) fn resolve(
        report: &str,
        bases: &Bases<'_>,
        time_field: Option<&str>,
    ) -> Result<Target> {
        if report.starts_with("https://") || report.starts_with("http://") {
            aad_common::url::check_url(report)?;
            let (url, query) = report.split_once('?').unwrap_or((report, ""));
            let fixed: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .filter(|(k, _)| !k.is_empty())
                .collect();
            let path = url
                .split_once("://")
                .map_or(url, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
            let known = known_by_path(path);
            let legacy = path.split('/').any(|s| s.eq_ignore_ascii_case("reports"))
                && fixed.iter().any(|(k, _)| k == "api-version");
            return Ok(Target {
                label: last_segment(url),
                url: url.to_string(),
                fixed,
                time_field: time_field
                    .map(str::to_string)
                    .or(known.map(|r| r.time_field.to_string())),
                event_type: None,
                legacy,
            });
        }
        if let Some(r) = reports::by_name(report) {
            return Ok(Self::from_report(r, bases, time_field));
        }
        if report.contains('/') {
            let path = report.trim_matches('/');
            let known = known_by_path(path);
            return Ok(Target {
                label: last_segment(path),
                url: format!("{}/{}/{path}", bases.graph, bases.graph_version),
                fixed: Vec::new(),
                time_field: time_field
                    .map(str::to_string)
                    .or(known.map(|r| r.time_field.to_string())),
                event_type: None,
                legacy: false,
            });
        }
        let names: Vec<&str> = reports::REPORTS.iter().map(|r| r.name).collect();
        Err(Error::usage(format!(
            "unknown report '{report}' (known: {}; or give a Graph path such as auditLogs/signIns, or a full URL)",
            names.join(", ")
        )))
    }

    fn from_report(r: &Report, bases: &Bases<'_>, time_field: Option<&str>) -> Target {
        let time_field = Some(time_field.unwrap_or(r.time_field).to_string());
        match r.api {
            Api::Legacy => Target {
                label: r.name.to_string(),
                url: format!(
                    "{}/{}/{}",
                    bases.legacy,
                    bases.tenant.unwrap_or("myorganization"),
                    r.path
                ),
                fixed: vec![("api-version".to_string(), "beta".to_string())],
                time_field,
                event_type: None,
                legacy: true,
            },
            Api::Graph => {
                // The sign-in kinds other than interactive exist on beta only.
                let version = if r.event_type.is_some() {
                    "beta"
                } else {
                    bases.graph_version
                };
                Target {
                    label: r.name.to_string(),
                    url: format!("{}/{version}/{}", bases.graph, r.path),
                    fixed: Vec::new(),
                    time_field,
                    event_type: r.event_type,
                    legacy: false,
                }
            }
        }
    }

    /// Whether this is Graph's provisioning list.
    fn is_provisioning(&self) -> bool {
        !self.legacy
            && self
                .url
                .trim_end_matches('/')
                .to_ascii_lowercase()
                .ends_with("/auditlogs/provisioning")
    }

    /// The `$filter` for a slice: event type, time window, then `--filter`.
    pub(crate) fn filter_for(&self, slice: &Slice, user: Option<&str>) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(kind) = self.event_type {
            parts.push(format!("signInEventTypes/any(t: t eq '{kind}')"));
        }
        if let Some(field) = &self.time_field {
            if let Some(start) = slice.start {
                // Provisioning takes eq, gt and lt only: `gt` the tick (100 ns) before
                // the start is the same lower bound as `ge` the start.
                if self.is_provisioning() {
                    let tick = chrono::TimeDelta::nanoseconds(100);
                    parts.push(format!("{field} gt {}", graph_time(start - tick)));
                } else {
                    parts.push(format!("{field} ge {}", graph_time(start)));
                }
            }
            if let Some(end) = slice.end {
                parts.push(format!("{field} lt {}", graph_time(end)));
            }
        }
        for existing in self
            .fixed
            .iter()
            .filter(|(k, _)| is_option(k, "filter"))
            .map(|(_, v)| v.as_str())
            .chain(user)
        {
            let existing = existing.trim();
            if existing.is_empty() {
                continue;
            }
            // Parenthesise a condition that has an 'or', so 'and' cannot change its meaning.
            if existing.to_ascii_lowercase().contains(" or ") {
                parts.push(format!("({existing})"));
            } else {
                parts.push(existing.to_string());
            }
        }
        (!parts.is_empty()).then(|| parts.join(" and "))
    }

    /// The first page's URL for a slice.
    pub(crate) fn url_for(&self, slice: &Slice, options: &QueryOptions) -> String {
        let mut pairs: Vec<(String, String)> = self
            .fixed
            .iter()
            // Our $filter, $top (and $select, when given) replace the URL's own.
            .filter(|(k, _)| {
                let replaced = is_option(k, "filter")
                    || is_option(k, "top")
                    || (options.select.is_some() && is_option(k, "select"));
                !replaced
            })
            .cloned()
            .collect();
        if let Some(filter) = self.filter_for(slice, options.filter.as_deref()) {
            pairs.push(("$filter".to_string(), filter));
        }
        if let Some(select) = &options.select {
            pairs.push(("$select".to_string(), select.clone()));
        }
        pairs.push(("$top".to_string(), options.top.to_string()));
        let query = encode_pairs(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ODATA_QUERY,
        );
        format!("{}?{query}", self.url)
    }

    /// What identifies the query in a state file: the same report and options, the same state.
    pub(crate) fn identity(&self, options: &QueryOptions) -> String {
        let mut id = self.url.clone();
        if let Some(filter) = self.filter_for(
            &Slice {
                start: None,
                end: None,
            },
            options.filter.as_deref(),
        ) {
            id.push_str(&format!(" $filter={filter}"));
        }
        if let Some(select) = &options.select {
            id.push_str(&format!(" $select={select}"));
        }
        id
    }
}

/// `$name` or `name` (Graph makes the `$` optional).
fn is_option(key: &str, name: &str) -> bool {
    key.strip_prefix('$')
        .unwrap_or(key)
        .eq_ignore_ascii_case(name)
}

fn known_by_path(path: &str) -> Option<&'static Report> {
    // `v1.0/auditLogs/signIns` or `<tenant>/reports/auditEvents`: match the tail.
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    (0..segments.len()).find_map(|i| reports::by_path(&segments[i..].join("/")))
}

fn last_segment(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("report")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aad_common::time::parse_instant;

    fn bases() -> Bases<'static> {
        Bases {
            graph: "https://graph.microsoft.com",
            legacy: "https://graph.windows.net",
            tenant: Some("contoso.com"),
            graph_version: "v1.0",
        }
    }

    fn day() -> Slice {
        Slice {
            start: parse_instant("2024-01-01"),
            end: parse_instant("2024-01-02"),
        }
    }

    #[test]
    fn graph_report_url() {
        let t = Target::resolve("directoryAudits", &bases(), None).unwrap();
        assert_eq!(
            t.url_for(
                &day(),
                &QueryOptions {
                    filter: Some("result eq 'failure'".into()),
                    select: None,
                    top: 1000
                }
            ),
            "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202024-01-01T00:00:00.0000000Z%20and%20activityDateTime%20lt%202024-01-02T00:00:00.0000000Z%20and%20result%20eq%20'failure'&$top=1000"
        );
    }

    #[test]
    fn provisioning_windows_use_gt_the_tick_before_the_start() {
        for name in ["provisioning", "auditLogs/provisioning"] {
            let t = Target::resolve(name, &bases(), None).unwrap();
            assert_eq!(
                t.filter_for(&day(), None).unwrap(),
                "activityDateTime gt 2023-12-31T23:59:59.9999999Z and activityDateTime lt 2024-01-02T00:00:00.0000000Z",
                "{name}"
            );
        }
    }

    #[test]
    fn beta_sign_in_kinds_and_legacy() {
        let t = Target::resolve("nonInteractiveSignIns", &bases(), None).unwrap();
        assert!(
            t.url
                .starts_with("https://graph.microsoft.com/beta/auditLogs/signIns")
        );
        assert_eq!(
            t.filter_for(
                &Slice {
                    start: None,
                    end: None
                },
                None
            )
            .unwrap(),
            "signInEventTypes/any(t: t eq 'nonInteractiveUser')"
        );
        let l = Target::resolve("auditEvents", &bases(), None).unwrap();
        let url = l.url_for(
            &day(),
            &QueryOptions {
                top: 5,
                ..QueryOptions::default()
            },
        );
        assert!(url.starts_with("https://graph.windows.net/contoso.com/reports/auditEvents?api-version=beta&$filter=eventTime%20ge%20"), "{url}");
        assert!(l.legacy);
    }

    #[test]
    fn full_urls_keep_their_query_and_add_ours() {
        let t = Target::resolve("https://graph.microsoft.com/beta/auditLogs/signIns?$filter=appId%20eq%20'x'%20or%20appId%20eq%20'y'", &bases(), None).unwrap();
        assert_eq!(t.time_field.as_deref(), Some("createdDateTime"));
        let f = t.filter_for(&day(), None).unwrap();
        assert!(f.ends_with(" and (appId eq 'x' or appId eq 'y')"), "{f}");
        assert!(
            Target::resolve("http://graph.microsoft.com/v1.0/x", &bases(), None).is_err(),
            "plain http to a remote host"
        );
        assert!(
            Target::resolve("nosuch", &bases(), None)
                .unwrap_err()
                .to_string()
                .contains("unknown report 'nosuch'")
        );
    }
}
