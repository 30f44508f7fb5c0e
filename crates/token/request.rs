//! One exchange with a token service, retried briefly.
//!
//! Network failures and the statuses a [`Policy`] names are retried with exponential
//! backoff and jitter (or the server's `Retry-After`, up to a cap); when the attempts
//! run out the run ends with status 5. Every other answer, success or refusal, is
//! returned to the caller. The request is built again for every attempt, so a
//! federated token file is re-read and a client assertion is fresh.
//!
//! `-v` shows the method, the URL with secret query values redacted, the form with
//! secret values as `***`, header names (never values), status, size and time.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use aad_common::sanitize::{is_secret_param, redact_url};
use aad_common::service_error::ServiceError;
use aad_common::token::Secret;
use aad_common::{Error, Result};
use ring::rand::{SecureRandom as _, SystemRandom};
use ureq::Agent;

use crate::log::Log;

/// Largest token response read.
const MAX_BODY: u64 = 1 << 20;
/// Longest `Retry-After` honoured; a longer one ends the retries.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// How often and on what to retry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// Attempts in all, the first included.
    pub(crate) attempts: u32,
    /// Statuses worth another attempt.
    pub(crate) retry_on: fn(u16) -> bool,
}

/// Token endpoints: 408, 429 and 5xx, three attempts (waits of about 1 s and 2 s).
pub(crate) const TOKEN_ENDPOINT: Policy = Policy {
    attempts: 3,
    retry_on: |status| matches!(status, 408 | 429 | 500..=599),
};

/// Managed-identity endpoints, per Microsoft's IMDS guidance: also 404 and 410 (IMDS
/// is starting or updating); four attempts (waits of about 1, 2 and 4 s).
pub(crate) const MANAGED_IDENTITY: Policy = Policy {
    attempts: 4,
    retry_on: |status| matches!(status, 404 | 408 | 410 | 429 | 500..=599),
};

/// A request to send.
pub(crate) struct Request {
    /// `GET` (managed identity) or `POST` (token endpoint, with the form).
    pub(crate) method: Method,
    /// The full URL.
    pub(crate) url: String,
    /// Extra headers; values are never logged.
    pub(crate) headers: Vec<(&'static str, Secret)>,
    /// The form fields of a POST; values of secret fields are never logged.
    pub(crate) form: Vec<(&'static str, String)>,
}

/// The HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// GET.
    Get,
    /// POST of an `application/x-www-form-urlencoded` form.
    Post,
}

/// The answer that ended the exchange.
#[derive(Debug)]
pub(crate) struct Reply {
    /// HTTP status.
    pub(crate) status: u16,
    /// The body (may hold a token: never print it).
    pub(crate) body: Vec<u8>,
    /// `request-id` or `x-ms-request-id`.
    pub(crate) request_id: Option<String>,
    /// `Location`, for redirects (which are not followed).
    pub(crate) location: Option<String>,
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
    let mut attempt = 1;
    loop {
        let request = build()?;
        let shown = redact_url(&request.url);
        log_request(log, &request, &shown);
        let started = Instant::now();
        let outcome = exchange(agent, &request);
        let took = started.elapsed().as_millis();
        let last = attempt >= policy.attempts;
        let wait = match outcome {
            Ok((reply, retry_after)) => {
                log.verbose(format_args!(
                    "{} {shown} -> {} ({} bytes, {took} ms){}",
                    method_name(request.method),
                    reply.status,
                    reply.body.len(),
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
                match retry_after {
                    Some(wait) if wait > MAX_RETRY_AFTER => {
                        return Err(gave_up(format!(
                            "and asked to retry after {} s, longer than aad-token waits",
                            wait.as_secs()
                        )));
                    }
                    Some(wait) => wait,
                    None => backoff(attempt),
                }
            }
            Err(err) => {
                log.verbose(format_args!(
                    "{} {shown} failed after {took} ms: {err}",
                    method_name(request.method)
                ));
                if let Some(fatal) = not_retryable(&err, what, &shown) {
                    return Err(fatal);
                }
                if last {
                    return Err(Error::transient(format!(
                        "cannot reach {what} {shown} after {attempt} attempts"
                    ))
                    .with_source(err)
                    .with_hint(
                        "check the network, the host name (--authority-host, --token-url, --cloud) and HTTPS_PROXY/NO_PROXY",
                    ));
                }
                backoff(attempt)
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

/// Sends once; returns the reply and any `Retry-After` in seconds.
fn exchange(agent: &Agent, request: &Request) -> Result<(Reply, Option<Duration>), ureq::Error> {
    let mut response = match request.method {
        Method::Get => {
            let mut builder = agent.get(&request.url);
            for (name, value) in &request.headers {
                builder = builder.header(*name, value.expose());
            }
            builder.call()?
        }
        Method::Post => {
            let mut builder = agent.post(&request.url);
            for (name, value) in &request.headers {
                builder = builder.header(*name, value.expose());
            }
            builder.send_form(request.form.iter().map(|(k, v)| (*k, v.as_str())))?
        }
    };
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let request_id = header("request-id").or_else(|| header("x-ms-request-id"));
    let location = header("location");
    let retry_after = header("retry-after").and_then(|v| aad_common::query::parse_retry_after(&v));
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()?;
    let reply = Reply {
        status,
        body,
        request_id,
        location,
    };
    Ok((reply, retry_after))
}

/// Failures that another attempt cannot fix: TLS trust, bad URLs, proxy settings.
fn not_retryable(err: &ureq::Error, what: &str, shown: &str) -> Option<Error> {
    // rustls reports handshake and certificate failures as `InvalidData` I/O errors.
    let tls = match err {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => true,
        ureq::Error::Io(io) => shown.starts_with("https://") && io.kind() == ErrorKind::InvalidData,
        _ => false,
    };
    if tls {
        return Some(
            Error::transient(format!("TLS failed with {what} {shown}"))
                .with_source(err.to_string())
                .with_hint(
                    "if the server's certificate comes from a private CA, trust it with --ca-cert FILE or SSL_CERT_FILE",
                ),
        );
    }
    let message = match err {
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            format!("cannot send a request to {shown}")
        }
        ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => {
            format!("the proxy for {shown} failed (check HTTPS_PROXY, NO_PROXY)")
        }
        _ => return None,
    };
    Some(Error::transient(message).with_source(err.to_string()))
}

/// Exponential backoff with jitter: 0.5–1 s, 1–2 s, 2–4 s, ...
fn backoff(attempt: u32) -> Duration {
    let full = Duration::from_secs(1) * 2u32.saturating_pow(attempt.saturating_sub(1));
    let mut byte = [0u8; 1];
    let jitter = match SystemRandom::new().fill(&mut byte) {
        Ok(()) => f64::from(byte[0]) / 255.0,
        Err(_) => 1.0,
    };
    full.mul_f64(0.5 + jitter / 2.0)
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
    fn backoff_grows_and_stays_within_its_band() {
        for attempt in 1..=4 {
            let full = Duration::from_secs(1 << (attempt - 1));
            let wait = backoff(attempt);
            assert!(wait >= full / 2 && wait <= full, "{attempt}: {wait:?}");
        }
    }

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
