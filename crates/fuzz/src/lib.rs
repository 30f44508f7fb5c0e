//! aad-fuzz: fuzz targets for every parser of aad-tools that takes outside input, and a
//! seeded mutational fuzzer that runs them on the stable toolchain (no `cargo fuzz`, no
//! nightly). `scripts/fuzz.sh [SECONDS]` runs every target for its share of a budget;
//! the package's tests replay every input under `regressions/` and run a short budget
//! with a fixed seed.
//!
//! The targets reach the tools' internal parsers through each library's `fuzzing`
//! feature, which only this package enables.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the `aad-fuzz` command line: targets, budget, seed; the report per target |
//! | [`target`] | what a target is; the signature of what an input did |
//! | [`targets`] | one function per target: run one input, assert the invariants, return a signature |
//! | [`engine`] | the loop: corpus, mutants, caught panics, shrinking, saved crashes, the hang watchdog |
//! | [`mutate`] | byte-level and structure-aware mutations |
//! | [`rng`] | the seeded random source |
//! | `watchdog` | the thread that reports an input running past the hang limit (CPU time) |

pub mod cli;
pub mod engine;
pub mod mutate;
pub mod rng;
pub mod target;
pub mod targets;
mod watchdog;

pub use targets::{TARGETS, Target};

/// The folder of this package, which holds `seeds/`, `regressions/` and `crashes/`.
pub fn package_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
