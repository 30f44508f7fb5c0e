//! One request from its arrival to its response: read it, hand it to the inspection
//! endpoints or the router (on the blocking pool: the work is CPU, not I/O), log it,
//! encode the reply, wait out `--latency-ms` (a timer, not a busy wait).

use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::BodyExt as _;
use hyper::body::Incoming as IncomingBody;
use hyper::header::{ACCEPT_ENCODING, HOST};
use hyper::{Request, Response};
use serde_json::json;

use crate::inspection;
use crate::reply::RequestIds;
use crate::response::{self, Body};
use crate::routes::{self, Incoming};
use crate::state::State;

/// Largest request body read; token requests are small, and a larger body is read as
/// empty rather than buffered.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// Every outcome is an HTTP answer; only the connection can fail (a truncated body).
pub(crate) async fn handle(state: Arc<State>, req: Request<IncomingBody>) -> Response<Body> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let host = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or(&state.default_host)
        .to_string();
    let base = format!("{}://{host}", state.scheme);
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let gzip = parts
        .headers
        .get(ACCEPT_ENCODING)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| {
            h.split(',')
                .any(|e| e.trim().split(';').next() == Some("gzip"))
        });

    if let Some(name) = path.strip_prefix("/_emulator/") {
        // Counts are cheap and answered here; the ground truth is a copy of every
        // record, made off the async workers.
        if name == "stats" {
            return response::encode(inspection::answer(&state, name, &query), gzip);
        }
        let name = name.to_string();
        return blocking(move || response::encode(inspection::answer(&state, &name, &query), gzip))
            .await;
    }
    // The token key is made on its own thread at start; the first requests wait for it
    // off the async workers.
    let key = state.tenant().directory.token_key.clone();
    if !key.is_ready() {
        let _ = tokio::task::spawn_blocking(move || key.wait()).await;
    }
    let body = match http_body_util::Limited::new(body, MAX_REQUEST_BODY)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let latency = state.config.faults.latency;
    // Report listings (generating a dataset, filtering, rendering, compressing) are
    // CPU work: they run on the blocking pool, so the async workers keep answering,
    // and a listing that waits for a dataset being generated holds no worker. Token,
    // discovery and error answers are quick and stay here.
    let listing = path.starts_with("/v1.0/auditLogs/")
        || path.starts_with("/beta/auditLogs/")
        || path.contains("/reports");
    let response = if listing {
        blocking(move || answer(&state, &parts, &body, &base, &host, gzip, started)).await
    } else {
        answer(&state, &parts, &body, &base, &host, gzip, started)
    };
    tokio::time::sleep_until((started + latency).into()).await;
    response
}

/// Runs `work` on the blocking pool; a failure there is an internal error.
async fn blocking(work: impl FnOnce() -> Response<Body> + Send + 'static) -> Response<Body> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
        let mut response = Response::new(Body::Full(Some(Bytes::from_static(b"{}"))));
        *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

/// Routes, logs and encodes one request of the emulated services.
fn answer(
    state: &State,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    base: &str,
    host: &str,
    gzip: bool,
    started: Instant,
) -> Response<Body> {
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    let ids = RequestIds::new(
        parts
            .headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok()),
    );
    let now = chrono::Utc::now().timestamp();
    let incoming = Incoming {
        method: parts.method.as_str(),
        path,
        query,
        headers: &parts.headers,
        body,
        base,
        host,
        received: started,
    };
    let mut routed = routes::route(state, &incoming, &ids, now);
    let graph = path.starts_with("/v1.0/") || path.starts_with("/beta/");
    if graph {
        routed.reply = routed.reply.graph_headers(&ids, path.starts_with("/beta/"));
    }
    if state.scheme == "https" {
        routed.reply = routed
            .reply
            .header("strict-transport-security", "max-age=31536000");
    }
    routed.log["gzip"] = json!(response::compresses(gzip, &routed.reply));
    if let Some(reason) = &routed.reply.reason {
        routed.log["reason"] = json!(reason);
    }
    let status = routed.reply.status;
    let fault = routed.reply.fault;
    if state.config.verbose {
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}: {} {}{} -> {status}{} ({} ms)",
            crate::NAME,
            parts.method,
            path,
            if query.is_empty() {
                String::new()
            } else {
                aad_common::sanitize::redact_url(&format!("?{query}"))
            },
            fault
                .map(|f| format!(" [{f}]"))
                .or(routed.reply.reason.as_ref().map(|r| format!(" ({r})")))
                .unwrap_or_default(),
            started.elapsed().as_millis()
        );
    }
    state
        .log
        .record(&routed.endpoint, status, fault, routed.log);
    response::encode(routed.reply, gzip)
}
