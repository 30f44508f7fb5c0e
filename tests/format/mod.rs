//! aad-format end to end: every format on hostile fixtures (snapshots, and parsed back
//! field by field with the csv crate and quick-xml's reader), property tests on
//! generated records, bad input, the read-ahead, and the pipe.

mod bad_input;
mod everyday;
mod hostile;
mod json_model;
mod parse_back;
mod properties;
mod read_ahead;
mod read_back;
mod snapshots;
mod streams;

use crate::util::{self, Output, tool};

/// Directory audit records with hostile strings, a Graph page, odd numbers and keys.
const AUDITS: &str = "tests/fixtures/format/audits.ndjson";

/// Ten columns with nested paths, array indexes and renames.
pub(super) const FIELDS: &str = "id,time=activityDateTime,activityDisplayName,result,resultReason,\
upn=initiatedBy.user.userPrincipalName,app=initiatedBy.app.displayName,\
target=targetResources.1.displayName,new=targetResources.0.modifiedProperties.0.newValue,\
additionalDetails.5.value";

pub(super) fn fixture() -> Vec<u8> {
    std::fs::read(util::repo_root().join(AUDITS)).expect("fixture")
}

/// Runs aad-format with `args` on `stdin`.
pub(super) fn format(args: &[&str], stdin: impl Into<Vec<u8>>) -> Output {
    tool("aad-format").args(args).stdin(stdin).run()
}

/// Runs aad-format on the fixture, expecting success and a quiet stderr.
pub(super) fn format_fixture(args: &[&str]) -> String {
    let out = format(args, fixture());
    out.assert_code(0).assert_quiet();
    out.stdout_text()
}
