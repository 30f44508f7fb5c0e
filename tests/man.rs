//! Man pages are generated from each binary's clap definition plus its extra
//! sections, and the committed `man/*.1` must equal what the generator makes, so a
//! flag cannot be added without its page changing. `AAD_UPDATE_SNAPSHOTS=1 cargo test
//! man` rewrites the pages.

use clap::CommandFactory as _;

use clap_mangen::roff::{Roff, bold, roman};

use crate::util::{assert_snapshot, repo_root};

/// The extra sections every page carries, after the generated ones.
fn render(cmd: clap::Command, sections: &[(&str, &str)]) -> String {
    let man = clap_mangen::Man::new(cmd.clone())
        .date("2026")
        .source(format!("aad-tools {}", env!("CARGO_PKG_VERSION")))
        .manual("aad-tools manual");
    let mut out = Vec::new();
    man.render_title(&mut out).expect("title");
    man.render_name_section(&mut out).expect("name");
    man.render_synopsis_section(&mut out).expect("synopsis");
    man.render_description_section(&mut out)
        .expect("description");
    man.render_options_section(&mut out).expect("options");

    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    for status in aad_common::Status::ALL {
        roff.control("TP", []);
        roff.text([bold(status.code().to_string())]);
        roff.text([roman(status.meaning())]);
    }
    let shared = [("COMMAND LINE", aad_common::cli::CONVENTIONS)];
    for (title, text) in shared.iter().chain(sections) {
        roff.control("SH", [*title]);
        for (i, paragraph) in text.split("\n\n").enumerate() {
            if i > 0 {
                roff.control("PP", []);
            }
            for line in paragraph.lines() {
                roff.text([roman(line)]);
                roff.control("br", []);
            }
        }
    }
    if let Some(examples) = cmd.get_after_long_help() {
        roff.control("SH", ["EXAMPLES"]);
        roff.control("nf", []);
        // The help's examples, without their heading and without the exit statuses that
        // follow them (EXIT STATUS has its own section).
        for line in examples
            .to_string()
            .lines()
            .skip_while(|l| l.trim_end().ends_with(':') && l.starts_with("Examples"))
            .take_while(|l| !l.starts_with("Exit status"))
        {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
    }
    roff.to_writer(&mut out).expect("sections");
    String::from_utf8(out).expect("roff is UTF-8")
}

/// Every long and short flag of `cmd` appears in `page`.
fn assert_every_flag_listed(name: &str, cmd: &clap::Command, page: &str) {
    for arg in cmd.get_arguments() {
        if arg.is_hide_set() {
            continue;
        }
        if let Some(long) = arg.get_long() {
            let escaped = format!("\\-\\-{}", long.replace('-', "\\-"));
            assert!(
                page.contains(&escaped),
                "{name}: --{long} is missing from its man page"
            );
        }
        if let Some(short) = arg.get_short() {
            assert!(
                page.contains(&format!("\\-{short}")),
                "{name}: -{short} is missing from its man page"
            );
        }
    }
    // The options are under OPTIONS, or under their help headings when every option has
    // one (aad-fetch's WHAT TO FETCH, TIME WINDOW, ...).
    let headings: Vec<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_help_heading())
        .map(str::to_uppercase)
        .collect();
    for heading in &headings {
        assert!(
            page.contains(&format!(".SH \"{heading}\""))
                || page.contains(&format!(".SH {heading}")),
            "{name}: no {heading} section"
        );
    }
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "COMMAND LINE",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(
            page.contains(&format!(".SH {section}"))
                || page.contains(&format!(".SH \"{section}\"")),
            "{name}: no {section} section"
        );
    }
}

/// When groff is installed, the page must format without warnings.
fn assert_formats_cleanly(path: &str) {
    let Ok(out) = std::process::Command::new("groff")
        .args(["-man", "-ww", "-z", "-K", "utf8"])
        .arg(repo_root().join(path))
        .output()
    else {
        return;
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "{path}: groff warnings:\n{stderr}"
    );
}

fn check(name: &str, cmd: clap::Command, sections: &[(&str, &str)]) {
    let path = format!("man/{name}.1");
    let page = render(cmd.clone(), sections);
    assert_every_flag_listed(name, &cmd, &page);
    assert_snapshot(&path, &page);
    assert_formats_cleanly(&path);
}

#[test]
fn aad_emulator_page_is_current() {
    check(
        "aad-emulator",
        aad_emulator::cli::Args::command(),
        aad_emulator::cli::MAN_SECTIONS,
    );
}

#[test]
fn aad_fetch_page_is_current() {
    check(
        "aad-fetch",
        aad_fetch::cli::Args::command(),
        aad_fetch::cli::MAN_SECTIONS,
    );
}

#[test]
fn aad_format_page_is_current() {
    check(
        "aad-format",
        aad_format::cli::Args::command(),
        aad_format::cli::MAN_SECTIONS,
    );
}

#[test]
fn aad_token_page_is_current() {
    check(
        "aad-token",
        aad_token::cli::Args::command(),
        aad_token::cli::MAN_SECTIONS,
    );
}

#[test]
fn clap_definitions_are_consistent() {
    aad_emulator::cli::Args::command().debug_assert();
    aad_fetch::cli::Args::command().debug_assert();
    aad_token::cli::Args::command().debug_assert();
    aad_format::cli::Args::command().debug_assert();
}
