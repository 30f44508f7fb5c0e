//! Why a filter was refused, in the service's words.

use std::fmt;

/// Why a filter was refused: an error code and a message, as the service words them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilterError {
    /// `BadRequest` or `Request_UnsupportedQuery`.
    pub code: &'static str,
    pub message: String,
}

impl FilterError {
    pub(super) fn syntax(text: &str, at: usize, what: &str) -> FilterError {
        FilterError {
            code: "BadRequest",
            message: format!(
                "Invalid filter clause: Syntax error at position {at} in '{text}': {what}."
            ),
        }
    }

    pub(super) fn unsupported(message: impl Into<String>) -> FilterError {
        FilterError {
            code: "Request_UnsupportedQuery",
            message: message.into(),
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}
