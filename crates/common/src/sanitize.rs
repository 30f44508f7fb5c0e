//! Making untrusted text safe to print on a terminal, and keeping secrets out of logs.
//!
//! Server-supplied text (error descriptions, URLs, record fields in messages, token
//! claims) may carry escape sequences or bidirectional formatting characters, which make
//! a terminal show something other than what the text holds (Trojan Source,
//! CVE-2021-42574). [`printable`] escapes both before they reach stderr, and
//! [`escape_json_invisibles`] escapes the second kind in JSON the tools print.
//! [`redact_url`] and [`redact_form`] blank the parts of URLs and forms that carry
//! secrets (query values, `user:password@`), for `-v` and messages. Secrets known by value
//! are masked by [`crate::mask`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// Query and form parameter names whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "client_secret",
    "client_assertion",
    "assertion",
    "access_token",
    "refresh_token",
    "id_token",
    "password",
    "code",
    "sig",
    "token",
];

/// True for the bidirectional formatting characters (U+061C, U+200E, U+200F,
/// U+202A–U+202E, U+2066–U+2069): invisible, they reorder the display of the text around
/// them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Invisible characters that change the layout of the text around them: bidirectional
/// formatting characters, and the Unicode line and paragraph separators (U+2028, U+2029).
fn is_invisible_layout(c: char) -> bool {
    is_bidi_control(c) || c == '\u{2028}' || c == '\u{2029}'
}

/// Characters that must not reach a terminal as they are: control characters (C0,
/// DEL, C1) and invisible layout characters.
fn is_unsafe_to_show(c: char) -> bool {
    c.is_control() || is_invisible_layout(c)
}

/// Escapes control characters as `\n`, `\t` or `\u{..}`, and bidirectional formatting
/// characters and line separators as `\u{..}`, so the text stays on one line, shows what
/// it holds, and cannot drive the terminal.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_to_show) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe_to_show(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text with bidirectional formatting characters and line separators written as
/// `\uXXXX` escapes: the same JSON value, which shows on a terminal as it is. (JSON
/// writers leave these characters raw; in a JSON text they can only occur inside
/// strings, where the escape means the same character.)
pub fn escape_json_invisibles(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_invisible_layout) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_invisible_layout(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Cuts `text` to at most `max` characters, adding `…` when it was longer.
pub fn truncate_chars(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
    }
}

/// True when a query or form parameter of this name carries a secret.
pub fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMS.contains(&name.as_str())
}

/// The URL with its user information (`user:password@`) and the values of
/// secret-carrying query parameters replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let url = redact_userinfo(url);
    let Some((base, query)) = url.split_once('?') else {
        return url.into_owned();
    };
    format!("{base}?{}", redact_form(query))
}

/// `scheme://user:password@host/...` as `scheme://***@host/...`.
fn redact_userinfo(url: &str) -> Cow<'_, str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match authority.rfind('@') {
        Some(at) => Cow::Owned(format!("{scheme}://***{}", &rest[at..])),
        None => Cow::Borrowed(url),
    }
}

/// An `application/x-www-form-urlencoded` string with secret values replaced by `***`.
pub fn redact_form(form: &str) -> String {
    form.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_param(name) => format!("{name}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_leaves_plain_text_alone() {
        assert!(matches!(printable("plain ünïcode"), Cow::Borrowed(_)));
    }

    #[test]
    fn printable_escapes_escape_sequences_and_newlines() {
        assert_eq!(printable("a\u{1b}[2Jb\nc\u{85}"), "a\\u{1b}[2Jb\\nc\\u{85}");
    }

    #[test]
    fn printable_escapes_bidi_controls_and_line_separators() {
        assert_eq!(
            printable("a\u{202e}b\u{2066}c\u{200f}d\u{61c}e\u{2028}f"),
            "a\\u{202e}b\\u{2066}c\\u{200f}d\\u{61c}e\\u{2028}f"
        );
    }

    #[test]
    fn json_invisibles_become_escapes_of_the_same_value() {
        let json = serde_json::json!({"name": "evil\u{202e}gpj.exe\u{2069}"}).to_string();
        let escaped = escape_json_invisibles(&json);
        assert_eq!(escaped, r#"{"name":"evil\u202egpj.exe\u2069"}"#);
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["name"], "evil\u{202e}gpj.exe\u{2069}");
        assert!(matches!(escape_json_invisibles("{}"), Cow::Borrowed(_)));
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate_chars("ééééé", 3), "ééé…");
        assert_eq!(truncate_chars("abc", 3), "abc");
    }

    #[test]
    fn redacts_secret_query_values() {
        assert_eq!(
            redact_url("https://h/t?client_secret=s3cr3t&scope=x&Password=p"),
            "https://h/t?client_secret=***&scope=x&Password=***"
        );
        assert_eq!(redact_url("https://h/t"), "https://h/t");
    }

    #[test]
    fn redacts_user_information() {
        assert_eq!(
            redact_url("http://user:pw@127.0.0.1:8/r?token=t&$skiptoken=1#x@y"),
            "http://***@127.0.0.1:8/r?token=***&$skiptoken=1#x@y"
        );
        assert_eq!(
            redact_url("https://h/p?next=a@b"),
            "https://h/p?next=a@b",
            "an @ after the authority is not user information"
        );
    }
}
