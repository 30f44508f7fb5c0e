//! Columns: the `--fields` list, and the tree their paths form.
//!
//! `--fields 'upn=initiatedBy.user.userPrincipalName,targetResources.0.id'` names two
//! columns. A path is a list of steps joined by dots; a step matches an object key, or an
//! array index when it is a number. `who=a.b|c.d` is one column holding the first of
//! its paths that is set and not null. `@signins`, `@audits` and `@provisioning` stand
//! for the columns of a report shape (`presets`). A backslash makes the next character
//! literal, so `@odata\.type` is the single key `@odata.type`; a backslash with nothing
//! after it is an error. The paths of all columns are merged into a [`PathTree`], which
//! the record walkers follow in one pass.

use std::collections::HashMap;

use crate::presets;

/// One output column: its header and the paths to its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    /// The header: the name before `=`, or the paths as written.
    pub(crate) name: String,
    /// The steps of each path, unescaped; the first that is set and not null fills the
    /// column.
    pub(crate) paths: Vec<Vec<String>>,
    /// From `@signins` and the like, rather than named one by one.
    pub(crate) from_preset: bool,
}

impl Column {
    /// A column of one path.
    #[cfg(test)]
    pub(crate) fn one(name: &str, path: &[&str]) -> Column {
        Column {
            name: name.to_string(),
            paths: vec![path.iter().map(|s| s.to_string()).collect()],
            from_preset: false,
        }
    }
}

/// The characters a backslash makes literal are any; these are the ones that need it.
const SPECIAL: &str = ",=|.\\";

/// Parses a `--fields` list: `[NAME=]PATH[|PATH...]` items and `@preset`s separated by
/// commas.
pub(crate) fn parse(list: &str) -> Result<Vec<Column>, String> {
    if ends_in_lone_backslash(list) {
        return Err(format!(
            "'{list}' ends in a backslash that escapes nothing (write \\\\ for a backslash)"
        ));
    }
    let mut columns = Vec::new();
    for item in split_unescaped(list, ',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!("empty column in '{list}'"));
        }
        if let Some(name) = item.strip_prefix('@')
            && !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphabetic())
        {
            let Some(preset) = presets::columns(name) else {
                return Err(format!(
                    "no preset '{item}' (there are {}, and @all alone for every key; write \\{item} for a key of that name)",
                    presets::NAMES.join(", ")
                ));
            };
            columns.extend(parse(preset)?.into_iter().map(|column| Column {
                from_preset: true,
                ..column
            }));
            continue;
        }
        columns.push(column(item)?);
    }
    Ok(columns)
}

/// One `[NAME=]PATH[|PATH...]` item.
fn column(item: &str) -> Result<Column, String> {
    let (name, written) = match split_unescaped(item, '=').as_slice() {
        [paths] => (unescape(paths), *paths),
        [name, paths] => (unescape(name.trim()), paths.trim()),
        _ => {
            return Err(format!(
                "more than one '=' in '{item}' (write \\= for a literal =)"
            ));
        }
    };
    if name.is_empty() {
        return Err(format!("empty column name in '{item}'"));
    }
    let mut paths = Vec::new();
    for path in split_unescaped(written, '|') {
        let path = path.trim();
        let steps: Vec<String> = split_unescaped(path, '.')
            .into_iter()
            .map(unescape)
            .collect();
        if steps.iter().any(String::is_empty) {
            return Err(format!("empty step in the path '{path}'"));
        }
        paths.push(steps);
    }
    Ok(Column {
        name,
        paths,
        from_preset: false,
    })
}

/// Parses one path (dots, escapes; no names, alternatives or presets), as `--where`
/// and `--sort` write them.
pub(crate) fn parse_path(text: &str) -> Result<Vec<String>, String> {
    if ends_in_lone_backslash(text) {
        return Err(format!(
            "the path '{text}' ends in a backslash that escapes nothing"
        ));
    }
    let steps: Vec<String> = split_unescaped(text, '.')
        .into_iter()
        .map(unescape)
        .collect();
    if steps.iter().any(String::is_empty) {
        return Err(format!("empty step in the path '{text}'"));
    }
    Ok(steps)
}

