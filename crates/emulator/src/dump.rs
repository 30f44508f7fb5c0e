//! `--dump REPORT`: a report's records as NDJSON on stdout, generated without serving
//! (and without keeping them), for benchmarks and offline pipelines.

use aad_common::{Error, Result};

use crate::config::Config;
use crate::data::Dataset;
use crate::store::Store;

/// Writes every record of `report`, newest first, one per line.
pub(crate) fn dump(config: &Config, report: &str, out: &mut dyn std::io::Write) -> Result<()> {
    let dataset = Dataset::from_name(report).ok_or_else(|| {
        Error::usage(format!(
            "--dump: unknown report '{report}' (one of: {})",
            Dataset::ALL
                .iter()
                .map(|d| d.name())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    Store::dump(&config.store, dataset, &mut |record| {
        out.write_all(record)?;
        out.write_all(b"\n")
    })
    .map_err(Error::stdout)?;
    out.flush().map_err(Error::stdout)
}
