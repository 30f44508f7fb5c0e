//! A listing request as the steps of [`super`] share it, and the error shape of the API
//! it was made to.

use crate::auth::Api;
use crate::data::Dataset;
use crate::odata::QueryOptions;
use crate::reply::{Reply, RequestIds};

/// A listing request after routing and authentication.
pub(crate) struct Listing<'a> {
    pub api: Api,
    /// Graph v1.0 rather than beta: v1.0 renders some records without beta's fields.
    pub v1: bool,
    /// The request sent `Prefer: include-unknown-enum-members`.
    pub prefer: bool,
    /// The dataset the path names (sign-ins: the interactive one; the filter may pick
    /// another kind).
    pub dataset: Dataset,
    /// The path without the query, which next links repeat.
    pub path: &'a str,
    pub query: QueryOptions,
    /// `scheme://host[:port]` as the client addressed the emulator: links point back there.
    pub base: &'a str,
    /// The legacy API's tenant segment as the client wrote it (for `@odata.context`).
    pub path_tenant: &'a str,
    /// The last path segment as the client wrote it (for `@odata.context`).
    pub segment: &'a str,
}

impl Listing<'_> {
    /// An error reply in this API's shape.
    pub(crate) fn error(&self, status: u16, code: &str, message: &str, ids: &RequestIds) -> Reply {
        api_error(self.api, status, code, message, ids)
    }

    /// The reply to a refused listing.
    pub(crate) fn refuse(&self, refusal: &Refusal, ids: &RequestIds) -> Reply {
        let mut reply = self.error(refusal.status, refusal.code, &refusal.message, ids);
        reply.reason.clone_from(&refusal.reason);
        reply
    }
}

/// Why a listing was refused before any record was read, as the service words it.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// Why, where the service's message does not say (for the request log).
    pub reason: Option<String>,
}

impl Refusal {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            reason: None,
        }
    }

    pub(crate) fn because(mut self, reason: impl Into<String>) -> Refusal {
        self.reason = Some(reason.into());
        self
    }
}

/// Microsoft Graph and the legacy Azure AD Graph word the same error differently.
pub(crate) fn api_error(
    api: Api,
    status: u16,
    code: &str,
    message: &str,
    ids: &RequestIds,
) -> Reply {
    match api {
        Api::Legacy => Reply::legacy_error(status, code, message, ids),
        _ => Reply::graph_error(status, code, message, ids),
    }
}
