//! Making untrusted text safe to print on a terminal, and keeping secrets out of logs.
//!
//! Server-supplied text (error descriptions, URLs, record fields in messages) may carry
//! escape sequences; [`printable`] escapes control characters before they reach stderr.
//! [`redact_url`] and [`redact_form`] blank the values that carry secrets, for `-v`.

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

/// Escapes control characters (C0, DEL, C1) as `\n`, `\t` or `\u{..}`, so the text
/// stays on one line and cannot drive the terminal.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
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

/// The URL with the values of secret-carrying query parameters replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    format!("{base}?{}", redact_form(query))
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
}
