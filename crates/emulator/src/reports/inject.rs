//! Step 2 of a listing: the injected faults. `--max-window` and the `--*-every N` knobs
//! either answer instead of the page, or damage the page once it is rendered. They come
//! after validation, so only requests that would otherwise succeed are counted, and a
//! client's invalid requests do not shift which request gets which fault.

use std::time::{Duration, SystemTime};

use bytes::Bytes;

use super::listing::Listing;
use super::throttle::{THROTTLED_CODE, throttled_message};
use crate::faults::{FaultSettings, Faults, Injected};
use crate::odata::filter::Filter;
use crate::reply::{Reply, RequestIds};

/// Counts the request and answers the fault it gets, if that fault replaces the page;
/// otherwise returns the fault that damages the rendered page (garble or truncate), if
/// any.
pub(crate) fn before_page(
    settings: &FaultSettings,
    faults: &Faults,
    req: &Listing<'_>,
    filter: &Filter,
    ids: &RequestIds,
) -> Result<Option<Injected>, Reply> {
    // The real service times out on broad queries; --max-window imitates that.
    if let Some(max) = settings.max_window {
        let too_wide = match (filter.lower, filter.upper) {
            (Some(lo), Some(hi)) => hi.saturating_sub(lo) >= max,
            _ => true,
        };
        if too_wide {
            return Err(req
                .error(
                    504,
                    "GatewayTimeout",
                    "The request timed out. Narrow the time range of the query.",
                    ids,
                )
                .fault("window"));
        }
    }
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let injected = faults.next(&crate::endpoint::endpoint("GET", &segments));
    match injected {
        Some(Injected::Throttle) => {
            let retry_after = if settings.retry_after_date {
                let wait = Duration::from_secs(settings.retry_after);
                let now = SystemTime::now();
                httpdate(now.checked_add(wait).unwrap_or(now))
            } else {
                settings.retry_after.to_string()
            };
            Err(req
                .error(429, THROTTLED_CODE, &throttled_message(ids), ids)
                .header("retry-after", retry_after)
                .fault("throttle"))
        }
        Some(Injected::Unavailable) => Err(req
            .error(
                503,
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
                ids,
            )
            .header("retry-after", "1")
            .fault("unavailable")),
        Some(Injected::Malformed) => {
            let body = Bytes::from_static(br#"{"@odata.context":"malformed","value":{"unexpected":"an object, not an array"}}"#);
            Err(Reply::graph_json(200, body).fault("malformed"))
        }
        Some(Injected::Timeout) => Err(req
            .error(
                504,
                "GatewayTimeout",
                "The gateway did not receive a response in time.",
                ids,
            )
            .fault("timeout")),
        damage @ (Some(Injected::Garble | Injected::Truncate) | None) => Ok(damage),
    }
}

/// The rendered page with the damage [`before_page`] chose.
pub(crate) fn damage(mut reply: Reply, injected: Option<Injected>) -> Reply {
    match injected {
        Some(Injected::Garble) => {
            // A complete, correctly framed response whose JSON stops halfway.
            reply.body = reply.body.slice(..reply.body.len() / 2);
            reply.fault("garble")
        }
        Some(Injected::Truncate) => {
            reply.truncate = true;
            reply.fault("truncate")
        }
        _ => reply,
    }
}

/// An HTTP date (RFC 9110 IMF-fixdate).
fn httpdate(t: SystemTime) -> String {
    let t: chrono::DateTime<chrono::Utc> = t.into();
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
