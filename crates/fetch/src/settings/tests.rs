//! The resolving rules, one test each, driven through [`resolve`] as `run` calls it.

use std::path::Path;

use clap::CommandFactory as _;

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    parse_instant(s).unwrap()
}

/// The clock of every test.
fn now() -> DateTime<Utc> {
    t("2024-03-10T12:00:00Z")
}

fn matches(report: &str, extra: &[&str]) -> ArgMatches {
    let mut argv = vec!["aad-fetch", report];
    argv.extend_from_slice(extra);
    Args::command().try_get_matches_from(argv).unwrap()
}

fn resolve_with(extra: &[&str], env: &Environment) -> Result<Settings> {
    resolve(&matches("directoryAudits", extra), env, now())
}

fn settings_for(report: &str, extra: &[&str]) -> Settings {
    resolve(&matches(report, extra), &Environment::default(), now()).unwrap()
}

fn settings(extra: &[&str]) -> Settings {
    resolve_with(extra, &Environment::default()).unwrap()
}

fn usage_error(extra: &[&str]) -> String {
    let err = resolve_with(extra, &Environment::default()).unwrap_err();
    assert_eq!(err.status(), Status::Usage, "{err}");
    err.to_string()
}

#[test]
fn clap_definition_is_consistent() {
    Args::command().debug_assert();
}

#[test]
fn plain_windows() {
    let w = settings(&["--since", "1d"])
        .window
        .window(None, now())
        .unwrap();
    assert_eq!((w.start, w.end), (Some(t("2024-03-09T12:00:00Z")), None));
    usage_error(&["--since", "1d", "--until", "2d"]);
}

#[test]
fn state_windows_end_at_now_minus_lag_and_overlap_the_checkpoint() {
    let rule = settings(&["--state", "s.json", "--since", "7d"]).window;
    let first = rule.window(None, now()).unwrap();
    assert_eq!(first.start, Some(t("2024-03-03T12:00:00Z")));
    assert_eq!(first.end, Some(t("2024-03-10T11:50:00Z")));
    let later = rule
        .window(
            Some("2024-03-10T11:50:00.0000000Z"),
            t("2024-03-10T12:15:00Z"),
        )
        .unwrap();
    assert_eq!(later.start, Some(t("2024-03-10T09:50:00Z")));
    assert_eq!(later.end, Some(t("2024-03-10T12:05:00Z")));
    let without_since = settings(&["--state", "s.json"]).window;
    let first = without_since.window(None, now()).unwrap();
    assert_eq!(
        first.start,
        Some(t("2024-03-09T11:50:00Z")),
        "a day before the end"
    );
}

#[test]
fn checkpoints_in_the_future_or_not_times_are_file_errors() {
    let rule = settings(&["--state", "s.json"]).window;
    for bad in ["2024-03-10T12:00:01Z", "not a time"] {
        let err = rule.window(Some(bad), now()).unwrap_err();
        assert_eq!(err.status(), Status::File, "{bad}: {err}");
    }
    assert!(rule.window(Some("2024-03-10T11:59:59Z"), now()).is_ok());
}

#[test]
fn combinations_and_dedup_defaults() {
    usage_error(&["--state", "s", "--until", "1h"]);
    usage_error(&["--state", "s", "--pages"]);
    usage_error(&["--pages", "--dedup", "id"]);
    usage_error(&["--lag", "5m"]);
    assert_eq!(
        settings(&["--state", "s", "--lag", "5m"]).state,
        Some("s".into())
    );
    assert_eq!(settings(&["--state", "s"]).dedup, Dedup::Changed);
    assert_eq!(settings(&[]).dedup, Dedup::None);
    assert_eq!(settings(&["--dedup", "id"]).dedup, Dedup::Id);
}

#[test]
fn lag_and_overlap_count_as_given_when_typed_even_with_their_default_value() {
    let err = usage_error(&["--overlap", "2h"]);
    assert!(err.contains("--state runs only"), "{err}");
    usage_error(&["--lag", "10m"]);
}

#[test]
fn a_report_is_needed_and_the_slice_must_be_a_duration() {
    let list = Args::command()
        .try_get_matches_from(["aad-fetch", "--list"])
        .unwrap();
    let err = resolve(&list, &Environment::default(), now()).unwrap_err();
    assert!(err.to_string().starts_with("name a report"), "{err}");
    let err = usage_error(&["--slice", "30s"]);
    assert!(err.starts_with("--slice:"), "{err}");
    assert_eq!(settings(&["--slice", "none"]).slicing, Slicing::Whole);
    assert_eq!(settings(&[]).slicing, Slicing::Auto, "auto by default");
    assert_eq!(
        settings(&["--slice", "1d"]).slicing,
        Slicing::Every(chrono::TimeDelta::days(1))
    );
}

