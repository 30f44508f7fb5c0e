//! National clouds and the service base URLs they imply.
//!
//! Precedence, highest first: an explicit flag, its environment variable, the cloud
//! preset. [`Endpoints::resolve`] applies it; clap has already merged flag and
//! environment when the values arrive here.

use clap::ValueEnum;

use crate::error::{Error, Result};
use crate::url::check_base_url;

/// A national cloud preset (`--cloud`, `AAD_CLOUD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Cloud {
    /// Global Azure: login.microsoftonline.com, graph.microsoft.com.
    #[default]
    Public,
    /// US Government L4 (GCC High): login.microsoftonline.us, graph.microsoft.us.
    Usgov,
    /// US Government L5 (DoD): login.microsoftonline.us, dod-graph.microsoft.us.
    UsgovDod,
    /// China (21Vianet): login.chinacloudapi.cn, microsoftgraph.chinacloudapi.cn.
    China,
}

impl Cloud {
    /// The login (authority) host.
    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::Usgov | Cloud::UsgovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The Microsoft Graph base.
    pub fn graph_url(self) -> &'static str {
        match self {
            Cloud::Public => "https://graph.microsoft.com",
            Cloud::Usgov => "https://graph.microsoft.us",
            Cloud::UsgovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The legacy Azure AD Graph base (retired by Microsoft in 2025).
    pub fn legacy_graph_url(self) -> &'static str {
        match self {
            Cloud::Public => "https://graph.windows.net",
            Cloud::Usgov | Cloud::UsgovDod => "https://graph.microsoftazure.us",
            Cloud::China => "https://graph.chinacloudapi.cn",
        }
    }
}

/// The three service bases a tool talks to, validated and without trailing slashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Login host, e.g. `https://login.microsoftonline.com`.
    pub authority_host: String,
    /// Microsoft Graph base, e.g. `https://graph.microsoft.com`.
    pub graph_url: String,
    /// Legacy Azure AD Graph base, e.g. `https://graph.windows.net`.
    pub legacy_graph_url: String,
}

impl Endpoints {
    /// Applies the preset under the explicit values and checks each URL
    /// (https, or http on a loopback host; no query or fragment).
    pub fn resolve(
        cloud: Cloud,
        authority_host: Option<&str>,
        graph_url: Option<&str>,
        legacy_graph_url: Option<&str>,
    ) -> Result<Endpoints> {
        let pick = |explicit: Option<&str>, preset: &str, what: &str| -> Result<String> {
            let url = explicit
                .filter(|s| !s.is_empty())
                .unwrap_or(preset)
                .trim_end_matches('/')
                .to_string();
            check_base_url(&url).map_err(|e| Error::usage(format!("{what}: {}", e.message())))?;
            Ok(url)
        };
        Ok(Endpoints {
            authority_host: pick(authority_host, cloud.authority_host(), "--authority-host")?,
            graph_url: pick(graph_url, cloud.graph_url(), "--graph-url")?,
            legacy_graph_url: pick(
                legacy_graph_url,
                cloud.legacy_graph_url(),
                "--legacy-graph-url",
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_fills_what_is_not_given() {
        let e = Endpoints::resolve(Cloud::Usgov, None, None, None).unwrap();
        assert_eq!(e.authority_host, "https://login.microsoftonline.us");
        assert_eq!(e.graph_url, "https://graph.microsoft.us");
        let e = Endpoints::resolve(
            Cloud::Public,
            Some("http://127.0.0.1:8080/"),
            Some("http://localhost:9/"),
            None,
        )
        .unwrap();
        assert_eq!(e.authority_host, "http://127.0.0.1:8080");
        assert_eq!(e.graph_url, "http://localhost:9");
        assert_eq!(e.legacy_graph_url, "https://graph.windows.net");
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused() {
        let err = Endpoints::resolve(Cloud::Public, Some("http://login.example.com"), None, None)
            .unwrap_err();
        assert!(err.to_string().starts_with("--authority-host:"), "{err}");
    }
}
