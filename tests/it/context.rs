//! Long-context work through the real binary against the demo gateway process: attachments and
//! their fit against each model's window, context-length errors, and the context ladder.

use crate::common::demo::{run, start_demo};
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

#[test]
fn the_ladder_climbs_each_model_and_finds_the_needle_while_it_can() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    let ladder = |sizes: &str, extra: &[&str]| {
        let mut a = vec![
            "ladder",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/local-free",
            "--sizes",
            sizes,
        ];
        a.extend_from_slice(extra);
        run(demo.gatebench(home.path(), &a))
    };
    let (code, out, err) = ladder("1k,4k,24k", &["--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("step 3/3: 24k tokens"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["expect"], "amber-falcon-42");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6);
    let at = |model: &str, size: u64| {
        steps
            .iter()
            .find(|s| s["model"] == model && s["size"] == size)
            .unwrap_or_else(|| panic!("{model} {size}: {v}"))
    };
    // fast-mini finds the needle in a short prompt and loses it past its reach (16k in the demo).
    assert_eq!(at("demo/fast-mini", 1000)["found"], true, "{v}");
    assert_eq!(at("demo/fast-mini", 24000)["found"], false, "{v}");
    // The server's counts grow with the size asked, and so does the cost.
    let tok = |s: &Value| s["input_tokens"].as_u64().unwrap();
    let (small, big) = (at("demo/fast-mini", 1000), at("demo/fast-mini", 24000));
    assert!(tok(small) <= 1000 && tok(small) > 900, "{small}");
    assert!(tok(big) <= 24000 && tok(big) > 23000, "{big}");
    assert!(big["cost_usd"].as_f64() > small["cost_usd"].as_f64());
    // local-free's 8k window: what does not fit is not sent, and says so.
    let skipped = at("demo/local-free", 24000);
    assert_eq!(skipped["error_kind"], "context_length");
    assert!(
        skipped["skipped"].as_str().unwrap().contains("not sent"),
        "{skipped}"
    );
    assert_eq!(at("demo/local-free", 4000)["found"], true);
    // Forced, the gateway refuses it instead, with its own context-length error.
    let (_, out, _) = ladder("24k", &["--json", "--force"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let refused = &v["steps"].as_array().unwrap()[1];
    assert_eq!(refused["error_kind"], "context_length", "{v}");
    assert!(
        refused["skipped"]
            .as_str()
            .unwrap()
            .contains("maximum context length")
    );
    // Text mode: the table and both charts with a legend.
    let (code, out, _) = ladder("1k,24k", &[]);
    assert_eq!(code, 0);
    for want in [
        "TTFT against input tokens",
        "Cost per request",
        "o demo/fast-mini",
        "missed",
        "found",
    ] {
        assert!(out.contains(want), "{want}: {out}");
    }
    let (code, _, err) = ladder("1x", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a size"), "{err}");
}