#[test]
fn top_counts_records_and_asks_for_no_more_per_page() {
    let top = |s: &Settings| s.target(None).unwrap().request_top(&s.query);
    let s = settings(&["--top", "10"]);
    assert_eq!((s.limit, top(&s), s.writer.limit), (Some(10), 10, Some(10)));
    let s = settings(&["--top", "5000", "--page-size", "200"]);
    assert_eq!((s.limit, top(&s)), (Some(5000), 200));
    let s = settings(&["--max-records", "7"]);
    assert_eq!((s.limit, top(&s)), (Some(7), 7), "the old name still works");
    let s = settings(&[]);
    assert_eq!((s.limit, top(&s)), (None, 1000), "the service's maximum");
}

/// A usage error clap makes (a value out of a flag's range), as `run` reports it.
fn clap_error(extra: &[&str]) -> String {
    let mut argv = vec!["aad-fetch", "directoryAudits"];
    argv.extend_from_slice(extra);
    let err = Error::from(Args::command().try_get_matches_from(argv).unwrap_err());
    assert_eq!(err.status(), Status::Usage, "{err}");
    assert_eq!(err.to_string().lines().count(), 1, "{err}");
    err.to_string()
}

#[test]
fn numbers_and_durations_out_of_range_are_one_line_usage_errors() {
    for (flag, value) in [
        ("--top", "0"),
        ("--top", "-1"),
        ("--page-size", "0"),
        ("--page-size", "1001"),
        ("--rate", "0/10s"),
        ("--rate", "5/0s"),
        ("--rate", "5/2d"),
        ("--retry-for", "99999999999w"),
        ("--timeout", "0s"),
        ("--timeout", "9999999999w"),
        ("--lag", "5300w"),
        ("--overlap", "18446744073709551615s"),
    ] {
        let err = clap_error(&[&format!("{flag}={value}")]);
        assert!(err.contains(flag), "{flag} {value}: {err}");
    }
    for extra in [
        &["--since", "20000000w"][..],
        &["--until", "20000000w"],
        &["--since", "0001-01-01", "--slice", "99999999w"],
    ] {
        usage_error(extra);
    }
    // A billion one-minute slices are fine: they are made one at a time.
    assert!(
        resolve_with(
            &["--since", "0001-01-01", "--slice", "1m"],
            &Environment::default()
        )
        .is_ok()
    );
    assert!(
        resolve_with(
            &["--state", "s", "--lag", "5000w", "--overlap", "5000w"],
            &Environment::default()
        )
        .is_ok()
    );
}

#[test]
fn a_checkpoint_near_the_year_1_starts_the_window_at_the_year_1() {
    let rule = settings(&["--state", "s.json", "--overlap", "100w"]).window;
    let w = rule.window(Some("0001-03-01T00:00:00Z"), now()).unwrap();
    assert_eq!(w.start, Some(earliest()));
}

#[test]
fn service_bases_come_from_the_cloud_and_plain_http_only_to_loopback() {
    let s = settings(&["--cloud", "usgov"]);
    assert_eq!(s.endpoints.graph_url, "https://graph.microsoft.us");
    let s = settings(&["--graph-url", "http://127.0.0.1:8080/"]);
    assert_eq!(s.endpoints.graph_url, "http://127.0.0.1:8080");
    let err = usage_error(&["--graph-url", "http://graph.example.com"]);
    assert!(err.starts_with("--graph-url:"), "{err}");
}

#[test]
fn token_sources_come_from_flags_and_the_environment() {
    let env = Environment {
        access_token: Some("abc".into()),
        stdin_is_terminal: true,
        stderr_is_terminal: false,
        ..Environment::default()
    };
    let s = resolve_with(&["--token-command", "aad-token"], &env).unwrap();
    assert_eq!(
        s.token,
        Inputs {
            command: Some("aad-token".into()),
            command_timeout: Duration::from_secs(300),
            file: None,
            env: Some("abc".into()),
            stdin_is_terminal: true,
        }
    );
}

#[test]
fn the_progress_line_is_drawn_on_a_terminal_or_when_asked_never_with_quiet() {
    let terminal = Environment {
        stderr_is_terminal: true,
        ..Environment::default()
    };
    let draw = |extra: &[&str], env: &Environment| resolve_with(extra, env).unwrap().progress.draw;
    assert!(draw(&[], &terminal));
    assert!(!draw(&[], &Environment::default()));
    assert!(draw(&["--progress"], &Environment::default()));
    assert!(!draw(&["-q"], &terminal));
    assert!(settings(&["-v"]).progress.verbose);
}

