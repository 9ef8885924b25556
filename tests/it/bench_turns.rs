//! `bench` with conversations (workload lines with `turns`) and prefix caching, against the demo
//! gateway, whose prefix cache makes turn 2 and later read most of their prompt from cache.

use crate::bench::{bench, json, out};
use crate::common::demo::start_demo;

#[test]
fn a_conversation_reports_each_turn_and_the_prefix_cache_it_hits() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &[]);
    let system = "You answer questions about gateways. ".repeat(20);
    let line = serde_json::json!({
        "system": system,
        "turns": ["What is a gateway?", {"prompt": "And a fallback?", "max_tokens": 40}, "Thanks."],
        "tags": ["chat"],
    });
    let workload = h.join("chat.jsonl");
    std::fs::write(&workload, format!("{line}\n")).unwrap();
    let run = h.join("run.json");
    let (code, stdout, err) = out(bench(
        h,
        &demo,
        &[
            "--workload",
            workload.to_str().unwrap(),
            "-m",
            "demo/fast-mini",
            "--repeat",
            "2",
            "--think-time",
            "20ms",
            "--max-tokens",
            "60",
            "--out",
            run.to_str().unwrap(),
        ],
    ));
    assert_eq!(code, 0, "{err}");
    let v = json(&std::fs::read_to_string(&run).unwrap());
    let r = &v["results"][0];
    // Two conversations of three turns, one after the other: six requests.
    assert_eq!(r["requests"], 6, "{r}");
    let turns = r["by_turn"].as_array().unwrap();
    assert_eq!(turns.len(), 3);
    let rate = |i: usize| turns[i]["cache_hit_rate"].as_f64().unwrap();
    for (i, t) in turns.iter().enumerate() {
        assert_eq!(t["turn"], i + 1);
        assert_eq!(t["requests"], 2);
        assert_eq!(t["error_rate"], 0.0);
    }
    // The first conversation's first turn finds nothing; the second's finds its own earlier
    // copy. Later turns resend the conversation so far, most of it cached.
    assert!(rate(0) > 0.0 && rate(0) < 0.5, "{turns:?}");
    assert!(rate(1) > 0.6 && rate(2) > 0.6, "{turns:?}");
    let mean_in = |i: usize| turns[i]["mean_input_tokens"].as_f64().unwrap();
    assert!(
        mean_in(0) < mean_in(1) && mean_in(1) < mean_in(2),
        "{turns:?}"
    );
    let overall = r["cache_hit_rate"].as_f64().unwrap();
    assert!(overall > rate(0) && overall < 1.0, "{overall}");
    // The elapsed time holds two think times per conversation at least.
    assert!(v["elapsed_s"].as_f64().unwrap() >= 0.08, "{v}");
    assert!(
        stdout.contains("demo/fast-mini by turn: 1 (2 req) TTFT p50"),
        "{stdout}"
    );
    assert!(
        stdout.contains("of prompt tokens came from the server's prefix cache"),
        "{stdout}"
    );
    // Each request's record says its turn, and its id names it.
    let lines = std::fs::read_to_string(h.join("run.requests.jsonl")).unwrap();
    let recs: Vec<serde_json::Value> = lines.lines().map(json).collect();
    assert_eq!(recs.len(), 6);
    let mut seen: Vec<(u64, u64)> = recs
        .iter()
        .map(|r| (r["job"].as_u64().unwrap(), r["turn"].as_u64().unwrap()))
        .collect();
    seen.sort();
    assert_eq!(seen, vec![(0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]);
    for r in &recs {
        let id = r["request_id"].as_str().unwrap();
        assert!(id.ends_with(&format!("-t{}", r["turn"])), "{id}");
        if r["turn"] == 2 {
            assert!(r["output_tokens"].as_u64().unwrap() <= 40, "{r}");
        }
    }
    // The spend estimate counted six requests.
    assert!(err.contains("for 6 requests"), "{err}");
}
