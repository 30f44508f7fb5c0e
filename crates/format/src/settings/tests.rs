use super::*;
use clap::Parser;

/// A machine with this many CPUs.
fn cpus(cpus: usize) -> Env {
    Env {
        cpus,
        terminal_width: None,
    }
}

fn resolve_on(env: Env, args: &[&str]) -> Result<Settings> {
    let args = Args::try_parse_from(std::iter::once(crate::NAME).chain(args.iter().copied()))
        .map_err(Error::from)?;
    resolve(args, env)
}

fn resolve_args(args: &[&str]) -> Result<Settings> {
    resolve_on(cpus(2), args)
}

/// The usage error `args` give.
fn usage_error(args: &[&str]) -> String {
    let err = resolve_args(args).unwrap_err();
    assert_eq!(err.status(), aad_common::Status::Usage, "{args:?}");
    err.to_string()
}

#[test]
fn defaults() {
    let s = resolve_args(&[]).unwrap();
    assert_eq!(s.inputs, ["-"]);
    assert_eq!(s.format, Format::Json);
    assert_eq!(s.columns, None);
    assert!(s.header);
    assert!(!s.pretty && !s.excel && !s.strict_fields && !s.skip_invalid && !s.quiet);
    assert_eq!((s.root.as_str(), s.item.as_str()), ("records", "record"));
    assert_eq!(s.max_line, 16 << 20);
    assert_eq!(s.max_width, 40);
    assert_eq!(s.threads, 2);
}

#[test]
fn files_are_read_in_the_order_given() {
    let s = resolve_args(&["b.ndjson", "-", "a.ndjson"]).unwrap();
    assert_eq!(s.inputs, ["b.ndjson", "-", "a.ndjson"]);
}

#[test]
fn threads_default_to_the_cpus_but_at_most_four() {
    for (machine, threads) in [(1, 1), (3, 3), (4, 4), (64, 4)] {
        assert_eq!(
            resolve_on(cpus(machine), &[]).unwrap().threads,
            threads,
            "{machine} CPUs"
        );
    }
    assert_eq!(resolve_on(cpus(64), &["-j", "8"]).unwrap().threads, 8);
    assert_eq!(resolve_on(cpus(1), &["--threads", "3"]).unwrap().threads, 3);
    assert_eq!(
        usage_error(&["-j", "0"]),
        "--threads must be between 1 and 256"
    );
    assert_eq!(
        usage_error(&["-j", "30000"]),
        "--threads must be between 1 and 256"
    );
    assert_eq!(resolve_args(&["-j", "256"]).unwrap().threads, 256);
}

