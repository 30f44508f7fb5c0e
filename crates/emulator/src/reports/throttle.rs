//! The 429 a caller over its `--rate-limit` budget gets, checked after authentication and
//! before the listing, as the service does.

use std::time::Instant;

use super::listing::api_error;
use crate::auth::Api;
use crate::auth::bearer::Caller;
use crate::budget::Budget;
use crate::reply::{Reply, RequestIds};

/// The code of the reports' 429 (Microsoft's troubleshooting guide and captures of
/// 2020 to 2022), also sent with the injected ones of `--throttle-every`.
pub(crate) const THROTTLED_CODE: &str = "UnknownError";

/// The reports' 429 message; it ends with a correlation id.
pub(crate) fn throttled_message(ids: &RequestIds) -> String {
    format!(
        "This request is throttled. Please try again after the value (in seconds) specified in the Retry-After header. CorrelationId: {}",
        ids.request_id
    )
}

/// The reply when `caller` is over its budget; `None` admits the request (and counts it
/// at `received`, when it arrived).
pub(crate) fn over_budget(
    budget: &Budget,
    api: Api,
    caller: &Caller,
    ids: &RequestIds,
    received: Instant,
) -> Option<Reply> {
    let wait = budget.admit(&caller.client_id, received).err()?;
    // Whole seconds, rounded up: a client that waits exactly Retry-After is admitted.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let (code, message) = match api {
        Api::Legacy => (
            "Request_ThrottledTemporarily",
            "Your request is throttled temporarily. Please try after the value specified in the Retry-After header.".to_string(),
        ),
        _ => (THROTTLED_CODE, throttled_message(ids)),
    };
    Some(
        api_error(api, 429, code, &message, ids)
            .header("retry-after", seconds.max(1).to_string())
            .fault("rate-limit"),
    )
}
