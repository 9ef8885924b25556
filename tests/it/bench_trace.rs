//! `bench --trace`: a Mooncake trace replayed against the demo gateway, whose models take, refuse
//! or ignore `min_tokens` / `ignore_eos`, and whose prefix cache sees the trace's shared blocks.

use crate::bench::{bench, json, out};
use crate::common::demo::start_demo;

const TRACE: &str = r#"{"timestamp": 0, "input_length": 1200, "output_length": 30, "hash_ids": [1, 2, 3]}
{"timestamp": 40, "input_length": 700, "output_length": 12, "hash_ids": [1, 4]}
{"timestamp": -3, "input_length": 10, "output_length": 5}
{"timestamp": 120, "input_length": 1200, "output_length": 25, "hash_ids": [1, 2, 5]}
{"timestamp": 80, "input_length": 300, "output_length": 8, "hash_ids": [9]}
{"timestamp": 160, "input_length": 600, "output_length": 40}
{"timestamp": 200, "output_length": 40}
"#;

#[test]
fn a_trace_is_replayed_on_schedule_with_its_lengths_and_shared_prefixes() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &[]);
    let trace = h.join("trace.jsonl");
    std::fs::write(&trace, TRACE).unwrap();
    let run = h.join("run.json");
    let (code, stdout, err) = out(bench(
        h,
        &demo,
        &[
            "--trace",
            trace.to_str().unwrap(),
            "--time-scale",
            "0.5",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/pro-large",
            "-m",
            "demo/long-context",
            "--out",
            run.to_str().unwrap(),
        ],
    ));
    assert_eq!(code, 0, "{err}");
    // Bad lines by number; the out-of-order one is kept.
    assert!(err.contains("line 3: `timestamp` is negative"), "{err}");
    assert!(
        err.contains("line 5: timestamp 80 ms is before the previous line's 120 ms"),
        "{err}"
    );
    assert!(err.contains("line 7: missing `input_length`"), "{err}");
    assert!(err.contains("note: 3 line(s) reported"), "{err}");
    // Each target said whether it can be held to the lengths.
    assert!(
        err.contains("trace: demo/fast-mini takes min_tokens/ignore_eos"),
        "{err}"
    );
    assert!(
        err.contains("target(s), trace replay at its timestamps x 0.5 per target"),
        "{err}"
    );
    assert!(
        err.contains("trace: demo/pro-large refuses min_tokens/ignore_eos (")
            && err.contains("Unrecognized request argument supplied: min_tokens"),
        "{err}"
    );
    assert!(
        err.contains("trace: demo/long-context ignores min_tokens/ignore_eos"),
        "{err}"
    );
    // Five requests a target, priced up front.
    assert!(err.contains("for 15 requests"), "{err}");
    let v = json(&std::fs::read_to_string(&run).unwrap());
    assert!(
        v["workload"]
            .as_str()
            .unwrap()
            .contains("(5 requests over 0.2s)"),
        "{v}"
    );
    assert_eq!(v["bad_lines"], 3);
    assert!(
        v["load"].as_str().unwrap().starts_with("trace replay"),
        "{v}"
    );
    // The last request starts at 160 ms x 0.5.
    assert!(v["elapsed_s"].as_f64().unwrap() >= 0.08, "{v}");
    for r in v["results"].as_array().unwrap() {
        assert_eq!(r["requests"], 5, "{r}");
        assert_eq!(r["error_rate"], 0.0, "{r}");
    }
    let fast = &v["results"][0];
    assert!(fast["cache_hit_rate"].as_f64().unwrap() > 0.2, "{fast}");
    // Held to the lengths: fast-mini's answers are exactly the trace's output_length; pro-large
    // was sent neither parameter and answers shorter where it likes.
    let lines = std::fs::read_to_string(h.join("run.requests.jsonl")).unwrap();
    let want = |line: u64| match line {
        1 => 30,
        2 => 12,
        4 => 25,
        5 => 8,
        6 => 40,
        other => panic!("line {other} was not in the trace"),
    };
    let mut fast_lines = Vec::new();
    for rec in lines.lines().map(json) {
        let (line, got) = (rec["line"].as_u64().unwrap(), rec["output_tokens"].as_u64());
        assert!(rec["tags"][0] == "trace", "{rec}");
        if rec["target"] == "demo/fast-mini" {
            assert_eq!(got, Some(want(line)), "{rec}");
            assert_eq!(rec["finish_reason"], "length", "{rec}");
            fast_lines.push(line);
        } else {
            assert!(got.unwrap_or(0) <= want(line), "{rec}");
        }
    }
    fast_lines.sort();
    assert_eq!(fast_lines, vec![1, 2, 4, 5, 6]);
    assert!(stdout.contains("demo/fast-mini"), "{stdout}");
}

#[test]
fn a_trace_that_cannot_be_used_is_refused_with_a_reason() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &[]);
    let run = |trace: &str, extra: &[&str]| {
        let path = h.join("t.jsonl");
        std::fs::write(&path, trace).unwrap();
        let mut args = vec!["--trace", path.to_str().unwrap(), "-m", "demo/fast-mini"];
        args.extend_from_slice(extra);
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        out(bench(h, &demo, &args))
    };
    let (code, _, err) = run("{broken\n", &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("line 1: not JSON") && err.contains("has no requests"),
        "{err}"
    );
    let (code, _, err) = run(TRACE, &["--strict"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("3 line(s) of the trace reported (--strict)"),
        "{err}"
    );
    for bad in ["0", "-2", "x"] {
        let (code, _, err) = run(TRACE, &["--time-scale", bad]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is not a time scale"), "{bad}: {err}");
    }
    // A model the gateway does not have: the check cannot tell, and says so.
    let (code, _, err) = run(TRACE, &["-m", "demo/nope", "--duration", "1ms"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "trace: demo/nope: whether it takes min_tokens/ignore_eos could not be checked ("
        ),
        "{err}"
    );
    let (code, _, err) = run(TRACE, &["--rate", "5"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
    let missing = h.join("nope.jsonl");
    let (code, _, err) = out(bench(
        h,
        &demo,
        &["--trace", missing.to_str().unwrap(), "-m", "demo/fast-mini"],
    ));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot read the trace"), "{err}");
    // Many bad lines: the first twenty by number, the rest counted.
    let many: String = (0..500).map(|_| "x\n").collect::<String>()
        + r#"{"timestamp": 0, "input_length": 5, "output_length": 2}"#;
    let (code, _, err) = run(&many, &["--max-spend", "0"]);
    assert_eq!(code, 3, "refused by --max-spend, after the scan: {err}");
    assert!(err.contains("line 20: not JSON"), "{err}");
    assert!(!err.contains("line 21:"), "{err}");
    assert!(err.contains("... and 480 more line(s) reported"), "{err}");
}
