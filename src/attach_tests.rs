use super::*;

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::create_dir_all(p.join("src/deep")).unwrap();
    std::fs::create_dir_all(p.join(".git")).unwrap();
    std::fs::create_dir_all(p.join("target")).unwrap();
    std::fs::write(p.join("README.md"), "# Title\n\nSome words here.\n").unwrap();
    std::fs::write(p.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(p.join("src/deep/x.txt"), "deep text").unwrap();
    std::fs::write(p.join("src/logo.png"), [0x89, b'P', b'N', b'G', 0, 0, 1]).unwrap();
    std::fs::write(p.join(".git/HEAD"), "ref: x").unwrap();
    std::fs::write(p.join("target/out.txt"), "built").unwrap();
    std::fs::write(p.join(".env"), "SECRET=1").unwrap();
    d
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn a_text_file_is_framed_and_counted() {
    let d = tree();
    let path = s(&d.path().join("README.md"));
    let a = load(&path, Limits::default(), false).unwrap();
    assert_eq!(a.files.len(), 1);
    assert_eq!(a.bytes, 26);
    let prompt = compose("Summarise it.", std::slice::from_ref(&a));
    assert!(prompt.starts_with(&format!("<file path=\"{path}\">\n# Title")));
    assert!(prompt.ends_with("</file>\n\nSummarise it."), "{prompt}");
    // The count is the framed file's, by the same tokenizer the estimates use.
    let framed = prompt.trim_end_matches("\nSummarise it.");
    assert_eq!(a.tokens, crate::metrics::estimate_tokens(framed));
    assert_eq!(compose("q", &[]), "q");
}

#[test]
fn binary_files_are_refused_with_the_reason() {
    let d = tree();
    let e = load(&s(&d.path().join("src/logo.png")), Limits::default(), false).unwrap_err();
    assert!(
        matches!(&e, AttachError::Binary { why, .. } if why.contains("NUL")),
        "{e}"
    );
    assert!(e.to_string().contains("only text can be attached"), "{e}");
    assert_eq!(binary_reason(b"caf\xc3\xa9"), None);
    assert!(
        binary_reason(b"caf\xe9 au lait")
            .unwrap()
            .contains("UTF-8 at byte 3")
    );
    // A character cut by a read limit at the very end is still text.
    assert_eq!(binary_reason(b"caf\xc3"), None);
    assert_eq!(binary_reason(b"\xe2\x82"), None);
    // But a byte that can never start a character is not a cut one, even at the end.
    assert!(binary_reason(b"caf\xff").is_some());
}

#[test]
fn a_folder_reads_its_text_files_and_skips_the_rest() {
    let d = tree();
    let a = load(&s(d.path()), Limits::default(), false).unwrap();
    let names: Vec<String> = a
        .files
        .iter()
        .map(|f| f.path.trim_start_matches(&s(d.path())).to_string())
        .collect();
    assert_eq!(names, ["/README.md", "/src/deep/x.txt", "/src/main.rs"]);
    assert_eq!(a.skipped.len(), 1, "{:?}", a.skipped);
    assert!(a.skipped[0].ends_with("logo.png"));
    assert_eq!(a.tokens, tokens_of(&a.files));
}

#[test]
fn a_large_folder_asks_first_and_a_huge_one_is_refused() {
    let d = tree();
    let ask = Limits {
        ask_files: 2,
        ..Limits::default()
    };
    let e = load(&s(d.path()), ask, false).unwrap_err();
    match &e {
        AttachError::Large { files, bytes, .. } => {
            assert_eq!(*files, 3);
            assert!(*bytes > 40);
        }
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("3 files"), "{e}");
    assert!(load(&s(d.path()), ask, true).is_ok(), "confirmed");
    let by_bytes = Limits {
        ask_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        load(&s(d.path()), by_bytes, false),
        Err(AttachError::Large { .. })
    ));
    let cap = Limits {
        max_files: 2,
        ..Limits::default()
    };
    assert!(matches!(
        load(&s(d.path()), cap, true),
        Err(AttachError::TooBig { .. })
    ));
    let small = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        load(&s(&d.path().join("README.md")), small, true),
        Err(AttachError::TooBig { .. })
    ));
}

