//! A request to a token service, retried briefly.
//!
//! Each attempt is one [`aad_http::exchange`]. Network failures and the statuses a
//! [`Policy`] names are retried after [`aad_http::Backoff`]'s wait (or the server's
//! `Retry-After`, up to [`MAX_RETRY_AFTER`]); when the attempts run out the run ends
//! with status 5. Failures another attempt cannot fix (TLS trust, a bad URL, the proxy)
//! end it at once. Every other answer, success or refusal, is returned to the caller.
//! The request is built again for every attempt, so a federated token file is re-read
//! and a client assertion is fresh.
//!
//! `-v` shows the method, the URL with secret query values redacted, the form with
//! secret values as `***`, header names (never values), status, size and time.

use std::time::Duration;

use aad_common::sanitize::{is_secret_param, redact_url};
use aad_common::service_error::ServiceError;
use aad_common::{Error, Result};
use aad_http::{Backoff, Failure, FailureKind};
use ureq::Agent;

use crate::log::Log;

/// The largest token response read: real ones are a few KB, and a token service has no
/// reason to send more.
const MAX_BODY: u64 = 1 << 20;
/// Longest `Retry-After` honoured; a longer one ends the retries: a pipeline waiting
/// for its token should fail soon and say why rather than hang.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// How often and on what to retry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// Attempts in all, the first included.
    pub(crate) attempts: u32,
    /// Statuses worth another attempt.
    pub(crate) retry_on: fn(u16) -> bool,
}

/// Token endpoints: 408, 429 and 5xx, three attempts (waits of up to 1 s and 2 s).
pub(crate) const TOKEN_ENDPOINT: Policy = Policy {
    attempts: 3,
    retry_on: |status| matches!(status, 408 | 429 | 500..=599),
};

/// Managed-identity endpoints, per Microsoft's IMDS guidance: also 404 and 410 (IMDS
/// is starting or updating); four attempts (waits of up to 1, 2 and 4 s).
pub(crate) const MANAGED_IDENTITY: Policy = Policy {
    attempts: 4,
    retry_on: |status| matches!(status, 404 | 408 | 410 | 429 | 500..=599),
};

/// A request to a token service, built again for every attempt.
pub(crate) struct Request {
    /// `GET` (managed identity) or `POST` (token endpoint, with the form).
    pub(crate) method: Method,
    /// The URL with its query; `-v` shows it with secret values redacted.
    pub(crate) url: String,
    /// Extra headers; values are never logged (the secret ones are also masked, being
    /// [`aad_common::token::Secret`]s where they come from).
    pub(crate) headers: Vec<(&'static str, String)>,
    /// The form fields of a POST; values of secret fields are never logged.
    pub(crate) form: Vec<(&'static str, String)>,
}

/// How the request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Managed-identity endpoints: everything is in the URL's query.
    Get,
    /// POST of an `application/x-www-form-urlencoded` form.
    Post,
}

/// The answer that ended the exchange.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The HTTP status; what it means is the caller's decision.
    pub(crate) status: u16,
    /// The body (may hold a token: never print it).
    pub(crate) body: Vec<u8>,
    /// `request-id` or `x-ms-request-id`, for messages that support can trace.
    pub(crate) request_id: Option<String>,
    /// `Location`, to name where a redirect (which is not followed) pointed.
    pub(crate) location: Option<String>,
    /// The wait the server asked for before another attempt.
    retry_after: Option<Duration>,
    /// From sending to the end of the body, for `-v`.
    took: Duration,
}

