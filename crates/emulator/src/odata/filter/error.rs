//! Why a filter was refused. The service answers every refusal alike (400
//! `BadRequest`, "Invalid filter clause"); the reason is kept for the request log and
//! `--verbose`.

use std::fmt;

/// A refused filter and the reason, in the emulator's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError {
    pub reason: String,
}

impl FilterError {
    pub(crate) fn new(reason: impl Into<String>) -> FilterError {
        FilterError {
            reason: reason.into(),
        }
    }

    pub(super) fn syntax(text: &str, at: usize, what: &str) -> FilterError {
        FilterError::new(format!("syntax error at position {at} in '{text}': {what}"))
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}
