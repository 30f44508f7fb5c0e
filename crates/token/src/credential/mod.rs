//! Getting a token: each credential kind becomes a request, the request is sent (with
//! brief retries), the answer is read.
//!
//! | module | what |
//! |---|---|
//! | [`secret`] | client secrets: form fields or HTTP Basic |
//! | [`certificate`] | PS256 client assertions signed with a PEM certificate's key |
//! | [`workload`] | federated token files |
//! | [`managed`] | managed-identity endpoints (App Service, IMDS) |

mod certificate;
mod managed;
mod secret;
mod workload;

use std::time::Duration;

use aad_common::service_error::{ServiceError, aadsts_hint};
use aad_common::token::AccessToken;
use aad_common::{Error, Result};
use aad_http::{Compression, HttpOptions, agent};

use crate::cli::ClientAuth;
use crate::log::Log;
use crate::request::{self, Method, Reply, Request};
use crate::response;
use crate::settings::Settings;
use crate::source::{ClientCredential, ClientCredentials, ManagedIdentity, Source};

/// `client_assertion_type` for JWT client assertions (RFC 7523).
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Gets a token as the settings say.
pub(crate) fn acquire(settings: &Settings, log: &Log) -> Result<AccessToken> {
    log.verbose(format_args!("credential: {}", settings.origin));
    let tenant = settings.tenant.as_deref();
    match &settings.source {
        Source::ClientCredentials(request) => {
            let options = http_options(settings, Duration::from_secs(10));
            let agent = agent(&options, &[&request.url])?;
            client_credentials(request, &agent, log, tenant)
        }
        Source::ManagedIdentity(identity) => {
            // IMDS is a local service: a connection that takes long will not succeed.
            let options = http_options(settings, Duration::from_secs(3));
            let agent = agent(&options, &[&identity.endpoint])?;
            managed_identity(identity, &agent, log, tenant)
        }
    }
}

fn http_options(settings: &Settings, connect: Duration) -> HttpOptions {
    HttpOptions {
        ca_cert: settings.ca_cert.clone(),
        user_agent: format!("{}/{}", crate::NAME, env!("CARGO_PKG_VERSION")),
        connect_timeout: Some(connect),
        response_timeout: Some(Duration::from_secs(30)),
        compression: Compression::Auto,
    }
}

/// What a loaded credential is, ready to go into each attempt's request.
enum Loaded {
    Secret(aad_common::token::Secret, ClientAuth),
    Certificate(Box<certificate::Signer>),
    Federated(std::path::PathBuf),
}

fn client_credentials(
    c: &ClientCredentials,
    agent: &ureq::Agent,
    log: &Log,
    tenant: Option<&str>,
) -> Result<AccessToken> {
    // Read once: a secret and a key do not change between attempts.
    let loaded = match &c.credential {
        ClientCredential::Secret(source, auth) => Loaded::Secret(secret::load(source)?, *auth),
        ClientCredential::Certificate(path) => {
            Loaded::Certificate(Box::new(certificate::Signer::load(path)?))
        }
        ClientCredential::Federated(path) => Loaded::Federated(path.clone()),
    };
    const WHAT: &str = "the token endpoint";
    let reply = request::send(agent, log, request::TOKEN_ENDPOINT, WHAT, || {
        let mut form = vec![("grant_type", "client_credentials".to_string())];
        let mut headers = Vec::new();
        let assertion = match &loaded {
            Loaded::Secret(secret, ClientAuth::Form) => {
                form.push(("client_id", c.client_id.clone()));
                form.push(("client_secret", secret.expose().to_string()));
                None
            }
            Loaded::Secret(secret, ClientAuth::Basic) => {
                let authorization = secret::basic_authorization(&c.client_id, secret);
                headers.push(("Authorization", authorization.expose().to_string()));
                None
            }
            Loaded::Certificate(signer) => {
                Some(signer.assertion(&c.client_id, &c.audience, now())?)
            }
            Loaded::Federated(path) => Some(workload::read(path)?.expose().to_string()),
        };
        if let Some(assertion) = assertion {
            form.push(("client_id", c.client_id.clone()));
            form.push(("client_assertion_type", JWT_BEARER.to_string()));
            form.push(("client_assertion", assertion));
        }
        if let Some((name, value)) = &c.target {
            form.push((name, value.clone()));
        }
        Ok(Request {
            method: Method::Post,
            url: c.url.clone(),
            headers,
            form,
        })
    })?;
    if !is_success(&reply) {
        let error = ServiceError::from_body(reply.status, &reply.body, reply.request_id.as_deref());
        let hint = oauth_hint(&error);
        return Err(refused("token endpoint", &reply, &error, hint));
    }
    response::parse(&reply.body, now(), WHAT, tenant)
}

fn managed_identity(
    identity: &ManagedIdentity,
    agent: &ureq::Agent,
    log: &Log,
    tenant: Option<&str>,
) -> Result<AccessToken> {
    const WHAT: &str = "the managed identity endpoint";
    let reply = request::send(agent, log, request::MANAGED_IDENTITY, WHAT, || {
        Ok(managed::request(identity))
    })?;
    if !is_success(&reply) {
        let error = ServiceError::from_body(reply.status, &reply.body, reply.request_id.as_deref());
        let hint = managed::hint(&error, identity).or_else(|| oauth_hint(&error));
        return Err(refused("managed identity endpoint", &reply, &error, hint));
    }
    response::parse(&reply.body, now(), WHAT, tenant)
}

/// The hint for a refusal: by AADSTS code, else by the RFC 6749 §5.2 error code
/// (third-party servers have no AADSTS codes). Graph API hints do not apply here.
fn oauth_hint(error: &ServiceError) -> Option<String> {
    if let Some(hint) = error.aadsts.iter().find_map(|code| aadsts_hint(*code)) {
        return Some(hint.to_string());
    }
    let hint = match error.code.as_deref()? {
        "invalid_client" => {
            "the server did not accept the client credentials: check the client id and the secret or certificate"
        }
        "unauthorized_client" => {
            "this client may not use the client-credentials grant: check its registration on the server"
        }
        "invalid_scope" => "the server does not accept this scope: check --scope or --resource",
        _ => return None,
    };
    Some(hint.to_string())
}

fn is_success(reply: &Reply) -> bool {
    (200..300).contains(&reply.status)
}

/// `<what> refused the request (HTTP 401 invalid_client: AADSTS7000215: ...)` + hint.
fn refused(what: &str, reply: &Reply, error: &ServiceError, hint: Option<String>) -> Error {
    let err = Error::auth(format!("{what} refused the request")).with_source(error.summary());
    if (300..400).contains(&reply.status) {
        let to = reply.location.as_deref().unwrap_or("elsewhere");
        return err.with_hint(format!(
            "it redirected to {}, and redirects are not followed (they could carry the credential elsewhere): check --authority-host or --token-url",
            aad_common::sanitize::redact_url(to)
        ));
    }
    err.with_optional_hint(hint)
}

/// Now, epoch seconds.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
