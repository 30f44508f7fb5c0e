//! The emulated directory: tenant, applications, credentials, and the tokens it issues.
//!
//! | module | what |
//! |---|---|
//! | [`jwt`] | issuing and reading JWTs |
//! | [`keys`] | the RSA key access tokens are signed with, and its JWKS |
//! | [`token_endpoint`] | `POST /{tenant}/oauth2/v2.0/token` and the v1 endpoint |
//! | [`assertion`] | certificate and federated client assertions |
//! | [`managed`] | managed-identity endpoints (IMDS, App Service) |
//! | [`discovery`] | OpenID configuration and instance discovery |
//! | [`bearer`] | checking bearer tokens on the report APIs |

pub(crate) mod assertion;
pub(crate) mod bearer;
pub(crate) mod discovery;
pub(crate) mod jwt;
pub(crate) mod keys;
pub(crate) mod managed;
pub(crate) mod token_endpoint;

use ring::digest;
use serde_json::{Value, json};

use crate::rng::Rng;
use jwt::SigningKey;
use keys::TokenKey;

/// Role that grants reading audit and sign-in logs on Microsoft Graph.
pub(crate) const AUDIT_ROLE: &str = "AuditLog.Read.All";
/// Role that grants reading the directory (the legacy reports' permission).
pub(crate) const DIRECTORY_ROLE: &str = "Directory.Read.All";
/// Roles that let a caller read conditional-access policies; sign-ins list
/// `appliedConditionalAccessPolicies` only to callers that hold one.
pub(crate) const POLICY_ROLES: &[&str] = &[
    "Policy.Read.All",
    "Policy.ReadWrite.ConditionalAccess",
    "Policy.Read.ConditionalAccess",
];
/// Audience of federated tokens (workload identity federation).
pub(crate) const FEDERATION_AUDIENCE: &str = "api://AzureADTokenExchange";
/// Issuer of the federated tokens the emulator mints (a stand-in Kubernetes issuer).
pub(crate) const FEDERATION_ISSUER: &str = "https://oidc.aad-emulator.invalid/cluster";
/// Subject the federated credential trusts.
pub(crate) const FEDERATION_SUBJECT: &str = "system:serviceaccount:audit:aad-fetch";

/// The demo certificate and key that `--print-env` hands out (test material only).
pub(crate) const DEMO_CLIENT_PEM: &str = include_str!("../fixtures/demo-client.pem");

/// Which API an access token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Graph,
    /// The legacy Azure AD Graph.
    Legacy,
    /// The emulator's own base URL: good for both.
    Both,
}

/// An application registered in the tenant, with the application permissions it was
/// granted.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub client_id: String,
    pub object_id: String,
    pub display_name: &'static str,
    pub roles: Vec<&'static str>,
}

/// A managed identity: the system-assigned one of a VM, or a user-assigned one.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub client_id: String,
    pub object_id: String,
    pub user_assigned: bool,
}

/// A certificate trusted for client assertions.
pub(crate) struct TrustedCert {
    pub der: Vec<u8>,
    pub sha1: Vec<u8>,
    pub sha256: Vec<u8>,
}

/// The tenant's directory: who may get tokens, with which credentials, and the keys the
/// tokens are signed with.
pub(crate) struct Directory {
    pub tenant_id: String,
    pub tenant_domain: String,
    pub apps: Vec<App>,
    pub identities: Vec<Identity>,
    pub secret: String,
    pub certs: Vec<TrustedCert>,
    pub identity_header: String,
    pub token_ttl: i64,
    /// Signs access tokens (RS256), published at the discovery documents' `jwks_uri`.
    pub token_key: TokenKey,
    /// Signs the federated tokens of the emulator's stand-in identity provider.
    pub federation_key: SigningKey,
}

impl Directory {
    /// True when `name` is this tenant's id or domain (case-insensitive).
    pub(crate) fn is_tenant(&self, name: &str) -> bool {
        name.eq_ignore_ascii_case(&self.tenant_id) || name.eq_ignore_ascii_case(&self.tenant_domain)
    }

