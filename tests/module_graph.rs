//! The library's modules import each other without a cycle, at two levels: between top-level
//! modules (`kong`, `model`, `apply`, `resources`, ...) and between the modules of single files
//! (`model::api`, `model::issuer`, ...). A cycle means two modules cannot be read (or moved)
//! one without the other, which is what misplaced items (a type in the wrong module) cause.
//!
//! The graph comes from the source text: every `use crate::…`, `use super::…` and inline
//! `crate::…`/`super::…` path, resolved to the module that defines (or, through a `pub use`,
//! re-exports) what it names. Test code is left out: `#[cfg(test)]` modules may reach anywhere.
//! Edges to a module's own ancestors are left out too: a module may use what its parent declares.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// One module of the library: its path (`["model", "api"]`; empty for the crate root), its code
/// without comments or test modules, and what it re-exports (`pub use`), by name.
#[derive(Debug, Default)]
struct Module {
    file: PathBuf,
    code: Vec<(usize, String)>,
    reexports: BTreeMap<String, Vec<String>>,
    globs: Vec<Vec<String>>,
}

type ModPath = Vec<String>;

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The module path of a source file (`src/model/api.rs` and `src/model/api/mod.rs` are
/// `model::api`; `src/lib.rs` is the crate root).
fn module_path(file: &Path, root: &Path) -> ModPath {
    let relative = file.strip_prefix(root).expect("under src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs").to_string();
    if stem != "mod" && stem != "lib" {
        parts.push(stem);
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .expect("readable source directory")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code lines of a file (numbered from 1) without comments, and without test modules: an
/// inline `#[cfg(test)] mod x { … }` runs to the end of the file by this crate's convention,
/// and `#[cfg(test)] mod x;` names a test file (returned, to be skipped).
fn code_lines(text: &str) -> (Vec<(usize, String)>, Vec<String>) {
    let mut lines = Vec::new();
    let mut test_children = Vec::new();
    let mut all = text.lines().enumerate().peekable();
    while let Some((index, line)) = all.next() {
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]" {
            let next = all.peek().map(|(_, l)| l.trim().to_string());
            if let Some(next) = next {
                let declaration = next
                    .trim_start_matches("pub ")
                    .trim_start_matches("pub(crate) ");
                if let Some(rest) = declaration.strip_prefix("mod ") {
                    if let Some(name) = rest.strip_suffix(';') {
                        test_children.push(name.trim().to_string());
                        all.next();
                        continue;
                    }
                    break;
                }
            }
            continue;
        }
        let code = match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ if trimmed.starts_with("//") => "",
            _ => line,
        };
        lines.push((index + 1, code.to_string()));
    }
    (lines, test_children)
}

/// Every `use` statement of the code (possibly spanning lines), with its first line number and
/// whether it is `pub`.
fn use_statements(code: &[(usize, String)]) -> Vec<(usize, bool, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, bool, String)> = None;
    for (number, line) in code {
        let trimmed = line.trim();
        if current.is_none() {
            let (public, rest) = if let Some(rest) = trimmed.strip_prefix("pub use ") {
                (true, rest)
            } else if let Some(rest) = trimmed.strip_prefix("pub(crate) use ") {
                (true, rest)
            } else if let Some(rest) = trimmed.strip_prefix("use ") {
                (false, rest)
            } else {
                continue;
            };
            current = Some((*number, public, String::new()));
            let statement = current.as_mut().expect("just set");
            statement.2.push_str(rest);
        } else if let Some(statement) = current.as_mut() {
            statement.2.push(' ');
            statement.2.push_str(trimmed);
        }
        if current
            .as_ref()
            .is_some_and(|c| c.2.trim_end().ends_with(';'))
        {
            let (number, public, text) = current.take().expect("set");
            out.push((
                number,
                public,
                text.trim_end().trim_end_matches(';').to_string(),
            ));
        }
    }
    out
}

