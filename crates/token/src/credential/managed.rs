//! Managed identities: App Service (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`) and the
//! Instance Metadata Service.

use aad_common::service_error::ServiceError;

use crate::request::{Method, Request};
use crate::source::{ManagedFlavor, ManagedIdentity};

/// The GET request for a token.
pub(crate) fn request(identity: &ManagedIdentity) -> Request {
    let (api_version, header) = match &identity.flavor {
        ManagedFlavor::AppService { header } => (
            "2019-08-01",
            ("X-IDENTITY-HEADER", header.expose().to_string()),
        ),
        ManagedFlavor::Imds => ("2018-02-01", ("Metadata", "true".to_string())),
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("api-version", api_version);
    query.append_pair("resource", &identity.resource);
    if let Some(id) = &identity.client_id {
        query.append_pair("client_id", id);
    }
    let separator = if identity.endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    Request {
        method: Method::Get,
        url: format!("{}{separator}{}", identity.endpoint, query.finish()),
        headers: vec![header],
        form: Vec::new(),
    }
}

/// A hint for managed-identity refusals the service error table does not know.
pub(crate) fn hint(error: &ServiceError, identity: &ManagedIdentity) -> Option<String> {
    let message = error.message.as_deref().or(error.snippet.as_deref())?;
    if message.contains("Identity not found") {
        return Some(match &identity.client_id {
            Some(_) => "no user-assigned identity with this client id is assigned to this resource: check --client-id/AZURE_CLIENT_ID, or unset it for the system-assigned identity".to_string(),
            None => "this resource has no system-assigned identity: enable it, or pass a user-assigned identity's client id with --client-id".to_string(),
        });
    }
    if error.status == 401 && matches!(identity.flavor, ManagedFlavor::AppService { .. }) {
        return Some("the endpoint refused IDENTITY_HEADER: run inside the App Service or Functions host that set it".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use aad_common::token::Secret;

    use super::*;

    #[test]
    fn imds_request_has_api_version_resource_client_id_and_metadata_header() {
        let identity = ManagedIdentity {
            endpoint: "http://169.254.169.254/metadata/identity/oauth2/token".into(),
            flavor: ManagedFlavor::Imds,
            resource: "https://graph.microsoft.com".into(),
            client_id: Some("u-1".into()),
        };
        let r = request(&identity);
        assert_eq!(
            r.url,
            "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fgraph.microsoft.com&client_id=u-1"
        );
        assert_eq!(r.headers[0].0, "Metadata");
        assert_eq!(r.headers[0].1, "true");
    }

    #[test]
    fn app_service_endpoint_with_a_query_gets_more_parameters() {
        let identity = ManagedIdentity {
            endpoint: "http://127.0.0.1:41741/MSI/token/?x=1".into(),
            flavor: ManagedFlavor::AppService {
                header: Secret::new("h"),
            },
            resource: "r".into(),
            client_id: None,
        };
        let r = request(&identity);
        assert_eq!(
            r.url,
            "http://127.0.0.1:41741/MSI/token/?x=1&api-version=2019-08-01&resource=r"
        );
        assert_eq!(r.headers[0].0, "X-IDENTITY-HEADER");
    }
}
