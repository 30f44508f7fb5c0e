//! What a state file is bound to: the query (report path, filter, selection, tenant),
//! not the host that serves it.
//!
//! `127.0.0.1` and `localhost`, an emulator restarted on another port, or a national
//! cloud reached under another host name all ask the same query, so one state file
//! keeps working for all of them. A state made for another query is refused, and the
//! message shows both queries.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One query, as a state file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct QueryIdentity {
    /// The report's URL path (`/v1.0/auditLogs/directoryAudits`), without host and port.
    pub(crate) path: String,
    /// Fixed query parameters of the report (a legacy report's `api-version`), encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) params: Option<String>,
    /// The `$filter` without the time window: event type and `--filter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) filter: Option<String>,
    /// `--select`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) select: Option<String>,
    /// The query flags' conditions tested on each record (`--failed` on sign-ins, ...):
    /// they decide which records are written as much as the `$filter` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) local: Option<String>,
    /// The tenant (`--tenant`, or the token's), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tenant: Option<String>,
}

/// A query as stored: the identity, or the text version 1 of the file kept (the full URL
/// with its host, then ` $filter=...` and ` $select=...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum StoredQuery {
    Identity(QueryIdentity),
    Text(String),
}

impl QueryIdentity {
    /// Whether a state made for `stored` may serve this query. A tenant counts only when
    /// both sides know it (a token that names no tenant cannot tell).
    pub(crate) fn accepts(&self, stored: &StoredQuery) -> bool {
        match stored {
            StoredQuery::Identity(other) => {
                let tenants_agree = match (&self.tenant, &other.tenant) {
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => true,
                };
                tenants_agree
                    && self.path == other.path
                    && self.params == other.params
                    && self.filter == other.filter
                    && self.select == other.select
                    && self.local == other.local
            }
            StoredQuery::Text(text) => {
                self.local.is_none() && without_origin(text) == self.version_1_text()
            }
        }
    }

    /// What version 1 stored for this query, without the scheme, host and port.
    fn version_1_text(&self) -> String {
        let mut text = self.path.clone();
        if let Some(filter) = &self.filter {
            text.push_str(&format!(" $filter={filter}"));
        }
        if let Some(select) = &self.select {
            text.push_str(&format!(" $select={select}"));
        }
        text
    }
}

impl fmt::Display for QueryIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(params) = &self.params {
            write!(f, "?{params}")?;
        }
        if let Some(filter) = &self.filter {
            write!(f, " $filter={filter}")?;
        }
        if let Some(select) = &self.select {
            write!(f, " $select={select}")?;
        }
        if let Some(local) = &self.local {
            write!(f, " (tested here: {local})")?;
        }
        if let Some(tenant) = &self.tenant {
            write!(f, " (tenant {tenant})")?;
        }
        Ok(())
    }
}

impl fmt::Display for StoredQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredQuery::Identity(identity) => identity.fmt(f),
            StoredQuery::Text(text) => f.write_str(without_origin(text)),
        }
    }
}

/// `http://127.0.0.1:8080/v1.0/x $filter=...` → `/v1.0/x $filter=...`.
fn without_origin(text: &str) -> &str {
    match text.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |at| &rest[at..]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audits() -> QueryIdentity {
        QueryIdentity {
            path: "/v1.0/auditLogs/directoryAudits".into(),
            params: None,
            filter: Some("result eq 'failure'".into()),
            select: None,
            local: None,
            tenant: Some("t1".into()),
        }
    }

    #[test]
    fn the_host_does_not_count_the_query_does() {
        let a = audits();
        assert!(a.accepts(&StoredQuery::Identity(a.clone())));
        let untenanted = QueryIdentity {
            tenant: None,
            ..audits()
        };
        assert!(a.accepts(&StoredQuery::Identity(untenanted)));
        let other_tenant = QueryIdentity {
            tenant: Some("t2".into()),
            ..audits()
        };
        assert!(!a.accepts(&StoredQuery::Identity(other_tenant)));
        let other_filter = QueryIdentity {
            filter: None,
            ..audits()
        };
        assert!(!a.accepts(&StoredQuery::Identity(other_filter)));
        let tested_here = QueryIdentity {
            local: Some("/category=='Policy'".into()),
            ..audits()
        };
        assert!(!a.accepts(&StoredQuery::Identity(tested_here.clone())));
        assert!(!tested_here.accepts(&StoredQuery::Identity(a)));
        assert_eq!(
            tested_here.to_string(),
            "/v1.0/auditLogs/directoryAudits $filter=result eq 'failure' (tested here: /category=='Policy') (tenant t1)"
        );
    }

    #[test]
    fn version_1_texts_match_on_any_host() {
        let a = audits();
        for host in [
            "http://127.0.0.1:41234",
            "http://localhost:9",
            "https://graph.microsoft.com",
        ] {
            let text = format!("{host}/v1.0/auditLogs/directoryAudits $filter=result eq 'failure'");
            assert!(a.accepts(&StoredQuery::Text(text)), "{host}");
        }
        let text = "http://h/v1.0/auditLogs/signIns $filter=result eq 'failure'".to_string();
        assert!(!a.accepts(&StoredQuery::Text(text)));
    }

    #[test]
    fn shown_as_path_and_options() {
        assert_eq!(
            audits().to_string(),
            "/v1.0/auditLogs/directoryAudits $filter=result eq 'failure' (tenant t1)"
        );
        let stored: StoredQuery =
            serde_json::from_str("\"http://127.0.0.1:1/v1.0/x $select=id\"").unwrap();
        assert_eq!(stored.to_string(), "/v1.0/x $select=id");
    }
}