/// The paths a use tree names: `a::{b, c::{d as e}}` gives `a::b` and `a::c::d` (with the
/// names they are bound to).
fn expand_tree(tree: &str) -> Vec<(Vec<String>, String)> {
    let tree: String = tree
        .chars()
        .filter(|c| !c.is_whitespace() || *c == ' ')
        .collect();
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let prefix: Vec<String> = split_path(tree[..open].trim_end_matches("::"));
        let inner = &tree[open + 1..tree.rfind('}').expect("balanced braces")];
        let mut out = Vec::new();
        for part in split_top_level(inner) {
            for (mut path, name) in expand_tree(&part) {
                let mut full = prefix.clone();
                if path == ["self"] {
                    path.clear();
                }
                full.extend(path);
                let name = if name == "self" {
                    full.last().cloned().unwrap_or_default()
                } else {
                    name
                };
                out.push((full, name));
            }
        }
        return out;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path.trim(), Some(alias.trim().to_string())),
        None => (tree, None),
    };
    let path = split_path(path);
    let name = alias.unwrap_or_else(|| path.last().cloned().unwrap_or_default());
    vec![(path, name)]
}

fn split_path(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn split_top_level(inner: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A path as written in `module` made absolute (`crate::` dropped, `super::`/`self::` resolved);
/// `None` for paths outside the crate.
fn absolute(path: &[String], module: &ModPath, is_dir_module: bool) -> Option<Vec<String>> {
    let first = path.first()?.as_str();
    match first {
        "crate" => Some(path[1..].to_vec()),
        "self" => {
            let mut out = module.clone();
            out.extend_from_slice(&path[1..]);
            Some(out)
        }
        "super" => {
            let mut base = module.clone();
            let mut rest = path;
            while rest.first().map(String::as_str) == Some("super") {
                base.pop()?;
                rest = &rest[1..];
            }
            let _ = is_dir_module;
            base.extend_from_slice(rest);
            Some(base)
        }
        _ => None,
    }
}

/// The module that defines what an absolute path names, following `pub use` re-exports.
fn resolve(path: &[String], modules: &BTreeMap<ModPath, Module>, depth: usize) -> ModPath {
    let mut current: ModPath = Vec::new();
    for segment in path {
        let mut child = current.clone();
        child.push(segment.clone());
        if modules.contains_key(&child) {
            current = child;
            continue;
        }
        let module = &modules[&current];
        if depth < 8 {
            if let Some(target) = module.reexports.get(segment) {
                return resolve(target, modules, depth + 1);
            }
            if let [glob] = module.globs.as_slice() {
                return glob.clone();
            }
        }
        break;
    }
    current
}

/// Inline `crate::…` and `super::…` paths outside `use` statements.
fn inline_paths(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = line[from..].find(start) {
            let begin = from + at;
            let preceded = line[..begin]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            let end = line[begin..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(line.len(), |e| begin + e);
            if !preceded {
                out.push(split_path(&line[begin..end]));
            }
            from = end.max(begin + start.len());
        }
    }
    out
}

struct Graph {
    /// Edges with where they come from (file and line).
    edges: BTreeMap<ModPath, BTreeMap<ModPath, String>>,
}

fn load() -> (BTreeMap<ModPath, Module>, Graph) {
    let root = source_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut modules: BTreeMap<ModPath, Module> = BTreeMap::new();
    let mut test_only: BTreeSet<ModPath> = BTreeSet::new();
    for file in &files {
        let path = module_path(file, &root);
        // Binaries are not part of the library.
        if path.first().map(String::as_str) == Some("bin") || path == ["main"] {
            continue;
        }
        let text = fs::read_to_string(file).expect("readable source");
        let (code, test_children) = code_lines(&text);
        for child in test_children {
            let mut child_path = path.clone();
            child_path.push(child);
            test_only.insert(child_path);
        }
        modules.insert(
            path,
            Module {
                file: file.clone(),
                code,
                ..Module::default()
            },
        );
    }
    modules.retain(|path, _| !test_only.iter().any(|t| path.starts_with(t)));
    // Re-exports first: resolving a path may go through them.
    let paths: Vec<ModPath> = modules.keys().cloned().collect();
    for path in &paths {
        let is_dir = modules[path].file.ends_with("mod.rs") || path.is_empty();
        let statements = use_statements(&modules[path].code);
        let module = modules.get_mut(path).expect("present");
        for (_, public, tree) in statements.into_iter().filter(|s| s.1) {
            let _ = public;
            for (target, name) in expand_tree(&tree) {
                let target = match absolute(&target, path, is_dir) {
                    Some(target) => target,
                    // A re-export of a child, written relative to this module.
                    None => {
                        let mut full = path.clone();
                        full.extend(target);
                        full
                    }
                };
                if name == "*" {
                    let mut glob = target.clone();
                    glob.pop();
                    module.globs.push(glob);
                } else {
                    module.reexports.insert(name, target);
                }
            }
        }
    }
    let mut edges: BTreeMap<ModPath, BTreeMap<ModPath, String>> = BTreeMap::new();
    for (path, module) in &modules {
        let is_dir = module.file.ends_with("mod.rs") || path.is_empty();
        let mut found: Vec<(usize, Vec<String>)> = Vec::new();
        let statements = use_statements(&module.code);
        let use_lines: BTreeSet<usize> = statements.iter().map(|s| s.0).collect();
        for (line, public, tree) in &statements {
            if *public {
                continue;
            }
            for (target, _) in expand_tree(tree) {
                if let Some(target) = absolute(&target, path, is_dir) {
                    found.push((*line, target));
                }
            }
        }
        for (line, text) in &module.code {
            if use_lines.contains(line) || text.trim_start().starts_with("use ") {
                continue;
            }
            for target in inline_paths(text) {
                if let Some(target) = absolute(&target, path, is_dir) {
                    found.push((*line, target));
                }
            }
        }
        for (line, target) in found {
            let to = resolve(&target, &modules, 0);
            if to == *path || path.starts_with(&to) {
                continue;
            }
            let relative = module.file.strip_prefix(source_dir()).expect("under src");
            edges
                .entry(path.clone())
                .or_default()
                .entry(to)
                .or_insert_with(|| format!("src/{}:{line}", relative.display()));
        }
    }
    (modules, Graph { edges })
}

/// The cycles of a graph: one per strongly connected component with more than one node, shown
/// as a path that closes.
fn cycles(edges: &BTreeMap<ModPath, BTreeMap<ModPath, String>>) -> Vec<Vec<ModPath>> {
    let nodes: BTreeSet<ModPath> = edges
        .iter()
        .flat_map(|(from, tos)| std::iter::once(from.clone()).chain(tos.keys().cloned()))
        .collect();
    let reaches = |from: &ModPath, to: &ModPath| -> Option<Vec<ModPath>> {
        // Breadth-first, for the shortest way back.
        let mut previous: BTreeMap<ModPath, ModPath> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from.clone()]);
        while let Some(node) = queue.pop_front() {
            for next in edges.get(&node).map(|t| t.keys()).into_iter().flatten() {
                if previous.contains_key(next) {
                    continue;
                }
                previous.insert(next.clone(), node.clone());
                if next == to {
                    let mut path = vec![to.clone()];
                    let mut at = to.clone();
                    while at != *from || path.len() == 1 {
                        at = previous[&at].clone();
                        path.push(at.clone());
                        if at == *from {
                            break;
                        }
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(next.clone());
            }
        }
        None
    };
    let mut seen: BTreeSet<ModPath> = BTreeSet::new();
    let mut out = Vec::new();
    for node in &nodes {
        if seen.contains(node) {
            continue;
        }
        if let Some(cycle) = reaches(node, node) {
            seen.extend(cycle.iter().cloned());
            out.push(cycle);
        }
    }
    out
}

fn show(path: &ModPath) -> String {
    if path.is_empty() {
        "crate".into()
    } else {
        path.join("::")
    }
}

fn describe(cycle: &[ModPath], edges: &BTreeMap<ModPath, BTreeMap<ModPath, String>>) -> String {
    cycle
        .windows(2)
        .map(|pair| {
            format!(
                "  {} -> {} ({})",
                show(&pair[0]),
                show(&pair[1]),
                edges[&pair[0]][&pair[1]]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_modules_of_single_files_import_each_other_without_a_cycle() {
    let (_, graph) = load();
    let found = cycles(&graph.edges);
    let shown: Vec<String> = found.iter().map(|c| describe(c, &graph.edges)).collect();
    assert!(found.is_empty(), "module cycles:\n{}", shown.join("\n\n"));
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let (_, graph) = load();
    let mut top: BTreeMap<ModPath, BTreeMap<ModPath, String>> = BTreeMap::new();
    for (from, tos) in &graph.edges {
        for (to, at) in tos {
            let (Some(a), Some(b)) = (from.first(), to.first()) else {
                continue;
            };
            if a != b {
                top.entry(vec![a.clone()])
                    .or_default()
                    .entry(vec![b.clone()])
                    .or_insert_with(|| at.clone());
            }
        }
    }
    let found = cycles(&top);
    let shown: Vec<String> = found.iter().map(|c| describe(c, &top)).collect();
    assert!(found.is_empty(), "module cycles:\n{}", shown.join("\n\n"));
}

#[test]
fn the_checker_sees_the_imports_it_must_see() {
    // A check that finds nothing proves nothing: the edges every layer has must be found.
    let (modules, graph) = load();
    assert!(modules.len() > 20, "found {} modules", modules.len());
    let has = |from: &[&str], to: &[&str]| {
        let from: ModPath = from.iter().map(|s| s.to_string()).collect();
        let to: ModPath = to.iter().map(|s| s.to_string()).collect();
        graph.edges.get(&from).is_some_and(|t| t.contains_key(&to))
    };
    assert!(has(&["provider"], &["settings"]));
    assert!(
        has(&["model", "api"], &["kong", "entities"]),
        "through kong's re-exports"
    );
    let (cyclic, _) = {
        let mut edges = graph.edges.clone();
        edges
            .entry(vec!["kong".into(), "client".into()])
            .or_default()
            .insert(vec!["provider".into()], "test".into());
        (cycles(&edges), ())
    };
    assert!(!cyclic.is_empty(), "an added back edge is a cycle");
}

#[test]
fn the_lower_layers_know_nothing_of_the_layers_above_or_of_terraform() {
    // kong: the Admin API client; model: the pure mapping; apply: carrying declarations out.
    // None of them may reach the Terraform glue, nor tf-provider.
    let allowed: [(&str, &[&str]); 3] = [
        ("kong", &["secret"]),
        ("model", &["kong", "secret"]),
        ("apply", &["kong", "model", "idp", "secret", "interrupt"]),
    ];
    let (modules, graph) = load();
    let mut wrong = Vec::new();
    for (layer, may_use) in allowed {
        for (from, tos) in &graph.edges {
            if from.first().map(String::as_str) != Some(layer) {
                continue;
            }
            for (to, at) in tos {
                let target = to.first().map(String::as_str).unwrap_or("crate");
                if target != layer && !may_use.contains(&target) {
                    wrong.push(format!("{} -> {} ({at})", show(from), show(to)));
                }
            }
        }
        for (path, module) in &modules {
            if path.first().map(String::as_str) != Some(layer) {
                continue;
            }
            for (line, code) in &module.code {
                if code.contains("tf_provider") {
                    wrong.push(format!("{} uses tf_provider (line {line})", show(path)));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
