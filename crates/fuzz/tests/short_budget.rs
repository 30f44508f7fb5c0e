//! A short fuzzing budget for every target, with a fixed seed and a fixed number of
//! mutants, so that the test suite runs the same inputs every time: a defect it finds
//! stays found until fixed. `scripts/fuzz.sh` runs the long, random budgets.

use std::time::Duration;

use aad_fuzz::engine::{Budget, Dirs, fuzz};
use aad_fuzz::{TARGETS, package_dir};

/// Mutants per target: together about two to three seconds in a debug build.
const MUTANTS: u64 = 350;

#[test]
fn every_target_survives_a_short_seeded_budget() {
    let dirs = Dirs {
        root: package_dir(),
        save: false,
    };
    let budget = Budget {
        // The bound is the number of mutants; the time is only a backstop.
        time: Duration::from_secs(120),
        max_execs: MUTANTS,
        seed: 20261207,
        // Debug builds are slow: a hang here is an input that takes far longer.
        hang: Duration::from_secs(20),
        max_len: 16 * 1024,
    };
    let mut found = Vec::new();
    for target in TARGETS {
        let report = fuzz(target, &dirs, &budget);
        assert!(
            report.execs >= MUTANTS,
            "{}: {} execs",
            target.name,
            report.execs
        );
        for f in report.findings {
            found.push(format!(
                "{}: {} on {:?}",
                target.name,
                f.message,
                String::from_utf8_lossy(&f.input)
            ));
        }
    }
    assert!(found.is_empty(), "crashes:\n{}", found.join("\n"));
}
