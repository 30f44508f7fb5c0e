//! One HTTP exchange: send a request, read the whole body up to a cap, and report the
//! status, headers and time taken, or a classified transport failure.
//!
//! What a status means is the caller's business (a 404 is final for aad-fetch and
//! worth a retry for a managed-identity endpoint), and so is retrying: this module only
//! tells what happened.
//!
//! The body is read whole, never streamed, and never beyond [`Request::body_limit`]: a
//! server cannot make a tool hold more than its caller allows (a page of a thousand
//! sign-ins is a few MB; a token response a few KB). A longer body is a failure like a
//! cut one.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::http::HeaderMap;

use crate::retry::parse_retry_after;

/// One request: a GET, or a POST of a form.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The URL with its query.
    pub url: &'a str,
    /// Extra headers (`Authorization`, `Accept`, ...).
    pub headers: &'a [(&'a str, &'a str)],
    /// `None` for a GET; the fields of an `application/x-www-form-urlencoded` POST.
    pub form: Option<&'a [(&'a str, &'a str)]>,
    /// The longest body read, in bytes.
    pub body_limit: u64,
}

/// A response whose body arrived whole.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status; what it means is the caller's decision.
    pub status: u16,
    /// The response headers ([`Reply::header`] reads one as text).
    pub headers: HeaderMap,
    /// The body, decompressed. May hold a token: never print it.
    pub body: Vec<u8>,
    /// From sending the request to the end of the body.
    pub elapsed: Duration,
}

impl Reply {
    /// A header's value, when present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Retry-After` the server asked for, if any (seconds or an HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after").and_then(parse_retry_after)
    }
}

/// An exchange that ended without a whole body.
#[derive(Debug)]
pub struct Failure {
    /// What kind of failure, for the caller's retry decision.
    pub kind: FailureKind,
    /// The status, when the response headers arrived and the body then failed.
    pub status: Option<u16>,
    /// The transport's own error, for messages.
    pub error: ureq::Error,
    /// From sending the request to the failure.
    pub elapsed: Duration,
}

/// How an exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A connect, response or body timeout.
    Timeout,
    /// The TLS handshake or the server's certificate failed: another attempt fails the
    /// same way unless the trust roots change.
    Tls,
    /// The request cannot be sent as given (a bad URL or header).
    Unsendable,
    /// The proxy settings are bad or the proxy refused.
    Proxy,
    /// Anything else on the way: refused or reset connections, unknown hosts, a body
    /// cut short, damaged or over the limit.
    Connection,
}

/// Sends `request` and reads its whole body.
pub fn exchange(agent: &Agent, request: &Request<'_>) -> Result<Reply, Failure> {
    let started = Instant::now();
    let fail = |error: ureq::Error, status: Option<u16>| Failure {
        kind: classify(&error, request.url),
        status,
        error,
        elapsed: started.elapsed(),
    };
    let sent = match request.form {
        None => {
            let mut builder = agent.get(request.url);
            for (name, value) in request.headers {
                builder = builder.header(*name, *value);
            }
            builder.call()
        }
        Some(form) => {
            let mut builder = agent.post(request.url);
            for (name, value) in request.headers {
                builder = builder.header(*name, *value);
            }
            builder.send_form(form.iter().copied())
        }
    };
    let mut response = sent.map_err(|e| fail(e, None))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .body_mut()
        .with_config()
        .limit(request.body_limit)
        .read_to_vec()
        .map_err(|e| fail(e, Some(status)))?;
    Ok(Reply {
        status,
        headers,
        body,
        elapsed: started.elapsed(),
    })
}

/// Sorts a transport error into a [`FailureKind`].
fn classify(error: &ureq::Error, url: &str) -> FailureKind {
    match error {
        ureq::Error::Timeout(_) => FailureKind::Timeout,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => FailureKind::Tls,
        // rustls reports handshake and certificate failures as `InvalidData` I/O errors.
        ureq::Error::Io(io)
            if url.starts_with("https://") && io.kind() == ErrorKind::InvalidData =>
        {
            FailureKind::Tls
        }
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => FailureKind::Unsendable,
        ureq::Error::InvalidProxyUrl | ureq::Error::ConnectProxyFailed(_) => FailureKind::Proxy,
        _ => FailureKind::Connection,
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::net::TcpListener;

    use super::*;

    /// Answers one request on a loopback port with `response`, after reading its head.
    fn serve_once(response: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/page", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
                line.clear();
            }
            let _ = reader.get_mut().write_all(response.as_bytes());
        });
        url
    }

    fn get(url: &str, body_limit: u64) -> Result<Reply, Failure> {
        let agent = crate::agent(&crate::HttpOptions::default(), &[url]).unwrap();
        let request = Request {
            url,
            headers: &[("Accept", "application/json")],
            form: None,
            body_limit,
        };
        exchange(&agent, &request)
    }

    #[test]
    fn a_reply_has_status_headers_and_the_whole_body() {
        let url = serve_once(
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nrequest-id: r-1\r\nContent-Length: 2\r\n\r\n{}",
        );
        let reply = get(&url, 100).unwrap();
        assert_eq!(reply.status, 429);
        assert_eq!(reply.body, b"{}");
        assert_eq!(reply.header("request-id"), Some("r-1"));
        assert_eq!(reply.retry_after(), Some(Duration::from_secs(7)));
    }

    #[test]
    fn a_body_over_the_limit_is_a_failure_after_the_status() {
        let url = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
        let failure = get(&url, 4).unwrap_err();
        assert_eq!(failure.status, Some(200));
        assert_eq!(failure.kind, FailureKind::Connection);
    }

    #[test]
    fn transport_errors_are_classified() {
        let https = "https://login.example/t";
        let timeout = ureq::Error::Timeout(ureq::Timeout::Connect);
        assert_eq!(classify(&timeout, https), FailureKind::Timeout);
        assert_eq!(classify(&ureq::Error::Tls("x"), https), FailureKind::Tls);
        let invalid = || ureq::Error::Io(std::io::Error::from(ErrorKind::InvalidData));
        assert_eq!(classify(&invalid(), https), FailureKind::Tls);
        assert_eq!(
            classify(&invalid(), "http://127.0.0.1:1/"),
            FailureKind::Connection
        );
        assert_eq!(
            classify(&ureq::Error::BadUri("x".into()), https),
            FailureKind::Unsendable
        );
        assert_eq!(
            classify(&ureq::Error::InvalidProxyUrl, https),
            FailureKind::Proxy
        );
        assert_eq!(
            classify(&ureq::Error::HostNotFound, https),
            FailureKind::Connection
        );
    }
}
