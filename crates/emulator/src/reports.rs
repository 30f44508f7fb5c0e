//! The report listings: Microsoft Graph `/{v1.0,beta}/auditLogs/{report}` and legacy
//! `/{tenant}/reports/{report}?api-version=beta`, with permissions, licence checks,
//! query validation, paging, faults and rendering, in the service's order.

use std::time::Instant;

use bytes::{BufMut, Bytes, BytesMut};
use serde_json::Value;

use crate::auth::bearer::Caller;
use crate::auth::{AUDIT_ROLE, Api, DIRECTORY_ROLE};
use crate::cli::NextLinkStyle;
use crate::data::{Dataset, SignInType};
use crate::faults::Injected;
use crate::odata::filter::{self, Filter, Schema};
use crate::odata::{Cursor, QueryOptions, next_query};
use crate::reply::{Reply, RequestIds};
use crate::state::State;
use crate::time::now_ticks;

/// Default and largest page size, as the service.
const MAX_TOP: usize = 1000;

/// A listing request after routing and authentication.
pub(crate) struct Listing<'a> {
    /// Graph or legacy.
    pub api: Api,
    /// Graph v1.0 (not beta).
    pub v1: bool,
    /// The dataset the path names (sign-ins: the interactive one; the filter may pick another kind).
    pub dataset: Dataset,
    /// The path, for next links.
    pub path: &'a str,
    /// Decoded query options.
    pub query: QueryOptions,
    /// `scheme://host[:port]` the client used.
    pub base: &'a str,
    /// Legacy: the tenant segment.
    pub path_tenant: &'a str,
    /// The last path segment as the client wrote it (for `@odata.context`).
    pub segment: &'a str,
}

impl Listing<'_> {
    fn error(&self, status: u16, code: &str, message: &str, ids: &RequestIds) -> Reply {
        match self.api {
            Api::Legacy => Reply::legacy_error(status, code, message, ids),
            _ => Reply::graph_error(status, code, message, ids),
        }
    }
}

