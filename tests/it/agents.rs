//! Agent loops through the real binary against the demo gateway process: tools offered from a
//! file, calls streamed in fragments and assembled, checked against their schema, answered from
//! stubs, several models side by side, over both APIs.

use crate::common::demo::{run, start_demo};
use serde_json::Value;

const TOOLS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tools/weather.json"
);
const TOOLS_TOML: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tools/weather.toml"
);
const STUBS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tools/stubs.json"
);
const PROMPT: &str = "What do get_weather and get_time say for Paris?";

fn ask(
    demo: &crate::common::demo::DemoProcess,
    home: &std::path::Path,
    extra: &[&str],
) -> (i32, Value, String) {
    let mut a = vec![
        "ask",
        "-m",
        "demo/fast-mini",
        "-m",
        "demo/pro-large",
        "--json",
        "--max-tokens",
        "60",
    ];
    a.extend_from_slice(extra);
    a.push(PROMPT);
    let (code, out, err) = run(demo.gatebench(home, &a));
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, v, err)
}

#[test]
fn a_whole_agent_loop_runs_side_by_side_and_adds_up() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    for api in ["chat", "responses"] {
        for tools in [TOOLS, TOOLS_TOML] {
            let (code, v, err) = ask(
                &demo,
                home.path(),
                &["--api", api, "--tools", tools, "--tool-stubs", STUBS],
            );
            assert_eq!(code, 0, "{api}: {err}");
            let (one, par) = (&v[0], &v[1]);
            // fast-mini calls one tool a turn; pro-large both at once.
            assert_eq!(one["steps"].as_array().unwrap().len(), 3, "{api}: {one}");
            assert_eq!(par["steps"].as_array().unwrap().len(), 2, "{api}: {par}");
            let calls = par["steps"][0]["tool_calls"].as_array().unwrap();
            assert_eq!(calls.len(), 2);
            let call = |name: &str| calls.iter().find(|c| c["name"] == name).unwrap();
            let w = call("get_weather");
            assert_eq!(
                w["arguments"], r#"{"city":"Paris"}"#,
                "assembled from fragments"
            );
            assert!(w["invalid"].is_null());
            assert_eq!(call("get_time")["result"], "14:05 CET");
            for r in [one, par] {
                assert_eq!(r["stopped"], "answered");
                assert!(
                    r["text"]
                        .as_str()
                        .unwrap()
                        .contains("**get_time**: 14:05 CET"),
                    "{r}"
                );
                let steps = r["steps"].as_array().unwrap();
                let sum = |k: &str| steps.iter().map(|s| s[k].as_f64().unwrap()).sum::<f64>();
                assert_eq!(r["input_tokens"].as_f64().unwrap(), sum("input_tokens"));
                assert_eq!(r["output_tokens"].as_f64().unwrap(), sum("output_tokens"));
                assert!(
                    (r["cost_usd"].as_f64().unwrap() - sum("cost_usd")).abs() < 1e-8,
                    "{r}"
                );
                assert!(r["total_ms"].as_f64().unwrap() >= sum("total_ms") - 0.01);
                // Each step sends the whole conversation: inputs grow.
                assert!(steps[1]["input_tokens"].as_u64() > steps[0]["input_tokens"].as_u64());
                assert_eq!(steps[0]["finish_reason"], "tool_calls");
            }
        }
    }
}

#[test]
fn a_call_without_a_result_or_past_the_limit_stops_and_says_why() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    let (code, v, _) = ask(&demo, home.path(), &["--tools", TOOLS]);
    assert_eq!(code, 0);
    assert_eq!(v[0]["stopped"], "no_result", "{}", v[0]);
    assert!(v[0]["steps"][0]["tool_calls"][0]["result"].is_null());
    let (_, v, _) = ask(
        &demo,
        home.path(),
        &["--tools", TOOLS, "--tool-stubs", STUBS, "--max-steps", "1"],
    );
    assert_eq!(v[0]["stopped"], "step_limit");
    assert_eq!(v[0]["steps"].as_array().unwrap().len(), 1);
    // The text report lists each step's calls and results, and why a run stopped.
    let (code, out, err) = run(demo.gatebench(
        home.path(),
        &[
            "ask",
            "-m",
            "demo/fast-mini",
            "--max-tokens",
            "40",
            "--tools",
            TOOLS,
            PROMPT,
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("→ get_weather({\"city\":\"Paris\"})"), "{out}");
    assert!(out.contains("(no result: add it to --tool-stubs)"), "{out}");
    assert!(
        out.contains("[stopped: waiting for a tool result]"),
        "{out}"
    );
    assert!(err.contains("1 step, waiting for a tool result"), "{err}");
}

#[test]
fn bad_tool_files_are_refused_before_sending() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    let bad = home.path().join("bad.json");
    std::fs::write(
        &bad,
        r##"[{"name": "f", "parameters": {"type": "object", "$ref": "#/x"}}]"##,
    )
    .unwrap();
    let bad = bad.display().to_string();
    for (args, want) in [
        (vec!["--tools", bad.as_str()], "$ref"),
        (
            vec!["--tools", "/nonexistent/tools.json"],
            "--tools /nonexistent/tools.json",
        ),
        (vec!["--tool-stubs", STUBS], "none are offered"),
    ] {
        let mut a = vec!["ask", "-m", "demo/fast-mini"];
        a.extend(args);
        a.push("q");
        let (code, out, err) = run(demo.gatebench(home.path(), &a));
        assert_eq!(code, 1, "{err}");
        assert!(out.is_empty());
        assert!(err.contains(want), "{want}: {err}");
    }
    // The config's [tools] are offered when no file is named.
    let cfg = home.path().join("config/gatebench");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        std::fs::read_to_string(TOOLS_TOML).unwrap(),
    )
    .unwrap();
    let (code, v, err) = ask(&demo, home.path(), &["--tool-stubs", STUBS]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v[1]["stopped"], "answered", "{}", v[1]);
}

