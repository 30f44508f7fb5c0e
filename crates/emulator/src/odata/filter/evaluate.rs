//! A checked filter, and how a record is tested against it.

use crate::data::{AttrValue, Dataset, Record};
use crate::time::Ticks;

/// A condition on one plain field, checked against [`Record::attrs`].
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Predicate {
    Equals {
        field: String,
        value: AttrValue,
        negate: bool,
    },
    StartsWith {
        field: String,
        prefix: String,
    },
}

/// A checked filter: time bounds (inclusive ticks) plus plain-field predicates, and the
/// sign-in kind a `signInEventTypes/any(...)` clause selected.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Filter {
    /// Lowest time included.
    pub lower: Option<Ticks>,
    /// Highest time included.
    pub upper: Option<Ticks>,
    /// `signInEventTypes/any(t: t eq 'X')` value, if any.
    pub event_type: Option<String>,
    pub(super) predicates: Vec<Predicate>,
}

impl Filter {
    /// True when the record passes the plain-field predicates (time bounds are applied
    /// by the store's range scan).
    pub(crate) fn matches(&self, dataset: Dataset, record: &Record) -> bool {
        self.predicates.iter().all(|p| match p {
            Predicate::Equals { field, value, negate } => {
                let equal = record.attr(dataset, field).is_some_and(|v| attr_eq(v, value));
                equal != *negate
            }
            Predicate::StartsWith { field, prefix } => {
                matches!(record.attr(dataset, field), Some(AttrValue::Str(s)) if s.to_lowercase().starts_with(&prefix.to_lowercase()))
            }
        })
    }

    /// True when the bounds exclude everything.
    pub(crate) fn is_empty_window(&self) -> bool {
        matches!((self.lower, self.upper), (Some(l), Some(u)) if l > u)
    }
}

/// String comparison is case-insensitive, as the directory's is.
fn attr_eq(have: &AttrValue, want: &AttrValue) -> bool {
    match (have, want) {
        (AttrValue::Str(a), AttrValue::Str(b)) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    }
}
