//! End-to-end tests: the real binaries, spawned as processes, against the real
//! emulator on a loopback port. One test binary (STYLE.md) with a module per tool.

#![allow(
    unreachable_pub,
    reason = "test modules are private to this one test binary"
)]

mod util;

mod cli;
mod conformance;
mod emulator;
mod fetch;
mod fetch_state;
mod format;
mod man;
mod pipeline;
mod token;
