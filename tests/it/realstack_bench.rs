//! `bench` conversations and trace replay against llama.cpp's llama-server: its own prompt cache
//! serves turn 2 and later (`prompt_tokens_details.cached_tokens`), and it takes `ignore_eos`, so a
//! replayed trace gets the output lengths it asks for.

use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatebench");

fn bench(base: &str, args: &[&str]) -> (Value, String, Vec<Value>) {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("run.json");
    let o = Command::new(BIN)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("cfg"))
        .env_remove("INFERGATE_API_KEY")
        .args(["--no-history", "--base-url", base, "bench", "--no-live"])
        .args(["--out", out.to_str().unwrap()])
        .args(args)
        .current_dir(home.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    let v = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let recs = std::fs::read_to_string(home.path().join("run.requests.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (v, err, recs)
}

#[test]
fn llama_servers_prompt_cache_serves_the_later_turns_of_a_conversation() {
    let Some(s) = crate::realstack::stack() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let workload = dir.path().join("chat.jsonl");
    let line = serde_json::json!({
        "system": "You are a support assistant for a company that runs a model gateway. ".repeat(8),
        "turns": ["What is a gateway?", "What is a fallback?", "Say thanks."],
    });
    std::fs::write(&workload, format!("{line}\n")).unwrap();
    let (v, _, recs) = bench(
        &s.llama,
        &[
            "--workload",
            workload.to_str().unwrap(),
            "-m",
            "smollm2",
            "--max-tokens",
            "12",
        ],
    );
    let r = &v["results"][0];
    assert_eq!(r["requests"], 3, "{r}");
    assert_eq!(r["error_rate"], 0.0, "{r}");
    let turns = r["by_turn"].as_array().unwrap();
    assert_eq!(turns.len(), 3, "{r}");
    // Turn 2 resends turn 1 and its answer: llama-server reads that from its slot's cache.
    for t in &turns[1..] {
        let rate = t["cache_hit_rate"].as_f64().unwrap();
        assert!(rate > 0.5, "turn {}: {t}", t["turn"]);
    }
    for rec in &recs {
        let cached = rec["cached_input_tokens"].as_u64().unwrap();
        let input = rec["input_tokens"].as_u64().unwrap();
        assert!(cached < input, "{rec}");
        if rec["turn"] != 1 {
            assert!(cached > 0, "{rec}");
        }
    }
}

#[test]
fn a_trace_replayed_on_llama_server_gets_its_output_lengths() {
    let Some(s) = crate::realstack::stack() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.jsonl");
    std::fs::write(
        &trace,
        "{\"timestamp\": 0, \"input_length\": 300, \"output_length\": 6, \"hash_ids\": [1]}\n\
         {\"timestamp\": 4000, \"input_length\": 500, \"output_length\": 9, \"hash_ids\": [1]}\n\
         {\"timestamp\": 4500, \"input_length\": 200, \"output_length\": 4, \"hash_ids\": [2]}\n",
    )
    .unwrap();
    let (v, err, recs) = bench(
        &s.llama,
        &["--trace", trace.to_str().unwrap(), "-m", "smollm2"],
    );
    assert!(
        err.contains("trace: smollm2 takes min_tokens/ignore_eos"),
        "{err}"
    );
    assert_eq!(v["results"][0]["requests"], 3, "{v}");
    let want = |line: u64| [0, 6, 9, 4][line as usize];
    for rec in &recs {
        let line = rec["line"].as_u64().unwrap();
        assert_eq!(rec["output_tokens"].as_u64(), Some(want(line)), "{rec}");
        // The prompt was built to about its length (llama's tokenizer, not o200k).
        let input = rec["input_tokens"].as_f64().unwrap();
        let asked = [0.0, 300.0, 500.0, 200.0][line as usize];
        assert!(input > asked * 0.7 && input < asked * 1.6, "{rec}");
    }
    // Line 2 starts with line 1's block: llama-server finds it in its cache.
    let second = recs.iter().find(|r| r["line"] == 2).unwrap();
    assert!(
        second["cached_input_tokens"].as_u64().unwrap() > 100,
        "{second}"
    );
}
