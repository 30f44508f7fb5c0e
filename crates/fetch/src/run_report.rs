//! `--metrics` and `--summary`: what a run did, for schedulers and their monitoring,
//! which otherwise see only an exit status.
//!
//! The report is made at the end of every run that got past the command line, a failed
//! one too (a run that fails is the one monitoring must see). `--metrics` replaces its
//! file atomically in the Prometheus text format, as node_exporter's textfile collector
//! reads it: gauges describing the last run, labelled `report` and `tenant`. The last
//! success time survives failed runs by being read back from the file the previous run
//! left, so it needs no state file. `--summary` prints the same figures as one JSON
//! line on stderr. Neither changes the run's exit status: a file that cannot be written
//! is a warning, and the collector's own file age shows a report gone stale.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use aad_common::time::{parse_instant, rfc3339_seconds};
use aad_common::{Error, Result};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::NAME;
use crate::progress::{Figures, Progress};

/// The previous metrics file is read this far for the last success time: the file is
/// small, and anything beyond is not one aad-fetch wrote.
const READ_BACK_LIMIT: u64 = 64 << 10;

/// The metric holding the last success time, read back from the previous file.
const LAST_SUCCESS: &str = "aad_fetch_last_success_timestamp_seconds";

/// What is known about the run so far; filled in as the run gets further.
#[derive(Debug)]
pub(crate) struct RunReport {
    /// `--metrics`.
    pub(crate) metrics: Option<PathBuf>,
    /// `--summary`.
    pub(crate) summary: bool,
    /// `-q`: the warning about a metrics file that could not be written is not shown.
    pub(crate) quiet: bool,
    /// The report's label (REPORT as typed until the target is known).
    pub(crate) report: String,
    /// The tenant: the token's, else `--add-field tenantId=`, else `--tenant`.
    pub(crate) tenant: Option<String>,
    /// The state's checkpoint, when there is a state.
    pub(crate) checkpoint: Option<String>,
    /// The run's counters, once it has them.
    pub(crate) progress: Option<Arc<Progress>>,
    started: Instant,
}

impl RunReport {
    /// A report for a run started now.
    pub(crate) fn new(
        metrics: Option<PathBuf>,
        summary: bool,
        quiet: bool,
        report: String,
    ) -> Self {
        RunReport {
            metrics,
            summary,
            quiet,
            report,
            tenant: None,
            checkpoint: None,
            progress: None,
            started: Instant::now(),
        }
    }

    /// Whether anything is to be reported.
    fn wanted(&self) -> bool {
        self.metrics.is_some() || self.summary
    }

    /// Writes the metrics file and prints the summary for a run that ended with
    /// `outcome`.
    pub(crate) fn finish(&self, outcome: &Result<()>) {
        if !self.wanted() {
            return;
        }
        let finished = Utc::now();
        let exit_status = match outcome {
            Ok(()) => 0,
            Err(err) if err.is_broken_pipe() => 0,
            Err(err) => err.status().code(),
        };
        let last_success = if exit_status == 0 {
            Some(finished)
        } else {
            self.metrics.as_deref().and_then(previous_success)
        };
        let run = Run {
            figures: self
                .progress
                .as_ref()
                .map(|p| p.figures())
                .unwrap_or_default(),
            exit_status,
            duration: self.started.elapsed().as_secs_f64(),
            lag: self
                .checkpoint
                .as_deref()
                .and_then(parse_instant)
                .map(|c| seconds_between(c, finished)),
            finished,
            last_success,
        };
        if let Some(path) = &self.metrics {
            let text = exposition(&self.report, self.tenant.as_deref(), &run);
            if let Err(err) = replace_file(path, text.as_bytes())
                && !self.quiet
            {
                aad_common::process::warn(NAME, &format!("the metrics were not written: {err}"));
            }
        }
        if self.summary {
            let line = summary(&self.report, self.tenant.as_deref(), &run);
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }
}

/// The figures of one finished run.
struct Run {
    figures: Figures,
    exit_status: u8,
    duration: f64,
    /// Seconds from the checkpoint to the end of the run.
    lag: Option<f64>,
    finished: DateTime<Utc>,
    last_success: Option<DateTime<Utc>>,
}

/// Seconds from `from` to `to`, in milliseconds' precision.
fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 1000.0
}

