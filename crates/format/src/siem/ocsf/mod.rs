//! `--to ocsf`: one OCSF 1.8.0 event per record. Each family chooses its class (the
//! classes and enum labels are in `class`) and fills an `Event` (`sign_in`, `audit`,
//! `provisioning`), which writes itself with what every class shares (`event`).

mod audit;
mod class;
mod event;
mod provisioning;
mod sign_in;

use super::out::Writer;
use super::record::{self, Body, Record};

/// OCSF `timestamp_t` values below this (1973-03-03) would read as seconds.
const EARLIEST_MILLIS: i64 = 100_000_000_000;

/// Appends the OCSF event for `record` (one line, no newline); `Err` when OCSF cannot
/// carry the record (a sign-in with no principal or no application and no resource).
pub(crate) fn write(
    record: &Record<'_>,
    tenant: Option<&str>,
    w: &mut Writer<'_>,
) -> Result<(), String> {
    if record.time.epoch_millis() < EARLIEST_MILLIS {
        return Err(format!(
            "{} record has {} {}, before 1973-03-03, which OCSF epoch milliseconds cannot tell from seconds",
            record.kind.described(),
            record.kind.time_key(),
            record::quoted(record.time_text)
        ));
    }
    let (event, unmapped) = match &record.body {
        Body::SignIn(s) => sign_in::event(record, s, tenant)?,
        Body::Audit(a) => audit::event(a, tenant, record.kind.legacy),
        Body::Provisioning(p) => provisioning::event(p, tenant),
    };
    event.write(record, &unmapped, w);
    Ok(())
}
