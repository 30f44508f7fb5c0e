//! What XML 1.0 allows: which keys can be element names (NCNames: names without a
//! colon, which namespace-aware parsers accept), and which characters can appear at all.
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

/// True when `name` is an XML 1.0 (fifth edition) name without a colon: an NCName, which
/// namespace-aware parsers accept as an element name.
pub(crate) fn is_ncname(name: &str) -> bool {
    // Most keys are ASCII: decide those on bytes.
    let ascii_name = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    match name.as_bytes() {
        [first, rest @ ..]
            if (first.is_ascii_alphabetic() || *first == b'_') && rest.iter().all(ascii_name) =>
        {
            return true;
        }
        [first, ..] if first.is_ascii() && name.is_ascii() => return false,
        [] => return false,
        _ => {}
    }
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{2ff}'
        | '\u{370}'..='\u{37d}' | '\u{37f}'..='\u{1fff}' | '\u{200c}'..='\u{200d}'
        | '\u{2070}'..='\u{218f}' | '\u{2c00}'..='\u{2fef}' | '\u{3001}'..='\u{d7ff}'
        | '\u{f900}'..='\u{fdcf}' | '\u{fdf0}'..='\u{fffd}' | '\u{10000}'..='\u{effff}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{b7}' | '\u{300}'..='\u{36f}' | '\u{203f}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ncnames_follow_the_xml_spec() {
        for good in ["a", "_x", "a.b-c_1", "é", "日本", "xmlThing"] {
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