/// Unix time in seconds, in milliseconds' precision.
fn unix(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

/// The metrics file: HELP, TYPE and one sample per metric.
fn exposition(report: &str, tenant: Option<&str>, run: &Run) -> String {
    let labels = format!(
        "{{report=\"{}\",tenant=\"{}\"}}",
        label_value(report),
        label_value(tenant.unwrap_or_default())
    );
    let f = &run.figures;
    let mut metrics: Vec<(&str, String)> = vec![
        ("aad_fetch_records", f.records.to_string()),
        ("aad_fetch_pages", f.pages.to_string()),
        ("aad_fetch_requests", f.requests.to_string()),
        ("aad_fetch_throttled_responses", f.throttled.to_string()),
        ("aad_fetch_retries", f.retries.to_string()),
        ("aad_fetch_received_bytes", f.bytes.to_string()),
        ("aad_fetch_duration_seconds", format!("{:.3}", run.duration)),
    ];
    if let Some(lag) = run.lag {
        metrics.push(("aad_fetch_checkpoint_lag_seconds", format!("{lag:.3}")));
    }
    let last_success = run.last_success.map_or(0.0, unix);
    metrics.extend([
        (
            "aad_fetch_last_run_timestamp_seconds",
            format!("{:.3}", unix(run.finished)),
        ),
        (LAST_SUCCESS, format!("{last_success:.3}")),
        ("aad_fetch_exit_status", run.exit_status.to_string()),
    ]);
    let mut text = String::new();
    for (name, value) in metrics {
        let help = help(name);
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{labels} {value}\n"
        ));
    }
    text
}

/// The HELP text of a metric.
fn help(name: &str) -> &'static str {
    match name {
        "aad_fetch_records" => "Records written by the last run.",
        "aad_fetch_pages" => "Pages written by the last run.",
        "aad_fetch_requests" => "Requests the last run sent to the service, retries included.",
        "aad_fetch_throttled_responses" => "Answers 429 (throttled) the last run received.",
        "aad_fetch_retries" => "Requests the last run sent again after a failed answer.",
        "aad_fetch_received_bytes" => "Response body bytes the last run received.",
        "aad_fetch_duration_seconds" => "How long the last run took.",
        "aad_fetch_checkpoint_lag_seconds" => {
            "How far the checkpoint is behind the last run's end."
        }
        "aad_fetch_last_run_timestamp_seconds" => "When the last run ended (Unix time).",
        LAST_SUCCESS => "When the last run that exited 0 ended (Unix time; 0: none yet).",
        _ => "The exit status of the last run (0: success).",
    }
}

/// A label value escaped as the exposition format wants: backslash, quote, newline.
fn label_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The `--summary` line.
fn summary(report: &str, tenant: Option<&str>, run: &Run) -> String {
    let f = &run.figures;
    json!({
        "report": report,
        "tenant": tenant,
        "exit_status": run.exit_status,
        "records": f.records,
        "pages": f.pages,
        "requests": f.requests,
        "throttled_responses": f.throttled,
        "retries": f.retries,
        "received_bytes": f.bytes,
        "duration_seconds": (run.duration * 1000.0).round() / 1000.0,
        "checkpoint_lag_seconds": run.lag,
        "finished": rfc3339_seconds(run.finished),
        "last_success": run.last_success.map(rfc3339_seconds),
    })
    .to_string()
}

/// The last success time in the metrics file a previous run left; none when there is
/// no such file, or it holds no (positive) value.
fn previous_success(path: &Path) -> Option<DateTime<Utc>> {
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(READ_BACK_LIMIT).read_to_string(&mut text).ok()?;
    let line = text
        .lines()
        .find(|l| l.starts_with(LAST_SUCCESS) && l[LAST_SUCCESS.len()..].starts_with(['{', ' ']))?;
    let seconds: f64 = line.rsplit(' ').next()?.parse().ok()?;
    if !(seconds.is_finite() && seconds > 0.0) {
        return None;
    }
    DateTime::from_timestamp_millis((seconds * 1000.0).round() as i64)
}

/// Replaces `path` with `bytes` atomically: a temporary file in the same directory
/// (not ending in `.prom`, so the collector never reads it half-written), fsync, rename.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().map_or_else(
        || std::ffi::OsString::from("metrics"),
        std::ffi::OsStr::to_os_string,
    );
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(&name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::file("write", &tmp, e));
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::file("replace", path, e));
    }
    // The rename is durable once the directory is; failing that is not worth a warning.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }

    #[test]
    fn the_last_success_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.prom");
        assert_eq!(previous_success(&path), None);
        std::fs::write(&path, format!("# HELP {LAST_SUCCESS} x\n{LAST_SUCCESS}{{report=\"a b\",tenant=\"\"}} 1700000000.250\n")).unwrap();
        assert_eq!(
            previous_success(&path).map(|t| t.timestamp_millis()),
            Some(1_700_000_000_250)
        );
        std::fs::write(&path, format!("{LAST_SUCCESS}{{}} 0\n")).unwrap();
        assert_eq!(previous_success(&path), None);
        std::fs::write(&path, format!("{LAST_SUCCESS}_other{{}} 5\n")).unwrap();
        assert_eq!(previous_success(&path), None);
    }
}
