//! Query strings as Microsoft Graph writes them, and `Retry-After`, which aad-fetch,
//! aad-token and the emulator all read or write.

use std::time::{Duration, SystemTime};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Percent-encoded in OData query names and values; OData's own punctuation
/// (`$ ' ( ) , : /`) stays readable, as in the service's own links.
pub const ODATA_QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'=')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `name=value&...`, each part encoded with `set`.
pub fn encode_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    set: &'static AsciiSet,
) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, set),
                utf8_percent_encode(v, set)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `Retry-After`: whole seconds, or an HTTP date (RFC 9110); a past date means now.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(&value.replace("GMT", "+0000")).ok()?;
    let when: SystemTime = when.with_timezone(&chrono::Utc).into();
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_values_keep_their_punctuation() {
        assert_eq!(
            encode_pairs(
                [
                    ("$filter", "a ge 2024-01-01T00:00:00Z and b eq 'x&y'"),
                    ("$top", "5")
                ],
                ODATA_QUERY
            ),
            "$filter=a%20ge%202024-01-01T00:00:00Z%20and%20b%20eq%20'x%26y'&$top=5"
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let future = (chrono::Utc::now() + chrono::TimeDelta::seconds(30))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let wait = parse_retry_after(&future).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
