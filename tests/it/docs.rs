//! The manual tells the truth: the key table is the key map's, every chapter is in the book's
//! table of contents, and every example marked `sh run` runs against the demo gateway.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_gatebench");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The README and every chapter, by path relative to the repository.
fn pages() -> Vec<String> {
    let mut out = vec!["README.md".to_string()];
    let mut chapters: Vec<String> = std::fs::read_dir(root().join("docs/src"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/src/{n}"))
        .collect();
    chapters.sort();
    out.extend(chapters);
    out
}

/// The code blocks of `text` whose info string is exactly `sh run`.
fn runnable(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        match (&mut cur, line.trim_start().starts_with("```")) {
            (None, true) if line.trim() == "```sh run" => cur = Some(String::new()),
            (Some(_), true) => blocks.extend(cur.take()),
            (Some(b), false) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_key_table_is_generated_from_the_key_map() {
    let doc = read("docs/src/keys.md");
    let table = doc
        .split("<!-- keys:begin -->\n")
        .nth(1)
        .and_then(|t| t.split("<!-- keys:end -->").next())
        .expect("docs/src/keys.md marks its table with keys:begin and keys:end");
    let keymap = gatebench::app::keymap::Keymap::new(&Default::default()).unwrap();
    assert_eq!(
        table,
        keymap.markdown_table(),
        "docs/src/keys.md is out of date: `gatebench config keys --defaults --markdown` writes it"
    );
}

#[test]
fn every_chapter_is_in_the_book_and_every_link_resolves() {
    let summary = read("docs/src/SUMMARY.md");
    for page in pages().iter().filter(|p| p.starts_with("docs/src/")) {
        let name = page.trim_start_matches("docs/src/");
        if name != "SUMMARY.md" {
            assert!(
                summary.contains(&format!("({name})")),
                "{name} is not in SUMMARY.md"
            );
        }
    }
    let link = regex::Regex::new(r"\]\(([^)#:]+\.md)\)").unwrap();
    for page in pages() {
        let dir = Path::new(&page).parent().unwrap().to_path_buf();
        for c in link.captures_iter(&read(&page)) {
            let target = root().join(&dir).join(&c[1]);
            assert!(
                target.exists(),
                "{page} links to {} which is not there",
                &c[1]
            );
        }
    }
}

#[test]
fn every_runnable_example_runs_against_the_demo_gateway() {
    let dir = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for page in pages() {
        // One home per page: its examples build on each other (ask, then history list).
        let home = tempfile::tempdir().unwrap();
        for block in runnable(&read(&page)) {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("set -e\n{block}"))
                .current_dir(root())
                .env("PATH", &path)
                .env("HOME", home.path())
                .env("XDG_CONFIG_HOME", home.path().join("cfg"))
                .env("XDG_DATA_HOME", home.path().join("data"))
                .env("GATEBENCH_DEMO_SPEED", "inf")
                .env_remove("INFERGATE_API_KEY")
                .env_remove("OPENAI_API_KEY")
                .env_remove("OPENROUTER_API_KEY")
                .env_remove("GATEBENCH_DATA_DIR")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{page}: this example failed ({}):\n{block}\nstdout: {}\nstderr: {}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(
        ran >= 8,
        "only {ran} runnable examples: the marker may have changed"
    );
}

#[test]
fn the_example_finder_takes_only_blocks_marked_to_run() {
    let text = "```sh run\na\nb\n```\n```sh\nno\n```\n```toml\nx = 1\n```\n```sh run\nc\n```\n";
    assert_eq!(runnable(text), ["a\nb\n", "c\n"]);
}
