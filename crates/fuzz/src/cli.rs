//! The command line of `aad-fuzz [TARGET...]`: fuzzes the named targets (all by
//! default) for a time budget shared between them, prints `TARGET: N execs, M crashes`
//! for each, and ends with status 1 when any input crashed or hung (each saved under
//! `crashes/TARGET/`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::engine::{self, Budget, Dirs};
use crate::{TARGETS, Target, targets};
use clap::Parser;

/// Fuzzes aad-tools' parsers on the stable toolchain.
#[derive(Debug, Parser)]
#[command(name = "aad-fuzz")]
struct Args {
    /// Targets to run (default: all); see --list.
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// Seconds in all, shared equally between the targets.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    seconds: f64,
    /// Stop each target after this many mutants instead (the deterministic budget).
    #[arg(long, value_name = "N")]
    execs: Option<u64>,
    /// The random seed (default: from the clock; printed, to run the same inputs again).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// An input that runs longer than this is a hang.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    hang_ms: u64,
    /// Mutants are cut to this many bytes.
    #[arg(long, default_value_t = 64 * 1024, value_name = "BYTES")]
    max_len: usize,
    /// The folder holding seeds/, regressions/ and crashes/.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// List the targets and exit.
    #[arg(long)]
    list: bool,
}

/// Runs aad-fuzz with the process's arguments.
pub fn run() -> ExitCode {
    let args = Args::parse();
    let mut out = std::io::stdout().lock();
    if args.list {
        for t in TARGETS {
            let _ = writeln!(out, "{:<20} {}", t.name, t.about);
        }
        return ExitCode::SUCCESS;
    }
    let chosen: Vec<&'static Target> = if args.targets.is_empty() {
        TARGETS.iter().collect()
    } else {
        let mut chosen = Vec::new();
        for name in &args.targets {
            let Some(t) = targets::find(name) else {
                let _ = writeln!(
                    std::io::stderr(),
                    "aad-fuzz: error: no target '{name}' (see --list)"
                );
                return ExitCode::from(2);
            };
            chosen.push(t);
        }
        chosen
    };
    if !(args.seconds.is_finite() && args.seconds >= 0.0) {
        let _ = writeln!(
            std::io::stderr(),
            "aad-fuzz: error: --seconds must be a number of seconds"
        );
        return ExitCode::from(2);
    }
    let seed = args.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let _ = writeln!(out, "seed: {seed}");
    let dirs = Dirs {
        root: args.dir.clone().unwrap_or_else(crate::package_dir),
        save: true,
    };
    let budget = Budget {
        time: Duration::from_secs_f64(args.seconds / chosen.len() as f64),
        max_execs: args.execs.unwrap_or(u64::MAX),
        seed,
        hang: Duration::from_millis(args.hang_ms),
        max_len: args.max_len,
    };
    let mut found = false;
    for target in chosen {
        let report = engine::fuzz(target, &dirs, &budget);
        let _ = writeln!(
            out,
            "{}: {} execs, {} crashes",
            report.target, report.execs, report.crashes
        );
        for finding in &report.findings {
            found = true;
            let saved = finding
                .saved
                .as_ref()
                .map_or_else(|| "not saved".to_string(), |p| p.display().to_string());
            let message: String = finding.message.chars().take(400).collect();
            let _ = writeln!(
                out,
                "  {}: {message} ({} bytes, {saved})",
                finding.kind,
                finding.input.len()
            );
        }
        let _ = out.flush();
    }
    if found {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
