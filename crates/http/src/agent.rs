//! The one blocking `ureq` agent a process uses.
//!
//! rustls, gzip, keep-alive, no redirects (a redirect could carry a bearer token to
//! another host), HTTP statuses returned as responses rather than errors (the tools read
//! the service's error bodies), proxies from `HTTPS_PROXY`/`NO_PROXY` except for loopback
//! and link-local hosts (the emulator, and the Azure Instance Metadata Service, which
//! must not be reached through a proxy), and trust roots = system roots + bundled
//! Mozilla roots + `--ca-cert`/`SSL_CERT_FILE`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aad_common::io::read_file_limited;
use aad_common::url::{is_link_local_host, is_loopback_host, url_host};
use aad_common::{Error, Result, Status};
use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

/// What a tool decides about its agent (everything else is the same for every tool).
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// An extra trusted CA bundle (PEM), for services behind a private CA (the emulator
    /// with `--tls`, a corporate proxy).
    pub ca_cert: Option<PathBuf>,
    /// The `User-Agent` header, `<program>/<version>`, so the service's logs name the tool.
    pub user_agent: String,
    /// How long to wait for a connection; 15 s when not given.
    pub connect_timeout: Option<Duration>,
    /// How long to wait for response headers, and again for the whole body; 300 s when
    /// not given.
    pub response_timeout: Option<Duration>,
    /// When to ask for gzip.
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

/// The largest `--ca-cert` file read: a whole system bundle is a few hundred KB.
const CA_BUNDLE_LIMIT: u64 = 4 << 20;

/// System roots, bundled Mozilla roots and the extra CA file, as one root set.
fn root_certs(extra: Option<&Path>) -> Result<RootCerts> {
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    if let Some(path) = extra {
        let pem = read_file_limited(path, CA_BUNDLE_LIMIT, "CA certificate")?;
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(cert)) => certs.push(cert),
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::new(
                        Status::File,
                        format!("cannot parse CA certificate '{}'", path.display()),
                    )
                    .with_source(e));
                }
            }
        }
        if certs.is_empty() {
            return Err(Error::new(
                Status::File,
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
