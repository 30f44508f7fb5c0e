//! The report listings: Microsoft Graph `/{v1.0,beta}/auditLogs/{report}` and legacy
//! `/{tenant}/reports/{report}?api-version=beta`. The router authenticates the caller
//! and checks its budget ([`throttle`]); [`list`] answers in four steps, in the
//! service's order, each its own module:
//!
//! | step | module | from | to |
//! |---|---|---|---|
//! | validate | [`validate`] | the [`Listing`] and the caller | a [`ValidQuery`], or a [`Refusal`] |
//! | apply faults | [`inject`] | the valid query | a reply instead of the page, or the damage to do to it |
//! | select the page | [`page`] | the valid query | the page's records and the next page's cursor |
//! | render | [`render`] | the records and the cursor | the body |
//!
//! [`legacy`] has the legacy API's fixed documents.
//!
//! [`Listing`]: listing::Listing
//! [`ValidQuery`]: validate::ValidQuery
//! [`Refusal`]: listing::Refusal

mod inject;
pub(crate) mod legacy;
pub(crate) mod listing;
mod page;
mod render;
pub(crate) mod throttle;
mod validate;

use listing::Listing;

use crate::auth::bearer::Caller;
use crate::reply::{Reply, RequestIds};
use crate::state::State;
use crate::tenant::Tenant;

/// Answers a listing for an authenticated caller within its budget.
pub(crate) fn list(
    state: &State,
    tenant: &Tenant,
    req: &Listing<'_>,
    caller: &Caller,
    ids: &RequestIds,
) -> Reply {
    let query = match validate::query(&state.config, &tenant.store, req, caller) {
        Ok(query) => query,
        Err(refusal) => return req.refuse(&refusal, ids),
    };
    let settings = &state.config.faults;
    let damage = match inject::before_page(settings, &state.faults, req, &query.filter, ids) {
        Ok(damage) => damage,
        Err(instead) => return instead,
    };
    let page = page::select(&tenant.store, &query, settings.empty_pages);
    let body = render::body(
        &state.config,
        req,
        query.select.as_deref(),
        page.records,
        page.next.as_ref(),
    );
    let mut reply = Reply::graph_json(200, body);
    if req.api == crate::auth::Api::Legacy {
        // Graph answers get their ids in the handler, with the rest of Graph's headers.
        reply = reply
            .header("request-id", ids.request_id.clone())
            .header("client-request-id", ids.client_request_id.clone());
    }
    inject::damage(reply, damage)
}