    pub(crate) fn app(&self, client_id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    /// Checks a client secret. Digests are compared, so the time taken says nothing
    /// about how much of the secret matched.
    pub(crate) fn secret_matches(&self, candidate: &str) -> bool {
        let a = digest::digest(&digest::SHA256, candidate.as_bytes());
        let b = digest::digest(&digest::SHA256, self.secret.as_bytes());
        a.as_ref() == b.as_ref()
    }

    /// The trusted certificate with this SHA-256 (`x5t#S256`) or SHA-1 (`x5t`) thumbprint.
    pub(crate) fn cert_by_thumbprint(
        &self,
        sha256: Option<&[u8]>,
        sha1: Option<&[u8]>,
    ) -> Option<&TrustedCert> {
        self.certs.iter().find(|c| {
            sha256.is_some_and(|t| t == c.sha256.as_slice())
                || sha1.is_some_and(|t| t == c.sha1.as_slice())
        })
    }

    /// Issues an access token for a subject (app or identity) and audience.
    /// Returns the token and its expiry (epoch seconds); `None` when the signing key
    /// could not be made.
    pub(crate) fn issue(
        &self,
        subject: &Subject<'_>,
        audience: &str,
        appidacr: &str,
        now: i64,
    ) -> Option<(String, i64)> {
        let exp = now + self.token_ttl;
        let mut rng = Rng::for_item(now as u64, 0x70c, subject.client_id.len() as u64);
        let claims = json!({
            "aud": audience,
            "iss": format!("https://sts.windows.net/{}/", self.tenant_id),
            "iat": now,
            "nbf": now,
            "exp": exp,
            "aio": format!("E2ZgYJ{:x}", rng.next_u64()),
            "app_displayname": subject.display_name,
            "appid": subject.client_id,
            "appidacr": appidacr,
            "idp": format!("https://sts.windows.net/{}/", self.tenant_id),
            "idtyp": "app",
            "oid": subject.object_id,
            "rh": "0.AAAA-emulator.",
            "roles": subject.roles,
            "sub": subject.object_id,
            "tenant_region_scope": "EU",
            "tid": self.tenant_id,
            "uti": format!("{:x}", rng.next_u64()),
            "ver": "1.0",
            "xms_tcdt": 1_600_000_000,
        });
        Some((self.token_key.sign(&claims)?, exp))
    }

    /// A federated token as a workload's identity provider would project it.
    pub(crate) fn federated_token(
        &self,
        subject: &str,
        audience: &str,
        now: i64,
        ttl: i64,
    ) -> String {
        self.federation_key.issue(&json!({
            "iss": FEDERATION_ISSUER,
            "sub": subject,
            "aud": [audience],
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "kubernetes.io": {"namespace": "audit", "serviceaccount": {"name": "aad-fetch"}},
        }))
    }
}

/// Who a token is issued to.
pub(crate) struct Subject<'a> {
    pub client_id: &'a str,
    pub object_id: &'a str,
    pub display_name: &'a str,
    pub roles: &'a [&'static str],
}

impl<'a> From<&'a App> for Subject<'a> {
    fn from(app: &'a App) -> Self {
        Subject {
            client_id: &app.client_id,
            object_id: &app.object_id,
            display_name: app.display_name,
            roles: &app.roles,
        }
    }
}

/// Reads the certificates of a PEM text (a key in it is ignored).
pub(crate) fn trusted_certs(pem: &str) -> Vec<TrustedCert> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .filter_map(Result::ok)
        .map(|der| {
            let der = der.as_ref().to_vec();
            TrustedCert {
                sha1: digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
                    .as_ref()
                    .to_vec(),
                sha256: digest::digest(&digest::SHA256, &der).as_ref().to_vec(),
                der,
            }
        })
        .collect()
}

/// Classifies a requested resource (v1 `resource`, or a v2 scope without `/.default`).
/// The emulator's own base (any loopback URL) is good for both APIs.
pub(crate) fn classify_resource(resource: &str) -> Option<Api> {
    let r = resource.trim_end_matches('/').to_ascii_lowercase();
    const GRAPH: &[&str] = &[
        "https://graph.microsoft.com",
        "https://graph.microsoft.us",
        "https://dod-graph.microsoft.us",
        "https://microsoftgraph.chinacloudapi.cn",
        "00000003-0000-0000-c000-000000000000",
    ];
    const LEGACY: &[&str] = &[
        "https://graph.windows.net",
        "https://graph.microsoftazure.us",
        "https://graph.chinacloudapi.cn",
        "00000002-0000-0000-c000-000000000000",
    ];
    if GRAPH.contains(&r.as_str()) {
        Some(Api::Graph)
    } else if LEGACY.contains(&r.as_str()) {
        Some(Api::Legacy)
    } else if aad_common::url::url_host(&r).is_some_and(aad_common::url::is_loopback_host) {
        Some(Api::Both)
    } else {
        None
    }
}

/// The API an audience claim is good for.
pub(crate) fn audience_api(aud: &Value) -> Option<Api> {
    aud.as_str().and_then(classify_resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources() {
        assert_eq!(
            classify_resource("https://graph.microsoft.com/"),
            Some(Api::Graph)
        );
        assert_eq!(
            classify_resource("00000002-0000-0000-c000-000000000000"),
            Some(Api::Legacy)
        );
        assert_eq!(classify_resource("http://127.0.0.1:4000"), Some(Api::Both));
        assert_eq!(
            classify_resource("https://localhost:4000/"),
            Some(Api::Both)
        );
        assert_eq!(classify_resource("https://management.azure.com"), None);
    }

    #[test]
    fn demo_certificate_parses() {
        let certs = trusted_certs(DEMO_CLIENT_PEM);
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].sha256.len(), 32);
    }
}
