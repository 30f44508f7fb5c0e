//! Cells: how a JSON value becomes the text of a CSV or TSV cell, a text line or a
//! table cell.
//!
//! A string is its text (quotes and escapes removed); numbers, `true` and `false` are
//! written as they appear in the input; null and missing values are empty; objects and
//! arrays are compact JSON.

use std::fmt::Write as _;

use serde_json::value::RawValue;

use crate::cli::TimeStyle;
use crate::raw::{Kind, compact, push_str};
use crate::times::restyle;

/// Appends the cell text of `value` to `out`, an RFC 3339 time in `time`'s style;
/// returns the kind of value it was (`None` for a missing value). Fails only on a string
/// serde_json cannot decode (a lone surrogate escape).
pub(crate) fn push_cell(
    value: Option<&RawValue>,
    time: TimeStyle,
    out: &mut String,
) -> serde_json::Result<Option<Kind>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let json = value.get();
    let kind = Kind::of(json);
    match kind {
        Kind::String if time != TimeStyle::Utc => {
            let start = out.len();
            push_str(json, out)?;
            if let Some(styled) = restyle(&out[start..], time) {
                out.truncate(start);
                out.push_str(&styled);
            }
        }
        Kind::String => push_str(json, out)?,
        Kind::Null => {}
        Kind::Number | Kind::Bool => out.push_str(json),
        Kind::Object | Kind::Array => compact(json, out),
    }
    Ok(Some(kind))
}

/// True when a spreadsheet would run `text` as a formula (or strip a leading control
/// character and then run it): it starts with `=`, `+`, `-`, `@`, a tab or a CR.
pub(crate) fn looks_like_formula(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// Appends `text` to `out` with what could drive or confuse a terminal made visible:
/// control characters as `\n`, `\r`, `\t` or `\u{1b}`, the line and paragraph
/// separators U+2028 and U+2029 (which break a line in some terminals and viewers, so
/// one value would look like two lines), and Unicode bidirectional controls (which
/// reorder the rest of the line) as `\u{202e}`.
pub(crate) fn push_visible(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// The Unicode bidirectional formatting characters (UAX #9): embeddings, overrides,
/// isolates and marks.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// One row of cells in one reused buffer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    text: String,
    ends: Vec<usize>,
}

impl Row {
    /// Empties the row, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Adds the cell for `value`, times in `time`'s style; with `excel`, a string that
    /// looks like a formula gets a leading `'`.
    pub(crate) fn push(
        &mut self,
        value: Option<&RawValue>,
        excel: bool,
        time: TimeStyle,
    ) -> serde_json::Result<()> {
        let start = self.text.len();
        let kind = push_cell(value, time, &mut self.text)?;
        if excel && kind == Some(Kind::String) && looks_like_formula(&self.text[start..]) {
            self.text.insert(start, '\'');
        }
        self.ends.push(self.text.len());
        Ok(())
    }

    /// Adds a plain text cell (a header); with `excel`, guarded like a string value.
    pub(crate) fn push_text(&mut self, text: &str, excel: bool) {
        if excel && looks_like_formula(text) {
            self.text.push('\'');
        }
        self.text.push_str(text);
        self.ends.push(self.text.len());
    }

    /// The cells, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let cell = &self.text[start..end];
            start = end;
            cell
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(json: &str) -> String {
        let value: &RawValue = serde_json::from_str(json).unwrap();
        let mut out = String::new();
        push_cell(Some(value), TimeStyle::Utc, &mut out).unwrap();
        out
    }

    #[test]
    fn values_become_cell_text() {
        assert_eq!(cell(r#""a \"b\"\n""#), "a \"b\"\n");
        assert_eq!(
            cell(r#""[\"JSON in a string\"]""#),
            r#"["JSON in a string"]"#
        );
        assert_eq!(cell("1.50"), "1.50");
        assert_eq!(cell("-1e400"), "-1e400");
        assert_eq!(cell("true"), "true");
        assert_eq!(cell("null"), "");
        assert_eq!(cell(r#"[ {"a" : 1} ]"#), r#"[{"a":1}]"#);
        let mut out = String::new();
        assert_eq!(push_cell(None, TimeStyle::Utc, &mut out).unwrap(), None);
        assert_eq!(out, "");
    }

    #[test]
    fn time_styles_apply_to_time_strings_only() {
        let cell = |json: &str, time| {
            let mut out = String::from("x");
            push_cell(Some(serde_json::from_str(json).unwrap()), time, &mut out).unwrap();
            out
        };
        assert_eq!(
            cell(r#""2026-11-29T21:47:56.0730881Z""#, TimeStyle::Excel),
            "x2026-11-29 21:47:56.073"
        );
        assert_eq!(
            cell(r#""2026-11-29T21:47:56Z""#, TimeStyle::Utc),
            "x2026-11-29T21:47:56Z"
        );
        assert_eq!(cell(r#""A""#, TimeStyle::Excel), "xA");
        assert_eq!(cell("20261129", TimeStyle::Excel), "x20261129");
    }

    #[test]
    fn excel_guards_string_formulas_but_not_numbers() {
        let mut row = Row::default();
        for json in [
            r#""=HYPERLINK(\"x\")""#,
            r#""+1""#,
            r#""-x""#,
            r#""@a""#,
            r#""\tx""#,
            r#""\rx""#,
            "-5",
            r#""a=b""#,
        ] {
            row.push(
                Some(serde_json::from_str(json).unwrap()),
                true,
                TimeStyle::Utc,
            )
            .unwrap();
        }
        row.push_text("=header", true);
        assert_eq!(
            row.iter().collect::<Vec<_>>(),
            [
                "'=HYPERLINK(\"x\")",
                "'+1",
                "'-x",
                "'@a",
                "'\tx",
                "'\rx",
                "-5",
                "a=b",
                "'=header"
            ]
        );
        row.clear();
        row.push(
            Some(serde_json::from_str(r#""=1""#).unwrap()),
            false,
            TimeStyle::Utc,
        )
        .unwrap();
        assert_eq!(row.iter().collect::<Vec<_>>(), ["=1"]);
    }

    #[test]
    fn terminal_text_shows_controls_and_bidi_escaped() {
        let mut out = String::new();
        push_visible(
            "a\nb\u{1b}[31m\u{202e}evil\u{7f}é😀\u{2028}\u{2029}\u{85}\u{2067}",
            &mut out,
        );
        assert_eq!(
            out,
            "a\\nb\\u{1b}[31m\\u{202e}evil\\u{7f}é😀\\u{2028}\\u{2029}\\u{85}\\u{2067}"
        );
    }
}
