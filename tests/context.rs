//! Long-context work through the real binary against the demo gateway process: attachments and
//! their fit against each model's window, context-length errors, and the context ladder.

mod common;

use common::demo::{run, start_demo};
use serde_json::Value;

fn write(dir: &std::path::Path, name: &str, body: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

#[test]
fn an_attachment_reaches_the_model_and_its_size_is_said() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    let note = write(home.path(), "note.txt", b"The launch code is 4417.\n");
    let (code, out, err) = run(demo.gatebench(
        home.path(),
        &[
            "ask",
            "-m",
            "demo/fast-mini",
            "--attach",
            &note,
            "--json",
            "--max-tokens",
            "8",
            "Which code?",
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("attached {note}: 1 file, 25 B, ~")),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    // The demo gateway counts the prompt it was sent: the file is in it.
    let with = v[0]["input_tokens"].as_u64().unwrap();
    let (_, out, _) = run(demo.gatebench(
        home.path(),
        &[
            "ask",
            "-m",
            "demo/fast-mini",
            "--json",
            "--max-tokens",
            "8",
            "Which code?",
        ],
    ));
    let without = serde_json::from_str::<Value>(&out).unwrap()[0]["input_tokens"]
        .as_u64()
        .unwrap();
    assert!(with > without + 5, "{with} vs {without}");
}

#[test]
fn what_does_not_fit_is_refused_before_sending_unless_forced() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    let big = write(
        home.path(),
        "big.txt",
        "lorem ipsum dolor sit amet ".repeat(3000).as_bytes(),
    );
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a = vec![
            "ask",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/local-free",
            "--attach",
            &big,
        ];
        a.extend_from_slice(extra);
        a.push("Summarise.");
        a.into_iter().map(String::from).collect()
    };
    let send = |extra: &[&'static str]| {
        let a = args(extra);
        run(demo.gatebench(
            home.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
        ))
    };
    let (code, out, err) = send(&["--json"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "nothing sent, nothing printed: {out}");
    assert!(err.contains("demo/local-free: ~15,0"), "{err}");
    assert!(err.contains("window 8,192"), "{err}");
    assert!(!err.contains("demo/fast-mini:"), "it fits: {err}");
    // Forced: the gateway refuses it, and the refusal is a context_length failure, said as such.
    let (code, out, err) = send(&["--json", "--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("warning: sent anyway: demo/local-free"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v[0]["error"].is_null(), "{}", v[0]);
    assert_eq!(v[1]["error_kind"], "context_length", "{}", v[1]);
    assert!(v[1]["error"].as_str().unwrap().contains("context too long"));
}

#[test]
fn binary_files_and_large_folders_are_stopped_with_a_message() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    let bin = write(home.path(), "logo.png", &[0x89, b'P', b'N', b'G', 0, 0, 7]);
    let (code, _, err) = run(demo.gatebench(home.path(), &["ask", "--attach", &bin, "q"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("logo.png is a binary file (it holds NUL bytes)"),
        "{err}"
    );
    let dir = home.path().join("many");
    for i in 0..201 {
        write(&dir, &format!("f{i:03}.txt"), b"x");
    }
    let d = dir.display().to_string();
    let (code, _, err) = run(demo.gatebench(home.path(), &["ask", "--attach", &d, "q"]));
    assert_eq!(code, 1);
    assert!(err.contains("is a large folder: 201 files"), "{err}");
    assert!(err.contains("(pass --yes)"), "{err}");
    let (code, _, err) = run(demo.gatebench(
        home.path(),
        &[
            "ask",
            "-m",
            "demo/fast-mini",
            "--max-tokens",
            "4",
            "--attach",
            &d,
            "--yes",
            "q",
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("201 files"), "{err}");
}
