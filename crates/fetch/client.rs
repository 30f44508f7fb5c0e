//! One GET of one page, and what its outcome means: a body, something to retry, a
//! rejected token, or a refusal.

use std::time::{Duration, Instant};

use aad_common::sanitize::redact_url;
use aad_common::service_error::ServiceError;
use aad_common::token::Secret;
use ureq::Agent;

use crate::progress::Progress;
use aad_common::query::parse_retry_after;

/// The largest page body accepted (a 1000-record sign-in page is a few MB).
const MAX_BODY: u64 = 512 << 20;

/// Why a request should be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transient {
    /// 429 (or 509).
    Throttled,
    /// 504 or a client-side timeout: counts towards halving the slice.
    Timeout,
    /// 500, 502, 503, 408.
    Server,
    /// Connection failures.
    Network,
    /// A body that ended early or did not parse.
    Truncated,
}

/// What one GET produced.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// 200 with its whole body.
    Body(Vec<u8>),
    /// Try again (after `retry_after` when the service said so).
    Retry {
        kind: Transient,
        detail: String,
        retry_after: Option<Duration>,
    },
    /// 401: the token was refused.
    TokenRejected(ServiceError),
    /// The service says the skip token is no good: the chain cannot continue.
    BadSkipToken(ServiceError),
    /// Any other 4xx.
    Refused(ServiceError),
}

/// The HTTP side of aad-fetch.
pub(crate) struct Client {
    agent: Agent,
}

impl Client {
    /// Wraps the shared agent.
    pub(crate) fn new(agent: Agent) -> Client {
        Client { agent }
    }

    /// GETs `url` with the bearer token.
    pub(crate) fn get(&self, url: &str, token: &Secret, progress: &Progress) -> Outcome {
        let started = Instant::now();
        let request_id = crate::retry::request_id();
        let result = self
            .agent
            .get(url)
            .header("Authorization", &format!("Bearer {}", token.expose()))
            .header("Accept", "application/json")
            .header("client-request-id", &request_id)
            .call();
        let mut response = match result {
            Ok(r) => r,
            Err(e) => {
                let kind = match e {
                    ureq::Error::Timeout(_) => Transient::Timeout,
                    _ => Transient::Network,
                };
                progress.log(&format!(
                    "GET {} -> {e} ({} ms)",
                    redact_url(url),
                    started.elapsed().as_millis()
                ));
                return Outcome::Retry {
                    kind,
                    detail: e.to_string(),
                    retry_after: None,
                };
            }
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("retry-after").and_then(|v| parse_retry_after(&v));
        let request_id_header = header("request-id");
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec();
        let elapsed = started.elapsed().as_millis();
        let body = match body {
            Ok(b) => b,
            Err(e) => {
                progress.log(&format!(
                    "GET {} -> {status}, body failed after {elapsed} ms: {e}",
                    redact_url(url)
                ));
                let kind = if matches!(e, ureq::Error::Timeout(_)) {
                    Transient::Timeout
                } else {
                    Transient::Truncated
                };
                return Outcome::Retry {
                    kind,
                    detail: format!("HTTP {status}, body cut short: {e}"),
                    retry_after: None,
                };
            }
        };
        progress.log(&format!(
            "GET {} -> {status} ({} bytes, {elapsed} ms, client-request-id {request_id})",
            redact_url(url),
            body.len()
        ));
        if status == 200 {
            return Outcome::Body(body);
        }
        let error = ServiceError::from_body(status, &body, request_id_header.as_deref());
        match status {
            429 | 509 => Outcome::Retry {
                kind: Transient::Throttled,
                detail: error.summary(),
                retry_after,
            },
            504 => Outcome::Retry {
                kind: Transient::Timeout,
                detail: error.summary(),
                retry_after,
            },
            408 | 500 | 502 | 503 => Outcome::Retry {
                kind: Transient::Server,
                detail: error.summary(),
                retry_after,
            },
            401 => Outcome::TokenRejected(error),
            400 if is_bad_skip_token(&error) => Outcome::BadSkipToken(error),
            _ => Outcome::Refused(error),
        }
    }
}

/// "Invalid Skip Token" and its variants.
fn is_bad_skip_token(error: &ServiceError) -> bool {
    let text = error
        .message
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .replace(' ', "");
    text.contains("skiptoken")
}
