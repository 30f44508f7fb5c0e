//! The request budget several aad-fetch processes share: a small file, one per group
//! ([`crate::rate_group`]), that holds the send times of the group's requests within
//! the window and a time the whole group is paused until (a 429's `Retry-After`).
//!
//! - **Locking.** Each read-modify-write holds an exclusive `flock` on the file, never
//!   while sleeping or during a request. The kernel releases it when a process dies,
//!   however it dies, so a process killed while holding it never wedges the group.
//! - **Reserve before sending.** A slot is taken (its time recorded) under the lock, so
//!   two processes cannot both see the last free slot; once the answer has come, the
//!   entry moves to the answer's time ([`SharedBudget::settle`]), since the service may
//!   count the request anywhere between the two.
//! - **Wall-clock milliseconds**, as processes share no other clock. Entries further in
//!   the future than a window (a clock set back) are dropped.
//! - **It is only a budget.** A file that does not parse is taken as empty (one warning);
//!   it is read up to [`FILE_LIMIT`] and keeps at most [`MAX_ENTRIES`] times, so neither
//!   a damaged nor a hostile file can cost more than a few kilobytes.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aad_common::time::Rate;
use aad_common::{Error, Result};

/// The first line of a budget file: its format and version.
const HEADER: &str = "aad-fetch rate 1";
/// The longest file read: more cannot be a budget of [`MAX_ENTRIES`].
const FILE_LIMIT: u64 = 256 << 10;
/// The most send times kept (the newest): only the last `count` matter to any budget.
const MAX_ENTRIES: usize = 10_000;
/// The longest pause read from the file: a corrupt or hostile time far in the future
/// must not stop the group for good.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// What a budget file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ledger {
    /// No request of the group goes out before this (ms since the epoch; 0: none).
    pub(crate) paused_until: u64,
    /// Send times within the window, oldest first (ms since the epoch).
    pub(crate) sent: Vec<u64>,
}

impl Ledger {
    /// Reads a file's text; `None` when it is not a budget file.
    pub(crate) fn parse(text: &str) -> Option<Ledger> {
        let mut lines = text.lines();
        if lines.next()? != HEADER {
            return None;
        }
        let paused_until = lines.next()?.strip_prefix("paused ")?.parse().ok()?;
        let mut sent = Vec::new();
        for line in lines {
            let at: u64 = line.strip_prefix("sent ")?.parse().ok()?;
            if sent.last().is_some_and(|&last| at < last) {
                return None;
            }
            sent.push(at);
        }
        if sent.len() > MAX_ENTRIES {
            sent.drain(..sent.len() - MAX_ENTRIES);
        }
        Some(Ledger { paused_until, sent })
    }

    /// The file's text.
    pub(crate) fn render(&self) -> String {
        let mut text = format!("{HEADER}\npaused {}\n", self.paused_until);
        for at in &self.sent {
            text.push_str(&format!("sent {at}\n"));
        }
        text
    }

    /// Forgets what no longer counts at `now` for a window of `window_ms`: times older
    /// than the window or more than a window ahead (a clock set back), and a pause
    /// that is over. A pause further ahead than [`MAX_PAUSE`] is shortened to it.
    fn prune(&mut self, now: u64, window_ms: u64) {
        self.sent
            .retain(|&at| at + window_ms > now && at <= now + window_ms);
        if self.sent.len() > MAX_ENTRIES {
            self.sent.drain(..self.sent.len() - MAX_ENTRIES);
        }
        if self.paused_until <= now {
            self.paused_until = 0;
        }
        self.paused_until = self.paused_until.min(now + millis(MAX_PAUSE));
    }

    /// Takes a slot at `now` under `rate` (with `margin` added to its window): zero
    /// when taken, else how long until one may be.
    pub(crate) fn reserve(&mut self, rate: Rate, margin: Duration, now: u64) -> Duration {
        let window_ms = millis(rate.per + margin);
        self.prune(now, window_ms);
        if self.paused_until > now {
            return Duration::from_millis(self.paused_until - now);
        }
        let count = rate.count as usize;
        if self.sent.len() < count {
            let at = self.sent.partition_point(|&t| t <= now);
            self.sent.insert(at, now);
            return Duration::ZERO;
        }
        // The slot frees when the `count`-th newest time leaves the window.
        let freeing = self.sent[self.sent.len() - count];
        Duration::from_millis((freeing + window_ms).saturating_sub(now).max(1))
    }

    /// Moves the entry of a request reserved at `reserved` to `answered`.
    pub(crate) fn settle(&mut self, reserved: u64, answered: u64) {
        if let Some(i) = self.sent.iter().position(|&t| t == reserved) {
            self.sent.remove(i);
            let at = self.sent.partition_point(|&t| t <= answered);
            self.sent.insert(at, answered);
        }
    }

    /// No request goes out before `until` (a longer pause already set stays).
    pub(crate) fn pause(&mut self, until: u64) {
        self.paused_until = self.paused_until.max(until);
    }
}

/// One group's budget file, open for the run.
#[derive(Debug)]
pub(crate) struct SharedBudget {
    path: PathBuf,
    file: File,
}

/// What one locked read of the file found: the ledger, and a warning when it did not
/// parse (it was then taken as empty).
type Read = (Ledger, Option<String>);