/// A path's steps written back as a path: dots between, escaped where needed.
pub(crate) fn written(steps: &[String]) -> String {
    let mut out = String::new();
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        for c in step.chars() {
            if SPECIAL.contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// True when `text` ends in an odd number of backslashes.
fn ends_in_lone_backslash(text: &str) -> bool {
    text.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

/// Splits at every `sep` not preceded by a backslash; the parts keep their escapes.
pub(crate) fn split_unescaped(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == sep {
            parts.push(&text[start..i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Drops the backslash in front of each escaped character (a trailing one was refused).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().unwrap_or('\\')),
            c => out.push(c),
        }
    }
    out
}

/// Index of a node in a [`PathTree`].
pub(crate) type NodeId = usize;

/// The paths of all columns merged into a tree: a node per distinct path prefix, each
/// knowing which columns end there.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathTree {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone, Default)]
struct Node {
    /// The key that leads here from the parent (empty for the root).
    key: Box<str>,
    parent: Option<NodeId>,
    children: Vec<NodeId>,
    /// The array index this node matches, when its key is a number.
    index: Option<usize>,
    /// The columns whose path ends here.
    columns: Vec<usize>,
    /// The children by key, once there are more than [`LINEAR_CHILDREN`]: a record with
    /// 200,000 keys would otherwise take minutes of linear searches.
    #[allow(
        clippy::box_collection,
        reason = "a node stays small (8 bytes, not 48) for the searches that run on every key: 0.5% fewer instructions for csv"
    )]
    by_key: Option<Box<HashMap<Box<str>, NodeId>>>,
}

/// Up to this many children are searched in order (faster than hashing for the few keys
/// of an object in a real record).
const LINEAR_CHILDREN: usize = 32;

impl PathTree {
    /// The root: the record itself.
    pub(crate) const ROOT: NodeId = 0;

    /// A tree with only the root.
    pub(crate) fn new() -> PathTree {
        PathTree {
            nodes: vec![Node::default()],
        }
    }

    /// A tree holding `paths`, path `i` ending in slot `i`.
    pub(crate) fn of_paths<'a>(paths: impl IntoIterator<Item = &'a Vec<String>>) -> PathTree {
        let mut tree = PathTree::new();
        for (i, path) in paths.into_iter().enumerate() {
            let mut node = PathTree::ROOT;
            for step in path {
                node = tree.child_or_insert(node, step);
            }
            tree.nodes[node].columns.push(i);
        }
        tree
    }

    /// The child reached from `node` by the object key `key`.
    // Called for every key of every record on the paths: `#[inline]` keeps it in the
    // walkers' loops, which the optimiser stops doing by itself with the hashed case in.
    #[inline]
    pub(crate) fn key_child(&self, node: NodeId, key: &str) -> Option<NodeId> {
        let nodes = &self.nodes;
        if let Some(by_key) = &nodes[node].by_key {
            return hashed_child(by_key, key);
        }
        nodes[node]
            .children
            .iter()
            .copied()
            .find(|&child| &*nodes[child].key == key)
    }

    /// The child reached from `node` by the array index `index`.
    pub(crate) fn index_child(&self, node: NodeId, index: usize) -> Option<NodeId> {
        let nodes = &self.nodes;
        nodes[node]
            .children
            .iter()
            .copied()
            .find(|&child| nodes[child].index == Some(index))
    }

    /// The largest array index any child of `node` matches.
    pub(crate) fn max_index(&self, node: NodeId) -> Option<usize> {
        let nodes = &self.nodes;
        nodes[node]
            .children
            .iter()
            .filter_map(|&child| nodes[child].index)
            .max()
    }

    /// The child of `node` for `key`, added when missing.
    pub(crate) fn child_or_insert(&mut self, node: NodeId, key: &str) -> NodeId {
        if let Some(child) = self.key_child(node, key) {
            return child;
        }
        let child = self.nodes.len();
        self.nodes.push(Node {
            key: key.into(),
            parent: Some(node),
            children: Vec::new(),
            index: array_index(key),
            columns: Vec::new(),
            by_key: None,
        });
        let parent = &mut self.nodes[node];
        parent.children.push(child);
        if let Some(by_key) = &mut parent.by_key {
            by_key.insert(key.into(), child);
        } else if parent.children.len() > LINEAR_CHILDREN {
            let children = std::mem::take(&mut parent.children);
            let by_key = children
                .iter()
                .map(|&c| (self.nodes[c].key.clone(), c))
                .collect();
            let parent = &mut self.nodes[node];
            parent.children = children;
            parent.by_key = Some(Box::new(by_key));
        }
        child
    }

    /// Marks `node` as the end of the path of `column`.
    pub(crate) fn add_column(&mut self, node: NodeId, column: usize) {
        self.nodes[node].columns.push(column);
    }

    /// The columns whose path ends at `node`.
    pub(crate) fn columns(&self, node: NodeId) -> &[usize] {
        &self.nodes[node].columns
    }

    /// True when some longer path goes on from `node`.
    pub(crate) fn has_children(&self, node: NodeId) -> bool {
        !self.nodes[node].children.is_empty()
    }

    /// The keys from the root to `node`, joined by dots (the flattened key).
    pub(crate) fn dotted(&self, node: NodeId) -> String {
        let mut keys = Vec::new();
        let mut at = node;
        while let Some(parent) = self.nodes[at].parent {
            keys.push(&*self.nodes[at].key);
            at = parent;
        }
        keys.reverse();
        keys.join(".")
    }

    /// The number of nodes, for tables indexed by [`NodeId`].
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }
}

/// The child for `key` among many, out of the line of the common case.
#[cold]
fn hashed_child(by_key: &HashMap<Box<str>, NodeId>, key: &str) -> Option<NodeId> {
    by_key.get(key).copied()
}

