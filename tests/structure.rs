//! The shape of the code, checked: no import cycle between the modules of a crate, no
//! source file past 600 lines, and no pointer to documents outside the repository.
//!
//! The module graph is read from the sources. A module is a file: `src/a.rs` or
//! `src/a/mod.rs` is `a`, `src/a/b.rs` is `a::b`. Outside comments, string literals and
//! `#[cfg(test)]` items, a module depends on every other module it names through a
//! path that starts with `crate::`, `super::`, `self::` or the name of one of its child
//! modules (grouped imports `use crate::{a, b::c}` count member by member); the path is
//! cut to the longest prefix that is a module. The crate root (`lib.rs`, `main.rs`) is
//! left out: every module may read the crate's `NAME`, and the root uses its modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::util::repo_root;

/// Longest a source file may be.
const MAX_LINES: usize = 600;

type ModulePath = Vec<String>;

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file below a crate's `src/`; `[]` for the crate root.
fn module_of(src: &Path, file: &Path) -> Option<ModulePath> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: ModulePath = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if parts.is_empty() && (stem == "lib" || stem == "main") {
        return Some(Vec::new());
    }
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    Some(parts)
}

/// The source with comments and string/char literals blanked and `#[cfg(test)]` items
/// removed, so only code is read.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            // Raw string r"..." / r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    _ => j += 1,
                }
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.push_str("' '");
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            let end = (i + 2..chars.len())
                .find(|&k| chars[k] == '\'')
                .unwrap_or(i);
            out.push_str("' '");
            i = end + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    without_tests(&out)
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Removes each `#[cfg(test)]` item: the attribute, then up to the end of the item (a
/// `;` or the brace that closes its first `{`).
fn without_tests(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at + "#[cfg(test)]".len()..];
        let mut depth = 0;
        let mut end = item.len();
        for (i, c) in item.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Other,
}

fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
            continue;
        }
        out.push(match c {
            ':' if chars.get(i + 1) == Some(&':') => {
                i += 1;
                Token::PathSep
            }
            '{' => Token::Open,
            '}' => Token::Close,
            ',' => Token::Comma,
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            _ => Token::Other,
        });
        i += 1;
    }
    out
}

/// Reads the path that starts at `tokens[i]` (an identifier), expanding one level of
/// `{...}` groups recursively; returns the paths and the index after them.
fn read_path(tokens: &[Token], mut i: usize) -> (Vec<ModulePath>, usize) {
    let mut prefix = Vec::new();
    loop {
        match tokens.get(i) {
            Some(Token::Ident(name)) => {
                prefix.push(name.clone());
                i += 1;
            }
            _ => return (vec![prefix], i),
        }
        if tokens.get(i) != Some(&Token::PathSep) {
            return (vec![prefix], i);
        }
        i += 1;
        if tokens.get(i) == Some(&Token::Open) {
            i += 1;
            let mut out = Vec::new();
            while i < tokens.len() && tokens[i] != Token::Close {
                if let Token::Ident(_) = tokens[i] {
                    let (inner, next) = read_path(tokens, i);
                    for tail in inner {
                        let mut p = prefix.clone();
                        p.extend(tail);
                        out.push(p);
                    }
                    i = next;
                } else {
                    i += 1;
                }
            }
            return (out, i + 1);
        }
    }
}

/// Every path in `code` that names a module of this crate, as an absolute path from
/// the crate root (not yet cut to a module).
fn named_paths(code: &str, module: &[String], children: &BTreeSet<String>) -> Vec<ModulePath> {
    let tokens = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let Token::Ident(first) = &tokens[i] else {
            i += 1;
            continue;
        };
        let after_sep = i > 0 && tokens[i - 1] == Token::PathSep;
        let starts =
            matches!(first.as_str(), "crate" | "super" | "self") || children.contains(first);
        if after_sep || !starts || tokens.get(i + 1) != Some(&Token::PathSep) {
            i += 1;
            continue;
        }
        let (paths, next) = read_path(&tokens, i);
        for path in paths {
            let mut base: ModulePath = module.to_vec();
            let mut rest = path.as_slice();
            match rest.first().map(String::as_str) {
                Some("crate") => {
                    base.clear();
                    rest = &rest[1..];
                }
                Some("self") => rest = &rest[1..],
                _ => {}
            }
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            out.push(base);
        }
        i = next.max(i + 1);
    }
    out
}