#[test]
fn http_rate_and_writer_settings_follow_their_flags() {
    let s = settings(&["--timeout", "30s", "--rate", "off", "--top", "3"]);
    assert_eq!(
        s.http.user_agent,
        format!("aad-fetch/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(s.http.response_timeout, Some(Duration::from_secs(30)));
    assert_eq!(s.rate, None);
    assert_eq!(s.writer.limit, Some(3));
    assert_eq!(s.writer.overlap, chrono::TimeDelta::hours(2));
    let s = settings(&[]);
    assert_eq!(
        s.rate,
        Some(Rate {
            count: 5,
            per: Duration::from_secs(10)
        })
    );
    assert_eq!(s.retry_for, Duration::from_secs(900));
}

#[test]
fn legacy_reports_take_the_tenant_from_the_flag_else_the_token() {
    let s = settings_for("auditEvents", &[]);
    let err = s.target(None).unwrap_err();
    assert_eq!(err.status(), Status::Usage);
    assert!(
        err.to_string()
            .starts_with("legacy reports need the tenant"),
        "{err}"
    );
    let from_token = s.target(Some("t-1")).unwrap();
    assert!(
        from_token.url.starts_with("https://graph.windows.net/t-1/"),
        "{}",
        from_token.url
    );
    let s = settings_for("auditEvents", &["--tenant", "contoso.com"]);
    assert!(s.target(Some("t-1")).unwrap().url.contains("/contoso.com/"));
}

#[test]
fn a_window_needs_a_time_field() {
    let s = settings(&["--since", "1d"]);
    assert_eq!(
        s.target(None).unwrap().time_field.as_deref(),
        Some("activityDateTime")
    );
    let s = settings_for("groups/x/members", &["--since", "1d"]);
    let err = s.target(None).unwrap_err();
    assert!(err.to_string().contains("give --time-field"), "{err}");
}

#[test]
fn an_output_file_named_like_a_format_is_refused() {
    let err = resolve_with(&["-o", "csv"], &Environment::default()).unwrap_err();
    assert_eq!(err.status(), Status::Usage);
    assert_eq!(
        err.to_string(),
        "--output 'csv' looks like a format, not a file"
    );
    assert_eq!(
        err.hint(),
        Some(
            "aad-fetch writes NDJSON; pipe it into aad-format -t csv, or write -o ./csv to mean the file"
        )
    );
    let err = resolve_with(&["--output", "raw"], &Environment::default()).unwrap_err();
    assert_eq!(
        err.hint(),
        Some(
            "aad-fetch writes NDJSON; pipe it into aad-format -t FORMAT, or write -o ./raw to mean the file"
        )
    );
    assert_eq!(
        settings(&["-o", "./csv"]).writer.output,
        Some(PathBuf::from("./csv"))
    );
    assert!(resolve_with(&["-o", "audits.ndjson"], &Environment::default()).is_ok());
}

#[test]
fn the_budget_is_shared_by_tenant_in_the_runtime_directory_unless_told_otherwise() {
    let env = Environment {
        runtime_dir: Some(PathBuf::from("/run/user/1000")),
        uid: 1000,
        ..Environment::default()
    };
    let s = resolve_with(&[], &env).unwrap();
    assert_eq!(s.sharing.rule, crate::rate_group::GroupRule::Tenant);
    assert_eq!(s.sharing.dir, Path::new("/run/user/1000/aad-fetch/rate"));
    assert_eq!(s.sharing.uid, 1000);
    assert_eq!(s.if_locked, IfLocked::Fail);
    let s = resolve_with(
        &[
            "--rate-group",
            "app",
            "--rate-dir",
            "/srv/rate",
            "--state",
            "s",
            "--if-locked",
            "skip",
        ],
        &env,
    )
    .unwrap();
    assert_eq!(s.sharing.rule, crate::rate_group::GroupRule::App);
    assert_eq!(s.sharing.dir, Path::new("/srv/rate"));
    assert_eq!(s.if_locked, IfLocked::Skip);
    for bad in [
        &["--rate-group", ""][..],
        &["--if-locked", "skip"],
        &["--if-locked", "later"],
    ] {
        let mut argv = vec!["aad-fetch", "directoryAudits"];
        argv.extend_from_slice(bad);
        let err = Error::from(Args::command().try_get_matches_from(argv).unwrap_err());
        assert_eq!(err.status(), Status::Usage, "{bad:?}: {err}");
    }
}
