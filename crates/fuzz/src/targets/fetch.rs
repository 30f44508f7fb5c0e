//! aad-fetch: the page parser, next-link handling and the state-file loader.

use super::json;
use crate::target::{Target, outcome, signature, text, two_parts};
use aad_fetch::fuzzing::{load_state, lookahead_link, origin, parse_page, resolve_link};

/// The URL pages are taken to come from.
const PAGE_URL: &str = "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$top=2&$filter=activityDateTime%20ge%202026-11-28T00:00:00Z";

pub(super) const PAGE: Target = Target {
    name: "fetch-page",
    about: "aad-fetch's page parser: records, one-line records, the next link, the lookahead",
    run: run_page,
    words: &[
        b"{\"value\":[",
        b"]}",
        b"\"@odata.nextLink\":\"",
        b"\"odata.nextLink\":\"",
        b"https://graph.microsoft.com/v1.0/x?$skiptoken=a",
        b"https://evil.example/",
        b"//evil.example/x",
        b"/v1.0/auditLogs?$skiptoken=",
        b"?api-version=1.6",
        b"\"@odata.context\":\"c\",",
        b"{\"id\":\"1\"}",
        b"\n  ",
        b"#frag",
        b"user:pass@",
    ],
};

pub(super) const NEXT_LINK: Target = Target {
    name: "fetch-next-link",
    about: "aad-fetch's next-link resolution and same-origin check (page URL, newline, link)",
    run: run_next_link,
    words: &[
        b"https://",
        b"http://",
        b"graph.microsoft.com",
        b":443",
        b":80",
        b":8443",
        b"[::1]",
        b"127.0.0.1",
        b"@",
        b"user:pass@",
        b"/",
        b"//",
        b"../",
        b"./",
        b"?",
        b"#",
        b"%2F",
        b"%",
        b"$skiptoken=",
        b" ",
        b"\\",
        b"HTTPS://GRAPH.MICROSOFT.COM",
        b"xn--",
        b"\xc3\xa9",
    ],
};

pub(super) const STATE: Target = Target {
    name: "fetch-state",
    about: "aad-fetch's --state loader (snapshot and journal); what loads re-saves to what loads equal",
    run: run_state,
    words: &[
        b"{\"version\":2,\"query\":",
        b"{\"version\":1,\"query\":\"q\"}",
        b"\"checkpoint\":\"2026-11-28T00:00:00.0000000Z\"",
        b"\"span\":\"1d\"",
        b"\"output\":{",
        b"\"emitted\":[",
        b"\"chain\":{",
        b"\"frontier\":",
        b"\"ties\":[\"00000000000000ff\"]",
        b"\"ordered\":true",
        b"{\"page\":{",
        b"{\"done\":{",
        b"\"hash\":\"",
        b"\n",
    ],
};

fn run_page(data: &[u8]) -> u64 {
    let legacy = data.first().is_some_and(|b| b % 2 == 1).then_some("1.6");
    let parsed = parse_page(data, PAGE_URL, legacy);
    let look = lookahead_link(data);
    if let Ok(page) = &parsed {
        // Invalid UTF-8 where the parser only skips (an unknown key's value) is let
        // through; the records themselves must be UTF-8, which the comparison checks.
        let text = String::from_utf8_lossy(data);
        let entries = json::entries(text.as_bytes()).expect("an accepted page is a JSON object");
        let value = entries
            .iter()
            .find(|(k, _)| k == "value")
            .expect("an accepted page has 'value'");
        let elements =
            json::elements(value.1.get()).expect("an accepted page's 'value' is an array");
        assert_eq!(
            page.records.len(),
            elements.len(),
            "records of {:?}",
            String::from_utf8_lossy(data)
        );
        for (record, element) in page.records.iter().zip(&elements) {
            assert!(
                !record.contains(&b'\n'),
                "a record spans lines: {:?}",
                String::from_utf8_lossy(record)
            );
            assert_eq!(
                json::compact(record),
                json::compact(element.get().as_bytes()),
                "a record changed on its way to one line"
            );
        }
        if let Ok(Some(link)) = &page.next {
            assert_eq!(
                origin(link),
                origin(PAGE_URL),
                "followed {link:?} off the page's origin"
            );
        }
    }
    let next = parsed.as_ref().map(|p| match &p.next {
        Ok(Some(_)) => "next",
        Ok(None) => "last",
        Err(_) => "refused link",
    });
    signature([
        outcome(&parsed),
        next.unwrap_or("-"),
        if look.is_some() { "look" } else { "-" },
    ])
}

fn run_next_link(data: &[u8]) -> u64 {
    let (url, link) = two_parts(data);
    // Most inputs keep a real page URL: the link is what a server controls.
    let url = if data.len().is_multiple_of(4) {
        text(url)
    } else {
        PAGE_URL.to_string()
    };
    let link = text(link);
    let resolved = resolve_link(&url, &link);
    if let Ok(next) = &resolved {
        let here = origin(&url);
        assert!(
            here.is_some(),
            "a link was resolved against {url:?}, which has no origin"
        );
        assert_eq!(
            origin(next),
            here,
            "{link:?} from {url:?} was followed to {next:?}"
        );
        assert!(
            !next.contains(['\n', '\r', ' ']),
            "a followed link holds white space: {next:?}"
        );
    }
    signature([outcome(&resolved)])
}

fn run_state(data: &[u8]) -> u64 {
    let loaded = load_state(data);
    if let Ok(saved) = &loaded {
        let again = load_state(saved);
        assert_eq!(
            again.as_ref(),
            Ok(saved),
            "the state re-saved as {:?} loads differently",
            String::from_utf8_lossy(saved)
        );
    }
    signature([outcome(&loaded.map(|_| ()))])
}
