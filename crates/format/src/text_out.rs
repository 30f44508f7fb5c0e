//! Text: for each record one `key: value` line per flattened key (or per `--fields`
//! column), and a blank line between records. Control and bidirectional characters are
//! shown escaped, so one value is always one line and cannot drive the terminal.

use serde_json::value::RawValue;

use crate::bad_input::{Bad, LONE_SURROGATE};
use crate::cell::{push_cell, push_visible};
use crate::cli::TimeStyle;
use crate::fields;
use crate::flatten::{Flatten, walk};
use crate::presets::{SHAPES, Shape, recognise};
use crate::raw::offset_in;
use crate::render::{Frame, Render};
use crate::select::{Cells, Select, recycle};

/// The blank line between records.
pub(crate) fn frame() -> Frame {
    Frame {
        between: b"\n",
        ..Frame::default()
    }
}

/// Renders a record as `key: value` lines.
#[derive(Clone)]
pub(crate) struct TextRender {
    select: Option<Select>,
    /// Without `--fields`: the preset of each shape, for the records recognised.
    presets: Vec<(&'static Shape, Select)>,
    lines: Lines,
    spare: Cells<'static>,
}

/// The lines of one record.
#[derive(Clone)]
struct Lines {
    text: String,
    /// The dotted key being built while flattening.
    key: String,
    /// A value's cell text before it is made visible.
    cell: String,
    time: TimeStyle,
}

impl TextRender {
    /// Lines of all keys, or of the `select` columns; with `presets` (and no `select`),
    /// the preset's columns for a record of a known shape.
    pub(crate) fn new(select: Option<Select>, presets: bool, time: TimeStyle) -> TextRender {
        let presets = if presets && select.is_none() {
            SHAPES
                .iter()
                .filter_map(|shape| {
                    let columns = fields::parse(shape.columns).ok()?;
                    Some((shape, Select::new(&columns)))
                })
                .collect()
        } else {
            Vec::new()
        };
        TextRender {
            select,
            presets,
            lines: Lines {
                text: String::new(),
                key: String::new(),
                cell: String::new(),
                time,
            },
            spare: Vec::new(),
        }
    }

    fn lines(&mut self, record: &str) -> Result<(), Bad> {
        self.lines.text.clear();
        let preset = || {
            let shape = recognise(record)?;
            self.presets
                .iter()
                .find(|(s, _)| *s == shape)
                .map(|(_, select)| select)
        };
        let select = match &self.select {
            Some(select) => Some(select),
            None if self.presets.is_empty() => None,
            None => preset(),
        };
        let Some(select) = select else {
            self.lines.key.clear();
            return walk(record, 0, &mut self.lines);
        };
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let mut result = select.cells(record, &mut cells);
        for (name, value) in select.names().iter().zip(&cells) {
            if result.is_err() {
                break;
            }
            result = self.lines.line(name, *value).map_err(|reason| {
                Bad::new(value.map_or(0, |v| offset_in(record, v.get())), reason)
            });
        }
        self.spare = recycle(cells);
        result
    }
}

impl Render for TextRender {
    fn render(&mut self, record: &str, out: &mut Vec<u8>) -> Result<(), Bad> {
        self.lines(record)?;
        out.extend_from_slice(self.lines.text.as_bytes());
        Ok(())
    }

    fn fork(&self) -> Box<dyn Render> {
        Box::new(self.clone())
    }
}

impl Lines {
    /// Adds `key: value`, or `key:` when the value is empty.
    fn line(&mut self, key: &str, value: Option<&RawValue>) -> Result<(), String> {
        self.cell.clear();
        push_cell(value, self.time, &mut self.cell).map_err(|_| LONE_SURROGATE.to_string())?;
        push_visible(key, &mut self.text);
        self.text.push(':');
        if !self.cell.is_empty() {
            self.text.push(' ');
            push_visible(&self.cell, &mut self.text);
        }
        self.text.push('\n');
        Ok(())
    }
}

impl<'de> Flatten<'de> for Lines {
    /// The length of the dotted key up to here.
    type At = usize;

    fn key(&mut self, parent: usize, key: &str) -> Result<usize, String> {
        self.key.truncate(parent);
        if parent > 0 {
            self.key.push('.');
        }
        self.key.push_str(key);
        Ok(self.key.len())
    }

    fn leaf(&mut self, at: usize, value: &'de RawValue) -> Result<(), String> {
        let key = std::mem::take(&mut self.key);
        let result = self.line(&key[..at], Some(value));
        self.key = key;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::render_all;

    fn run(fields: Option<&str>, records: &[&str]) -> String {
        let select = fields.map(|f| Select::new(&fields::parse(f).unwrap()));
        let mut render = TextRender::new(select, false, TimeStyle::Utc);
        render_all(&mut render, frame(), records)
    }

    #[test]
    fn known_shapes_get_their_preset_and_others_all_keys() {
        let mut render = TextRender::new(None, true, TimeStyle::Excel);
        let text = render_all(
            &mut render,
            frame(),
            &[
                r#"{"id":"1","createdDateTime":"2026-11-29T21:47:56Z","userPrincipalName":"a@b","status":{"errorCode":0}}"#,
                r#"{"other":"2026-11-29T21:47:56Z"}"#,
            ],
        );
        assert_eq!(
            text,
            "time: 2026-11-29 21:47:56\nuser: a@b\napp:\nip:\nerror: 0\nreason:\nclient:\nca:\n\nother: 2026-11-29 21:47:56\n"
        );
    }

    #[test]
    fn records_are_blocks_of_flattened_keys() {
        assert_eq!(
            run(
                None,
                &[
                    r#"{"id":"1","by":{"user":{"upn":"a@b"},"app":null},"t":[1,2]}"#,
                    r#"{"msg":"two\nlines \u202e"}"#
                ]
            ),
            "id: 1\nby.user.upn: a@b\nby.app:\nt: [1,2]\n\nmsg: two\\nlines \\u{202e}\n"
        );
    }

    #[test]
    fn fields_name_the_lines() {
        assert_eq!(
            run(
                Some("upn=by.user.upn,gone"),
                &[r#"{"by":{"user":{"upn":"a@b"}}}"#]
            ),
            "upn: a@b\ngone:\n"
        );
    }
}
