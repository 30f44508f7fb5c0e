//! What the report being filtered has and supports, and the refusals that follow: a
//! property the entity does not have is a `BadRequest`, one it has but cannot filter on
//! is `Request_UnsupportedQuery`.

use super::error::FilterError;
use crate::data::Dataset;

/// What the parser needs to know about the report being filtered.
pub(crate) struct Schema<'a> {
    /// The dataset (time field, eq fields, entity type).
    pub dataset: Dataset,
    /// Top-level property names of the entity, to tell unknown from unsupported.
    pub properties: &'a [String],
    /// Whether `signInEventTypes/any(...)` is available (beta sign-ins).
    pub event_types: bool,
}

impl Schema<'_> {
    /// A property the entity does not have at all is a BadRequest.
    pub(super) fn check_property(&self, path: &str) -> Result<(), FilterError> {
        let top = path.split('/').next().unwrap_or(path);
        if self.properties.iter().any(|p| p == top) {
            Ok(())
        } else {
            Err(self.unknown_property(top))
        }
    }

    /// A plain field (not the time field) that `eq`, `ne` and `startswith` may test.
    pub(super) fn check_plain_field(&self, path: &str) -> Result<(), FilterError> {
        self.check_property(path)?;
        if self.dataset.eq_fields().contains(&path) {
            Ok(())
        } else {
            Err(self.unsupported_property(path))
        }
    }

    pub(super) fn unknown_property(&self, name: &str) -> FilterError {
        FilterError {
            code: "BadRequest",
            message: format!(
                "Could not find a property named '{name}' on type '{}'.",
                self.dataset.entity_type()
            ),
        }
    }

    pub(super) fn unsupported_property(&self, name: &str) -> FilterError {
        FilterError::unsupported(format!(
            "Unsupported or invalid query filter clause specified for property '{name}' of resource '{}'.",
            self.resource()
        ))
    }

    /// The resource name in messages: `directoryAudit` for `microsoft.graph.directoryAudit`.
    pub(super) fn resource(&self) -> &'static str {
        let full = self.dataset.entity_type();
        full.rsplit('.').next().unwrap_or(full)
    }
}
