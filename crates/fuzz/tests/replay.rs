//! Every kept input replays without a crash: the seeds, and every crash the fuzzer ever
//! found (under `regressions/<target>/`, minimised).

use aad_fuzz::engine::{Dirs, read_dir_files, run_one};
use aad_fuzz::{TARGETS, package_dir, targets};

#[test]
fn every_seed_and_regression_runs_clean() {
    let dirs = Dirs {
        root: package_dir(),
        save: false,
    };
    let mut failures = Vec::new();
    let mut replayed = 0;
    for target in TARGETS {
        for (path, input) in dirs.inputs(target.name) {
            replayed += 1;
            if let Err(message) = run_one(target, &input) {
                failures.push(format!("{}: {message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} inputs crash:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        replayed >= 2 * TARGETS.len(),
        "only {replayed} inputs replayed"
    );
}

#[test]
fn every_target_has_seeds_and_every_folder_names_a_target() {
    for target in TARGETS {
        let seeds = read_dir_files(&package_dir().join("seeds").join(target.name));
        assert!(!seeds.is_empty(), "no seeds for {}", target.name);
    }
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(package_dir().join(kind)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                targets::find(&name).is_some(),
                "{kind}/{name} is not a target's folder"
            );
        }
    }
}

#[test]
fn a_panicking_target_is_caught_with_its_message() {
    let target = aad_fuzz::Target {
        name: "test-only",
        about: "",
        run: |data| {
            assert!(data != b"boom", "the input was {data:?}");
            0
        },
        words: &[],
    };
    assert_eq!(run_one(&target, b"fine"), Ok(0));
    let message = run_one(&target, b"boom").unwrap_err();
    assert!(
        message.contains("replay.rs") && message.contains("the input was [98, 111, 111, 109]"),
        "{message}"
    );
}
