//! HTTP client setup shared by aad-token and aad-fetch.
//!
//! One blocking `ureq` agent per process: rustls, gzip, keep-alive, no redirects (a
//! redirect could carry a bearer token to another host), HTTP statuses returned as
//! responses rather than errors (the tools read the service's error bodies), proxies
//! from `HTTPS_PROXY`/`NO_PROXY` except for loopback and link-local hosts (the emulator,
//! the Azure Instance Metadata Service, which must not be reached through a proxy), and
//! trust roots = system
//! roots + bundled Mozilla roots + `--ca-cert`/`SSL_CERT_FILE`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use crate::error::{Error, Result};

/// Settings for [`agent`].
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// An extra trusted CA bundle (PEM).
    pub ca_cert: Option<PathBuf>,
    /// The program name for the `User-Agent` header (`aad-fetch/0.1.0`).
    pub user_agent: String,
    /// How long to wait for a connection.
    pub connect_timeout: Option<Duration>,
    /// How long to wait for response headers, and again for the whole body.
    pub response_timeout: Option<Duration>,
    /// Whether to ask for gzip.
    pub compression: Compression,
}

/// Whether responses are requested gzip-compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Compression {
    /// gzip, except to loopback and link-local hosts, where compressing only costs time.
    #[default]
    Auto,
    /// Always ask for gzip.
    Gzip,
    /// Never ask for gzip.
    None,
}

/// Builds the agent for requests to `urls` (the service bases this run will use).
///
/// Trust roots are loaded only when one of them is https, so runs against the local
/// emulator start fast; a proxy from the environment is used only when one of them is
/// neither a loopback nor a link-local host.
pub fn agent(options: &HttpOptions, urls: &[&str]) -> Result<Agent> {
    let any_https = urls.iter().any(|u| u.starts_with("https://"));
    let all_local = urls
        .iter()
        .all(|u| url_host(u).is_some_and(|h| is_loopback_host(h) || is_link_local_host(h)));
    let mut tls = TlsConfig::builder();
    if any_https {
        tls = tls.root_certs(root_certs(options.ca_cert.as_deref())?);
    }
    let mut config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .user_agent(options.user_agent.as_str())
        .timeout_connect(Some(
            options.connect_timeout.unwrap_or(Duration::from_secs(15)),
        ))
        .timeout_recv_response(Some(
            options.response_timeout.unwrap_or(Duration::from_secs(300)),
        ))
        .timeout_recv_body(Some(
            options.response_timeout.unwrap_or(Duration::from_secs(300)),
        ))
        // Report pages are megabytes; a large read buffer takes them in a few system
        // calls instead of dozens (a measurable share of a 20 ms page round trip).
        .input_buffer_size(1 << 20)
        .tls_config(tls.build());
    if all_local {
        config = config.proxy(None);
    }
    let gzip = match options.compression {
        Compression::Auto => !all_local,
        Compression::Gzip => true,
        Compression::None => false,
    };
    if !gzip {
        config = config.accept_encoding(ureq::config::AutoHeaderValue::None);
    }
    Ok(config.build().new_agent())
}

/// System roots, bundled Mozilla roots and the extra CA file, as one root set.
fn root_certs(extra: Option<&Path>) -> Result<RootCerts> {
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    if let Some(path) = extra {
        let pem = std::fs::read(path).map_err(|e| Error::file("read CA certificate", path, e))?;
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::new(
                        crate::Status::File,
                        format!("cannot parse CA certificate '{}'", path.display()),
                    )
                    .with_source(e));
                }
            }
        }
        if certs.is_empty() {
            return Err(Error::new(
                crate::Status::File,
                format!("no certificate found in '{}'", path.display()),
            ));
        }
    }
    // Errors reading single system certificates are not fatal: the bundled roots remain.
    let native = rustls_native_certs::load_native_certs();
    certs.extend(
        native
            .certs
            .into_iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned()),
    );
    certs.extend(
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned()),
    );
    Ok(RootCerts::new_with_certs(&certs))
}

/// Checks the scheme rule of DESIGN §1: `https://`, or `http://` to a loopback host.
pub fn check_url(url: &str) -> Result<()> {
    let Some(host) = url_host(url) else {
        return Err(Error::usage(format!("'{url}' is not an http(s) URL")));
    };
    if url.starts_with("https://") || (url.starts_with("http://") && is_loopback_host(host)) {
        Ok(())
    } else if url.starts_with("http://") {
        Err(Error::usage(format!(
            "'{url}' uses plain http to a host that is not loopback; use https"
        )))
    } else {
        Err(Error::usage(format!("'{url}' is not an http(s) URL")))
    }
}

/// The host of an absolute http(s) URL, without brackets or port.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// True for `localhost` and loopback IP addresses.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// True for link-local IP addresses (`169.254.0.0/16`, `fe80::/10`), such as the Azure
/// Instance Metadata Service at `169.254.169.254`.
pub fn is_link_local_host(host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => ip.is_unicast_link_local(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_extracted() {
        assert_eq!(
            url_host("https://login.microsoftonline.com/t"),
            Some("login.microsoftonline.com")
        );
        assert_eq!(url_host("http://127.0.0.1:8080/x?y"), Some("127.0.0.1"));
        assert_eq!(url_host("http://[::1]:80/"), Some("::1"));
        assert_eq!(url_host("http://user@localhost:1"), Some("localhost"));
        assert_eq!(url_host("ftp://x"), None);
    }

    #[test]
    fn link_local_hosts() {
        assert!(is_link_local_host("169.254.169.254"));
        assert!(is_link_local_host("fe80::1"));
        assert!(!is_link_local_host("127.0.0.1"));
        assert!(!is_link_local_host("metadata.example"));
    }

    #[test]
    fn scheme_rule() {
        assert!(check_url("https://graph.microsoft.com").is_ok());
        assert!(check_url("http://127.0.0.1:1234").is_ok());
        assert!(check_url("http://[::1]:1234").is_ok());
        assert!(check_url("http://LOCALHOST").is_ok());
        assert!(check_url("http://graph.microsoft.com").is_err());
        assert!(check_url("http://127.0.0.1.example.com").is_err());
        assert!(check_url("file:///etc/passwd").is_err());
    }
}
