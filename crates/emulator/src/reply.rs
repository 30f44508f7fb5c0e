//! Responses as the emulated services shape them: JSON bodies, the three error
//! formats (OAuth2/AADSTS, Microsoft Graph, legacy Azure AD Graph), and the headers.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use chrono::Utc;
use serde_json::{Value, json};

use crate::rng::Rng;

/// A response as the handlers build it; [`crate::response`] turns it into HTTP (and
/// compresses or truncates it there, where the connection is known).
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    /// Content-Type is among them.
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    /// Fault injection: announce the full length, send part, close.
    pub truncate: bool,
    /// Name of the injected fault, for the request log.
    pub fault: Option<&'static str>,
    /// Why a request was refused, where the service's message does not say (for the
    /// request log and `--verbose`).
    pub reason: Option<String>,
}

/// Graph's content type for JSON answers, parameters and all, as clients get it from
/// the service.
const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

impl Reply {
    /// A JSON body with a plain `application/json` type.
    pub(crate) fn json(status: u16, value: &Value) -> Reply {
        Reply::bytes(
            status,
            "application/json; charset=utf-8",
            Bytes::from(value.to_string()),
        )
    }

    /// A body already rendered as JSON, with Graph's content type.
    pub(crate) fn graph_json(status: u16, body: Bytes) -> Reply {
        Reply::bytes(status, GRAPH_JSON, body)
    }

    pub(crate) fn bytes(status: u16, content_type: &str, body: Bytes) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", content_type.to_string())],
            body,
            truncate: false,
            fault: None,
            reason: None,
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// Names the injected fault, for the request log and `/_emulator/stats`.
    pub(crate) fn fault(mut self, name: &'static str) -> Reply {
        self.fault = Some(name);
        self
    }

    /// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
    pub(crate) fn graph_error(status: u16, code: &str, message: &str, ids: &RequestIds) -> Reply {
        let body = json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "request-id": ids.request_id,
                    "client-request-id": ids.client_request_id,
                }
            }
        });
        Reply::graph_json(status, Bytes::from(body.to_string()))
    }

    /// `{"odata.error":{"code","message":{"lang","value"},"requestId","date"}}`.
    pub(crate) fn legacy_error(status: u16, code: &str, message: &str, ids: &RequestIds) -> Reply {
        let body = json!({
            "odata.error": {
                "code": code,
                "message": {"lang": "en", "value": message},
                "requestId": ids.request_id,
                "date": Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
            }
        });
        Reply::bytes(
            status,
            "application/json;odata=minimalmetadata;streaming=true;charset=utf-8",
            Bytes::from(body.to_string()),
        )
    }

    /// A token endpoint error with an AADSTS code, as login.microsoftonline.com sends it.
    pub(crate) fn oauth_error(
        status: u16,
        error: &str,
        aadsts: u32,
        message: &str,
        ids: &RequestIds,
    ) -> Reply {
        let now = Utc::now();
        let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
        // The service joins the message and the trace lines with CR LF.
        let description = format!(
            "AADSTS{aadsts}: {message}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {timestamp}",
            ids.request_id, ids.client_request_id
        );
        let body = json!({
            "error": error,
            "error_description": description,
            "error_codes": [aadsts],
            "timestamp": timestamp,
            "trace_id": ids.request_id,
            "correlation_id": ids.client_request_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={aadsts}"),
        });
        Reply::json(status, &body)
    }
}

/// `x-ms-ags-diagnostic`: which front end answered, as Graph names it in every answer.
const AGS_DIAGNOSTIC: &str = r#"{"ServerInfo":{"DataCenter":"West Europe","Slice":"E","Ring":"5","ScaleUnit":"003","RoleInstance":"AM2PEPF0001A6B4"}}"#;

/// The deprecation notice beta answers carry (captured on beta signIns, 2026).
const BETA_DEPRECATION_LINK: &str = "<https://developer.microsoft-tst.com/en-us/graph/changes?$filterby=beta,SignIn&from=2024-08-01&to=2024-09-01>;rel=\"deprecation\";type=\"text/html\"";

impl Reply {
    /// The headers every Microsoft Graph answer carries, errors included: the request
    /// ids (the same as in an error's `innerError`), the front end's diagnostic, and on
    /// beta the deprecation link.
    pub(crate) fn graph_headers(mut self, ids: &RequestIds, beta: bool) -> Reply {
        self.headers
            .retain(|(name, _)| !matches!(*name, "request-id" | "client-request-id"));
        self.headers.extend([
            ("request-id", ids.request_id.clone()),
            ("client-request-id", ids.client_request_id.clone()),
            ("x-ms-ags-diagnostic", AGS_DIAGNOSTIC.to_string()),
        ]);
        if beta {
            self.headers
                .push(("link", BETA_DEPRECATION_LINK.to_string()));
        }
        self
    }
}

/// The ids that tie a request to its answer: the service puts them in headers and error
/// bodies, and clients print them in their errors.
#[derive(Debug, Clone)]
pub(crate) struct RequestIds {
    /// `request-id` / trace id, new per request.
    pub request_id: String,
    /// `client-request-id` as the client sent it, else the request id.
    pub client_request_id: String,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl RequestIds {
    /// Fresh ids; `client` is the client's `client-request-id` header, if any.
    pub(crate) fn new(client: Option<&str>) -> RequestIds {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        let request_id = Rng::for_item(nanos, 0x1d, n).guid();
        let client_request_id = client
            .filter(|c| {
                !c.is_empty() && c.len() <= 100 && c.chars().all(|ch| ch.is_ascii_graphic())
            })
            .map_or_else(|| request_id.clone(), str::to_string);
        RequestIds {
            request_id,
            client_request_id,
        }
    }
}
