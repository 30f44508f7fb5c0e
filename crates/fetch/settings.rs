//! Turning the command line (plus the state checkpoint and the clock) into what the
//! run does: checks of flag combinations, the time window, the dedup mode. Pure
//! functions, unit-tested.

use aad_common::time::{parse_instant, to_time_delta};
use aad_common::{Error, Result, Status};
use chrono::{DateTime, TimeDelta, Utc};

use crate::cli::{Args, Dedup};
use crate::window::{Slice, parse_when};

/// Refuses flag combinations that cannot work together.
pub(crate) fn check_combinations(args: &Args) -> Result<()> {
    if args.state.is_some() && args.until.is_some() {
        return Err(Error::usage(
            "--until cannot be used with --state: each incremental run ends its window at now minus --lag",
        ));
    }
    if args.state.is_some() && args.pages {
        return Err(Error::usage(
            "--pages cannot be used with --state: deduplication works on records, not whole pages",
        ));
    }
    if args.pages && args.dedup.is_some_and(|d| d != Dedup::None) {
        return Err(Error::usage(
            "--pages writes whole pages; it cannot skip records with --dedup",
        ));
    }
    if args.state.is_none() && args.overlap_or_lag_given() {
        return Err(Error::usage(
            "--lag and --overlap apply to --state runs only",
        ));
    }
    Ok(())
}

impl Args {
    /// Whether --lag or --overlap differ from their defaults (they mean nothing without --state).
    fn overlap_or_lag_given(&self) -> bool {
        self.lag != std::time::Duration::from_secs(600)
            || self.overlap != std::time::Duration::from_secs(7200)
    }
}

/// The dedup mode: as given, else `changed` with `--state` and `none` without.
pub(crate) fn dedup_mode(args: &Args) -> Dedup {
    args.dedup.unwrap_or(if args.state.is_some() {
        Dedup::Changed
    } else {
        Dedup::None
    })
}

/// The window `[start, end)` of this run.
///
/// Without state: `--since`/`--until` as given (either may be open). With state: the end
/// is now minus `--lag`; the start is the checkpoint minus `--overlap`, or `--since` on
/// the first run, or one day before the end.
pub(crate) fn window(args: &Args, checkpoint: Option<&str>, now: DateTime<Utc>) -> Result<Slice> {
    if args.state.is_none() {
        let start = args
            .since
            .as_deref()
            .map(|s| parse_when("--since", s, now))
            .transpose()?;
        let end = args
            .until
            .as_deref()
            .map(|s| parse_when("--until", s, now))
            .transpose()?;
        if let (Some(s), Some(e)) = (start, end)
            && s >= e
        {
            return Err(Error::usage(format!(
                "--since ({s}) is not before --until ({e})"
            )));
        }
        return Ok(Slice { start, end });
    }
    let end = now - to_time_delta(args.lag);
    let start = match checkpoint {
        Some(text) => checkpoint_start(text, now)? - to_time_delta(args.overlap),
        None => match &args.since {
            Some(since) => parse_when("--since", since, now)?,
            None => end - TimeDelta::days(1),
        },
    };
    Ok(Slice {
        start: Some(start),
        end: Some(end),
    })
}

/// The checkpoint of a state file, refused when it is not a time or lies in the future:
/// such a state would make every run fetch nothing, quietly, forever.
fn checkpoint_start(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let shown = aad_common::sanitize::printable(text);
    let checkpoint = parse_instant(text).ok_or_else(|| {
        Error::new(
            Status::File,
            format!("the state's checkpoint '{shown}' is not a time"),
        )
        .with_hint("the state file is damaged; delete it to start again from --since")
    })?;
    if checkpoint > now {
        return Err(Error::new(
            Status::File,
            format!("the state's checkpoint {shown} lies in the future (now is {})", aad_common::time::graph_time(now)),
        )
        .with_hint("was the clock wrong when it was written? Fix the clock, then delete the state file (or set its checkpoint to a past time) to fetch again"));
    }
    Ok(checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    fn args(extra: &[&str]) -> Args {
        let mut argv = vec!["aad-fetch", "directoryAudits"];
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv).unwrap()
    }

    fn t(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap()
    }

    #[test]
    fn plain_windows() {
        let now = t("2024-03-10T12:00:00Z");
        let w = window(&args(&["--since", "1d"]), None, now).unwrap();
        assert_eq!((w.start, w.end), (Some(t("2024-03-09T12:00:00Z")), None));
        assert!(window(&args(&["--since", "1d", "--until", "2d"]), None, now).is_err());
    }

    #[test]
    fn state_windows_end_at_now_minus_lag_and_overlap_the_checkpoint() {
        let now = t("2024-03-10T12:00:00Z");
        let a = args(&["--state", "s.json", "--since", "7d"]);
        let first = window(&a, None, now).unwrap();
        assert_eq!(first.start, Some(t("2024-03-03T12:00:00Z")));
        assert_eq!(first.end, Some(t("2024-03-10T11:50:00Z")));
        let later = window(
            &a,
            Some("2024-03-10T11:50:00.0000000Z"),
            t("2024-03-10T12:15:00Z"),
        )
        .unwrap();
        assert_eq!(later.start, Some(t("2024-03-10T09:50:00Z")));
        assert_eq!(later.end, Some(t("2024-03-10T12:05:00Z")));
    }

    #[test]
    fn checkpoints_in_the_future_or_not_times_are_file_errors() {
        let now = t("2024-03-10T12:00:00Z");
        let a = args(&["--state", "s.json"]);
        for bad in ["2024-03-10T12:00:01Z", "not a time"] {
            let err = window(&a, Some(bad), now).unwrap_err();
            assert_eq!(err.status(), Status::File, "{bad}: {err}");
        }
        assert!(window(&a, Some("2024-03-10T11:59:59Z"), now).is_ok());
    }

    #[test]
    fn combinations_and_dedup_defaults() {
        assert!(check_combinations(&args(&["--state", "s", "--until", "1h"])).is_err());
        assert!(check_combinations(&args(&["--state", "s", "--pages"])).is_err());
        assert!(check_combinations(&args(&["--lag", "5m"])).is_err());
        assert!(check_combinations(&args(&["--state", "s", "--lag", "5m"])).is_ok());
        assert_eq!(dedup_mode(&args(&["--state", "s"])), Dedup::Changed);
        assert_eq!(dedup_mode(&args(&[])), Dedup::None);
        assert_eq!(dedup_mode(&args(&["--dedup", "id"])), Dedup::Id);
    }
}
