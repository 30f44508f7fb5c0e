//! OData query handling: query options, `$filter`, skip tokens and next links.

pub(crate) mod filter;

use std::cmp::Reverse;
use std::sync::Arc;

use aad_common::query::{ODATA_QUERY, encode_pairs};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::AsciiSet;

use crate::data::Key;
use crate::time::Ticks;

/// The query options of a report request, percent-decoded but not interpreted: the
/// listing checks them in the service's order, and words each refusal as the service.
#[derive(Debug, Default, Clone)]
pub(crate) struct QueryOptions {
    pub filter: Option<String>,
    pub top: Option<String>,
    pub select: Option<String>,
    pub skiptoken: Option<String>,
    pub orderby: Option<String>,
    /// The legacy API's `api-version`.
    pub api_version: Option<String>,
    /// Every named parameter except `$skiptoken`, decoded, in order (to rebuild links).
    pub kept: Vec<(String, String)>,
}

impl QueryOptions {
    /// Decodes a raw query string. A parameter with an empty name (`&=...`, which the
    /// original bash sample produces when the shell expands `$filter`) is ignored.
    /// The `$` prefix of system query options is optional, as on Microsoft Graph.
    pub(crate) fn parse(raw: &str) -> QueryOptions {
        let mut q = QueryOptions::default();
        for (name, value) in form_urlencoded::parse(raw.as_bytes()) {
            if name.is_empty() {
                continue;
            }
            let bare = name.strip_prefix('$').unwrap_or(&name).to_ascii_lowercase();
            let value = value.into_owned();
            match bare.as_str() {
                "filter" => q.filter = Some(value.clone()),
                "top" => q.top = Some(value.clone()),
                "select" => q.select = Some(value.clone()),
                "orderby" => q.orderby = Some(value.clone()),
                "skiptoken" => {
                    q.skiptoken = Some(value);
                    continue;
                }
                "api-version" => q.api_version = Some(value.clone()),
                _ => {}
            }
            q.kept.push((name.into_owned(), value));
        }
        q
    }
}

/// Where a chain of pages stands: after which record, on which page, and whether the
/// next page is the empty last page that `--empty-pages` adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// Key of the last record already returned.
    pub after: Option<Key>,
    /// Number of the next page in the chain (0 = first).
    pub page: u32,
    /// The next page is an empty last page.
    pub final_empty: bool,
}

impl Cursor {
    /// The `$skiptoken`: opaque to clients, which must pass it back unchanged.
    pub(crate) fn encode(&self) -> String {
        let (ticks, id, version) = match &self.after {
            Some((Reverse(t), id, v)) => (*t, id.as_ref(), *v),
            None => (i64::MIN, "", 0),
        };
        let json = serde_json::json!([ticks, id, version, self.page, self.final_empty]).to_string();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a token made by [`Cursor::encode`]; `None` when it is not one.
    pub(crate) fn decode(token: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        let (ticks, id, version, page, final_empty): (Ticks, String, u32, u32, bool) =
            serde_json::from_slice(&bytes).ok()?;
        let after = (ticks != i64::MIN).then(|| (Reverse(ticks), Arc::<str>::from(id), version));
        Some(Cursor {
            after,
            page,
            final_empty,
        })
    }
}

/// Stricter set for relative links: `$` encoded too, to exercise clients' decoding.
const QUERY_VALUE_STRICT: &AsciiSet = &ODATA_QUERY
    .add(b'$')
    .add(b'\'')
    .add(b',')
    .add(b':')
    .add(b'(')
    .add(b')');

/// The query part of a Microsoft Graph next link, as the service writes it: the
/// request's options in the order `$filter`, `$top`, `$orderBy`, then the others,
/// each value form-encoded (`,` as `%2C`, `'` as `%27`, `/` as `%2F`, `:` as `%3A`,
/// spaces as `+`), then the new skip token.
pub(crate) fn graph_next_query(kept: &[(String, String)], token: &str) -> String {
    let rank = |name: &str| match name.trim_start_matches('$').to_ascii_lowercase().as_str() {
        "filter" => 0,
        "top" => 1,
        "orderby" => 2,
        _ => 3,
    };
    let mut options: Vec<&(String, String)> = kept.iter().collect();
    options.sort_by_key(|(name, _)| rank(name));
    let mut query = String::new();
    for (name, value) in options {
        query.extend(
            form_urlencoded::byte_serialize(name.as_bytes()).map(|s| s.replace("%24", "$")),
        );
        query.push('=');
        query.extend(form_urlencoded::byte_serialize(value.as_bytes()));
        query.push('&');
    }
    query.push_str("$skiptoken=");
    query.push_str(token);
    query
}

/// The query part of a next link: the original options and the new skip token.
pub(crate) fn next_query(kept: &[(String, String)], token: &str, strict: bool) -> String {
    let set = if strict {
        QUERY_VALUE_STRICT
    } else {
        ODATA_QUERY
    };
    let name = if strict { "%24skiptoken" } else { "$skiptoken" };
    let options = encode_pairs(kept.iter().map(|(k, v)| (k.as_str(), v.as_str())), set);
    let skiptoken = format!("{name}={token}");
    if options.is_empty() {
        skiptoken
    } else {
        format!("{options}&{skiptoken}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_options_decode_and_tolerate_an_empty_name() {
        let q = QueryOptions::parse(
            "api-version=beta&=eventTime%20gt%202024-01-01&%24top=5&filter=a%20eq%20'b'&$skiptoken=x",
        );
        assert_eq!(q.api_version.as_deref(), Some("beta"));
        assert_eq!(q.top.as_deref(), Some("5"));
        assert_eq!(q.filter.as_deref(), Some("a eq 'b'"));
        assert_eq!(q.skiptoken.as_deref(), Some("x"));
        assert_eq!(q.kept.len(), 3);
    }

    #[test]
    fn cursor_round_trip_and_garbage() {
        let c = Cursor {
            after: Some((Reverse(123), Arc::from("Directory_x"), 1)),
            page: 4,
            final_empty: false,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        let first = Cursor {
            after: None,
            page: 1,
            final_empty: true,
        };
        assert_eq!(Cursor::decode(&first.encode()), Some(first));
        assert_eq!(Cursor::decode("not-a-token"), None);
    }

    #[test]
    fn graph_next_links_order_and_encode_as_the_service() {
        let kept = vec![
            (
                "$filter".to_string(),
                "(signInEventTypes/any(t: t ne 'interactiveUser'))".to_string(),
            ),
            ("$orderBy".to_string(), "createdDateTime DESC".to_string()),
            ("$top".to_string(), "10".to_string()),
        ];
        assert_eq!(
            graph_next_query(&kept, "abc"),
            "$filter=%28signInEventTypes%2Fany%28t%3A+t+ne+%27interactiveUser%27%29%29&$top=10&$orderBy=createdDateTime+DESC&$skiptoken=abc"
        );
    }

    #[test]
    fn next_query_keeps_the_original_options() {
        let kept = vec![
            (
                "$filter".to_string(),
                "createdDateTime ge 2024-01-01T00:00:00Z".to_string(),
            ),
            ("$top".to_string(), "10".to_string()),
        ];
        assert_eq!(
            next_query(&kept, "abc", false),
            "$filter=createdDateTime%20ge%202024-01-01T00:00:00Z&$top=10&$skiptoken=abc"
        );
        assert!(
            next_query(&kept, "abc", true)
                .starts_with("%24filter=createdDateTime%20ge%202024-01-01T00%3A00%3A00Z")
        );
    }
}
