//! Columns: the `--fields` list, and the tree their paths form.
//!
//! `--fields 'upn=initiatedBy.user.userPrincipalName,targetResources.0.id'` names two
//! columns. A path is a list of steps joined by dots; a step matches an object key, or an
//! array index when it is a number. A backslash makes the next character literal, so
//! `@odata\.type` is the single key `@odata.type`. The paths of all columns are merged
//! into a [`PathTree`], which the record walkers follow in one pass.

/// One output column: its header and the path to its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    /// The header: the name before `=`, or the path as written.
    pub(crate) name: String,
    /// The steps of the path, unescaped.
    pub(crate) path: Vec<String>,
}

/// Parses a `--fields` list: `[NAME=]PATH` items separated by commas.
pub(crate) fn parse(list: &str) -> Result<Vec<Column>, String> {
    let mut columns = Vec::new();
    for item in split_unescaped(list, ',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(format!("empty column in '{list}'"));
        }
        let (name, path) = match split_unescaped(item, '=').as_slice() {
            [path] => (unescape(path), *path),
            [name, path] => (unescape(name.trim()), path.trim()),
            _ => {
                return Err(format!(
                    "more than one '=' in '{item}' (write \\= for a literal =)"
                ));
            }
        };
        if name.is_empty() {
            return Err(format!("empty column name in '{item}'"));
        }
        let steps: Vec<String> = split_unescaped(path, '.')
            .into_iter()
            .map(unescape)
            .collect();
        if steps.iter().any(String::is_empty) {
            return Err(format!("empty step in the path '{path}'"));
        }
        columns.push(Column { name, path: steps });
    }
    Ok(columns)
}

/// Splits at every `sep` not preceded by a backslash; the parts keep their escapes.
fn split_unescaped(text: &str, sep: char) -> Vec<&str> {
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

/// Drops the backslash in front of each escaped character (a trailing one stays).
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
}

impl PathTree {
    /// The root: the record itself.
    pub(crate) const ROOT: NodeId = 0;

    /// A tree with only the root.
    pub(crate) fn new() -> PathTree {
        PathTree {
            nodes: vec![Node::default()],
        }
    }

    /// A tree holding the paths of `columns`, column `i` ending at the end of its path.
    pub(crate) fn of_columns(columns: &[Column]) -> PathTree {
        let mut tree = PathTree::new();
        for (i, column) in columns.iter().enumerate() {
            let mut node = PathTree::ROOT;
            for step in &column.path {
                node = tree.child_or_insert(node, step);
            }
            tree.nodes[node].columns.push(i);
        }
        tree
    }

    /// The child reached from `node` by the object key `key`.
    pub(crate) fn key_child(&self, node: NodeId, key: &str) -> Option<NodeId> {
        let nodes = &self.nodes;
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
        });
        self.nodes[node].children.push(child);
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
        Column {
            name: name.to_string(),
            path: path.iter().map(|s| s.to_string()).collect(),
        }
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
    }

    #[test]
    fn the_tree_merges_shared_prefixes() {
        let columns = vec![
            column("a", &["user", "id"]),
            column("b", &["user", "name"]),
            column("c", &["targets", "0", "id"]),
            column("d", &["user", "id"]),
        ];
        let tree = PathTree::of_columns(&columns);
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
    fn only_plain_numbers_are_indexes() {
        assert_eq!(array_index("12"), Some(12));
        assert_eq!(array_index("-1"), None);
        assert_eq!(array_index("1e3"), None);
        assert_eq!(array_index(""), None);
    }
}
