//! The module graph drawn in docs/architecture.md is the code's: every `crate::x` reference
//! between top-level modules is listed there and nothing else, the graph has no cycle, and no
//! module's files form a cycle among themselves (app's, listed as a known tangle, aside).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Modules whose files still depend on each other in a circle; the doc names them too.
const TANGLED: &[&str] = &["app"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Every source file under src/, with its path relative to src/, test code left out (files and
/// folders of tests, and whatever follows a file's `#[cfg(test)]`), and comments too.
fn sources() -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
                continue;
            }
            let rel: Vec<String> = p
                .strip_prefix(root().join("src"))
                .unwrap()
                .iter()
                .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            if p.extension().is_none_or(|x| x != "rs") || rel.iter().any(|c| c.contains("tests")) {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            // Code only: comments may name any module.
            let code = text
                .split("#[cfg(test)]")
                .next()
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            out.push((rel, code));
        }
    }
    out
}

/// Top-level module -> the top-level modules it names as `crate::x`. The crate roots and the
/// test scaffolding (`testkit`, built only for tests) are not layers.
fn top_graph() -> Graph {
    let files = sources();
    let tops: BTreeSet<String> = files.iter().map(|(rel, _)| rel[0].clone()).collect();
    let re = regex::Regex::new(r"crate::(\w+)").unwrap();
    let mut g = Graph::new();
    for (rel, code) in &files {
        let top = &rel[0];
        if ["lib", "main", "testkit"].contains(&top.as_str()) {
            continue;
        }
        let deps = g.entry(top.clone()).or_default();
        for c in re.captures_iter(code) {
            let to = &c[1];
            if to != top && tops.contains(to) && to != "testkit" {
                deps.insert(to.to_string());
            }
        }
    }
    g
}

/// Within top-level module `top`: file (second path part) -> the sibling files it names.
fn file_graph(top: &str) -> Graph {
    let files: Vec<_> = sources().into_iter().filter(|(r, _)| r[0] == top).collect();
    let subs: BTreeSet<String> = files
        .iter()
        .filter(|(r, _)| r.len() > 1 && r[1] != "mod")
        .map(|(r, _)| r[1].clone())
        .collect();
    let own = regex::Regex::new(&format!(r"crate::{top}::(\w+)")).unwrap();
    let sup = regex::Regex::new(r"(^|[^\w:])super::(\w+)").unwrap();
    let sup2 = regex::Regex::new(r"super::super::(\w+)").unwrap();
    let mut g = Graph::new();
    for (rel, code) in &files {
        // The module's own root re-exports its parts: it is the module, not one of them.
        if rel.len() < 2 || rel[1] == "mod" {
            continue;
        }
        let mut named: Vec<String> = own.captures_iter(code).map(|c| c[1].to_string()).collect();
        match rel.len() {
            2 => named.extend(sup.captures_iter(code).map(|c| c[2].to_string())),
            _ => named.extend(sup2.captures_iter(code).map(|c| c[1].to_string())),
        }
        let deps = g.entry(rel[1].clone()).or_default();
        deps.extend(
            named
                .into_iter()
                .filter(|n| *n != rel[1] && subs.contains(n)),
        );
    }
    g
}

/// A cycle of `g`, if it has one, as the path around it.
fn cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        g: &Graph,
        n: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(g, m, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|n| visit(g, n, &mut Vec::new(), &mut done))
}

/// The graph as docs/architecture.md lists it, in its ```deps block: `from -> to to ...`.
fn documented() -> Graph {
    let doc = std::fs::read_to_string(root().join("docs/src/architecture.md")).unwrap();
    let block = doc
        .split("```deps\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("docs/src/architecture.md has a ```deps block");
    let mut g = Graph::new();
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let (from, to) = line.split_once("->").unwrap_or((line, ""));
        g.insert(
            from.trim().to_string(),
            to.split_whitespace().map(String::from).collect(),
        );
    }
    g
}

#[test]
fn the_documented_module_graph_is_the_code_s() {
    let (code, doc) = (top_graph(), documented());
    let lines = |g: &Graph| -> BTreeSet<String> {
        g.iter()
            .flat_map(|(a, bs)| bs.iter().map(move |b| format!("{a} -> {b}")))
            .chain(g.keys().map(|a| format!("{a} (module)")))
            .collect()
    };
    let (c, d) = (lines(&code), lines(&doc));
    let missing: Vec<_> = c.difference(&d).collect();
    let stale: Vec<_> = d.difference(&c).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/src/architecture.md is out of date.\nin the code, not the doc: {missing:?}\n\
         in the doc, not the code: {stale:?}"
    );
}

#[test]
fn no_layer_imports_from_a_layer_above_it() {
    assert_eq!(
        cycle(&top_graph()),
        None,
        "a cycle between top-level modules"
    );
    for top in top_graph().keys() {
        if TANGLED.contains(&top.as_str()) {
            continue;
        }
        assert_eq!(cycle(&file_graph(top)), None, "a cycle inside {top}");
    }
}

#[test]
fn the_checker_sees_a_cycle_and_a_chain_is_not_one() {
    let g = |edges: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
        }
        g
    };
    assert_eq!(cycle(&g(&[("a", "b"), ("b", "c")])), None);
    assert_eq!(
        cycle(&g(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    // The tangle the doc admits is still found, so lifting it from TANGLED is a real test.
    assert!(cycle(&file_graph("app")).is_some());
}