#[test]
fn fields_may_be_repeated() {
    let s = resolve_args(&["-t", "csv", "-f", "a,b", "--fields", "c=d.0"]).unwrap();
    let names: Vec<_> = s.columns.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn a_bad_fields_list_is_a_usage_error_that_says_why() {
    assert_eq!(
        usage_error(&["-t", "csv", "-f", "a,,b"]),
        "--fields: empty column in 'a,,b'"
    );
}

#[test]
fn each_option_applies_to_its_formats_only() {
    for (option, formats) in [
        (&["--pretty"][..], &["json"][..]),
        (&["--no-header"], &["csv", "tsv", "table"]),
        (&["--excel"], &["csv", "tsv"]),
        (&["--root", "r"], &["xml"]),
        (&["--item", "i"], &["xml"]),
        (&["--strict-fields"], &["csv", "tsv"]),
        (&["--max-width", "9"], &["table"]),
        (
            &["--fields", "a"],
            &["json", "ndjson", "csv", "tsv", "xml", "text", "table"],
        ),
        (
            &["--tenant-id", "5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"],
            &["ecs", "ocsf", "azure-monitor"],
        ),
        (&["--time", "excel"], &["csv", "tsv", "text", "table"]),
    ] {
        for to in [
            "json",
            "ndjson",
            "csv",
            "tsv",
            "xml",
            "text",
            "table",
            "ecs",
            "ocsf",
            "azure-monitor",
        ] {
            let mut args = vec!["-t", to];
            args.extend_from_slice(option);
            let resolved = resolve_args(&args);
            if formats.contains(&to) {
                assert!(resolved.is_ok(), "{args:?}");
            } else {
                let err = usage_error(&args);
                let expected = format!("{} applies to --to ", option[0]);
                assert!(err.starts_with(&expected), "{err}");
                assert!(err.ends_with(&format!(", not to --to {to}")), "{err}");
            }
        }
    }
}

#[test]
fn options_for_other_formats_are_usage_errors() {
    for (args, message) in [
        (
            &["--pretty", "-t", "ndjson"][..],
            "--pretty applies to --to json, not to --to ndjson",
        ),
        (&["--excel"], "--excel applies to --to csv and tsv"),
        (&["--root", "r", "-t", "csv"], "--root applies to --to xml"),
        (&["--no-header", "-t", "xml"], "--no-header applies"),
        (&["--max-width", "9"], "--max-width applies to --to table"),
        (
            &["--strict-fields", "-t", "table"],
            "--strict-fields applies to --to csv and tsv",
        ),
    ] {
        let err = usage_error(args);
        assert!(err.starts_with(message), "{err}");
    }
}

#[test]
fn options_are_carried_over() {
    let s = resolve_args(&[
        "-t",
        "csv",
        "--no-header",
        "--excel",
        "--skip-invalid",
        "-q",
    ])
    .unwrap();
    assert_eq!(s.format, Format::Csv);
    assert!(!s.header && s.excel && s.skip_invalid && s.quiet);
    assert!(resolve_args(&["--pretty"]).unwrap().pretty);
    assert!(
        resolve_args(&["-t", "tsv", "--strict-fields"])
            .unwrap()
            .strict_fields
    );
    assert_eq!(
        resolve_args(&["--max-line", "64K"]).unwrap().max_line,
        64 << 10
    );
}

#[test]
fn the_tenant_is_a_guid_in_lower_case() {
    let s = resolve_args(&[
        "-t",
        "ocsf",
        "--tenant-id",
        "5F2B3C4D-6E7F-4A8B-9C0D-1E2F3A4B5C6D",
    ])
    .unwrap();
    assert_eq!(
        s.tenant_id.as_deref(),
        Some("5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d")
    );
    assert_eq!(resolve_args(&["-t", "ecs"]).unwrap().tenant_id, None);
    for bad in [
        "contoso.com",
        "5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6",
        "5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6g",
        "{5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d}",
        "5f2b3c4d6e7f4a8b9c0d1e2f3a4b5c6d",
    ] {
        let err = usage_error(&["-t", "azure-monitor", "--tenant-id", bad]);
        assert!(
            err.starts_with(&format!("--tenant-id '{bad}' is not a GUID")),
            "{err}"
        );
    }
}

#[test]
fn strict_fields_needs_columns_found_not_named() {
    assert!(
        usage_error(&["-t", "csv", "-f", "a", "--strict-fields"])
            .starts_with("--strict-fields applies only without --fields")
    );
}

#[test]
fn xml_element_names_must_be_ncnames() {
    let s = resolve_args(&["-t", "xml", "--root", "audits", "--item", "audit"]).unwrap();
    assert_eq!((s.root.as_str(), s.item.as_str()), ("audits", "audit"));
    assert!(usage_error(&["-t", "xml", "--root", "1st"]).starts_with(
        "--root '1st' is not an XML element name (ASCII letters, digits, '_', '-', '.'; no ':'"
    ));
    assert!(usage_error(&["-t", "xml", "--item", "a:b"]).starts_with("--item 'a:b' is not"));
}

#[test]
fn table_cells_are_at_least_two_columns_wide() {
    assert_eq!(
        resolve_args(&["-t", "table", "--max-width", "2"])
            .unwrap()
            .max_width,
        2
    );
    assert_eq!(
        usage_error(&["-t", "table", "--max-width", "1"]),
        "--max-width must be 0 (no limit) or at least 2"
    );
    assert_eq!(
        resolve_args(&["-t", "table", "--max-width", "0"])
            .unwrap()
            .max_width,
        usize::MAX
    );
    assert!(
        usage_error(&["-t", "table", "--max-width", "2000000"])
            .starts_with("--max-width must be at most")
    );
}

#[test]
fn numbers_out_of_range_are_usage_errors() {
    assert_eq!(
        usage_error(&["--max-line", "2G"]),
        "--max-line must be at most 1G"
    );
    assert_eq!(
        resolve_args(&["--max-line", "1G"]).unwrap().max_line,
        1 << 30
    );
    for args in [&["-j", "-1"][..], &["--max-width", "-1", "-t", "table"]] {
        usage_error(args);
    }
}

#[test]
fn the_table_fits_the_terminal_only() {
    let terminal = Env {
        cpus: 2,
        terminal_width: Some(100),
    };
    assert_eq!(
        resolve_on(terminal, &["-t", "table"]).unwrap().table_width,
        Some(100)
    );
    assert_eq!(
        resolve_on(terminal, &["-t", "csv"]).unwrap().table_width,
        None
    );
    assert_eq!(resolve_args(&["-t", "table"]).unwrap().table_width, None);
    assert_eq!(terminal_width(Some("120"), || Some(80)), Some(120));
    assert_eq!(terminal_width(Some(" 99 "), || None), Some(99));
    for odd in ["0", "-5", "wide", "99999999"] {
        assert_eq!(terminal_width(Some(odd), || Some(80)), Some(80), "{odd}");
    }
    assert_eq!(terminal_width(None, || Some(0)), None);
}

#[test]
fn where_errors_say_the_column() {
    assert_eq!(
        usage_error(&["--where", "a = open"]),
        "--where: column 5: 'open' is not a value: quote strings ('open')"
    );
    assert!(
        resolve_args(&["--where", "status.errorCode != 0"])
            .unwrap()
            .filter
            .is_some()
    );
}

#[test]
fn time_applies_to_cells_and_presets_to_table_and_text() {
    assert!(
        usage_error(&["--time", "local"])
            .starts_with("--time applies to --to csv, tsv, text and table")
    );
    assert_eq!(
        resolve_args(&["-t", "csv", "--time", "excel"])
            .unwrap()
            .time,
        TimeStyle::Excel
    );
    assert!(resolve_args(&["-t", "table"]).unwrap().auto_preset);
    assert!(resolve_args(&["-t", "text"]).unwrap().auto_preset);
    assert!(
        !resolve_args(&["-t", "text", "-f", "a"])
            .unwrap()
            .auto_preset
    );
    assert!(!resolve_args(&["-t", "csv"]).unwrap().auto_preset);
    let all = resolve_args(&["-t", "table", "-f", "@all"]).unwrap();
    assert!(!all.auto_preset && all.columns.is_none());
    assert!(usage_error(&["-t", "table", "-f", "@all,a"]).contains("no preset '@all'"));
}

#[test]
fn bad_values_are_usage_errors() {
    for args in [
        &["-t", "xml", "--root", "1st"][..],
        &["-t", "xml", "--item", "a:b"],
        &["-t", "csv", "-f", "a,,b"],
        &["-t", "csv", "-f", "a", "--strict-fields"],
        &["-t", "table", "--max-width", "1"],
        &["-t", "yaml"],
        &["--max-line", "lots"],
        &["-j", "0"],
    ] {
        usage_error(args);
    }
}
