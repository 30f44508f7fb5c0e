//! Query strings as Microsoft Graph writes them: aad-fetch builds its first-page URLs
//! with them and the emulator writes its next links with them, so both agree.

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
}
