//! The exit statuses shared by every program.
//!
//! One table, used three ways: `run_main` maps errors to it, `--help` and the man
//! pages print it, and the tests assert against it.

use std::fmt;

/// How a program ended. The numeric values are part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Success, also when the reader closed stdout early.
    Success = 0,
    /// An unexpected internal failure (a bug).
    Internal = 1,
    /// A bad flag or a missing required setting.
    Usage = 2,
    /// The token endpoint refused, or the API rejected the token with no way to renew it.
    Auth = 3,
    /// The API refused the request (4xx other than 401, 408 and 429).
    Api = 4,
    /// Transient failures (network, 429, 5xx, truncated bodies) outlasted the retry budget.
    Transient = 5,
    /// Bad input data: malformed JSON for aad-format, a malformed page for aad-fetch.
    BadData = 6,
    /// A local file could not be read or written.
    File = 7,
}

impl Status {
    /// Every status, in numeric order.
    pub const ALL: [Status; 8] = [
        Status::Success,
        Status::Internal,
        Status::Usage,
        Status::Auth,
        Status::Api,
        Status::Transient,
        Status::BadData,
        Status::File,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// One line saying what the status means, as the man pages print it.
    pub fn meaning(self) -> &'static str {
        match self {
            Status::Success => "success (also: stdout closed by the reader)",
            Status::Internal => "unexpected internal failure",
            Status::Usage => "usage error (bad flag, missing required setting)",
            Status::Auth => {
                "authentication failed (token endpoint refused, token rejected and no way to renew)"
            }
            Status::Api => {
                "the API refused the request (4xx other than 401/408/429: bad filter, no permission, unknown report)"
            }
            Status::Transient => {
                "transient failures outlasted the retry budget (network, 429, 5xx, truncated bodies)"
            }
            Status::BadData => {
                "bad input data (aad-format: malformed JSON; aad-fetch: malformed page)"
            }
            Status::File => {
                "a local file could not be read or written (state, output directory, certificate)"
            }
        }
    }

    /// The table as plain text lines (`  0  success ...`), for `--help` epilogues.
    pub fn table() -> String {
        let mut out = String::new();
        for status in Status::ALL {
            out.push_str(&format!("  {}  {}\n", status.code(), status.meaning()));
        }
        out
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_numbers() {
        let codes: Vec<u8> = Status::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, vec![0, 1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn table_has_one_line_per_status() {
        let table = Status::table();
        assert_eq!(table.lines().count(), 8);
        assert!(table.starts_with("  0  success"));
    }
}
