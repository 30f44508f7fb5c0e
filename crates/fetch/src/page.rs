//! A page: its records as byte ranges of the body, and where the next page is.
//!
//! The body is parsed once with `RawValue`, so each record is the exact text the server
//! sent; every record must be a JSON object, or the page is malformed. The next link is
//! resolved against the page's own URL (RFC 3986) and must stay on the same scheme, host
//! and port: the bearer token never leaves its host. Links in messages are shown with
//! their user information and secret query values redacted.

use std::borrow::Cow;
use std::ops::Range;

use aad_common::sanitize::redact_url;
use iri_string::types::{UriAbsoluteStr, UriReferenceStr};
use serde::Deserialize;
use serde_json::value::RawValue;

/// One parsed page.
#[derive(Debug)]
pub(crate) struct Page {
    /// The body as received (decompressed).
    pub(crate) body: Vec<u8>,
    /// Each record's bytes within `body`.
    pub(crate) records: Vec<Range<usize>>,
    /// The next page's absolute URL, checked; an error when the link must not be
    /// followed (the page itself is still good).
    pub(crate) next: Result<Option<String>, PageError>,
}

/// Why a body is not a page.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    /// Not JSON (often a cut-off body): worth retrying.
    #[error("the page is not valid JSON: {0}")]
    Unparsable(serde_json::Error),
    /// JSON, but not a page: retrying will not help.
    #[error("the page is JSON but not a report page: {0}")]
    Shape(String),
    /// A record that is not a JSON object: the page is malformed.
    #[error("the page is malformed: its record value[{index}] is {kind}, not a JSON object")]
    NotAnObject { index: usize, kind: &'static str },
    /// The next link leaves the host the token is for (the link as shown, redacted).
    #[error("refusing to follow a nextLink to another scheme, host or port: '{0}'")]
    ForeignLink(String),
    /// The next link is not a URI reference (the link as shown, redacted).
    #[error("the nextLink is not a valid URI reference: '{0}'")]
    BadLink(String),
}

#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(borrow)]
    value: Option<Vec<&'a RawValue>>,
    #[serde(rename = "@odata.nextLink", borrow)]
    next: Option<Cow<'a, str>>,
    #[serde(rename = "odata.nextLink", borrow)]
    legacy_next: Option<Cow<'a, str>>,
}

impl Page {
    /// Parses `body`, fetched from `url`. `keep_api_version` (legacy reports) puts the
    /// first request's `api-version` back on a link that lacks it.
    pub(crate) fn parse(
        body: Vec<u8>,
        url: &str,
        keep_api_version: Option<&str>,
    ) -> Result<Page, PageError> {
        let (records, next) = {
            let doc: Doc<'_> = serde_json::from_slice(&body).map_err(|e| {
                if e.is_data() {
                    PageError::Shape(e.to_string())
                } else {
                    PageError::Unparsable(e)
                }
            })?;
            let items = doc
                .value
                .ok_or_else(|| PageError::Shape("it has no 'value' array".to_string()))?;
            if let Some((index, raw)) = items
                .iter()
                .enumerate()
                .find(|(_, raw)| !raw.get().starts_with('{'))
            {
                let kind = json_kind(raw.get());
                return Err(PageError::NotAnObject { index, kind });
            }
            let base = body.as_ptr() as usize;
            let records = items
                .iter()
                .map(|raw| {
                    let start = raw.get().as_ptr() as usize - base;
                    start..start + raw.get().len()
                })
                .collect();
            let next = doc
                .next
                .or(doc.legacy_next)
                .map(|link| resolve(url, &link, keep_api_version))
                .transpose();
            (records, next)
        };
        Ok(Page {
            body,
            records,
            next,
        })
    }

    /// The record at `index` on one line: byte-exact, or compacted when the server
    /// spread it over several lines.
    pub(crate) fn record<'a>(&'a self, range: &Range<usize>, scratch: &'a mut Vec<u8>) -> &'a [u8] {
        one_line(&self.body[range.clone()], scratch)
    }
}

