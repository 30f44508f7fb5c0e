//! The reports aad-fetch knows by name: which API, which path, which time field.

use std::io::Write;

use aad_common::{Error, Result};

use crate::questions::Shape;

/// Which API a report lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// Microsoft Graph (`https://graph.microsoft.com/{v1.0,beta}/...`).
    Graph,
    /// Legacy Azure AD Graph (`https://graph.windows.net/<tenant>/reports/...?api-version=beta`).
    Legacy,
}

/// A known report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Report {
    /// The name on the command line.
    pub(crate) name: &'static str,
    /// Graph or legacy: decides the URL shape and whether `api-version` is kept.
    pub(crate) api: Api,
    /// Path below the API version (Graph) or below the tenant (legacy).
    pub(crate) path: &'static str,
    /// The record field that holds the event time.
    pub(crate) time_field: &'static str,
    /// For the beta sign-in kinds: the `signInEventTypes` value.
    pub(crate) event_type: Option<&'static str>,
    /// How the time window is written in its `$filter`.
    pub(crate) range: RangeFilter,
}

/// How a report's `$filter` names the half-open window `[start, end)` on its time field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeFilter {
    /// `ge start and lt end`.
    GeLt,
    /// `gt (start - 100 ns) and lt end`, for a report whose service refuses `ge`.
    GtLt,
}

/// Every known report.
pub(crate) const REPORTS: &[Report] = &[
    Report {
        name: "directoryAudits",
        api: Api::Graph,
        path: "auditLogs/directoryAudits",
        time_field: "activityDateTime",
        event_type: None,
        range: RangeFilter::GeLt,
    },
    Report {
        name: "signIns",
        api: Api::Graph,
        path: "auditLogs/signIns",
        time_field: "createdDateTime",
        event_type: None,
        range: RangeFilter::GeLt,
    },
    Report {
        name: "provisioning",
        api: Api::Graph,
        path: "auditLogs/provisioning",
        time_field: "activityDateTime",
        event_type: None,
        range: RangeFilter::GtLt,
    },
    Report {
        name: "nonInteractiveSignIns",
        api: Api::Graph,
        path: "auditLogs/signIns",
        time_field: "createdDateTime",
        event_type: Some("nonInteractiveUser"),
        range: RangeFilter::GeLt,
    },
    Report {
        name: "servicePrincipalSignIns",
        api: Api::Graph,
        path: "auditLogs/signIns",
        time_field: "createdDateTime",
        event_type: Some("servicePrincipal"),
        range: RangeFilter::GeLt,
    },
    Report {
        name: "managedIdentitySignIns",
        api: Api::Graph,
        path: "auditLogs/signIns",
        time_field: "createdDateTime",
        event_type: Some("managedIdentity"),
        range: RangeFilter::GeLt,
    },
    Report {
        name: "auditEvents",
        api: Api::Legacy,
        path: "reports/auditEvents",
        time_field: "eventTime",
        event_type: None,
        range: RangeFilter::GeLt,
    },
    Report {
        name: "signinEvents",
        api: Api::Legacy,
        path: "reports/signinEvents",
        time_field: "signinDateTime",
        event_type: None,
        range: RangeFilter::GeLt,
    },
];

impl Report {
    /// The kind of records the report holds, for the query flags; `None` for the legacy
    /// reports, whose records have other fields.
    pub(crate) fn shape(&self) -> Option<Shape> {
        match (self.api, self.path) {
            (Api::Legacy, _) => None,
            (Api::Graph, "auditLogs/signIns") => Some(Shape::SignIns),
            (Api::Graph, "auditLogs/directoryAudits") => Some(Shape::Audits),
            (Api::Graph, "auditLogs/provisioning") => Some(Shape::Provisioning),
            (Api::Graph, _) => None,
        }
    }
}

/// The report with this name (case-insensitive).
pub(crate) fn by_name(name: &str) -> Option<&'static Report> {
    REPORTS.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}

/// The plain report (no event-type filter) whose path this is, for its time field.
pub(crate) fn by_path(path: &str) -> Option<&'static Report> {
    let path = path.trim_matches('/');
    REPORTS
        .iter()
        .filter(|r| r.event_type.is_none())
        .find(|r| r.path.eq_ignore_ascii_case(path))
}

/// `--list`: one line per report, aligned columns.
pub(crate) fn write_list(out: &mut dyn Write) -> Result<()> {
    let mut text = format!(
        "{:<24} {:<28} {:<60} {}\n",
        "NAME", "API", "PATH", "TIME FIELD"
    );
    for r in REPORTS {
        let (api, path) = match (r.api, r.event_type) {
            (Api::Legacy, _) => (
                "Azure AD Graph (legacy)",
                format!("<tenant>/{}?api-version=beta", r.path),
            ),
            (Api::Graph, Some(kind)) => (
                "Microsoft Graph beta",
                format!("{}?$filter=signInEventTypes/any(t: t eq '{kind}')", r.path),
            ),
            (Api::Graph, None) => ("Microsoft Graph", r.path.to_string()),
        };
        text.push_str(&format!(
            "{:<24} {:<28} {:<60} {}\n",
            r.name, api, path, r.time_field
        ));
    }
    out.write_all(text.as_bytes()).map_err(Error::stdout)?;
    out.flush().map_err(Error::stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(by_name("SIGNINS").unwrap().time_field, "createdDateTime");
        assert_eq!(by_path("/auditLogs/signIns/").unwrap().name, "signIns");
        assert!(by_name("nope").is_none());
    }

    #[test]
    fn list_has_a_line_per_report() {
        let mut out = Vec::new();
        write_list(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap().lines().count(),
            REPORTS.len() + 1
        );
    }
}
