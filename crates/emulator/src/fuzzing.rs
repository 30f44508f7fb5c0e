//! What the fuzz targets of `aad-fuzz` reach inside the emulator. Built only with the
//! `fuzzing` feature, which only aad-fuzz enables, so the emulator's public surface
//! stays as it is; each function is a thin door to the code a request runs through.

use crate::data::{Dataset, SignInType};
use crate::odata::filter::{self, Schema};
use crate::odata::{Cursor, QueryOptions, graph_next_query, next_query};
use crate::time::TICKS_PER_SECOND;

/// Every list a `$filter` is checked against, as `(name, schema)`; Graph's sign-ins
/// in both versions.
fn schemas() -> Vec<(&'static str, Schema)> {
    let at = |dataset, v1| Schema {
        dataset,
        v1,
        // The retention window starts 2020-01-01 (1_577_836_800 s after the epoch).
        oldest: 1_577_836_800 * TICKS_PER_SECOND,
    };
    vec![
        ("directoryAudits", at(Dataset::DirectoryAudits, true)),
        (
            "signIns v1.0",
            at(Dataset::SignIns(SignInType::InteractiveUser), true),
        ),
        (
            "signIns beta",
            at(Dataset::SignIns(SignInType::ServicePrincipal), false),
        ),
        ("provisioning", at(Dataset::Provisioning, false)),
        ("auditEvents", at(Dataset::AuditEvents, false)),
        ("signinEvents", at(Dataset::SigninEvents, false)),
    ]
}

/// `$filter` parsed and checked against each list: per list, accepted or the reason it
/// was refused.
pub fn parse_filter(text: &str) -> Vec<(&'static str, Result<(), String>)> {
    schemas()
        .into_iter()
        .map(|(name, schema)| {
            let parsed = filter::parse(text, &schema).map(|f| {
                // Reached by every accepted filter before a listing.
                let _ = f.is_empty_window();
            });
            (name, parsed.map_err(|e| e.reason))
        })
        .collect()
}

/// A `$skiptoken` as the listing reads it: the token the emulator would write for the
/// same position, or `None` when it is not a token.
pub fn decode_skiptoken(token: &str) -> Option<String> {
    Cursor::decode(token).map(|cursor| cursor.encode())
}

/// A request's query string as the listing reads it: the options it keeps (to rebuild
/// links) and its `$skiptoken`.
pub fn parse_query(raw: &str) -> (Vec<(String, String)>, Option<String>) {
    let options = QueryOptions::parse(raw);
    (options.kept, options.skiptoken)
}

/// The query parts of the next links the emulator writes for `kept` and `token`:
/// Graph's own layout, then the plain and the strict relative-link encodings.
pub fn next_queries(kept: &[(String, String)], token: &str) -> [String; 3] {
    [
        graph_next_query(kept, token),
        next_query(kept, token, false),
        next_query(kept, token, true),
    ]
}
