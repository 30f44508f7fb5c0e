//! `/_emulator/*`: what tests ask the emulator itself, outside the emulated services (no
//! authentication, no faults, no latency, not in the request log): the ground truth of a
//! report, the requests received, per-endpoint counts, and federated tokens on demand.

use bytes::Bytes;
use serde_json::json;

use crate::auth::{FEDERATION_AUDIENCE, FEDERATION_SUBJECT};
use crate::data::{Dataset, View};
use crate::reply::Reply;
use crate::state::State;
use crate::time::now_ticks;

/// Answers `/_emulator/{name}?{query}`.
pub(crate) fn answer(state: &State, name: &str, query: &str) -> Reply {
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let Some(tenant) = state.tenant_for_test(param("tenant")) else {
        return Reply::json(
            400,
            &json!({"error": "unknown tenant; use ?tenant=ID, a domain or a number from 1", "tenants": state.tenants().iter().map(|t| t.directory.tenant_id.as_str()).collect::<Vec<_>>()}),
        );
    };
    match name {
        "truth" => match param("report").and_then(Dataset::from_name) {
            Some(dataset) => {
                tenant.store.advance(dataset, now_ticks());
                let mut view = View::default_for(dataset);
                if let Some(version) = param("version") {
                    view.v1 = version == "v1.0";
                }
                view.prefer = param("prefer").is_some_and(|p| p == "1" || p == "true");
                Reply::bytes(
                    200,
                    "application/x-ndjson",
                    Bytes::from(tenant.store.truth(dataset, view)),
                )
            }
            None => Reply::json(
                400,
                &json!({"error": "unknown or missing report; use ?report=NAME", "reports": Dataset::ALL.iter().map(|d| d.name()).collect::<Vec<_>>()}),
            ),
        },
        "requests" => Reply::bytes(200, "application/x-ndjson", Bytes::from(state.log.ndjson())),
        "stats" => Reply::json(200, &state.log.stats()),
        "federated-token" => {
            let now = chrono::Utc::now().timestamp();
            let ttl = param("ttl").and_then(|t| t.parse().ok()).unwrap_or(3600);
            let token = tenant.directory.federated_token(
                param("subject").unwrap_or(FEDERATION_SUBJECT),
                param("audience").unwrap_or(FEDERATION_AUDIENCE),
                now,
                ttl,
            );
            Reply::bytes(200, "text/plain", Bytes::from(token))
        }
        _ => Reply::json(
            404,
            &json!({"error": format!("no test endpoint '/_emulator/{name}'")}),
        ),
    }
}