/// The array index a path step stands for: a plain decimal number.
fn array_index(step: &str) -> Option<usize> {
    if step.is_empty() || !step.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    step.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, path: &[&str]) -> Column {
        Column::one(name, path)
    }

    #[test]
    fn parses_paths_renames_and_indexes() {
        let columns =
            parse("id, upn=initiatedBy.user.userPrincipalName,targetResources.0.id").unwrap();
        assert_eq!(
            columns,
            vec![
                column("id", &["id"]),
                column("upn", &["initiatedBy", "user", "userPrincipalName"]),
                column("targetResources.0.id", &["targetResources", "0", "id"]),
            ]
        );
    }

    #[test]
    fn backslash_makes_dots_commas_and_equals_literal() {
        let columns = parse(r"@odata\.type,a\,b,x\=y=k\.1.v").unwrap();
        assert_eq!(
            columns,
            vec![
                column("@odata.type", &["@odata.type"]),
                column("a,b", &["a,b"]),
                column("x=y", &["k.1", "v"]),
            ]
        );
    }

    #[test]
    fn refuses_empty_items_steps_and_names() {
        assert!(parse("a,,b").unwrap_err().contains("empty column"));
        assert!(parse("a..b").unwrap_err().contains("empty step"));
        assert!(parse("=a").unwrap_err().contains("empty column name"));
        assert!(parse("a=").unwrap_err().contains("empty step"));
        assert!(parse("a=b=c").unwrap_err().contains("more than one '='"));
        assert!(parse("").is_err());
        assert!(parse("a|").unwrap_err().contains("empty step"));
    }

    #[test]
    fn a_trailing_backslash_is_refused() {
        for list in ["\\", "a\\", "a,b\\\\\\"] {
            assert!(
                parse(list).unwrap_err().contains("escapes nothing"),
                "{list}"
            );
        }
        assert_eq!(parse("a\\\\").unwrap(), vec![column("a\\", &["a\\"])]);
        assert!(parse_path("x\\").is_err());
    }

    #[test]
    fn alternatives_make_one_column() {
        let columns = parse(r"who=a.b | c\|d,x|y").unwrap();
        assert_eq!(columns.len(), 2);
        assert_eq!(columns[0].name, "who");
        assert_eq!(
            columns[0].paths,
            [
                vec!["a".to_string(), "b".to_string()],
                vec!["c|d".to_string()]
            ]
        );
        assert_eq!(columns[1].name, "x|y");
        assert_eq!(columns[1].paths.len(), 2);
    }

    #[test]
    fn presets_expand_and_mix_with_fields() {
        let columns = parse("@audits,extra.path").unwrap();
        assert!(columns.len() > 3);
        assert_eq!(
            columns.last().unwrap(),
            &column("extra.path", &["extra", "path"])
        );
        assert!(
            parse("@nosuch")
                .unwrap_err()
                .contains("no preset '@nosuch'")
        );
        // Not a preset name: a path.
        assert_eq!(
            parse(r"\@audits").unwrap(),
            vec![column("@audits", &["@audits"])]
        );
        assert_eq!(
            parse("@odata.type").unwrap(),
            vec![column("@odata.type", &["@odata", "type"])]
        );
    }

    #[test]
    fn paths_are_written_back_with_escapes() {
        let steps = parse_path(r"a\.b.c\|d").unwrap();
        assert_eq!(steps, ["a.b", "c|d"]);
        assert_eq!(written(&steps), r"a\.b.c\|d");
    }

    #[test]
    fn the_tree_merges_shared_prefixes() {
        let columns = [
            column("a", &["user", "id"]),
            column("b", &["user", "name"]),
            column("c", &["targets", "0", "id"]),
            column("d", &["user", "id"]),
        ];
        let tree = PathTree::of_paths(columns.iter().flat_map(|c| &c.paths));
        let user = tree.key_child(PathTree::ROOT, "user").unwrap();
        let id = tree.key_child(user, "id").unwrap();
        assert_eq!(tree.columns(id), &[0, 3]);
        let targets = tree.key_child(PathTree::ROOT, "targets").unwrap();
        assert_eq!(tree.max_index(targets), Some(0));
        let first = tree.index_child(targets, 0).unwrap();
        assert_eq!(tree.key_child(targets, "0"), Some(first));
        assert_eq!(tree.dotted(first), "targets.0");
        assert!(tree.has_children(user));
        assert!(!tree.has_children(id));
    }

    #[test]
    fn many_children_are_found_by_key() {
        let mut tree = PathTree::new();
        let nodes: Vec<NodeId> = (0..1000)
            .map(|i| tree.child_or_insert(PathTree::ROOT, &i.to_string()))
            .collect();
        for (i, &node) in nodes.iter().enumerate() {
            assert_eq!(tree.key_child(PathTree::ROOT, &i.to_string()), Some(node));
            assert_eq!(tree.index_child(PathTree::ROOT, i), Some(node));
        }
        assert_eq!(tree.child_or_insert(PathTree::ROOT, "7"), nodes[7]);
        assert_eq!(tree.key_child(PathTree::ROOT, "x"), None);
        assert_eq!(tree.max_index(PathTree::ROOT), Some(999));
    }

    #[test]
    fn only_plain_numbers_are_indexes() {
        assert_eq!(array_index("12"), Some(12));
        assert_eq!(array_index("-1"), None);
        assert_eq!(array_index("1e3"), None);
        assert_eq!(array_index(""), None);
    }
}
