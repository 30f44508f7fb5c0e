//! Diagnostics on stderr: the progress line (when stderr is a terminal, or
//! `--progress`), `-v` request logs, warnings. Shared by the fetch and write threads.
//! Every line is escaped and has the known secrets masked ([`aad_common::mask`]): a
//! server's message may echo the token.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aad_common::mask::mask_secrets;
use aad_common::sanitize::{printable, truncate_chars};

use crate::NAME;

/// Redraw the line at most this often.
const REDRAW: Duration = Duration::from_millis(100);

/// What stderr shows besides errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mode {
    /// The progress line: on a terminal, or with `--progress`, never with `-q`.
    pub(crate) draw: bool,
    /// `-v`: a line per request and retry decision.
    pub(crate) verbose: bool,
    /// `-q`: no warnings.
    pub(crate) quiet: bool,
}

/// What a run did, for `--metrics` and `--summary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Figures {
    /// Pages written (or, with `--pages`, whose records were counted).
    pub(crate) pages: u64,
    /// Records written.
    pub(crate) records: u64,
    /// GETs sent to the service (every attempt, retries included).
    pub(crate) requests: u64,
    /// Answers 429 (or 509): the service throttled a request.
    pub(crate) throttled: u64,
    /// Requests sent again after a throttled, failed, timed-out or cut-short answer.
    pub(crate) retries: u64,
    /// Response body bytes received (as decoded), error answers included.
    pub(crate) bytes: u64,
}

/// What the progress line shows, updated by both threads.
#[derive(Debug)]
struct Counters {
    figures: Figures,
    skipped: u64,
    slice: String,
    note: Option<String>,
    last_draw: Option<Instant>,
    shown: bool,
}

/// Everything aad-fetch writes to stderr except the final error: both threads write
/// through it, so a log line never lands in the middle of the progress line.
#[derive(Debug)]
pub(crate) struct Progress {
    mode: Mode,
    label: String,
    started: Instant,
    counters: Mutex<Counters>,
}

impl Progress {
    /// A progress reporter for fetching `label`.
    pub(crate) fn new(mode: Mode, label: &str) -> Progress {
        Progress {
            mode,
            label: label.to_string(),
            started: Instant::now(),
            counters: Mutex::new(Counters {
                figures: Figures::default(),
                skipped: 0,
                slice: String::new(),
                note: None,
                last_draw: None,
                shown: false,
            }),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Counters) -> R) -> R {
        let mut guard = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// A `-v` line.
    pub(crate) fn log(&self, message: &str) {
        if self.mode.verbose {
            self.line(&format!("{NAME}: {}", printable(message)));
        }
    }

    /// Whether `-v` lines are shown (so a caller can skip making one).
    pub(crate) fn verbose(&self) -> bool {
        self.mode.verbose
    }

    /// A warning (shown unless `-q`).
    pub(crate) fn warn(&self, message: &str) {
        if !self.mode.quiet {
            self.line(&format!("{NAME}: warning: {}", printable(message)));
        }
    }

    /// A page was written.
    pub(crate) fn page(&self, written: u64, skipped: u64) {
        self.with(|c| {
            c.figures.pages += 1;
            c.figures.records += written;
            c.skipped += skipped;
            c.note = None;
        });
        self.draw(false);
    }

    /// A request was answered (or failed) with a body of `bytes`.
    pub(crate) fn request(&self, bytes: usize) {
        self.with(|c| {
            c.figures.requests += 1;
            c.figures.bytes += bytes as u64;
        });
    }

    /// The service throttled a request (429).
    pub(crate) fn throttled(&self) {
        self.with(|c| c.figures.throttled += 1);
    }

    /// A request is to be sent again.
    pub(crate) fn retry(&self) {
        self.with(|c| c.figures.retries += 1);
    }

    /// What the run did so far.
    pub(crate) fn figures(&self) -> Figures {
        self.with(|c| c.figures)
    }

    /// Work moved to another slice.
    pub(crate) fn slice(&self, label: String) {
        self.with(|c| c.slice = label);
        self.draw(true);
    }

    /// A wait or retry, shown until the next page ("throttled, retrying in 4s").
    pub(crate) fn note(&self, note: String) {
        self.log(&note);
        self.with(|c| c.note = Some(note));
        self.draw(true);
    }

    /// Clears the line at the end.
    pub(crate) fn finish(&self) {
        let shown = self.with(|c| std::mem::replace(&mut c.shown, false));
        if shown {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }

    fn line(&self, text: &str) {
        let shown = self.with(|c| c.shown);
        let mut err = std::io::stderr().lock();
        if shown {
            let _ = write!(err, "\r\x1b[2K");
        }
        let _ = writeln!(err, "{}", mask_secrets(text));
        drop(err);
        if shown {
            self.draw(true);
        }
    }

    fn draw(&self, force: bool) {
        if !self.mode.draw || self.mode.quiet {
            return;
        }
        let now = Instant::now();
        let text = self.with(|c| {
            if !force && c.last_draw.is_some_and(|t| now.duration_since(t) < REDRAW) {
                return None;
            }
            c.last_draw = Some(now);
            c.shown = true;
            let seconds = self.started.elapsed().as_secs_f64().max(0.001);
            let mut text = format!(
                "{NAME}: {} · {} pages · {} records · {:.0}/s",
                self.label,
                c.figures.pages,
                c.figures.records,
                c.figures.records as f64 / seconds
            );
            if c.skipped > 0 {
                text.push_str(&format!(" · {} already emitted", c.skipped));
            }
            if !c.slice.is_empty() {
                text.push_str(&format!(" · slice {}", c.slice));
            }
            if let Some(note) = &c.note {
                text.push_str(&format!(" · {note}"));
            }
            Some(truncate_chars(&mask_secrets(&printable(&text)), 160).into_owned())
        });
        if let Some(text) = text {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K{text}");
        }
    }
}
