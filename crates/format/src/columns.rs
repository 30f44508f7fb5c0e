//! The columns of csv, tsv and table: named by `--fields`, or found as the flattened
//! keys of the records.

use crate::bad_input::{Bad, Place, Reporter};
use crate::flatten::Discover;
use crate::select::{Cells, Select};

/// Where the columns of csv, tsv and table come from.
#[derive(Debug)]
pub(crate) enum Columns {
    /// `--fields`.
    Fields(Select),
    /// The flattened keys of the records.
    Keys(Discover),
}

impl Columns {
    /// The column names so far.
    pub(crate) fn names(&self) -> &[String] {
        match self {
            Columns::Fields(select) => select.names(),
            Columns::Keys(discover) => discover.names(),
        }
    }

    /// Fills `cells` from the record at `place`.
    pub(crate) fn cells<'de>(
        &mut self,
        record: &'de str,
        place: &Place,
        reporter: &Reporter,
        cells: &mut Cells<'de>,
    ) -> Result<(), Bad> {
        match self {
            Columns::Fields(select) => select.cells(record, cells),
            Columns::Keys(discover) => discover.cells(record, place, reporter, cells),
        }
    }

    /// Fixes the columns found so far (after the read-ahead).
    pub(crate) fn freeze(&mut self) {
        if let Columns::Keys(discover) = self {
            discover.freeze();
        }
    }
}