#[test]
fn routing_rules_pick_the_first_model_and_bench_reports_each_rule() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(home.path(), &[]);
    let cfg = home.path().join("config/gatebench");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        r#"
[routes.smart]
chain = ["demo/fast-mini", "demo/pro-large"]

[[routes.smart.rules]]
name = "long"
model = "demo/long-context"
input_tokens_over = 2000

[[routes.smart.rules]]
model = "demo/pro-large"
prompt_regex = "(?i)\\bprove\\b"

[[routes.smart.rules]]
name = "agent"
model = "demo/reasoner"
tools = true
"#,
    )
    .unwrap();
    let ask = |prompt: &str, extra: &[&str]| {
        let mut a = vec!["ask", "-r", "smart", "--json", "--max-tokens", "8"];
        a.extend_from_slice(extra);
        a.push(prompt);
        let (code, out, err) = run(demo.gatebench(home.path(), &a));
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()[0].clone()
    };
    let r = ask("Prove that 2 + 2 = 4.", &[]);
    assert_eq!(r["rule"], "prompt~/(?i)\\bprove\\b/", "{r}");
    assert_eq!(r["hops"][0]["model"], "demo/pro-large");
    let r = ask("Hello there.", &[]);
    assert!(r.get("rule").is_none(), "no rule matched: {r}");
    assert_eq!(r["hops"][0]["model"], "demo/fast-mini");
    let r = ask(&"long words ".repeat(1500), &[]);
    assert_eq!(r["rule"], "long");
    assert_eq!(r["hops"][0]["model"], "demo/long-context");
    let r = ask("weather?", &["--tools", TOOLS, "--max-steps", "1"]);
    assert_eq!(r["rule"], "agent", "{r}");
    // The text report names the rule.
    let (_, _, err) = run(demo.gatebench(
        home.path(),
        &["ask", "-r", "smart", "--max-tokens", "4", "Prove it"],
    ));
    // The route, and the model that served (its middle may give way to fit 80 columns).
    let row = err
        .lines()
        .find(|l| l.starts_with("smart → "))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(row.contains("/pro-large"), "{err}");

    let workload = home.path().join("w.jsonl");
    let long = "long words ".repeat(1500);
    std::fs::write(
        &workload,
        format!(
            "{{\"prompt\": \"Prove it.\"}}\n{{\"prompt\": \"Hi.\"}}\n{{\"prompt\": \"{long}\"}}\n"
        ),
    )
    .unwrap();
    let w = workload.display().to_string();
    let (code, out, err) = run(demo.gatebench(
        home.path(),
        &[
            "bench",
            "--workload",
            &w,
            "-r",
            "smart",
            "--max-tokens",
            "8",
            "--repeat",
            "2",
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Routing rules"), "{out}");
    let rules = out.split("Routing rules").nth(1).unwrap();
    let row = |rule: &str| {
        rules
            .lines()
            .find(|l| l.split("  ").any(|c| c.trim() == rule))
            .unwrap_or_else(|| panic!("{rule}: {out}"))
    };
    assert!(row("long").contains("demo/long-context 2"), "{out}");
    assert!(
        row("prompt~/(?i)\\bprove\\b/").contains("demo/pro-large 2"),
        "{out}"
    );
    assert!(row("(no rule)").contains("demo/fast-mini 2"), "{out}");
    assert!(
        row("long").contains("demo/fast-mini $"),
        "the first model alone, priced: {out}"
    );
}
