//! aad-emulator: the `$filter` parser (against every list's schema) and the
//! `$skiptoken` and query-string handling its next links go through.

use aad_emulator::fuzzing::{decode_skiptoken, next_queries, parse_filter, parse_query};

use crate::target::{Target, outcome, signature, text};

pub(super) const FILTER: Target = Target {
    name: "emulator-filter",
    about: "the emulator's $filter parser, checked against every list's schema",
    run: run_filter,
    words: &[
        b" eq ",
        b" ne ",
        b" ge ",
        b" le ",
        b" gt ",
        b" lt ",
        b" and ",
        b" or ",
        b"not ",
        b"(",
        b")",
        b"'",
        b"''",
        b"activityDateTime",
        b"createdDateTime",
        b"eventTime",
        b"signinDateTime",
        b"2026-11-28T10:00:00Z",
        b"2026-11-28",
        b"startswith(",
        b"contains(",
        b"any(t: t eq ",
        b"signInEventTypes/any(t: t eq 'servicePrincipal')",
        b"targetResources/any(t: t/id eq 'x')",
        b"userPrincipalName",
        b"status/errorCode",
        b"/",
        b",",
        b"true",
        b"null",
    ],
};

pub(super) const SKIPTOKEN: Target = Target {
    name: "emulator-skiptoken",
    about: "the emulator's $skiptoken decoder and the query strings of the next links it writes",
    run: run_skiptoken,
    words: &[
        b"$skiptoken=",
        b"$filter=",
        b"$top=",
        b"&",
        b"=",
        b"%24",
        b"%",
        b"+",
        b"%2B",
        b"eyJ",
        b"WzAs",
        b"api-version=1.6",
        b"$orderby=",
        b"$select=",
        b"&&",
        b"#",
    ],
};

fn run_filter(data: &[u8]) -> u64 {
    let results = parse_filter(&text(data));
    signature(results.iter().map(|(_, r)| outcome(r)))
}

fn run_skiptoken(data: &[u8]) -> u64 {
    let raw = text(data);
    let token = decode_skiptoken(&raw);
    if let Some(token) = &token {
        assert_eq!(
            decode_skiptoken(token).as_ref(),
            Some(token),
            "the token {raw:?} re-encoded as {token:?} reads differently"
        );
    }
    let (kept, skiptoken) = parse_query(&raw);
    // The links the emulator writes for these options read back as the same options.
    // (Graph's own layout puts `$filter`, `$top` and `$orderby` first: order aside.)
    let mut sorted = kept.clone();
    sorted.sort();
    for query in next_queries(&kept, "TOKEN") {
        let (mut again, token_again) = parse_query(&query);
        again.sort();
        assert_eq!(again, sorted, "the options of {raw:?} written as {query:?}");
        assert_eq!(
            token_again.as_deref(),
            Some("TOKEN"),
            "the token of {query:?}"
        );
    }
    signature([
        if token.is_some() { "token" } else { "-" },
        if skiptoken.is_some() {
            "skiptoken"
        } else {
            "-"
        },
    ])
}