/// The module graph of the crate whose sources are below `src` (crate root left out).
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<ModulePath, PathBuf> = files
        .iter()
        .filter_map(|f| module_of(src, f).map(|m| (m, f.clone())))
        .collect();
    let mut graph = BTreeMap::new();
    for (module, file) in modules.iter().filter(|(m, _)| !m.is_empty()) {
        let code = code_only(&std::fs::read_to_string(file).unwrap_or_default());
        let children: BTreeSet<String> = modules
            .keys()
            .filter(|m| m.len() == module.len() + 1 && m.starts_with(module))
            .map(|m| m[module.len()].clone())
            .collect();
        let name = module.join("::");
        let mut deps = BTreeSet::new();
        for path in named_paths(&code, module, &children) {
            let target = (1..=path.len())
                .rev()
                .map(|n| &path[..n])
                .find(|p| modules.contains_key(*p));
            if let Some(target) = target {
                let target = target.join("::");
                if target != name {
                    deps.insert(target);
                }
            }
        }
        graph.insert(name, deps);
    }
    graph
}

/// A cycle in `graph`, if any, as the modules on it (the first repeated at the end).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|m| m == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

/// Every crate's `src` directory.
fn crate_sources() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(repo_root().join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path().join("src"))
        .filter(|src| src.is_dir())
        .collect();
    out.sort();
    out
}

#[test]
fn no_module_imports_itself_through_others() {
    let sources = crate_sources();
    assert!(sources.len() >= 6, "every crate has a src/: {sources:?}");
    let mut cycles = Vec::new();
    for src in sources {
        let graph = module_graph(&src);
        assert!(graph.len() > 1, "{} has modules", src.display());
        if let Some(cycle) = find_cycle(&graph) {
            cycles.push(format!("{}: {}", src.display(), cycle.join(" -> ")));
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_finder_sees_every_kind_of_path() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    graph.insert("c".to_string(), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);

    let code = code_only(
        "use crate::{a::X, b::{c, d::Y}};\n// crate::z::W\nfn f() { super::e::g(); let s = \"crate::q\"; kid::h(); x::kid::i(); }\n#[cfg(test)]\nmod tests { use crate::t; }\n",
    );
    let module = vec!["m".to_string(), "n".to_string()];
    let paths = named_paths(&code, &module, &BTreeSet::from(["kid".to_string()]));
    let want: Vec<ModulePath> = [
        &["a", "X"][..],
        &["b", "c"],
        &["b", "d", "Y"],
        &["m", "e", "g"],
        &["m", "n", "kid", "h"],
    ]
    .iter()
    .map(|p| p.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(paths, want);
}

#[test]
fn no_source_file_is_longer_than_600_lines() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("crates"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).ok()?.lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these along their concerns: {long:?}"
    );
}

#[test]
fn the_repository_points_at_nothing_outside_itself() {
    let pattern = ["DESIGN(\\.md| ?§)", "STYLE\\.md", "\\.\\./shared"].join("|");
    let out = std::process::Command::new("git")
        .args([
            "grep",
            "-n",
            "-I",
            "-E",
            &pattern,
            "--",
            ".",
            ":!tests/structure.rs",
        ])
        .current_dir(repo_root())
        .output()
        .expect("git");
    let hits = String::from_utf8_lossy(&out.stdout);
    assert!(
        hits.is_empty(),
        "references to documents outside the repository:\n{hits}"
    );
}
