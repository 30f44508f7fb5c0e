//! One GET of one page, and what its outcome means for aad-fetch: a body, something to
//! retry, a rejected token, or a refusal.
//!
//! The exchange itself is [`aad_http::exchange`]; the decisions here are aad-fetch's:
//! which statuses are worth another try, which failures count towards halving a slice.

use std::time::Duration;

use aad_common::sanitize::redact_url;
use aad_common::service_error::ServiceError;
use aad_common::token::Secret;
use aad_http::{Failure, FailureKind, Reply, Request};
use ring::rand::{SecureRandom as _, SystemRandom};
use ureq::Agent;

use crate::progress::Progress;

/// The largest page body accepted: a page of 1000 sign-ins is a few MB, so this only
/// stops a server that never ends its body.
const PAGE_BODY_LIMIT: u64 = 512 << 20;

/// Why a request should be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transient {
    /// 429 (or 509).
    Throttled,
    /// 504 or a client-side timeout: counts towards halving the slice.
    Timeout,
    /// 500, 502, 503, 408.
    Server,
    /// The connection failed or broke before a response came.
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

/// The HTTP side of aad-fetch: one agent, kept alive across pages.
pub(crate) struct Client {
    agent: Agent,
}

impl Client {
    /// Wraps the agent built for the target's host.
    pub(crate) fn new(agent: Agent) -> Client {
        Client { agent }
    }

    /// GETs `url` with the bearer token.
    pub(crate) fn get(&self, url: &str, token: &Secret, progress: &Progress) -> Outcome {
        let request_id = request_id();
        let authorization = format!("Bearer {}", token.expose());
        let request = Request {
            url,
            headers: &[
                ("Authorization", &authorization),
                ("Accept", "application/json"),
                ("client-request-id", &request_id),
            ],
            form: None,
            body_limit: PAGE_BODY_LIMIT,
        };
        match aad_http::exchange(&self.agent, &request) {
            Ok(reply) => {
                progress.request(reply.body.len());
                progress.log(&format!(
                    "GET {} -> {} ({} bytes, {} ms, client-request-id {request_id})",
                    redact_url(url),
                    reply.status,
                    reply.body.len(),
                    reply.elapsed.as_millis()
                ));
                outcome(reply)
            }
            Err(failure) => {
                progress.request(0);
                transport_failure(url, &failure, progress)
            }
        }
    }
}

/// What a whole response means.
fn outcome(reply: Reply) -> Outcome {
    if reply.status == 200 {
        return Outcome::Body(reply.body);
    }
    let retry_after = reply.retry_after();
    let error = ServiceError::from_body(reply.status, &reply.body, reply.header("request-id"));
    let retry = |kind| Outcome::Retry {
        kind,
        detail: error.summary(),
        retry_after,
    };
    match reply.status {
        429 | 509 => retry(Transient::Throttled),
        504 => retry(Transient::Timeout),
        408 | 500 | 502 | 503 => retry(Transient::Server),
        401 => Outcome::TokenRejected(error),
        400 if is_bad_skip_token(&error) => Outcome::BadSkipToken(error),
        _ => Outcome::Refused(error),
    }
}

/// Every transport failure is worth another try; a timeout counts towards halving the
/// slice, and a body that failed after its status is an incomplete page.
fn transport_failure(url: &str, failure: &Failure, progress: &Progress) -> Outcome {
    let timeout = failure.kind == FailureKind::Timeout;
    let elapsed = failure.elapsed.as_millis();
    let e = &failure.error;
    let (kind, detail) = match failure.status {
        None => {
            progress.log(&format!("GET {} -> {e} ({elapsed} ms)", redact_url(url)));
            let kind = if timeout {
                Transient::Timeout
            } else {
                Transient::Network
            };
            (kind, e.to_string())
        }
        Some(status) => {
            progress.log(&format!(
                "GET {} -> {status}, body failed after {elapsed} ms: {e}",
                redact_url(url)
            ));
            let kind = if timeout {
                Transient::Timeout
            } else {
                Transient::Truncated
            };
            (kind, format!("HTTP {status}, body cut short: {e}"))
        }
    };
    Outcome::Retry {
        kind,
        detail,
        retry_after: None,
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

/// A fresh GUID-shaped `client-request-id`, which Microsoft support asks for to trace
/// a request (`-v` shows it).
fn request_id() -> String {
    let mut b = [0u8; 16];
    let _ = SystemRandom::new().fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_like_guids() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
