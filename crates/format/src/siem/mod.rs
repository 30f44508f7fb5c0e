//! The SIEM formats: `--to ecs` (Elastic Common Schema 8.11.0), `--to ocsf` (OCSF
//! 1.8.0) and `--to azure-monitor` (the diagnostic-settings export record). Each maps
//! one record to one document, so [`SiemRender`] is a `Render` and runs on several
//! threads like json and ndjson; the documents are NDJSON (one per line).
//!
//! A record is parsed once into a borrowed [`tree`], its kind found ([`kind`]), the
//! properties the mappings read gathered into a view ([`record`], [`view`], [`legacy`]) under the
//! shared value rules ([`values`], [`time`]), and the target written ([`ecs`], [`ocsf`],
//! [`azure_monitor`]) through [`out`], with the record copy of [`normalize`].
//!
//! | module | what |
//! |---|---|
//! | `tree` | the record as a tree borrowing from the input |
//! | `kind` | sign-in (of which kind), directory audit or provisioning, from the record alone |
//! | `record` | a record read: kind, time, members, and its view |
//! | `view`, `legacy` | what the mappings read; from legacy Azure AD Graph records |
//! | `values` | absent values, UPN split, e-mail, IP, country and coordinate rules |
//! | `time` | record times and each schema's precision |
//! | `normalize` | the record copy: nulls dropped, numeric strings as numbers |
//! | `out` | compact JSON written member by member, absent values left out |
//! | `ecs`, `ocsf`, `azure_monitor` | the three targets |
//! | `man` | the rules and tables of the man page |

mod azure_monitor;
mod ecs;
mod kind;
mod legacy;
pub(crate) mod man;
mod normalize;
mod ocsf;
mod out;
mod record;
mod time;
mod tree;
mod values;
mod view;

use crate::bad_input::Bad;
use crate::render::{Frame, Render};

use out::Writer;
use record::Record;
use tree::Node;

/// The schema a SIEM format writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Ecs,
    Ocsf,
    AzureMonitor,
}

/// NDJSON: nothing around or between the documents (each ends with its newline).
pub(crate) fn frame() -> Frame {
    Frame::default()
}

/// Maps each record to one document of the target schema.
#[derive(Debug, Clone)]
pub(crate) struct SiemRender {
    target: Target,
    /// `--tenant-id`: the tenant for every record.
    tenant: Option<String>,
}

impl SiemRender {
    /// A renderer for `target`, with the tenant `--tenant-id` gave.
    pub(crate) fn new(target: Target, tenant: Option<String>) -> SiemRender {
        SiemRender { target, tenant }
    }

    fn write(&self, record: &str, out: &mut Vec<u8>) -> Result<(), Bad> {
        const JSON_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];
        let text = record.trim_matches(JSON_SPACE);
        let at = record.len() - record.trim_start_matches(JSON_SPACE).len();
        let tree = Node::parse(text).map_err(|e| Bad::json(&e, text, record))?;
        let Some(members) = tree.members() else {
            return Err(Bad::new(
                at,
                format!(
                    "expected a record (a JSON object), found {}",
                    tree.described()
                ),
            ));
        };
        let record = Record::read(members).map_err(|reason| Bad::new(at, reason))?;
        let tenant = self.tenant.as_deref();
        let mut w = Writer::new(out);
        match self.target {
            Target::Ecs => ecs::write(&record, tenant, &mut w),
            Target::Ocsf => {
                ocsf::write(&record, tenant, &mut w).map_err(|reason| Bad::new(at, reason))?;
            }
            Target::AzureMonitor => azure_monitor::write(&record, text, tenant, &mut w),
        }
        out.push(b'\n');
        Ok(())
    }
}

impl Render for SiemRender {
    fn render(&mut self, record: &str, out: &mut Vec<u8>) -> Result<(), Bad> {
        let start = out.len();
        let written = self.write(record, out);
        if written.is_err() {
            out.truncate(start);
        }
        written
    }

    fn fork(&self) -> Box<dyn Render> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::render_all;

    fn one(target: Target, record: &str) -> Result<String, Bad> {
        let mut out = b"before\n".to_vec();
        let result = SiemRender::new(target, None).render(record, &mut out);
        result.map(|()| String::from_utf8(out).unwrap())
    }

    #[test]
    fn bad_records_are_named_and_leave_nothing_behind() {
        for target in [Target::Ecs, Target::Ocsf, Target::AzureMonitor] {
            let mut render = SiemRender::new(target, None);
            let mut out = b"before\n".to_vec();
            let bad = render.render("  [1]", &mut out).unwrap_err();
            assert_eq!(
                bad,
                Bad::new(2, "expected a record (a JSON object), found an array")
            );
            let bad = render.render(r#"{"id":"x"}"#, &mut out).unwrap_err();
            assert!(
                bad.reason
                    .starts_with("not a sign-in, directory audit or provisioning record")
            );
            let bad = render
                .render(r#"{"createdDateTime":"yesterday\n"}"#, &mut out)
                .unwrap_err();
            assert_eq!(
                bad.reason,
                r#"sign-in record has createdDateTime "yesterday\n", not a time"#
            );
            let bad = render
                .render(r#"{"activityDisplayName":"x"}"#, &mut out)
                .unwrap_err();
            assert_eq!(bad.reason, "directory audit record has no activityDateTime");
            let bad = render
                .render(r#"{"jobId":"j","activityDateTime":5}"#, &mut out)
                .unwrap_err();
            assert_eq!(
                bad.reason,
                "provisioning record has activityDateTime as a number, not a time string"
            );
            let bad = render.render(r#"{"a":1,}"#, &mut out).unwrap_err();
            assert_eq!(bad.at, 7);
            assert_eq!(out, b"before\n");
        }
    }

    #[test]
    fn a_minimal_sign_in_maps_everywhere_but_to_ocsf() {
        let record = r#"{"createdDateTime":"2026-01-12T08:14:03Z"}"#;
        assert_eq!(
            one(Target::Ecs, record).unwrap(),
            "before\n{\"@timestamp\":\"2026-01-12T08:14:03.000Z\",\"ecs\":{\"version\":\"8.11.0\"},\
             \"event\":{\"kind\":\"event\",\"category\":[\"authentication\"],\"type\":[\"start\"],\
             \"action\":\"Sign-in activity\",\"module\":\"entra\",\"dataset\":\"entra.signin\"},\
             \"cloud\":{\"provider\":\"azure\"},\"entra\":{\"category\":\"SignInLogs\",\
             \"signin\":{\"createdDateTime\":\"2026-01-12T08:14:03Z\"}}}\n"
        );
        assert_eq!(
            one(Target::AzureMonitor, &format!(" {record} ")).unwrap(),
            format!(
                "before\n{{\"time\":\"2026-01-12T08:14:03.0000000Z\",\"operationName\":\"Sign-in activity\",\
                 \"operationVersion\":\"1.0\",\"category\":\"SignInLogs\",\"resultSignature\":\"None\",\
                 \"durationMs\":0,\"Level\":4,\"properties\":{record}}}\n"
            )
        );
        let bad = one(Target::Ocsf, record).unwrap_err();
        assert!(
            bad.reason.starts_with("OCSF Authentication needs the user"),
            "{bad:?}"
        );
    }

    #[test]
    fn documents_are_ndjson() {
        let record = r#"{"createdDateTime":"2026-01-12T08:14:03Z"}"#;
        let mut render = SiemRender::new(Target::AzureMonitor, Some("t".into()));
        let text = render_all(&mut render, frame(), &[record, record]);
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with("}\n"));
        assert!(text.contains("\"tenantId\":\"t\""));
    }
}
