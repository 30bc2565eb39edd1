//! The arrows between src/'s modules go one way (docs/architecture.md). Every top-level module
//! belongs to one of [`LAYERS`] and imports only from its own layer or the layers below; no
//! import loop joins top-level modules, nor the files inside one (a file and the module that
//! declares it may use each other: that is how Rust nests modules).
//!
//! What counts as an import: every `crate::` and `super::` path in src/ (`use` or not, `use`
//! groups like `crate::{a, b::{c, d}}` expanded), outside comments, string and character
//! literals, and `#[cfg(test)]` items and files.

mod source;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use source::{code, paths};

/// Top to bottom. A module may use the modules of its own layer (without a loop) and of the
/// layers after it, never those before it.
const LAYERS: &[(&str, &[&str])] = &[
    ("front", &["cli", "error", "agent"]),
    (
        "operations",
        &["doctor", "import", "lifecycle", "gitconfig", "helper"],
    ),
    (
        "network",
        &["oauth", "openbao", "github_app", "provider_api", "http"],
    ),
    ("decisions", &["protocol", "resolve", "allowed"]),
    (
        "data",
        &[
            "store",
            "config",
            "sealed",
            "keysource",
            "credential",
            "provider",
        ],
    ),
    (
        "foundation",
        &[
            "durable", "platform", "paths", "secret", "term", "colour", "time", "url", "progress",
        ],
    ),
];

type Module = Vec<String>;

/// A use of `to` in `file`.
struct Edge {
    from: Module,
    to: Module,
    file: PathBuf,
}

#[test]
fn layers_only_import_downwards() {
    let files = src();
    let edges = edges(&files);
    let layer_of = |m: &str| LAYERS.iter().position(|(_, mods)| mods.contains(&m));
    let mut wrong = BTreeSet::new();
    let tops: BTreeSet<&str> = files.iter().map(|(m, _, _)| m[0].as_str()).collect();
    for top in &tops {
        if layer_of(top).is_none() {
            wrong.insert(format!(
                "src/{top} is in no layer: add it to LAYERS here and to docs/architecture.md"
            ));
        }
    }
    for (_, mods) in LAYERS {
        for m in *mods {
            if !tops.contains(m) {
                wrong.insert(format!("LAYERS names `{m}`, which src/ does not have"));
            }
        }
    }
    for e in &edges {
        let (a, b) = (&e.from[0], &e.to[0]);
        if let (Some(la), Some(lb)) = (layer_of(a), layer_of(b))
            && lb < la
        {
            wrong.insert(format!(
                "{a} ({}) uses {b} ({}), a layer above it, in {}",
                LAYERS[la].0,
                LAYERS[lb].0,
                e.file.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", Vec::from_iter(wrong).join("\n"));
}

#[test]
fn no_import_loop_between_top_level_modules() {
    let edges = edges(&src());
    let graph = graph(&edges, |e| {
        (e.from[0] != e.to[0]).then(|| (e.from[..1].to_vec(), e.to[..1].to_vec()))
    });
    if let Some(found) = cycle(&graph) {
        panic!("import loop: {}", describe(&found, &edges, 1));
    }
}

#[test]
fn no_import_loop_between_files_of_a_module() {
    let edges = edges(&src());
    let graph = graph(&edges, |e| {
        let related = e.from.starts_with(&e.to) || e.to.starts_with(&e.from);
        (!related).then(|| (e.from.clone(), e.to.clone()))
    });
    if let Some(found) = cycle(&graph) {
        panic!("import loop: {}", describe(&found, &edges, usize::MAX));
    }
}

/// Every non-test file under src/ but lib.rs and main.rs, with its module path and its code.
fn src() -> Vec<(Module, PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut out = Vec::new();
    let mut test_only: BTreeSet<Module> = BTreeSet::new();
    for path in files {
        let rel = path.strip_prefix(&root).unwrap().with_extension("");
        let mut module: Module = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        if module == ["lib"] || module == ["main"] {
            continue;
        }
        let (code, children) = code(&std::fs::read_to_string(&path).unwrap());
        for child in children {
            let mut m = module.clone();
            m.push(child);
            test_only.insert(m);
        }
        out.push((module, path, code));
    }
    out.retain(|(m, _, _)| !test_only.iter().any(|t| m.starts_with(t)));
    assert!(out.len() > 50, "src/ not found at {}", root.display());
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every use of one file's module by another, resolved to the longest module path that is a
/// file.
fn edges(files: &[(Module, PathBuf, String)]) -> Vec<Edge> {
    let modules: BTreeSet<&Module> = files.iter().map(|(m, _, _)| m).collect();
    let mut edges = Vec::new();
    for (module, path, code) in files {
        for used in paths(code, module) {
            let to = (1..=used.len())
                .rev()
                .map(|n| used[..n].to_vec())
                .find(|p| modules.contains(p));
            if let Some(to) = to.filter(|to| to != module) {
                edges.push(Edge {
                    from: module.clone(),
                    to,
                    file: path
                        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                        .unwrap()
                        .into(),
                });
            }
        }
    }
    edges
}

fn graph(
    edges: &[Edge],
    keep: impl Fn(&Edge) -> Option<(Module, Module)>,
) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (a, b) in edges.iter().filter_map(keep) {
        graph.entry(a).or_default().insert(b);
    }
    graph
}

/// One loop in `graph`, as the modules along it (the first repeated at the end).
fn cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    // 0: not seen, 1: on the current path, 2: done.
    fn visit(
        m: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        path: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(m.clone(), 1);
        path.push(m.clone());
        for next in graph.get(m).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == next).unwrap();
                    let mut found = path[start..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                0 => {
                    if let Some(found) = visit(next, graph, state, path) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if !state.contains_key(m)
            && let Some(found) = visit(m, graph, &mut state, &mut Vec::new())
        {
            return Some(found);
        }
    }
    None
}

/// `a -> b -> a`, and for each arrow a file that makes it.
fn describe(found: &[Module], edges: &[Edge], depth: usize) -> String {
    let cut = |m: &Module| m[..depth.min(m.len())].to_vec();
    let arrows: Vec<String> = found
        .windows(2)
        .map(|w| {
            let file = edges
                .iter()
                .find(|e| cut(&e.from) == w[0] && cut(&e.to) == w[1])
                .map_or(String::new(), |e| e.file.display().to_string());
            format!("{} -> {} ({file})", w[0].join("::"), w[1].join("::"))
        })
        .collect();
    arrows.join(", ")
}
