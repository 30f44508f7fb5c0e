//! Diagnostics on stderr: `-v` lines and warnings (`-q` silences warnings).
//!
//! Callers pass only what may be shown: URLs through `redact_url`, forms through
//! `redact_form`, never a secret, assertion, header value or token. Every line has the
//! known secrets masked as well ([`aad_common::mask`]), for what a server echoes.

use std::fmt::Display;
use std::io::{self, Write as _};

use aad_common::mask::mask_secrets;
use aad_common::process::warn;
use aad_common::sanitize::printable;

use crate::NAME;

/// Where diagnostics go and how many.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Log {
    verbose: bool,
    quiet: bool,
}

impl Log {
    /// A log for `-v` and `-q`.
    pub(crate) fn new(verbose: bool, quiet: bool) -> Log {
        Log { verbose, quiet }
    }

    /// With `-v`: `aad-token: <message>`.
    pub(crate) fn verbose(&self, message: impl Display) {
        if self.verbose {
            let line = format!("{NAME}: {}", printable(&message.to_string()));
            let _ = writeln!(io::stderr().lock(), "{}", mask_secrets(&line));
        }
    }

    /// Unless `-q`: `aad-token: warning: <message>`.
    pub(crate) fn warn(&self, message: impl Display) {
        if !self.quiet {
            warn(NAME, &message.to_string());
        }
    }
}
