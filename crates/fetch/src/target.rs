//! What to fetch, and the URL of the first page of each slice.
//!
//! A report name, a Graph path or a full URL becomes a [`Target`]; for each slice the
//! target builds the first page's URL with the `$filter` (time window, event type,
//! REPORT's own `$filter`, `--filter`), `$select` and `$top` options, percent-encoded as
//! Graph expects. REPORT's own query options are kept; naming one again with a flag is
//! a usage error.

use aad_common::query::{ODATA_QUERY, encode_pairs};
use aad_common::sanitize::redact_url;
use aad_common::time::graph_time;
use aad_common::{Error, Result};
use iri_string::types::UriAbsoluteStr;

use crate::identity::QueryIdentity;
use crate::page;
use crate::questions::{LocalFilter, Questions, Shape, translate};
use crate::reports::{self, Api, RangeFilter, Report};
use crate::window::{Slice, TICK};

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
    /// How the time window is written in the `$filter`.
    pub(crate) range: RangeFilter,
    /// The `signInEventTypes` value of the beta sign-in kinds, filtered on.
    pub(crate) event_type: Option<&'static str>,
    /// Legacy Azure AD Graph: keep `api-version` on every link.
    pub(crate) legacy: bool,
    /// The kind of records, when aad-fetch knows it (for the query flags).
    pub(crate) shape: Option<Shape>,
    /// Graph beta rather than v1.0 (the reports document different filters).
    pub(crate) beta: bool,
    /// The query flags' `$filter` conditions ([`Target::ask`]).
    pub(crate) conditions: Vec<String>,
    /// The query flags' conditions tested on each record.
    pub(crate) local: LocalFilter,
}

/// Options that shape every first-page URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QueryOptions {
    /// `--filter`.
    pub(crate) filter: Option<String>,
    /// `--select`.
    pub(crate) select: Option<String>,
    /// `--page-size`, when given.
    pub(crate) page_size: Option<u32>,
    /// `--top`: the records wanted, when limited.
    pub(crate) limit: Option<u64>,
}