/// What kind of JSON value `raw` (valid JSON, no leading white space) is, for messages.
fn json_kind(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// Valid JSON on one line: `raw` itself, or compacted into `scratch` when it spans lines.
/// (A raw line break in valid JSON can only be white space between tokens.)
pub(crate) fn one_line<'a>(raw: &'a [u8], scratch: &'a mut Vec<u8>) -> &'a [u8] {
    if !raw.iter().any(|&b| b == b'\n' || b == b'\r') {
        return raw;
    }
    scratch.clear();
    compact(raw, scratch);
    scratch
}

/// What the start of a page says about its next link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookahead {
    /// A next link came before `value`, as Microsoft Graph writes pages.
    Next(String),
    /// Nothing conclusive before `value` (no link, or a link after the records): only
    /// a full parse tells.
    Unknown,
}

/// Reads the page's top-level keys up to `value` with the JSON parser, without
/// touching the records, so the next request can go out while the records are parsed
/// elsewhere. The full parse still decides whether the page is good.
pub(crate) fn lookahead(body: &[u8]) -> Lookahead {
    use serde::Deserializer as _;
    use serde::de::{IgnoredAny, MapAccess, Visitor};

    struct Probe<'s> {
        link: &'s mut Option<String>,
        reached_value: &'s mut bool,
    }
    impl<'de> Visitor<'de> for Probe<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a page object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                match key.as_ref() {
                    // Stop here: the parser will complain that the object did not end,
                    // which is expected and ignored.
                    "value" => {
                        *self.reached_value = true;
                        return Ok(());
                    }
                    "@odata.nextLink" | "odata.nextLink" => {
                        *self.link = Some(map.next_value::<Cow<'de, str>>()?.into_owned());
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }

    let (mut link, mut reached_value) = (None, false);
    let mut de = serde_json::Deserializer::from_slice(body);
    let _ = (&mut de).deserialize_map(Probe {
        link: &mut link,
        reached_value: &mut reached_value,
    });
    match (reached_value, link) {
        (true, Some(link)) => Lookahead::Next(link),
        _ => Lookahead::Unknown,
    }
}

/// Resolves a next link against the page URL and checks it stays on the same origin.
pub(crate) fn resolve(
    page_url: &str,
    link: &str,
    keep_api_version: Option<&str>,
) -> Result<String, PageError> {
    let base = UriAbsoluteStr::new(page_url.split('#').next().unwrap_or(page_url))
        .map_err(|_| PageError::BadLink(redact_url(page_url)))?;
    let link = encode_stray_characters(link.trim());
    let reference =
        UriReferenceStr::new(&link).map_err(|_| PageError::BadLink(redact_url(&link)))?;
    let resolved = reference.resolve_against(base).to_string();
    // Both must have an origin: two URLs without one (no `scheme://host`) are not the
    // same host.
    match (origin(&resolved), origin(page_url)) {
        (Some(there), Some(here)) if there == here => {}
        _ => return Err(PageError::ForeignLink(redact_url(&resolved))),
    }
    Ok(match keep_api_version {
        Some(version) => with_api_version(&resolved, version),
        None => resolved,
    })
}

/// Percent-encodes the characters a URI may not contain (spaces, quotes, `<>{}|\\^` and
/// non-ASCII), which some servers leave raw in their links; a valid link is unchanged.
fn encode_stray_characters(link: &str) -> Cow<'_, str> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b);
    if link.bytes().all(allowed) {
        return Cow::Borrowed(link);
    }
    let mut out = String::with_capacity(link.len() + 16);
    for b in link.bytes() {
        if allowed(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Cow::Owned(out)
}

/// `scheme://host:port`, lowercased, with the default port made explicit.
pub(crate) fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_ascii_lowercase();
    let has_port = authority.rsplit_once(':').is_some_and(|(_, p)| {
        !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && !authority.ends_with(']')
    });
    let authority = if has_port {
        authority
    } else {
        format!("{authority}:{}", if scheme == "https" { 443 } else { 80 })
    };
    Some(format!("{scheme}://{authority}"))
}

/// The URL with exactly one `api-version` parameter.
fn with_api_version(url: &str, version: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let mut seen = false;
    let mut parts: Vec<String> = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        if part.split('=').next() == Some("api-version") {
            if seen {
                continue;
            }
            seen = true;
        }
        parts.push(part.to_string());
    }
    if !seen {
        parts.insert(0, format!("api-version={version}"));
    }
    format!("{path}?{}", parts.join("&"))
}

