//! Filling the `--fields` columns of a record in one pass, without building the record.
//!
//! A serde `DeserializeSeed` follows the [`PathTree`] through the record: at a key or
//! index on some column's path it goes on, at a path's end it keeps the value as raw
//! JSON text borrowed from the line, and everything else is skipped with `IgnoredAny`,
//! which serde_json scans without decoding or allocating.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::value::RawValue;

use crate::bad_input::Bad;
use crate::fields::{Column, NodeId, PathTree};

/// The raw value of each column of one record: `None` when missing.
pub(crate) type Cells<'de> = Vec<Option<&'de RawValue>>;

/// An empty [`Cells`] for the next record that reuses the memory of `cells`.
pub(crate) fn recycle<'a>(mut cells: Cells<'_>) -> Cells<'a> {
    cells.clear();
    // Collecting a mapped `vec::IntoIter` into a vector of the same layout reuses its
    // allocation; only the lifetime of the (now absent) references changes.
    cells.into_iter().map(|_| None).collect()
}

/// The `--fields` columns, their paths merged into one tree so that a record is walked
/// once however many columns there are.
#[derive(Debug, Clone)]
pub(crate) struct Select {
    tree: PathTree,
    names: Vec<String>,
    /// Each path has a slot; a column of several paths (`a|b`) takes the first of its
    /// slots that is set and not null. The slot range of each column, or `None` when
    /// every column has one path (slot `i` is then column `i`).
    alternatives: Option<Vec<(usize, usize)>>,
    slots: usize,
}

impl Select {
    pub(crate) fn new(columns: &[Column]) -> Select {
        let paths = || columns.iter().flat_map(|c| &c.paths);
        let mut ranges = Vec::with_capacity(columns.len());
        let mut slots = 0;
        for column in columns {
            ranges.push((slots, slots + column.paths.len()));
            slots += column.paths.len();
        }
        Select {
            tree: PathTree::of_paths(paths()),
            names: columns.iter().map(|c| c.name.clone()).collect(),
            alternatives: (slots > columns.len()).then_some(ranges),
            slots,
        }
    }

    /// Selects the values at `paths`, each its own column (for `--where` and `--sort`).
    pub(crate) fn of_paths(paths: &[Vec<String>]) -> Select {
        let columns: Vec<Column> = paths
            .iter()
            .map(|path| Column {
                name: crate::fields::written(path),
                paths: vec![path.clone()],
                from_preset: false,
            })
            .collect();
        Select::new(&columns)
    }

    /// The column names, in order.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Fills `cells` (one per column; resized and cleared here) from the record text.
    /// Fails when the record is not valid JSON or not an object.
    pub(crate) fn cells<'de>(&self, record: &'de str, cells: &mut Cells<'de>) -> Result<(), Bad> {
        cells.clear();
        cells.resize(self.slots, None);
        let mut de = serde_json::Deserializer::from_str(record);
        let walk = Walk {
            tree: &self.tree,
            node: PathTree::ROOT,
            cells,
        };
        de.deserialize_map(walk)
            .and_then(|()| de.end())
            .map_err(|e| Bad::record(&e, record))?;
        if let Some(ranges) = &self.alternatives {
            coalesce(ranges, cells);
        }
        Ok(())
    }
}

/// Moves the first slot of each column's range that is set and not null (else a null
/// one, else none) to the column's place, and drops the rest. In place: a column's slots never
/// start before the column's own index, so each write lands on a slot already read.
fn coalesce(ranges: &[(usize, usize)], cells: &mut Cells<'_>) {
    for (column, &(start, end)) in ranges.iter().enumerate() {
        let slots = &cells[start..end];
        let set = slots
            .iter()
            .flatten()
            .find(|value| value.get() != "null")
            .copied();
        let null = slots.iter().flatten().next().copied();
        cells[column] = set.or(null);
    }
    cells.truncate(ranges.len());
}

/// The walk at one node of the tree.
struct Walk<'t, 'c, 'de> {
    tree: &'t PathTree,
    node: NodeId,
    cells: &'c mut Cells<'de>,
}

