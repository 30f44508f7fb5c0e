//! The error every binary returns from its `run` function.
//!
//! An [`Error`] carries what `run_main` needs to end the process well: the exit
//! [`Status`], a one-line message that names the thing that went wrong, an optional
//! `hint:` line, and the cause (printed in parentheses after the message).
//! Tool modules keep their own `thiserror` enums and convert into this at their edge.

use std::fmt;
use std::io;
use std::path::Path;

use crate::sanitize::printable;
use crate::status::Status;

/// A boxed cause, kept for `source()`.
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error with an exit status, a message, an optional hint and an optional cause.
#[derive(Debug)]
pub struct Error {
    status: Status,
    message: String,
    hint: Option<String>,
    source: Option<Cause>,
}

/// The message of [`Error::stdout`].
const STDOUT_FAILED: &str = "cannot write to stdout";

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error with this status and message.
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Error {
            status,
            message: message.into(),
            hint: None,
            source: None,
        }
    }

    /// Usage error: bad flag or missing setting (status 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Status::Usage, message)
    }

    /// Authentication failure (status 3).
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(Status::Auth, message)
    }

    /// The API refused the request (status 4).
    pub fn api(message: impl Into<String>) -> Self {
        Self::new(Status::Api, message)
    }

    /// Transient failures outlasted the retry budget (status 5).
    pub fn transient(message: impl Into<String>) -> Self {
        Self::new(Status::Transient, message)
    }

    /// Bad input data (status 6).
    pub fn bad_data(message: impl Into<String>) -> Self {
        Self::new(Status::BadData, message)
    }

    /// An internal failure (status 1).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Status::Internal, message)
    }

    /// A local file could not be read or written (status 7); the path is quoted in the
    /// message and the I/O error kept as the cause.
    pub fn file(action: &str, path: &Path, cause: io::Error) -> Self {
        Self::new(
            Status::File,
            format!(
                "cannot {action} '{}'",
                printable(&path.display().to_string())
            ),
        )
        .with_source(cause)
    }

    /// Writing to stdout failed. A broken pipe is recognised by `run_main` and ends
    /// the program quietly with status 0.
    pub fn stdout(cause: io::Error) -> Self {
        Self::new(Status::File, STDOUT_FAILED).with_source(cause)
    }

    /// A failed write to stdout ([`Error::stdout`]) worded for the file that output went
    /// to instead (`-o FILE`, when `path` is given); any other error is returned as it is.
    pub fn for_output_file(mut self, path: Option<&Path>) -> Self {
        if let Some(path) = path
            && self.status == Status::File
            && self.message == STDOUT_FAILED
        {
            self.message = format!("cannot write '{}'", printable(&path.display().to_string()));
        }
        self
    }

    /// Adds a `hint:` line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint only when there is one.
    pub fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        if hint.is_some() {
            self.hint = hint;
        }
        self
    }

    /// Keeps `cause` as the source; its text is shown in parentheses.
    pub fn with_source(mut self, cause: impl Into<Cause>) -> Self {
        self.source = Some(cause.into());
        self
    }

    /// The exit status this error ends the process with.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The one-line message, without cause or hint.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// True when a broken pipe (the reader went away) is somewhere in the cause chain.
    pub fn is_broken_pipe(&self) -> bool {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = self
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(err) = cause {
            if let Some(io) = err.downcast_ref::<io::Error>()
                && io.kind() == io::ErrorKind::BrokenPipe
            {
                return true;
            }
            cause = err.source();
        }
        false
    }

    /// The causes joined with `: `, control characters escaped.
    pub fn detail(&self) -> Option<String> {
        let mut parts = Vec::new();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = self
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static));
        while let Some(err) = cause {
            let text = printable(&err.to_string()).into_owned();
            // Many error types repeat their source's text in their own; skip repeats.
            if !text.is_empty() && !parts.iter().any(|p: &String| p.contains(&text)) {
                parts.push(text);
            }
            cause = err.source();
        }
        (!parts.is_empty()).then(|| parts.join(": "))
    }
}

impl fmt::Display for Error {
    /// `message (cause: cause)`, the form `run_main` prints after `name: error: `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(&self.message))?;
        if let Some(detail) = self.detail() {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_puts_the_cause_in_parentheses() {
        let err = Error::file(
            "read",
            Path::new("/nope/state.json"),
            io::Error::new(io::ErrorKind::NotFound, "No such file or directory"),
        );
        assert_eq!(
            err.to_string(),
            "cannot read '/nope/state.json' (No such file or directory)"
        );
        assert_eq!(err.status(), Status::File);
    }

    #[test]
    fn broken_pipe_is_found_in_the_chain() {
        let err = Error::stdout(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(err.is_broken_pipe());
        let other = Error::stdout(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(!other.is_broken_pipe());
    }

    #[test]
    fn control_characters_in_messages_are_escaped() {
        let err = Error::api("server said \u{1b}[31mred\nline");
        assert_eq!(err.to_string(), "server said \\u{1b}[31mred\\nline");
    }
}
