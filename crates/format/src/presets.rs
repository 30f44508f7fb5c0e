//! Column presets per report shape (`-f @signins`, `@audits`, `@provisioning`), and how a
//! record's shape is recognised, so that `--to table` and `--to text` without `--fields`
//! show a readable set of columns instead of every flattened key.

use std::fmt;

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};

use crate::raw::Key;

/// One report shape: its preset and what gives it away.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The preset name, without `@`.
    pub(crate) name: &'static str,
    /// The columns, as a `--fields` list.
    pub(crate) columns: &'static str,
    /// Top-level keys that every record of the shape has (and the others lack together).
    pub(crate) keys: &'static [&'static str],
}

/// The shapes, in the order they are tried; every preset's first column is the time.
pub(crate) const SHAPES: &[Shape] = &[
    Shape {
        name: "signins",
        columns: "time=createdDateTime,user=userPrincipalName,app=appDisplayName,\
                  ip=ipAddress,error=status.errorCode,reason=status.failureReason,\
                  client=clientAppUsed,ca=conditionalAccessStatus",
        keys: &["createdDateTime", "userPrincipalName"],
    },
    Shape {
        name: "audits",
        columns: "time=activityDateTime,activity=activityDisplayName,result,\
                  by=initiatedBy.user.userPrincipalName|initiatedBy.app.displayName,\
                  target=targetResources.0.userPrincipalName|targetResources.0.displayName,\
                  category",
        keys: &["activityDisplayName", "initiatedBy"],
    },
    Shape {
        name: "provisioning",
        columns: "time=activityDateTime,action=provisioningAction,\
                  status=provisioningStatusInfo.status,source=sourceIdentity.displayName,\
                  target=targetIdentity.displayName,system=targetSystem.displayName,\
                  error=provisioningStatusInfo.errorInformation.reason",
        keys: &["activityDateTime", "provisioningAction"],
    },
];

/// The preset names as written on the command line, for messages.
pub(crate) const NAMES: &[&str] = &["@signins", "@audits", "@provisioning"];

/// The `--fields` list of the preset `name` (without `@`).
pub(crate) fn columns(name: &str) -> Option<&'static str> {
    SHAPES.iter().find(|s| s.name == name).map(|s| s.columns)
}

/// The shape of `record` (a JSON object's text): the first whose keys it has at the
/// top level. `None` for other records, and for text that is not an object (the
/// record walkers report that).
pub(crate) fn recognise(record: &str) -> Option<&'static Shape> {
    let mut de = serde_json::Deserializer::from_str(record);
    let found = de.deserialize_map(TopKeys).ok()?;
    SHAPES
        .iter()
        .find(|shape| shape.keys.iter().all(|key| found.contains(key)))
}

/// The top-level keys of an object that some shape looks for.
struct TopKeys;

impl<'de> Visitor<'de> for TopKeys {
    type Value = Vec<&'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let wanted = SHAPES.iter().flat_map(|s| s.keys).find(|k| **k == key);
            if let Some(wanted) = wanted {
                found.push(*wanted);
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;

    #[test]
    fn every_preset_parses_and_starts_with_the_time() {
        for shape in SHAPES {
            let columns = fields::parse(shape.columns).unwrap();
            assert_eq!(columns[0].name, "time", "{}", shape.name);
            assert!(NAMES.contains(&format!("@{}", shape.name).as_str()));
        }
    }

    #[test]
    fn shapes_are_recognised_by_their_top_level_keys() {
        let name = |record: &str| recognise(record).map(|s| s.name);
        assert_eq!(
            name(r#"{"id":"1","createdDateTime":"t","userPrincipalName":"u","status":{}}"#),
            Some("signins")
        );
        assert_eq!(
            name(r#"{"activityDisplayName":"Add user","initiatedBy":{},"x":[1]}"#),
            Some("audits")
        );
        assert_eq!(
            name(r#"{"activityDateTime":"t","provisioningAction":"create","initiatedBy":{}}"#),
            Some("provisioning")
        );
        // Nested keys do not count, nor do half a shape's keys.
        assert_eq!(
            name(r#"{"a":{"createdDateTime":1,"userPrincipalName":2}}"#),
            None
        );
        assert_eq!(name(r#"{"createdDateTime":1}"#), None);
        assert_eq!(name("[1]"), None);
        assert_eq!(name("{"), None);
    }
}