/// Sends the request `build` makes, retrying per `policy`. `what` names the service in
/// messages ("the token endpoint").
pub(crate) fn send(
    agent: &Agent,
    log: &Log,
    policy: Policy,
    what: &str,
    mut build: impl FnMut() -> Result<Request>,
) -> Result<Reply> {
    let mut backoff = Backoff::default();
    let mut attempt = 1;
    loop {
        let request = build()?;
        let shown = redact_url(&request.url);
        log_request(log, &request, &shown);
        let outcome = exchange(agent, &request);
        let last = attempt >= policy.attempts;
        let wait = match outcome {
            Ok(reply) => {
                log.verbose(format_args!(
                    "{} {shown} -> {} ({} bytes, {} ms){}",
                    method_name(request.method),
                    reply.status,
                    reply.body.len(),
                    reply.took.as_millis(),
                    reply
                        .request_id
                        .as_deref()
                        .map(|id| format!(" request-id {id}"))
                        .unwrap_or_default()
                ));
                if !(policy.retry_on)(reply.status) {
                    return Ok(reply);
                }
                let gave_up = |why: String| {
                    let error = ServiceError::from_body(
                        reply.status,
                        &reply.body,
                        reply.request_id.as_deref(),
                    );
                    Error::transient(format!("{what} kept failing {why}"))
                        .with_source(error.summary())
                };
                if last {
                    return Err(gave_up(format!("after {attempt} attempts")));
                }
                match reply.retry_after {
                    Some(wait) if wait > MAX_RETRY_AFTER => {
                        return Err(gave_up(format!(
                            "and asked to retry after {} s, longer than {} waits",
                            wait.as_secs(),
                            crate::NAME
                        )));
                    }
                    wait => backoff.next(wait),
                }
            }
            Err(failure) => {
                log.verbose(format_args!(
                    "{} {shown} failed after {} ms: {}",
                    method_name(request.method),
                    failure.elapsed.as_millis(),
                    failure.error
                ));
                if let Some(fatal) = not_retryable(&failure, what, &shown) {
                    return Err(fatal);
                }
                if last {
                    return Err(Error::transient(format!(
                        "cannot reach {what} {shown} after {attempt} attempts"
                    ))
                    .with_source(failure.error)
                    .with_hint(
                        "check the network, the host name (--authority-host, --token-url, --cloud) and HTTPS_PROXY/NO_PROXY",
                    ));
                }
                backoff.next(None)
            }
        };
        log.verbose(format_args!(
            "retrying in {} ms (attempt {} of {})",
            wait.as_millis(),
            attempt + 1,
            policy.attempts
        ));
        std::thread::sleep(wait);
        attempt += 1;
    }
}

/// Sends once.
fn exchange(agent: &Agent, request: &Request) -> Result<Reply, Failure> {
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let form: Vec<(&str, &str)> = request
        .form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let reply = aad_http::exchange(
        agent,
        &aad_http::Request {
            url: &request.url,
            headers: &headers,
            form: (request.method == Method::Post).then_some(form.as_slice()),
            body_limit: MAX_BODY,
        },
    )?;
    let request_id = reply
        .header("request-id")
        .or_else(|| reply.header("x-ms-request-id"))
        .map(str::to_string);
    Ok(Reply {
        status: reply.status,
        request_id,
        location: reply.header("location").map(str::to_string),
        retry_after: reply.retry_after(),
        took: reply.elapsed,
        body: reply.body,
    })
}

/// Failures that another attempt cannot fix: TLS trust, bad URLs, proxy settings.
fn not_retryable(failure: &Failure, what: &str, shown: &str) -> Option<Error> {
    let message = match failure.kind {
        FailureKind::Tls => {
            return Some(
                Error::transient(format!("TLS failed with {what} {shown}"))
                    .with_source(failure.error.to_string())
                    .with_hint(
                        "if the server's certificate comes from a private CA, trust it with --ca-cert FILE or SSL_CERT_FILE",
                    ),
            );
        }
        FailureKind::Unsendable => format!("cannot send a request to {shown}"),
        FailureKind::Proxy => {
            format!("the proxy for {shown} failed (check HTTPS_PROXY, NO_PROXY)")
        }
        FailureKind::Timeout | FailureKind::Connection => return None,
    };
    Some(Error::transient(message).with_source(failure.error.to_string()))
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
    }
}

/// `-v` lines before sending: the form with secrets as `***` and header names only.
fn log_request(log: &Log, request: &Request, shown: &str) {
    let mut line = format!("{} {shown}", method_name(request.method));
    if !request.headers.is_empty() {
        let names: Vec<&str> = request.headers.iter().map(|(n, _)| *n).collect();
        line.push_str(&format!(
            " (headers: {}; values not shown)",
            names.join(", ")
        ));
    }
    log.verbose(line);
    if request.method == Method::Post {
        let fields: Vec<String> = request
            .form
            .iter()
            .map(|(name, value)| {
                if is_secret_param(name) {
                    format!("{name}=***")
                } else {
                    format!("{name}={value}")
                }
            })
            .collect();
        log.verbose(format_args!("form: {}", fields.join(" ")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_retry_what_microsoft_says() {
        assert!((TOKEN_ENDPOINT.retry_on)(503));
        assert!((TOKEN_ENDPOINT.retry_on)(429));
        assert!(!(TOKEN_ENDPOINT.retry_on)(401));
        assert!(!(TOKEN_ENDPOINT.retry_on)(404));
        assert!((MANAGED_IDENTITY.retry_on)(404));
        assert!((MANAGED_IDENTITY.retry_on)(410));
        assert!(!(MANAGED_IDENTITY.retry_on)(400));
    }
}
