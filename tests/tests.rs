//! End-to-end tests: the real binaries, spawned as processes, against the real
//! emulator on a loopback port. One test binary with a module per tool: one link step
//! and one process to start instead of one per file.

#![allow(
    unreachable_pub,
    reason = "test modules are private to this one test binary"
)]

mod util;

mod cli;
mod conformance;
mod deploy;
mod emulator;
mod fetch;
mod fetch_query;
mod fetch_report;
mod fetch_resume;
mod fetch_slices;
mod fetch_state;
mod fetch_tokens;
mod format;
mod hostile;
mod man;
mod pipeline;
mod siem;
mod structure;
mod token;