impl SharedBudget {
    /// Opens (creating it, private to the user) the budget file at `path`.
    pub(crate) fn open(path: &Path) -> Result<SharedBudget> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(path)
            .map_err(|e| Error::file("open rate file", path, e))?;
        Ok(SharedBudget {
            path: path.to_path_buf(),
            file,
        })
    }

    /// The file's path, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `change` on the ledger under the lock and writes the result back. Returns
    /// what `change` returned and a warning when the file did not parse.
    pub(crate) fn update<R>(
        &mut self,
        change: impl FnOnce(&mut Ledger) -> R,
    ) -> Result<(R, Option<String>)> {
        let io = |path: &Path, e| Error::file("update rate file", path, e);
        self.file.lock().map_err(|e| io(&self.path, e))?;
        let result = self.locked_update(change);
        // Closing the file would release the lock too; unlocking keeps it open.
        let unlocked = self.file.unlock();
        let (value, warning) = result.map_err(|e| io(&self.path, e))?;
        unlocked.map_err(|e| io(&self.path, e))?;
        Ok((value, warning))
    }

    fn locked_update<R>(
        &mut self,
        change: impl FnOnce(&mut Ledger) -> R,
    ) -> std::io::Result<(R, Option<String>)> {
        let (mut ledger, warning) = self.read()?;
        let before = ledger.clone();
        let value = change(&mut ledger);
        if ledger != before || warning.is_some() {
            let text = ledger.render();
            self.file.seek(SeekFrom::Start(0))?;
            self.file.set_len(0)?;
            self.file.write_all(text.as_bytes())?;
        }
        Ok((value, warning))
    }

    fn read(&mut self) -> std::io::Result<Read> {
        self.file.seek(SeekFrom::Start(0))?;
        let mut bytes = Vec::new();
        (&mut self.file)
            .take(FILE_LIMIT + 1)
            .read_to_end(&mut bytes)?;
        if bytes.is_empty() {
            return Ok((Ledger::default(), None));
        }
        let parsed = (bytes.len() as u64 <= FILE_LIMIT)
            .then(|| std::str::from_utf8(&bytes).ok().and_then(Ledger::parse))
            .flatten();
        Ok(match parsed {
            Some(ledger) => (ledger, None),
            None => (
                Ledger::default(),
                Some(format!(
                    "the rate file '{}' is damaged; starting its budget again",
                    self.path.display()
                )),
            ),
        })
    }
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate {
        count: 2,
        per: Duration::from_secs(10),
    };

    #[test]
    fn slots_free_a_window_after_they_were_taken() {
        let mut l = Ledger::default();
        let zero = Duration::ZERO;
        assert_eq!(l.reserve(RATE, zero, 1_000), zero);
        assert_eq!(l.reserve(RATE, zero, 2_000), zero);
        assert_eq!(l.reserve(RATE, zero, 3_000), Duration::from_millis(8_000));
        assert_eq!(
            l.sent,
            [1_000, 2_000],
            "a refused reservation takes nothing"
        );
        assert_eq!(l.reserve(RATE, zero, 11_000), zero);
        assert_eq!(l.sent, [2_000, 11_000]);
        assert_eq!(
            l.reserve(RATE, Duration::from_millis(50), 11_500),
            Duration::from_millis(550)
        );
    }

    #[test]
    fn a_pause_stops_every_reservation_until_it_ends() {
        let mut l = Ledger::default();
        l.pause(5_000);
        l.pause(4_000);
        assert_eq!(
            l.reserve(RATE, Duration::ZERO, 1_000),
            Duration::from_secs(4)
        );
        assert_eq!(l.reserve(RATE, Duration::ZERO, 5_000), Duration::ZERO);
        assert_eq!(l.paused_until, 0);
    }

    #[test]
    fn settling_moves_the_entry_to_the_answer() {
        let mut l = Ledger {
            paused_until: 0,
            sent: vec![1_000, 2_000],
        };
        l.settle(1_000, 2_500);
        assert_eq!(l.sent, [2_000, 2_500]);
        l.settle(9_999, 10_000);
        assert_eq!(l.sent, [2_000, 2_500], "an entry already gone stays gone");
    }

    #[test]
    fn far_future_times_are_bounded() {
        let mut l = Ledger {
            paused_until: u64::MAX,
            sent: vec![500_000],
        };
        let wait = l.reserve(RATE, Duration::ZERO, 1_000);
        assert_eq!(wait, MAX_PAUSE);
        assert!(
            l.sent.is_empty(),
            "a time a window ahead is a clock set back"
        );
    }

    #[test]
    fn text_round_trips_and_damage_is_refused() {
        let l = Ledger {
            paused_until: 7,
            sent: vec![1, 2, 2, 3],
        };
        assert_eq!(Ledger::parse(&l.render()), Some(l));
        for bad in [
            "",
            "aad-fetch rate 2\npaused 0\n",
            "aad-fetch rate 1\n",
            "aad-fetch rate 1\npaused x\n",
            "aad-fetch rate 1\npaused 0\nsent 5\nsent 4\n",
            "aad-fetch rate 1\npaused 0\nsent -1\n",
            "aad-fetch rate 1\npaused 0\n\n",
        ] {
            assert_eq!(Ledger::parse(bad), None, "{bad:?}");
        }
        let many: String = (0..MAX_ENTRIES as u64 + 5)
            .map(|i| format!("sent {i}\n"))
            .collect();
        let parsed = Ledger::parse(&format!("{HEADER}\npaused 0\n{many}")).unwrap();
        assert_eq!(parsed.sent.len(), MAX_ENTRIES);
        assert_eq!(parsed.sent[0], 5, "the newest are kept");
    }
}