/// Removes the white space between JSON tokens; the tokens stay byte-exact. The input
/// is valid JSON (it came out of the parser), so a quote always opens or closes a string.
fn compact(raw: &[u8], out: &mut Vec<u8>) {
    let mut in_string = false;
    let mut escaped = false;
    for &b in raw {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            if b == b'"' {
                in_string = true;
            }
            out.push(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$top=2";

    #[test]
    fn records_are_byte_exact_ranges() {
        let body = br#"{"@odata.context":"x","@odata.nextLink":"https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$skiptoken=a","value":[{"id":"1","n":1.50},{"id":"\u00e9"}]}"#.to_vec();
        let page = Page::parse(body, URL, None).unwrap();
        let mut scratch = Vec::new();
        let texts: Vec<String> = page
            .records
            .iter()
            .map(|r| String::from_utf8(page.record(r, &mut scratch).to_vec()).unwrap())
            .collect();
        assert_eq!(texts, vec![r#"{"id":"1","n":1.50}"#, r#"{"id":"\u00e9"}"#]);
        assert_eq!(
            page.next.unwrap().as_deref(),
            Some("https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?$skiptoken=a")
        );
    }

    #[test]
    fn multi_line_records_are_compacted_not_reformatted() {
        let body = b"{\"value\": [\n  {\n    \"id\": \"a b\",\n    \"n\": 1.50e0,\n    \"s\": \"x\\\" y\"\n  }\n]}".to_vec();
        let page = Page::parse(body, URL, None).unwrap();
        let mut scratch = Vec::new();
        assert_eq!(
            page.record(&page.records[0], &mut scratch),
            br#"{"id":"a b","n":1.50e0,"s":"x\" y"}"#
        );
        assert!(page.next.unwrap().is_none());
    }

    #[test]
    fn relative_links_resolve_per_rfc_3986() {
        let body =
            br#"{"value":[],"odata.nextLink":"directoryAudits?%24skiptoken=X%27AB%27"}"#.to_vec();
        let page = Page::parse(body, URL, None).unwrap();
        assert_eq!(
            page.next.unwrap().as_deref(),
            Some(
                "https://graph.microsoft.com/v1.0/auditLogs/directoryAudits?%24skiptoken=X%27AB%27"
            )
        );
        let body = br#"{"value":[],"@odata.nextLink":"/v1.0/x?y=1"}"#.to_vec();
        assert_eq!(
            Page::parse(body, URL, None)
                .unwrap()
                .next
                .unwrap()
                .as_deref(),
            Some("https://graph.microsoft.com/v1.0/x?y=1")
        );
    }

    #[test]
    fn sloppy_links_with_raw_spaces_are_encoded_not_refused() {
        let body = r#"{"value":[],"@odata.nextLink":"https://graph.microsoft.com/v1.0/x?$filter=a eq 'b c'&$skiptoken=é"}"#;
        assert_eq!(
            Page::parse(body.as_bytes().to_vec(), URL, None)
                .unwrap()
                .next
                .unwrap()
                .as_deref(),
            Some("https://graph.microsoft.com/v1.0/x?$filter=a%20eq%20'b%20c'&$skiptoken=%C3%A9")
        );
    }

    #[test]
    fn links_between_urls_without_an_origin_are_refused() {
        // Found by aad-fuzz (fetch-next-link): neither "h:82" nor what a link resolves
        // to against it has a `scheme://host`, and two missing origins compared equal.
        for (page, link) in [("h:82", ""), ("urn:a", "b"), ("mailto:x@y", "?q")] {
            assert!(
                matches!(resolve(page, link, None), Err(PageError::ForeignLink(_))),
                "{page} {link}"
            );
        }
    }

    #[test]
    fn foreign_links_are_refused() {
        for link in [
            "https://evil.example/v1.0/x",
            "http://graph.microsoft.com/v1.0/x",
            "https://graph.microsoft.com:8443/x",
            "//evil.example/x",
        ] {
            let body = format!(r#"{{"value":[],"@odata.nextLink":"{link}"}}"#).into_bytes();
            assert!(
                matches!(
                    Page::parse(body, URL, None).unwrap().next,
                    Err(PageError::ForeignLink(_))
                ),
                "{link}"
            );
        }
        let body =
            br#"{"value":[],"@odata.nextLink":"https://graph.microsoft.com:443/v1.0/x"}"#.to_vec();
        assert!(
            Page::parse(body, URL, None).unwrap().next.is_ok(),
            "the default port spelled out is the same origin"
        );
    }

    #[test]
    fn legacy_links_keep_api_version_once() {
        let base = "https://graph.windows.net/contoso.com/reports/auditEvents?api-version=beta";
        let body = br#"{"value":[],"odata.nextLink":"auditEvents?$skiptoken=1"}"#.to_vec();
        assert_eq!(
            Page::parse(body, base, Some("beta"))
                .unwrap()
                .next
                .unwrap()
                .as_deref(),
            Some(
                "https://graph.windows.net/contoso.com/reports/auditEvents?api-version=beta&$skiptoken=1"
            )
        );
        let body = br#"{"value":[],"@odata.nextLink":"https://graph.windows.net/contoso.com/reports/auditEvents?api-version=beta&$skiptoken=1&api-version=beta"}"#.to_vec();
        assert_eq!(
            Page::parse(body, base, Some("beta"))
                .unwrap()
                .next
                .unwrap()
                .as_deref(),
            Some(
                "https://graph.windows.net/contoso.com/reports/auditEvents?api-version=beta&$skiptoken=1"
            )
        );
    }

    #[test]
    fn lookahead_reads_only_the_keys_before_value() {
        let graph = br#"{"@odata.context":"c","@odata.nextLink":"https://h/x?$skiptoken=1","value":[{"id":"1"}, broken"#;
        assert_eq!(
            lookahead(graph),
            Lookahead::Next("https://h/x?$skiptoken=1".into()),
            "the records are not read"
        );
        assert_eq!(
            lookahead(br#"{"value":[],"odata.nextLink":"x"}"#),
            Lookahead::Unknown,
            "a link after value needs the full parse"
        );
        assert_eq!(
            lookahead(br#"{"@odata.context":"c","value":[]}"#),
            Lookahead::Unknown
        );
        assert_eq!(lookahead(b"<html>"), Lookahead::Unknown);
        assert_eq!(
            lookahead(br#"{"@odata.nextLink":"aA","value":"#),
            Lookahead::Next("aA".into()),
            "escapes are decoded by the parser"
        );
    }

    #[test]
    fn records_that_are_not_objects_make_the_page_malformed() {
        let body = br#"{"value":[{"id":"1"},1,"two",null,[3]]}"#.to_vec();
        let err = Page::parse(body, URL, None).unwrap_err();
        assert!(
            matches!(
                err,
                PageError::NotAnObject {
                    index: 1,
                    kind: "a number"
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "the page is malformed: its record value[1] is a number, not a JSON object"
        );
        for (record, kind) in [
            ("\"two\"", "a string"),
            ("null", "null"),
            ("[3]", "an array"),
            ("true", "a boolean"),
        ] {
            let body = format!(r#"{{"value":[ {record} ]}}"#).into_bytes();
            let err = Page::parse(body, URL, None).unwrap_err();
            assert!(
                err.to_string().contains(&format!("value[0] is {kind},")),
                "{err}"
            );
        }
    }

    #[test]
    fn links_in_errors_hide_user_information() {
        let body =
            br#"{"value":[],"@odata.nextLink":"https://user:hunter2@evil.example/x?token=t"}"#;
        let err = Page::parse(body.to_vec(), URL, None)
            .unwrap()
            .next
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "refusing to follow a nextLink to another scheme, host or port: 'https://***@evil.example/x?token=***'"
        );
    }

    #[test]
    fn bad_bodies() {
        assert!(matches!(
            Page::parse(b"{\"value\":[{\"id\":".to_vec(), URL, None),
            Err(PageError::Unparsable(_))
        ));
        assert!(matches!(
            Page::parse(b"<html>".to_vec(), URL, None),
            Err(PageError::Unparsable(_))
        ));
        assert!(matches!(
            Page::parse(b"{\"value\":\"x\"}".to_vec(), URL, None),
            Err(PageError::Shape(_))
        ));
        assert!(matches!(
            Page::parse(b"{\"error\":{}}".to_vec(), URL, None),
            Err(PageError::Shape(_))
        ));
        assert!(matches!(
            Page::parse(b"[1,2]".to_vec(), URL, None),
            Err(PageError::Shape(_))
        ));
    }
}