impl<'de> Walk<'_, '_, 'de> {
    fn at(&mut self, node: NodeId) -> Walk<'_, '_, 'de> {
        Walk {
            tree: self.tree,
            node,
            cells: self.cells,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let columns = self.tree.columns(self.node);
        if columns.is_empty() {
            return deserializer.deserialize_any(self);
        }
        let value: &'de RawValue = serde::Deserialize::deserialize(deserializer)?;
        for &column in columns {
            self.cells[column] = Some(value);
        }
        if self.tree.has_children(self.node) {
            // Another path goes on below this one (`a` and `a.b`): walk the kept text.
            serde_json::Deserializer::from_str(value.get())
                .deserialize_any(self)
                .map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(child) = map.next_key_seed(ChildKey {
            tree: self.tree,
            node: self.node,
        })? {
            match child {
                Some(child) => map.next_value_seed(self.at(child))?,
                None => map.next_value::<IgnoredAny>().map(|_| ())?,
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let last = self.tree.max_index(self.node);
        let mut index = 0;
        while last.is_some_and(|last| index <= last) {
            let found = match self.tree.index_child(self.node, index) {
                Some(child) => seq.next_element_seed(self.at(child))?,
                None => seq.next_element::<IgnoredAny>()?.map(|_| ()),
            };
            if found.is_none() {
                return Ok(());
            }
            index += 1;
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    // A scalar where a path wanted to go deeper: nothing to take from it.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Reads an object key and finds the tree's child for it, without allocating.
struct ChildKey<'t> {
    tree: &'t PathTree,
    node: NodeId,
}

impl<'de> DeserializeSeed<'de> for ChildKey<'_> {
    type Value = Option<NodeId>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for ChildKey<'_> {
    type Value = Option<NodeId>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.tree.key_child(self.node, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;

    fn select(list: &str, record: &str) -> Result<Vec<Option<String>>, Bad> {
        let select = Select::new(&fields::parse(list).unwrap());
        let mut cells = Vec::new();
        select.cells(record, &mut cells)?;
        Ok(cells
            .iter()
            .map(|c| c.map(|v| v.get().to_string()))
            .collect())
    }

    fn some(values: &[&str]) -> Vec<Option<String>> {
        values.iter().map(|v| Some(v.to_string())).collect()
    }

    const AUDIT: &str = r#"{"id":"1","initiatedBy":{"user":{"userPrincipalName":"a@b.c"},"app":null},"targetResources":[{"id":"t0","modifiedProperties":[{"newValue":"[\"x\"]"}]},{"id":"t1"}],"n":1.50}"#;

    #[test]
    fn paths_reach_into_objects_and_arrays() {
        assert_eq!(
            select(
                "upn=initiatedBy.user.userPrincipalName,targetResources.1.id,targetResources.0.modifiedProperties.0.newValue,n,id",
                AUDIT
            )
            .unwrap(),
            some(&[r#""a@b.c""#, r#""t1""#, r#""[\"x\"]""#, "1.50", r#""1""#])
        );
    }

    #[test]
    fn missing_and_null_are_told_apart_in_raw_cells() {
        assert_eq!(
            select(
                "initiatedBy.app,initiatedBy.app.id,nope,targetResources.5.id,id.x",
                AUDIT
            )
            .unwrap(),
            vec![Some("null".to_string()), None, None, None, None]
        );
    }

    #[test]
    fn a_column_of_alternatives_takes_the_first_set_and_not_null() {
        assert_eq!(
            select(
                "x,who=initiatedBy.app.displayName|initiatedBy.user.userPrincipalName,n|id,gone|initiatedBy.app,id",
                AUDIT
            )
            .unwrap(),
            [
                None,
                Some(r#""a@b.c""#.to_string()),
                Some("1.50".to_string()),
                Some("null".to_string()),
                Some(r#""1""#.to_string())
            ]
        );
        assert_eq!(select("a|b", r#"{"c":1}"#).unwrap(), [None]);
    }

    #[test]
    fn a_path_and_its_extension_both_fill() {
        assert_eq!(
            select("initiatedBy.user,initiatedBy.user.userPrincipalName", AUDIT).unwrap(),
            some(&[r#"{"userPrincipalName":"a@b.c"}"#, r#""a@b.c""#])
        );
    }

    #[test]
    fn number_steps_also_match_object_keys() {
        assert_eq!(
            select("a.0", r#"{"a":{"0":"zero"}}"#).unwrap(),
            some(&[r#""zero""#])
        );
    }

    #[test]
    fn escaped_keys_match() {
        assert_eq!(
            select(r"@odata\.type", r##"{"\u0040odata.type":"#x"}"##).unwrap(),
            some(&[r##""#x""##])
        );
    }

    #[test]
    fn the_last_duplicate_key_wins() {
        assert_eq!(select("a", r#"{"a":1,"a":2}"#).unwrap(), some(&["2"]));
    }

    #[test]
    fn bad_records_are_errors_with_a_column() {
        let bad = select("a", r#"{"a":1,"b":[1,2}"#).unwrap_err();
        assert_eq!(bad.at, 15);
        let bad = select("a", "[1]").unwrap_err();
        assert_eq!(
            bad.reason,
            "expected a record (a JSON object), found an array"
        );
        let bad = select("a", r#"{"a":1} {"#).unwrap_err();
        assert_eq!(bad.reason, "trailing characters");
        // Skipped values are still checked.
        assert!(select("a", "{\"a\":1,\"b\":\"\u{1}\"}").is_err());
    }

    #[test]
    fn deep_nesting_off_the_paths_is_skipped_without_recursion() {
        let deep = format!(
            r#"{{"a":1,"b":{}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(select("a", &deep).unwrap(), some(&["1"]));
    }
}
