//! What XML 1.0 allows: which keys can be element names (ASCII NCNames: names without
//! a colon, which namespace-aware and fourth-edition parsers accept), and which
//! characters can appear at all.
//! Shared by the XML output, which needs both, and by `settings`, which checks `--root`
//! and `--item` with the same rule.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with each character XML 1.0 cannot carry (the C0 controls other than tab,
/// LF and CR, U+FFFE and U+FFFF) written as `\uXXXX`.
pub(crate) fn xml_chars(text: &str) -> Cow<'_, str> {
    // Fast check on bytes: a C0 control, or 0xEF, the first byte of U+FFFE and U+FFFF.
    let suspect = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b == 0xEF;
    if !text.as_bytes().iter().any(suspect) || !text.chars().any(not_xml) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if not_xml(c) {
            let _ = write!(out, "\\u{:04X}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// True for the characters outside XML 1.0's `Char` production. (Surrogates cannot
/// occur in a Rust string.)
fn not_xml(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// True when `name` is an element name that every mainstream XML parser accepts: an
/// ASCII NCName (a letter or `_`, then letters, digits, `_`, `-` and `.`; no colon).
///
/// XML 1.0 fifth edition allows most non-ASCII letters too, but widely deployed parsers
/// (expat, and so Python's and many SIEMs') still follow the fourth edition's tables and
/// reject thousands of those names; a key outside this set goes into a `name` attribute
/// instead, where any character XML can carry is fine.
pub(crate) fn is_ncname(name: &str) -> bool {
    match name.as_bytes() {
        [first, rest @ ..] => {
            (first.is_ascii_alphabetic() || *first == b'_')
                && rest
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        }
        [] => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ncnames_follow_the_xml_spec() {
        for good in ["a", "_x", "a.b-c_1", "xmlThing", "Z9"] {
            assert!(is_ncname(good), "{good}");
        }
        for bad in [
            "",
            "1a",
            "-a",
            ".a",
            "a:b",
            "a b",
            "@odata.type",
            "a\u{0}",
            "a/b",
            // Legal in XML 1.0 fifth edition, refused by expat and others.
            "é",
            "日本",
            "a\u{300}",
            "\u{10000}",
        ] {
            assert!(!is_ncname(bad), "{bad}");
        }
    }

    #[test]
    fn characters_outside_xml_become_escapes_and_the_rest_stays_borrowed() {
        assert!(matches!(xml_chars("plain é\t\n\r"), Cow::Borrowed(_)));
        assert_eq!(
            xml_chars("a\u{0}b\u{1b}\u{ffff}\u{fffd}"),
            "a\\u0000b\\u001B\\uFFFF\u{fffd}"
        );
    }
}