/// The page size when neither `--page-size` nor REPORT's query names one: the largest
/// the reports allow, so a run needs the fewest requests of its budget.
pub(crate) const DEFAULT_PAGE_SIZE: u32 = 1000;

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
    /// Resolves the REPORT argument: a report name, a Graph path or a full URL, each
    /// with an optional query of its own (kept on every first-page URL, its `$filter`
    /// joined to ours; see [`Target::check_options`]). A fragment, or a path that is not
    /// a valid URI, is a usage error: no request could be sent, and retrying would not
    /// change that.
    pub(crate) fn resolve(
        report: &str,
        bases: &Bases<'_>,
        time_field: Option<&str>,
    ) -> Result<Target> {
        if report.contains('#') {
            return Err(Error::usage(format!(
                "'{}' has a fragment (#...), which is never sent to a server; remove it",
                redact_url(report)
            )));
        }
        let (location, query) = report.split_once('?').unwrap_or((report, ""));
        let fixed: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .filter(|(k, _)| !k.is_empty())
            .collect();
        let time_field = time_field.map(str::to_string);
        if location.starts_with("https://") || location.starts_with("http://") {
            aad_common::url::check_url(location)?;
            check_uri(location, report)?;
            let path = location.split_once("://").map_or(location, |(_, rest)| {
                rest.split_once('/').map_or("", |(_, p)| p)
            });
            let known = known_by_path(path);
            let legacy = path.split('/').any(|s| s.eq_ignore_ascii_case("reports"))
                && fixed.iter().any(|(k, _)| k == "api-version");
            return Ok(Target {
                label: last_segment(location),
                url: location.to_string(),
                fixed,
                time_field: time_field.or(known.map(|r| r.time_field.to_string())),
                range: known.map_or(RangeFilter::GeLt, |r| r.range),
                event_type: None,
                legacy,
                shape: known.and_then(Report::shape).filter(|_| !legacy),
                beta: path.split('/').any(|s| s == "beta"),
                conditions: Vec::new(),
                local: LocalFilter::default(),
            });
        }
        if let Some(r) = reports::by_name(location) {
            let mut target = Self::from_report(r, bases, time_field.as_deref());
            target.fixed.extend(fixed);
            return Ok(target);
        }
        if location.contains('/') {
            let path = location.trim_matches('/');
            let known = known_by_path(path);
            let url = format!("{}/{}/{path}", bases.graph, bases.graph_version);
            check_uri(&url, report)?;
            return Ok(Target {
                label: last_segment(path),
                url,
                fixed,
                time_field: time_field.or(known.map(|r| r.time_field.to_string())),
                range: known.map_or(RangeFilter::GeLt, |r| r.range),
                event_type: None,
                legacy: false,
                shape: known.and_then(Report::shape),
                beta: bases.graph_version == "beta",
                conditions: Vec::new(),
                local: LocalFilter::default(),
            });
        }
        let names: Vec<&str> = reports::REPORTS.iter().map(|r| r.name).collect();
        Err(Error::usage(format!(
            "unknown report '{report}' (known: {}; or give a Graph path such as auditLogs/signIns, or a full URL)",
            names.join(", ")
        )))
    }

    /// Refuses options given twice: in REPORT's own query and as a flag (`$top` and
    /// `--page-size`, `$select` and `--select`). `$filter` is not a conflict: both are
    /// joined with 'and'.
    pub(crate) fn check_options(&self, options: &QueryOptions) -> Result<()> {
        let flags = [
            ("top", "page-size", options.page_size.is_some()),
            ("select", "select", options.select.is_some()),
        ];
        for (name, flag, given) in flags {
            if given && self.fixed.iter().any(|(k, _)| is_option(k, name)) {
                return Err(Error::usage(format!(
                    "REPORT has its own ${name} and --{flag} is given too; use one of them"
                )));
            }
        }
        Ok(())
    }

    /// Adds the query flags: their `$filter` conditions and what is tested here.
    pub(crate) fn ask(&mut self, questions: &Questions) -> Result<()> {
        let translation = translate(questions, self.shape, self.beta)?;
        self.conditions = translation.server;
        self.local = translation.local;
        Ok(())
    }

    /// The `$top` of each request: the page size (`--page-size`, else REPORT's own
    /// `$top`, else the service's maximum), or fewer when `--top` wants fewer records.
    pub(crate) fn request_top(&self, options: &QueryOptions) -> u32 {
        let own = self
            .fixed
            .iter()
            .find(|(k, _)| is_option(k, "top"))
            .and_then(|(_, v)| v.trim().parse::<u32>().ok())
            .filter(|n| *n > 0);
        let size = options.page_size.or(own).unwrap_or(DEFAULT_PAGE_SIZE);
        options.limit.map_or(size, |limit| {
            size.min(u32::try_from(limit).unwrap_or(u32::MAX))
        })
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
                range: r.range,
                event_type: None,
                legacy: true,
                shape: None,
                beta: false,
                conditions: Vec::new(),
                local: LocalFilter::default(),
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
                    range: r.range,
                    event_type: r.event_type,
                    legacy: false,
                    shape: r.shape(),
                    beta: version == "beta",
                    conditions: Vec::new(),
                    local: LocalFilter::default(),
                }
            }
        }
    }

    /// The `$filter` for a slice: event type, time window, REPORT's own `$filter`, the
    /// query flags' conditions, then `--filter`.
    pub(crate) fn filter_for(&self, slice: &Slice, user: Option<&str>) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(kind) = self.event_type {
            parts.push(format!("signInEventTypes/any(t: t eq '{kind}')"));
        }
        if let Some(field) = &self.time_field {
            if let Some(start) = slice.start {
                parts.push(match self.range {
                    RangeFilter::GeLt => format!("{field} ge {}", graph_time(start)),
                    RangeFilter::GtLt => format!("{field} gt {}", graph_time(start - TICK)),
                });
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
            .chain(self.conditions.iter().map(String::as_str))
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
            // Our $filter (the URL's own is joined into it) and $top replace the URL's
            // own; its $select stays, as `check_options` made sure --select is not given.
            .filter(|(k, _)| !replaced(k, options))
            .cloned()
            .collect();
        if let Some(filter) = self.filter_for(slice, options.filter.as_deref()) {
            pairs.push(("$filter".to_string(), filter));
        }
        if let Some(select) = &options.select {
            pairs.push(("$select".to_string(), select.clone()));
        }
        pairs.push(("$top".to_string(), self.request_top(options).to_string()));
        let query = encode_pairs(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ODATA_QUERY,
        );
        format!("{}?{query}", self.url)
    }

    /// What a state file is bound to: the path, options and tenant of the query, not
    /// the host that serves it.
    pub(crate) fn identity(&self, options: &QueryOptions, tenant: Option<&str>) -> QueryIdentity {
        let params: Vec<(&str, &str)> = self
            .fixed
            .iter()
            .filter(|(k, _)| !replaced(k, options) && !is_option(k, "skiptoken"))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        QueryIdentity {
            path: format!("/{}", path_of(&self.url)),
            params: (!params.is_empty()).then(|| encode_pairs(params, ODATA_QUERY)),
            filter: self.filter_for(&Slice::ALL, options.filter.as_deref()),
            select: options.select.clone(),
            local: (!self.local.is_empty()).then(|| self.local.identity()),
            tenant: tenant.map(str::to_string),
        }
    }

    /// A next link a state saved, moved onto this target's scheme, host and port (the
    /// same query served under another name); none when it is not a link to follow.
    pub(crate) fn rebase(&self, link: &str) -> Option<String> {
        let (_, rest) = link.split_once("://")?;
        let path_and_query = &rest[rest.find('/')?..];
        let moved = format!("{}{path_and_query}", origin_of(&self.url));
        page::resolve(&self.url, &moved, None).ok()
    }
}

