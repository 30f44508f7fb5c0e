//! The secrets this process knows, masked in everything it writes to stderr.
//!
//! A hostile or careless server can echo what it was sent (`Invalid client secret
//! provided: '…'`), and a token command can print a token on its stderr. The tools cannot
//! list every way a secret may come back, so every secret is registered when it enters
//! the process ([`crate::token::Secret::new`] does it), and [`mask_secrets`] replaces
//! each with `***` in every diagnostic: errors and hints (`run_main`), warnings, `-v`
//! lines, progress lines, a token command's relayed stderr, and service error bodies
//! (masked before they are shortened, so a cut cannot leave half a secret behind).
//!
//! A secret is also masked in the forms it is likely to come back in: form-urlencoded
//! (a server echoing the request body), JSON-escaped, and with control characters
//! escaped as [`crate::sanitize::printable`] shows them. A form shorter than
//! [`ANYWHERE`] characters is masked only where it stands alone (not next to a letter
//! or digit): masking a short secret inside words would make every message unreadable,
//! while its echo (`provided: 'abc'`) is still hidden.

use std::borrow::Cow;
use std::sync::RwLock;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::sanitize::printable;

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// Forms at least this long are masked wherever they occur; shorter ones only where
/// they stand alone.
const ANYWHERE: usize = 8;

/// The bytes `application/x-www-form-urlencoded` leaves as they are, besides letters
/// and digits (the WHATWG URL standard's form-urlencoded set).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// Every form of every registered secret, longest first (so a secret that contains
/// another is masked whole).
static KNOWN: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers `secret`, so that [`mask_secrets`] hides it from now on. Empty strings are
/// ignored.
pub fn register_secret(secret: &str) {
    if secret.is_empty() {
        return;
    }
    let form = utf8_percent_encode(secret, FORM)
        .to_string()
        .replace("%20", "+");
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default()
        .to_string();
    let shown = printable(secret).into_owned();
    let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
    for variant in [secret.to_string(), form, json, shown] {
        if !variant.is_empty() && !known.contains(&variant) {
            known.push(variant);
        }
    }
    known.sort_by_key(|v| std::cmp::Reverse(v.len()));
}

/// `text` with every registered secret replaced by `***`.
pub fn mask_secrets(text: &str) -> Cow<'_, str> {
    let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
    let mut out = Cow::Borrowed(text);
    for secret in known.iter() {
        if !out.contains(secret.as_str()) {
            continue;
        }
        out = Cow::Owned(if secret.chars().count() >= ANYWHERE {
            out.replace(secret.as_str(), MASK)
        } else {
            replace_standing_alone(&out, secret)
        });
    }
    out
}

/// `text` with each occurrence of `needle` that has no letter or digit right before or
/// after it replaced by [`MASK`].
fn replace_standing_alone(text: &str, needle: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(needle) {
        let before = rest[..at]
            .chars()
            .next_back()
            .or_else(|| out.chars().next_back());
        let after = rest[at + needle.len()..].chars().next();
        out.push_str(&rest[..at]);
        if word(before) || word(after) {
            out.push_str(needle);
        } else {
            out.push_str(MASK);
        }
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_masked_in_every_form() {
        register_secret("s3cr3t value+/\"x\u{1}");
        assert_eq!(
            mask_secrets("said 's3cr3t value+/\"x\u{1}' and s3cr3t+value%2B%2F%22x%01"),
            "said '***' and ***"
        );
        assert_eq!(
            mask_secrets(r#"{"echo":"s3cr3t value+/\"x\u0001"}"#),
            r#"{"echo":"***"}"#
        );
        assert_eq!(mask_secrets("s3cr3t value+/\"x\\u{1}"), "***");
        assert!(matches!(mask_secrets("nothing known"), Cow::Borrowed(_)));
    }

    #[test]
    fn short_secrets_are_masked_where_they_stand_alone() {
        register_secret("sE");
        assert_eq!(
            mask_secrets("usEs plain http; provided: 'sE' (sE)sE"),
            "usEs plain http; provided: '***' (***)***"
        );
    }

    #[test]
    fn a_secret_inside_a_longer_one_does_not_leave_the_rest() {
        register_secret("inner-4f0c");
        register_secret("outer-inner-4f0c-outer");
        assert_eq!(mask_secrets("x outer-inner-4f0c-outer y"), "x *** y");
    }
}
