//! aad-emulator end to end: the binary on port 0, its token endpoints and errors,
//! the report APIs with paging and filters, fault injection, live mode, TLS.
//!
//! | module | what |
//! |---|---|
//! | `tokens` | token endpoints, assertions, managed identity, discovery |
//! | `reports` | paging, page sizes, filter boundaries, bad requests, refusals |
//! | `faults` | fault knobs, the rate limit, Retry-After, empty pages, gzip, latency |
//! | `process` | start-up, live mode, TLS, SIGTERM, `--dump`, in-process start |
//! | `robustness` | hostile numbers and tokens, and answering while busy |
//! | `tenants` | `--tenants`: several tenants, their data, budgets and env files |
//!
//! This file has the helpers they share.

mod faults;
mod process;
mod reports;
mod robustness;
pub(crate) mod tenants;
mod tokens;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::util::{Emulator, http_get, http_post_form};

const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

fn secret(emu: &Emulator) -> String {
    std::fs::read_to_string(emu.export("AAD_CLIENT_SECRET_FILE")).expect("secret file")
}

fn token_url(emu: &Emulator, v2: bool) -> String {
    let tenant = emu.export("AZURE_TENANT_ID");
    if v2 {
        format!("{}/{tenant}/oauth2/v2.0/token", emu.base_url)
    } else {
        format!("{}/{tenant}/oauth2/token?api-version=1.0", emu.base_url)
    }
}

/// A Graph token for the emulator's main application.
fn graph_token(emu: &Emulator) -> String {
    let secret = secret(emu);
    let (status, body) = http_post_form(
        &token_url(emu, true),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AZURE_CLIENT_ID")),
            ("client_secret", &secret),
            ("scope", GRAPH_SCOPE),
        ],
        &[],
    );
    assert_eq!(status, 200, "{body}");
    json_of(&body)["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("JWT payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("claims JSON")
}

fn get_with_token(url: &str, token: &str) -> (u16, Value) {
    let (status, body) = http_get(url, &[("Authorization", &format!("Bearer {token}"))]);
    (status, json_of(&body))
}

/// Follows nextLinks from `first`; returns every record and the number of pages.
fn drain(first: &str, token: &str) -> (Vec<Value>, usize) {
    let mut url = first.to_string();
    let mut records = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = get_with_token(&url, token);
        assert_eq!(status, 200, "{url}: {page}");
        pages += 1;
        records.extend(
            page["value"]
                .as_array()
                .expect("value array")
                .iter()
                .cloned(),
        );
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => return (records, pages),
        }
    }
}