/// Whether the query option `key` of a full URL gives way to ours.
fn replaced(key: &str, options: &QueryOptions) -> bool {
    is_option(key, "filter")
        || is_option(key, "top")
        || (options.select.is_some() && is_option(key, "select"))
}

/// The path of a URL without its leading slash (`v1.0/auditLogs/signIns`).
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split_once('/').map_or("", |(_, path)| path)
}

/// The scheme, host and port of a URL (`https://graph.microsoft.com`).
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    url[after_scheme..]
        .find('/')
        .map_or(url, |at| &url[..after_scheme + at])
}

/// `$name` or `name` (Graph makes the `$` optional).
fn is_option(key: &str, name: &str) -> bool {
    key.strip_prefix('$')
        .unwrap_or(key)
        .eq_ignore_ascii_case(name)
}

/// Refuses a request URL (without its query) that is not a valid URI: white space, raw
/// non-ASCII characters and the like cannot be sent.
fn check_uri(url: &str, report: &str) -> Result<()> {
    UriAbsoluteStr::new(url).map(|_| ()).map_err(|_| {
        Error::usage(format!(
            "'{}' is not a valid Graph path or URL",
            redact_url(report)
        ))
        .with_hint(
            "percent-encode white space and other special characters in the path (a space is %20)",
        )
    })
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
                    ..QueryOptions::default()
                }
            ),
            "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202024-01-01T00:00:00.0000000Z%20and%20activityDateTime%20lt%202024-01-02T00:00:00.0000000Z%20and%20result%20eq%20'failure'&$top=1000"
        );
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
                page_size: Some(5),
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

    #[test]
    fn a_path_with_its_own_query_merges_with_ours() {
        let t = Target::resolve(
            "auditLogs/directoryAudits?$top=5&$filter=result eq 'failure'&$orderby=x",
            &bases(),
            None,
        )
        .unwrap();
        assert_eq!(
            t.url,
            "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits"
        );
        let url = t.url_for(&day(), &QueryOptions::default());
        assert_eq!(
            url,
            "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$orderby=x&$filter=activityDateTime%20ge%202024-01-01T00:00:00.0000000Z%20and%20activityDateTime%20lt%202024-01-02T00:00:00.0000000Z%20and%20result%20eq%20'failure'&$top=5"
        );
        assert!(t.check_options(&QueryOptions::default()).is_ok());
        let records = QueryOptions {
            limit: Some(3),
            ..QueryOptions::default()
        };
        assert!(t.check_options(&records).is_ok(), "--top counts records");
        assert_eq!(t.request_top(&records), 3);
        let page_size = QueryOptions {
            page_size: Some(10),
            ..QueryOptions::default()
        };
        let err = t.check_options(&page_size).unwrap_err();
        assert_eq!(err.status(), aad_common::Status::Usage);
        assert!(err.to_string().contains("$top and --page-size"), "{err}");
        let plain = Target::resolve("directoryAudits", &bases(), None).unwrap();
        assert!(plain.check_options(&page_size).is_ok());
        assert!(
            plain
                .url_for(&day(), &QueryOptions::default())
                .ends_with("&$top=1000")
        );
    }

    #[test]
    fn unsendable_reports_are_usage_errors() {
        for report in [
            "s/o k",
            "auditLogs/sign\u{e9}Ins",
            "https://graph.microsoft.com/v1.0/a b",
            "auditLogs/signIns#x",
            "https://graph.microsoft.com/v1.0/auditLogs/signIns#top",
        ] {
            let err = Target::resolve(report, &bases(), None).unwrap_err();
            assert_eq!(err.status(), aad_common::Status::Usage, "{report}: {err}");
        }
        assert!(Target::resolve("auditLogs/sign%20Ins", &bases(), None).is_ok());
    }

    #[test]
    fn provisioning_windows_start_with_gt_one_tick_before() {
        let t = Target::resolve("provisioning", &bases(), None).unwrap();
        assert_eq!(
            t.filter_for(&day(), None).unwrap(),
            "activityDateTime gt 2023-12-31T23:59:59.9999999Z and activityDateTime lt 2024-01-02T00:00:00.0000000Z"
        );
        for other in [
            "auditLogs/provisioning",
            "https://graph.microsoft.com/v1.0/auditLogs/provisioning",
        ] {
            let t = Target::resolve(other, &bases(), None).unwrap();
            assert_eq!(t.range, RangeFilter::GtLt, "{other}");
        }
    }

    #[test]
    fn the_identity_leaves_out_the_host_and_saved_links_move_to_it() {
        let options = QueryOptions {
            filter: Some("result eq 'failure'".into()),
            select: None,
            page_size: Some(10),
            limit: None,
        };
        let here = Target::resolve("directoryAudits", &bases(), None).unwrap();
        let local = Bases {
            graph: "http://localhost:8080",
            ..bases()
        };
        let there = Target::resolve("directoryAudits", &local, None).unwrap();
        assert_eq!(
            here.identity(&options, None),
            there.identity(&options, None)
        );
        let id = here.identity(&options, Some("t"));
        assert_eq!(id.path, "/v1.0/auditLogs/directoryAudits");
        assert_eq!(id.filter.as_deref(), Some("result eq 'failure'"));
        let legacy = Target::resolve("auditEvents", &bases(), None).unwrap();
        assert_eq!(
            legacy.identity(&options, None).params.as_deref(),
            Some("api-version=beta")
        );
        assert_eq!(
            there
                .rebase("https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$skiptoken=x")
                .as_deref(),
            Some("http://localhost:8080/v1.0/auditLogs/directoryAudits?$skiptoken=x")
        );
        assert_eq!(there.rebase("::garbage::"), None);
        assert_eq!(there.rebase("https://h"), None, "no path: not a page");
    }
}
