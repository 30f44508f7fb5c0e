//! Step 4 of a listing: the page body as the service writes it: `@odata.context`, the
//! next link in the `--next-links` style, and the records (projected to `$select`), in
//! the service's key order. The records are copied into the body as they were rendered
//! when generated; only `$select` parses them again.

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::Value;

use super::listing::Listing;
use crate::auth::Api;
use crate::cli::NextLinkStyle;
use crate::config::Config;
use crate::data::Dataset;
use crate::odata::{Cursor, graph_next_query, next_query};

/// The tip directoryAudits pages carry when no `$select` was given (v1.0 and beta
/// Example 2, 2024).
const AUDIT_TIP: &str = "Use $select to choose only the properties your app needs, as this can lead to performance improvements. For example: GET auditLogs/directoryAudits?$select=activityDateTime,activityDisplayName";

/// The body of a page of `records`, with a link to `next` if there is one.
pub(crate) fn body(
    config: &Config,
    req: &Listing<'_>,
    select: Option<&[&str]>,
    records: Vec<Bytes>,
    next: Option<&Cursor>,
) -> Bytes {
    let records: Vec<Bytes> = match select {
        Some(fields) => records.iter().map(|r| project(r, fields)).collect(),
        None => records,
    };
    let context = context(req, select);
    let style = config.next_links;
    let link = next.map(|cursor| next_link(config, req, cursor));
    let size: usize = records.iter().map(|r| r.len() + 1).sum::<usize>() + 512;
    let mut out = BytesMut::with_capacity(size);
    // The legacy directory API (JSON light) names its metadata `odata.metadata`.
    if style == NextLinkStyle::Odata {
        out.put_slice(b"{\"odata.metadata\":");
    } else {
        out.put_slice(b"{\"@odata.context\":");
    }
    out.put_slice(Value::from(context).to_string().as_bytes());
    if req.api == Api::Graph && req.dataset == Dataset::DirectoryAudits && select.is_none() {
        out.put_slice(b",\"@microsoft.graph.tips\":");
        out.put_slice(Value::from(AUDIT_TIP).to_string().as_bytes());
    }
    let link_json = link.as_ref().map(|l| Value::from(l.as_str()).to_string());
    if style != NextLinkStyle::Odata
        && let Some(link) = &link_json
    {
        out.put_slice(b",\"@odata.nextLink\":");
        out.put_slice(link.as_bytes());
    }
    out.put_slice(b",\"value\":[");
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(record);
    }
    out.put_u8(b']');
    // The legacy directory API writes its link after the records.
    if style == NextLinkStyle::Odata
        && let Some(link) = &link_json
    {
        out.put_slice(b",\"odata.nextLink\":");
        out.put_slice(link.as_bytes());
    }
    out.put_u8(b'}');
    out.freeze()
}

/// `@odata.context`: the metadata URL of the entity set (and of the selection).
fn context(req: &Listing<'_>, select: Option<&[&str]>) -> String {
    match req.api {
        Api::Legacy => format!(
            "{}/{}/$metadata#reports/{}",
            req.base, req.path_tenant, req.segment
        ),
        _ => {
            let version = if req.v1 { "v1.0" } else { "beta" };
            match select {
                Some(fields) => format!(
                    "{}/{version}/$metadata#auditLogs/{}({})",
                    req.base,
                    req.segment,
                    fields.join(",")
                ),
                None => format!("{}/{version}/$metadata#auditLogs/{}", req.base, req.segment),
            }
        }
    }
}

/// The link to the page at `cursor`: the request's query options with a new skip token.
fn next_link(config: &Config, req: &Listing<'_>, cursor: &Cursor) -> String {
    let token = cursor.encode();
    let last_segment = req.path.rsplit('/').next().unwrap_or("");
    match config.next_links {
        NextLinkStyle::Absolute => format!(
            "{}{}?{}",
            config
                .next_link_base
                .as_deref()
                .unwrap_or(req.base)
                .trim_end_matches('/'),
            req.path,
            match req.api {
                Api::Legacy => next_query(&req.query.kept, &token, false),
                _ => graph_next_query(&req.query.kept, &token),
            }
        ),
        NextLinkStyle::Relative => format!(
            "{last_segment}?{}",
            next_query(&req.query.kept, &token, true)
        ),
        NextLinkStyle::Odata => {
            // As the legacy directory API: relative, and without api-version.
            let kept: Vec<(String, String)> = req
                .query
                .kept
                .iter()
                .filter(|(k, _)| k != "api-version")
                .cloned()
                .collect();
            format!("{last_segment}?{}", next_query(&kept, &token, false))
        }
    }
}

/// A record with only the selected top-level properties.
fn project(record: &Bytes, fields: &[&str]) -> Bytes {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(record) else {
        return record.clone();
    };
    let kept: serde_json::Map<String, Value> = map
        .into_iter()
        .filter(|(k, _)| fields.contains(&k.as_str()))
        .collect();
    Bytes::from(Value::Object(kept).to_string())
}