#[test]
fn limits_are_inclusive() {
    let d = tree();
    let root = s(d.path());
    // Four files of 55 bytes in all (three text, one image); README.md is 26 bytes.
    let at = |f: fn(&mut Limits)| {
        let mut l = Limits::default();
        f(&mut l);
        l
    };
    assert!(load(&root, at(|l| l.max_files = 4), true).is_ok());
    assert!(load(&root, at(|l| l.max_files = 3), true).is_err());
    assert!(load(&root, at(|l| l.max_bytes = 55), true).is_ok());
    assert!(load(&root, at(|l| l.max_bytes = 54), true).is_err());
    assert!(
        load(&root, at(|l| l.ask_files = 3), false).is_ok(),
        "3 text files: no question"
    );
    assert!(load(&root, at(|l| l.ask_bytes = 55), false).is_ok());
    assert!(load(&root, at(|l| l.ask_bytes = 54), false).is_err());
    let readme = s(&d.path().join("README.md"));
    assert!(load(&readme, at(|l| l.max_bytes = 26), false).is_ok());
    assert!(load(&readme, at(|l| l.max_bytes = 25), false).is_err());
}

#[test]
fn missing_and_empty_paths() {
    let d = tree();
    let e = load(&s(&d.path().join("nope.txt")), Limits::default(), false).unwrap_err();
    assert!(matches!(e, AttachError::Unreadable { .. }), "{e}");
    std::fs::create_dir(d.path().join("empty")).unwrap();
    let e = load(&s(&d.path().join("empty")), Limits::default(), false).unwrap_err();
    assert!(matches!(e, AttachError::Empty { .. }), "{e}");
}

#[test]
fn fit_against_a_window() {
    assert_eq!(fit(100, 10, None), Fit::Unknown);
    assert_eq!(fit(100, 10, Some(0)), Fit::Unknown);
    assert_eq!(fit(500, 100, Some(1000)), Fit::Fits { used: 0.5 });
    assert_eq!(fit(950, 100, Some(1000)), Fit::Tight { used: 0.95 });
    assert_eq!(fit(900, 100, Some(1000)), Fit::Fits { used: 0.9 });
    assert_eq!(fit(1000, 0, Some(1000)), Fit::Fits { used: 1.0 });
    assert_eq!(fit(1204, 0, Some(1000)), Fit::Over { by: 204 });
    assert_eq!(Fit::Over { by: 1204 }.label(), "over by 1,204");
    assert_eq!(Fit::Tight { used: 0.97 }.label(), "tight 97%");
    assert_eq!(Fit::Fits { used: 0.421 }.label(), "42%");
    assert!(Fit::Over { by: 1 }.is_over());
    assert!(!Fit::Tight { used: 1.0 }.is_over());
}

#[test]
fn paths_complete_from_their_folder() {
    let entries = [
        ("src", true),
        ("scripts", true),
        ("README.md", false),
        (".git", true),
        ("s.txt", false),
    ]
    .map(|(n, d)| (n.to_string(), d));
    assert_eq!(completions("s", &entries), ["s.txt", "scripts/", "src/"]);
    assert_eq!(
        completions("tests/s", &entries),
        ["tests/s.txt", "tests/scripts/", "tests/src/"]
    );
    assert_eq!(
        completions("", &entries),
        ["README.md", "s.txt", "scripts/", "src/"],
        "hidden left out"
    );
    assert_eq!(completions(".g", &entries), [".git/"]);
    assert!(completions("zz", &entries).is_empty());
    assert_eq!(common_start(&completions("sc", &entries)), "scripts/");
    assert_eq!(common_start(&["src/".into(), "scripts/".into()]), "s");
    assert_eq!(common_start(&["é1".into(), "é2".into()]), "é");
    assert_eq!(common_start(&[]), "");
    let d = tree();
    let p = format!("{}/src/ma", d.path().display());
    assert_eq!(
        complete_path(&p),
        [format!("{}/src/main.rs", d.path().display())]
    );
}

#[test]
fn mentions_are_at_words() {
    assert_eq!(
        mentions("see @src/main.rs and @docs/ but not me@x.com or @@literal or @"),
        ["src/main.rs", "docs/"]
    );
    assert!(mentions("nothing here").is_empty());
}
