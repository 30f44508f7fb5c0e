//! How the token is obtained, once the settings are resolved: a client-credentials
//! request at a token endpoint, or a managed-identity request, with everything needed
//! to send it. [`crate::credential`] turns these into HTTP requests.

use std::path::PathBuf;

use aad_common::token::Secret;

use crate::cli::ClientAuth;

/// How the token is obtained.
#[derive(Debug)]
pub(crate) enum Source {
    /// The OAuth2 client-credentials grant at a token endpoint.
    ClientCredentials(ClientCredentials),
    /// A managed-identity endpoint.
    ManagedIdentity(ManagedIdentity),
}

/// A client-credentials request.
#[derive(Debug)]
pub(crate) struct ClientCredentials {
    /// The URL posted to.
    pub(crate) url: String,
    /// The URL without its query: the `aud` of client assertions.
    pub(crate) audience: String,
    /// `scope` or `resource`, when sent.
    pub(crate) target: Option<(&'static str, String)>,
    /// The application (client) id.
    pub(crate) client_id: String,
    /// What proves the client's identity; loaded once, sent with every attempt.
    pub(crate) credential: ClientCredential,
}

/// The credential of a client-credentials request.
#[derive(Debug)]
pub(crate) enum ClientCredential {
    /// A client secret, sent as form fields or with HTTP Basic.
    Secret(SecretSource, ClientAuth),
    /// A PEM certificate and key that sign a client assertion.
    Certificate(PathBuf),
    /// A federated token file used as the client assertion.
    Federated(PathBuf),
}

/// Where the client secret is.
#[derive(Debug)]
pub(crate) enum SecretSource {
    /// From `AZURE_CLIENT_SECRET`.
    Env(Secret),
    /// From a file, or stdin for `-`.
    File(PathBuf),
}

/// A managed-identity request.
#[derive(Debug)]
pub(crate) struct ManagedIdentity {
    /// The endpoint, without the query aad-token adds.
    pub(crate) endpoint: String,
    /// App Service (`IDENTITY_ENDPOINT`) or IMDS.
    pub(crate) flavor: ManagedFlavor,
    /// The resource the token is for.
    pub(crate) resource: String,
    /// A user-assigned identity's client id.
    pub(crate) client_id: Option<String>,
}

/// The managed-identity protocol.
#[derive(Debug)]
pub(crate) enum ManagedFlavor {
    /// App Service and Functions: `X-IDENTITY-HEADER`, api-version 2019-08-01.
    AppService {
        /// The value of `IDENTITY_HEADER`.
        header: Secret,
    },
    /// The Instance Metadata Service: `Metadata: true`, api-version 2018-02-01.
    Imds,
}