/// Answers a listing for an authenticated caller.
pub(crate) fn list(state: &State, req: &Listing<'_>, caller: &Caller, ids: &RequestIds) -> Reply {
    // Permission: the role the API requires.
    let allowed = match req.api {
        Api::Legacy => caller
            .roles
            .iter()
            .any(|r| r == DIRECTORY_ROLE || r == AUDIT_ROLE),
        _ => caller.roles.iter().any(|r| r == AUDIT_ROLE),
    };
    if !allowed {
        return req.error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            ids,
        );
    }
    let sign_ins = matches!(req.dataset, Dataset::SignIns(_) | Dataset::SigninEvents);
    if sign_ins && state.config.no_premium {
        return req.error(
            403,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
            ids,
        );
    }
    if req.api == Api::Legacy {
        match req.query.api_version.as_deref() {
            None => {
                return req.error(
                    400,
                    "Request_BadRequest",
                    "A required query parameter 'api-version' is missing.",
                    ids,
                );
            }
            Some("beta") => {}
            Some(v) => {
                return req.error(
                    400,
                    "Request_BadRequest",
                    &format!("The reports API supports api-version 'beta' only, not '{v}'."),
                    ids,
                );
            }
        }
    }

    let top = match req.query.top.as_deref().map(str::trim) {
        None => MAX_TOP,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_TOP as i64).contains(&n) => n as usize,
            Ok(_) => {
                return req.error(400, "Request_UnsupportedQuery", &format!("Invalid page size specified: '{text}'. Must be between 1 and {MAX_TOP} inclusive."), ids);
            }
            Err(_) => {
                return req.error(
                    400,
                    "BadRequest",
                    &format!("Invalid value '{text}' for query option '$top'."),
                    ids,
                );
            }
        },
    };

    let properties = state.tenant().store.properties(req.dataset);
    let filter = match req.query.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        None => Filter::default(),
        Some(text) => {
            let schema = Schema {
                dataset: req.dataset,
                properties,
                event_types: req.api == Api::Graph
                    && !req.v1
                    && matches!(req.dataset, Dataset::SignIns(_)),
            };
            match filter::parse(text, &schema) {
                Ok(f) => f,
                Err(e) => return req.error(400, e.code, &e.message, ids),
            }
        }
    };
    let dataset = match (&filter.event_type, req.dataset) {
        (Some(kind), Dataset::SignIns(_)) => match SignInType::from_event_type(kind) {
            Some(kind) => Dataset::SignIns(kind),
            None => {
                return req.error(
                    400,
                    "BadRequest",
                    &format!("The value '{kind}' is not a valid signInEventType."),
                    ids,
                );
            }
        },
        (_, d) => d,
    };

    let select: Option<Vec<&str>> = match req.query.select.as_deref() {
        None => None,
        Some(list) => {
            let fields: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect();
            if let Some(bad) = fields.iter().find(|f| !properties.iter().any(|p| p == *f)) {
                return req.error(
                    400,
                    "BadRequest",
                    &format!(
                        "Could not find a property named '{bad}' on type '{}'.",
                        dataset.entity_type()
                    ),
                    ids,
                );
            }
            Some(fields)
        }
    };
    if let Some(order) = req.query.orderby.as_deref() {
        let order = order.trim();
        let wanted = format!("{} desc", dataset.time_field());
        if !order.eq_ignore_ascii_case(&wanted) {
            return req.error(
                400,
                "Request_UnsupportedQuery",
                &format!("Unsupported $orderby '{order}'; the report is ordered by '{wanted}'."),
                ids,
            );
        }
    }

    let cursor = match req.query.skiptoken.as_deref() {
        None => Cursor {
            after: None,
            page: 0,
            final_empty: false,
        },
        Some(token) => match Cursor::decode(token) {
            Some(c) => c,
            None => return req.error(400, "UnknownError", "Invalid Skip Token.", ids),
        },
    };

    // The real service times out on broad queries; --max-window imitates that.
    if let Some(max) = state.config.faults.max_window {
        let too_wide = match (filter.lower, filter.upper) {
            (Some(lo), Some(hi)) => hi.saturating_sub(lo) >= max,
            _ => true,
        };
        if too_wide {
            return req
                .error(
                    504,
                    "GatewayTimeout",
                    "The request timed out. Narrow the time range of the query.",
                    ids,
                )
                .fault("window");
        }
    }

    // Faults count only requests that would otherwise succeed.
    let injected = state.faults.next(req.path);
    match injected {
        Some(Injected::Throttle) => {
            let s = &state.config.faults;
            let retry_after = if s.retry_after_date {
                httpdate(
                    std::time::SystemTime::now() + std::time::Duration::from_secs(s.retry_after),
                )
            } else {
                s.retry_after.to_string()
            };
            return req
                .error(429, "TooManyRequests", "Too many requests. This request is throttled. Please try again after the value specified in the Retry-After header.", ids)
                .header("retry-after", retry_after)
                .fault("throttle");
        }
        Some(Injected::Unavailable) => {
            return req
                .error(
                    503,
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. Please retry later.",
                    ids,
                )
                .header("retry-after", "1")
                .fault("unavailable");
        }
        Some(Injected::Malformed) => {
            let body = Bytes::from_static(br#"{"@odata.context":"malformed","value":{"unexpected":"an object, not an array"}}"#);
            return Reply::graph_json(200, body).fault("malformed");
        }
        Some(Injected::Timeout) => {
            return req
                .error(
                    504,
                    "GatewayTimeout",
                    "The gateway did not receive a response in time.",
                    ids,
                )
                .fault("timeout");
        }
        _ => {}
    }

    state.tenant().store.advance(dataset, now_ticks());
    let empty_pages = state.config.faults.empty_pages;
    let (records, next) = if cursor.final_empty {
        (Vec::new(), None)
    } else if empty_pages && cursor.page % 3 == 2 {
        // An empty page in the middle of the chain: nothing, and a link onwards.
        (
            Vec::new(),
            Some(Cursor {
                after: cursor.after.clone(),
                page: cursor.page + 1,
                final_empty: false,
            }),
        )
    } else {
        let page = state
            .tenant()
            .store
            .page(dataset, &filter, cursor.after.as_ref(), top, req.v1);
        let next = if page.more {
            Some(Cursor {
                after: page.last.clone(),
                page: cursor.page + 1,
                final_empty: false,
            })
        } else if empty_pages {
            Some(Cursor {
                after: page.last.clone().or(cursor.after.clone()),
                page: cursor.page + 1,
                final_empty: true,
            })
        } else {
            None
        };
        (page.records, next)
    };

    let records: Vec<Bytes> = match &select {
        Some(fields) => records.iter().map(|r| project(r, fields)).collect(),
        None => records,
    };
    let body = render(state, req, select.as_deref(), &records, next.as_ref());
    let mut reply = Reply::graph_json(200, body)
        .header("request-id", ids.request_id.clone())
        .header("client-request-id", ids.client_request_id.clone());
    if injected == Some(Injected::Garble) {
        reply.body = reply.body.slice(..reply.body.len() / 2);
        reply = reply.fault("garble");
    }
    if injected == Some(Injected::Truncate) {
        reply.truncate = true;
        reply = reply.fault("truncate");
    }
    reply
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

/// The page body: context, next link, values, in the service's key order.
fn render(
    state: &State,
    req: &Listing<'_>,
    select: Option<&[&str]>,
    records: &[Bytes],
    next: Option<&Cursor>,
) -> Bytes {
    let context = match req.api {
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
    };
    let style = state.config.next_links;
    let link = next.map(|cursor| {
        let token = cursor.encode();
        let last_segment = req.path.rsplit('/').next().unwrap_or("");
        match style {
            NextLinkStyle::Absolute => format!(
                "{}{}?{}",
                state
                    .config
                    .next_link_base
                    .as_deref()
                    .unwrap_or(req.base)
                    .trim_end_matches('/'),
                req.path,
                next_query(&req.query.kept, &token, false)
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
    });
    let size: usize = records.iter().map(|r| r.len() + 1).sum::<usize>() + 512;
    let mut out = BytesMut::with_capacity(size);
    out.put_slice(b"{\"@odata.context\":");
    out.put_slice(Value::from(context).to_string().as_bytes());
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
    if style == NextLinkStyle::Odata
        && let Some(link) = &link_json
    {
        out.put_slice(b",\"odata.nextLink\":");
        out.put_slice(link.as_bytes());
    }
    out.put_u8(b'}');
    out.freeze()
}

/// An HTTP date (RFC 9110 IMF-fixdate).
pub(crate) fn httpdate(t: std::time::SystemTime) -> String {
    let t: chrono::DateTime<chrono::Utc> = t.into();
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The legacy report list (`GET /{tenant}/reports?api-version=beta`).
pub(crate) fn legacy_report_list(base: &str, tenant: &str) -> Reply {
    let value: Vec<Value> = ["auditEvents", "signinEvents"]
        .iter()
        .map(|name| serde_json::json!({"Name": name, "LicenseRequired": if *name == "signinEvents" { "True" } else { "False" }}))
        .collect();
    Reply::json(
        200,
        &serde_json::json!({"@odata.context": format!("{base}/{tenant}/$metadata#reports"), "value": value}),
    )
}

/// The legacy CSDL (`GET /{tenant}/reports/$metadata?api-version=beta`).
pub(crate) fn legacy_metadata() -> Reply {
    const CSDL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="AuditEvent">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
        <Property Name="eventTime" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="actor" Type="Edm.String"/>
        <Property Name="action" Type="Edm.String"/>
        <Property Name="target" Type="Edm.String"/>
        <Property Name="actorDetail" Type="Edm.String"/>
        <Property Name="targetDetail" Type="Edm.String"/>
        <Property Name="updatedProperties" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="SigninEvent">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
        <Property Name="signinDateTime" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="userDisplayName" Type="Edm.String"/>
        <Property Name="userPrincipalName" Type="Edm.String"/>
        <Property Name="userId" Type="Edm.String"/>
        <Property Name="appId" Type="Edm.String"/>
        <Property Name="appDisplayName" Type="Edm.String"/>
        <Property Name="ipAddress" Type="Edm.String"/>
        <Property Name="loginStatus" Type="Edm.String"/>
      </EntityType>
      <EntityContainer Name="ReportingContainer">
        <EntitySet Name="auditEvents" EntityType="Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting.AuditEvent"/>
        <EntitySet Name="signinEvents" EntityType="Microsoft.ActiveDirectory.DataService.PublicApi.Model.Reporting.SigninEvent"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;
    Reply::bytes(
        200,
        "application/xml;charset=utf-8",
        Bytes::from_static(CSDL.as_bytes()),
    )
}

/// Whether a request is throttled by the budget; the reply if it is.
pub(crate) fn over_budget(
    state: &State,
    api: Api,
    caller: &Caller,
    ids: &RequestIds,
) -> Option<Reply> {
    let wait = state
        .tenant()
        .budget
        .admit(&caller.client_id, Instant::now())
        .err()?;
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let reply = match api {
        Api::Legacy => Reply::legacy_error(
            429,
            "Request_ThrottledTemporarily",
            "Your request is throttled temporarily. Please try after the value specified in the Retry-After header.",
            ids,
        ),
        _ => Reply::graph_error(
            429,
            "TooManyRequests",
            "Too many requests. This request is throttled. Please try again after the value specified in the Retry-After header.",
            ids,
        ),
    };
    Some(
        reply
            .header("retry-after", seconds.max(1).to_string())
            .fault("rate-limit"),
    )
}
