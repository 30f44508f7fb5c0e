//! Which host a URL names, and the rule for where the tools may send requests.
//!
//! Pure text, no HTTP client: aad-common resolves the service bases with it
//! ([`crate::cloud::Endpoints`]), aad-http decides proxies and compression with it, and
//! the emulator recognises loopback resources with it.

use std::net::IpAddr;

use crate::error::{Error, Result};
use crate::sanitize::redact_url;

/// The scheme rule: `https://`, or plain `http://` only to a loopback host (the local
/// emulator), where nothing travels over a network a bearer token could leak on. A URL
/// with white space or control characters is refused too: no request can carry it.
/// Messages show the URL with its secrets redacted.
pub fn check_url(url: &str) -> Result<()> {
    let shown = redact_url(url);
    let Some(host) = url_host(url) else {
        return Err(Error::usage(format!("'{shown}' is not an http(s) URL")));
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(Error::usage(format!(
            "'{shown}' is not a valid URL (it contains white space or control characters)"
        )))
    } else if url.starts_with("https://") || (url.starts_with("http://") && is_loopback_host(host))
    {
        Ok(())
    } else if url.starts_with("http://") {
        Err(Error::usage(format!(
            "'{shown}' uses plain http to a host that is not loopback; use https"
        )))
    } else {
        Err(Error::usage(format!("'{shown}' is not an http(s) URL")))
    }
}

/// A service base (`--graph-url`, `--authority-host`, ...): [`check_url`], and no
/// query or fragment, since paths are appended to it.
pub fn check_base_url(url: &str) -> Result<()> {
    check_url(url)?;
    if url.contains(['?', '#']) {
        return Err(Error::usage(format!(
            "'{}' has a query or fragment; give the service base only, such as https://graph.microsoft.com",
            redact_url(url)
        )));
    }
    Ok(())
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
        assert!(check_url("https://h/a b").is_err());
        assert_eq!(
            check_url("http://u:pw@example.com/").unwrap_err().message(),
            "'http://***@example.com/' uses plain http to a host that is not loopback; use https"
        );
    }

    #[test]
    fn bases_have_no_query_or_fragment() {
        assert!(check_base_url("https://graph.microsoft.com").is_ok());
        for base in ["https://h/?x=1", "https://h/#top", "http://127.0.0.1:1?"] {
            let err = check_base_url(base).unwrap_err();
            assert!(err.message().contains("query or fragment"), "{base}: {err}");
        }
    }
}
