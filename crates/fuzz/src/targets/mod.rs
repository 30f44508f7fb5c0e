//! The fuzz targets: one function per parser that takes outside input, each taking the
//! raw bytes of one input and asserting the parser's invariants (a failed assertion is a
//! panic, which the engine catches and saves like any other).
//!
//! A target returns a coarse *signature* of what happened (which branch accepted or
//! refused the input, and why, without the numbers): the engine keeps a mutant in its
//! corpus when its signature is new, which steers it past the first refusal without
//! coverage instrumentation.

mod emulator;
mod fetch;
mod format;
mod json;
mod times;

pub use crate::target::Target;

/// Every target, in the order `all` runs them.
pub const TARGETS: &[Target] = &[
    format::LINES,
    format::RENDER,
    format::FIELDS,
    format::WHERE,
    fetch::PAGE,
    fetch::NEXT_LINK,
    fetch::STATE,
    times::TIMES,
    emulator::FILTER,
    emulator::SKIPTOKEN,
];

/// The target called `name`.
pub fn find(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}
