//! End to end against real servers we did not write: llama.cpp's llama-server and a LiteLLM proxy,
//! started by `scripts/test.sh` from tests/realstack/stack.sh. Never skipped silently: a plain
//! `cargo test` without the stack says each test was skipped and why; under `scripts/test.sh` they
//! fail without it (GATEBENCH_SKIP_REALSTACK, refused in CI, skips them there).

use std::process::{Command, Output};

use crate::common::tmux::{Tmux, wait_file};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatebench");

pub(crate) struct Stack {
    pub(crate) proxy: String,
    pub(crate) key: String,
    pub(crate) llama: String,
}

pub(crate) fn stack() -> Option<Stack> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        get("REALSTACK_BASE_URL"),
        get("REALSTACK_API_KEY"),
        get("REALSTACK_LLAMA_SMOLLM2_URL"),
    ) {
        (Some(proxy), Some(key), Some(llama)) => Some(Stack { proxy, key, llama }),
        _ if get("GATEBENCH_SKIP_REALSTACK").is_some() => {
            crate::common::skipped("the real stack", "GATEBENCH_SKIP_REALSTACK is set");
            None
        }
        _ => {
            crate::common::needs(
                "the real stack",
                Some("it is not up (REALSTACK_BASE_URL etc. are unset)".into()),
            );
            None
        }
    }
}

fn gatebench(home: &tempfile::TempDir) -> Command {
    let mut c = Command::new(BIN);
    c.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("cfg"))
        .env_remove("INFERGATE_API_KEY");
    c
}

fn proxy(s: &Stack, home: &tempfile::TempDir, args: &[&str]) -> Output {
    gatebench(home)
        .args(["--base-url", &s.proxy, "--api-key-env", "RS_KEY"])
        .env("RS_KEY", &s.key)
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn models_lists_the_proxy_model_names() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = proxy(&s, &home, &["models", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    for want in ["smollm2", "gemma3-270m", "flaky", "dead", "mock"] {
        assert!(ids.iter().any(|i| i == want), "{want} missing from {ids:?}");
    }
}

#[test]
fn ask_streams_two_models_at_once_with_the_proxys_own_cost() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = proxy(
        &s,
        &home,
        &[
            "ask",
            "-m",
            "smollm2",
            "-m",
            "gemma3-270m",
            "--max-tokens",
            "24",
            "--json",
            "Say hello in five words.",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    for r in v.as_array().unwrap() {
        assert!(r["error"].is_null(), "{r}");
        assert!(!r["text"].as_str().unwrap().is_empty(), "{r}");
        assert!(r["ttft_ms"].as_f64().unwrap() > 0.0);
        assert!(r["output_tokens"].as_u64().unwrap() > 0);
        assert_eq!(r["estimated"], false, "usage comes from the server: {r}");
        // Streaming: the proxy reports usage.cost in the final chunk.
        assert_eq!(r["cost_source"], "gateway", "{r}");
        assert!(r["cost_usd"].as_f64().unwrap() > 0.0);
        assert_eq!(r["gateway_fallbacks"], 0);
    }
}

#[test]
fn non_streaming_cost_comes_from_the_litellm_header() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = proxy(
        &s,
        &home,
        &[
            "ask",
            "--no-stream",
            "-m",
            "smollm2",
            "--max-tokens",
            "16",
            "--json",
            "Hi",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &json(&out)[0];
    assert_eq!(r["cost_source"], "gateway", "{r}");
    assert!(r["cost_usd"].as_f64().unwrap() > 0.0);
    assert!(!r["text"].as_str().unwrap().is_empty());
}

#[test]
fn the_proxys_fallback_rule_is_visible() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = proxy(
        &s,
        &home,
        &["ask", "-m", "flaky", "--max-tokens", "16", "--json", "Hi"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &json(&out)[0];
    assert_eq!(r["model"], "flaky");
    assert_eq!(r["served_model"], "smollm2", "{r}");
    assert_eq!(r["gateway_fallbacks"], 1, "{r}");
    // A model with no fallback: the proxy's own message, as it is.
    let out = proxy(&s, &home, &["ask", "-m", "dead", "--json", "Hi"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("HTTP 500") && stderr(&out).contains("dead"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_and_wrong_keys() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = gatebench(&home)
        .args([
            "--base-url",
            &s.proxy,
            "--api-key-env",
            "RS_UNSET_KEY",
            "models",
        ])
        .env_remove("RS_UNSET_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(e.contains("HTTP 401") && e.contains("$RS_UNSET_KEY"), "{e}");
    // This database-less proxy answers a wrong key with 400 "No connected db": shown as it is.
    let wrong = "sk-wrong-0123456789abcdefghij";
    let out = gatebench(&home)
        .args(["--base-url", &s.proxy, "--api-key-env", "RS_KEY", "models"])
        .env("RS_KEY", wrong)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("HTTP 400") && e.contains("No connected db"),
        "{e}"
    );
    assert!(!e.contains(wrong), "the key must never be printed: {e}");
}

#[test]
fn llama_server_directly_with_its_timings() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    let out = gatebench(&home)
        .args(["--base-url", &s.llama, "models", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let models = json(&out);
    let id = models[0]["id"].as_str().unwrap().to_string();
    assert!(
        models[0]["context_length"].as_u64().is_some(),
        "llama-server's meta gives the context: {models}"
    );
    let out = gatebench(&home)
        .args([
            "--base-url",
            &s.llama,
            "ask",
            "-m",
            &id,
            "--max-tokens",
            "16",
            "--json",
            "Hi",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &json(&out)[0];
    assert!(r["error"].is_null());
    assert_eq!(r["estimated"], false);
    let t = &r["server_timings"];
    assert!(t["predicted_n"].as_u64().unwrap() > 0, "{r}");
    assert!(t["predicted_per_second"].as_f64().unwrap() > 0.0);
    assert!(
        r["cost_usd"].is_null(),
        "a local server has no price: unknown, not zero"
    );
}

#[test]
fn the_workbench_completes_a_two_model_turn_against_the_proxy() {
    let Some(s) = stack() else { return };
    if !crate::common::tmux_ready() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let script = format!(
        "env HOME={h} XDG_CONFIG_HOME={h}/cfg RS_KEY={key} {BIN} --base-url {url} --api-key-env RS_KEY \
         -m smollm2 -m gemma3-270m; echo $? > {h}/exit.txt; stty -a > {h}/stty.txt; sleep 600",
        h = home.path().display(),
        key = s.key,
        url = s.proxy,
    );
    let tmux = Tmux::start("realstack", &script);
    tmux.wait_for("the model list", 30, |x| x.contains("Models 2/5"));
    // Short answers keep the turn quick on a busy machine.
    tmux.keys(&["C-p", "Tab"]);
    tmux.text("24");
    tmux.keys(&["Enter"]);
    tmux.text("Say hello.");
    tmux.keys(&["C-s"]);
    let done = |x: &str, m: &str| {
        x.lines()
            .any(|l| l.contains(m) && l.contains(" done ") && l.contains("gateway"))
    };
    tmux.wait_for("both answers with the proxy's cost", 120, |x| {
        done(x, "smollm2") && done(x, "gemma3-270m")
    });
    tmux.keys(&["C-c"]);
    assert_eq!(wait_file(&home.path().join("exit.txt"), 15).trim(), "0");
    let modes = wait_file(&home.path().join("stty.txt"), 15);
    assert!(modes.split_whitespace().any(|w| w == "icanon"), "{modes}");
}

#[test]
fn responses_api_against_llama_server() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    // From the config (`api = "responses"` on a profile) and from the flag.
    let cfg = home.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.llama]\nbase_url = \"{}\"\napi = \"responses\"\n",
            s.llama
        ),
    )
    .unwrap();
    let models = gatebench(&home)
        .args(["--base-url", &s.llama, "models", "--json"])
        .output()
        .unwrap();
    let id = json(&models)[0]["id"].as_str().unwrap().to_string();
    for args in [
        vec![
            "--config",
            cfg.to_str().unwrap(),
            "--profile",
            "llama",
            "ask",
        ],
        vec![
            "--base-url",
            &s.llama,
            "--api",
            "responses",
            "ask",
            "--no-stream",
        ],
    ] {
        let out = gatebench(&home)
            .args(&args)
            .args(["-m", &id, "--max-tokens", "12", "--json", "Say hi"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let r = &json(&out)[0];
        assert!(r["error"].is_null(), "{r}");
        assert!(!r["text"].as_str().unwrap().is_empty(), "{r}");
        let n = r["output_tokens"].as_u64().unwrap();
        assert!((1..=12).contains(&n), "usage from response.completed: {r}");
        assert_eq!(r["estimated"], false);
        assert!(r["ttft_ms"].as_f64().unwrap() > 0.0);
    }
}

/// The official OpenAI Python SDK (from the stack's LiteLLM venv) against `gatebench demo-gateway`:
/// models, chat completions (whole and streamed), the Responses API (whole and streamed), errors.
#[test]
fn the_official_openai_sdk_talks_to_the_demo_gateway() {
    if stack().is_none() {
        return;
    }
    let python =
        std::env::var("REALSTACK_PYTHON").expect("REALSTACK_PYTHON is set by stack.sh env");
    let home = tempfile::tempdir().unwrap();
    let demo = crate::common::demo::start_demo(home.path(), &[]);
    let script = r#"
import os, openai
c = openai.OpenAI(base_url=os.environ["GB_URL"], api_key=os.environ["GB_KEY"], max_retries=0)
ids = [m.id for m in c.models.list()]
assert "demo/fast-mini" in ids, ids
r = c.chat.completions.create(model="demo/fast-mini", messages=[{"role": "user", "content": "hi"}])
assert r.choices[0].message.content and r.usage.completion_tokens > 0
text = "".join(ch.choices[0].delta.content or "" for ch in c.chat.completions.create(
    model="demo/fast-mini", messages=[{"role": "user", "content": "hi"}], stream=True) if ch.choices)
assert text == r.choices[0].message.content, (text, r.choices[0].message.content)
w = c.responses.create(model="demo/reasoner", input="why?", instructions="be brief")
assert w.output_text and w.usage.output_tokens > 0 and w.status == "completed", w
deltas, done = [], None
for ev in c.responses.create(model="demo/reasoner", input="why?", instructions="be brief", stream=True):
    if ev.type == "response.output_text.delta":
        deltas.append(ev.delta)
    if ev.type == "response.completed":
        done = ev.response
assert "".join(deltas) == w.output_text and done.usage.output_tokens == w.usage.output_tokens
try:
    c.responses.create(model="nope/model", input="x")
    raise SystemExit("no error for an unknown model")
except openai.NotFoundError as e:
    assert "does not exist" in str(e), e
print("sdk ok")
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .env("GB_URL", &demo.base_url)
        .env("GB_KEY", &demo.key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("sdk ok"));
}

#[test]
fn bench_compares_two_real_models_through_the_proxy_with_checks_and_a_judge() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    let w = home.path().join("w.jsonl");
    std::fs::write(
        &w,
        "{\"prompt\":\"Say hello.\",\"max_output_tokens\":16,\"judge\":\"Is it a greeting?\"}\n\
         {\"prompt\":\"Name a colour.\",\"regex\":\"(?s).+\"}\n",
    )
    .unwrap();
    let out = proxy(
        &s,
        &home,
        &[
            "--no-history",
            "bench",
            "--workload",
            w.to_str().unwrap(),
            "--repeat",
            "2",
            "--concurrency",
            "2",
            "--max-tokens",
            "16",
            "-m",
            "smollm2",
            "-m",
            "gemma3-270m",
            "--judge-model",
            "smollm2",
            "--per-day",
            "1000",
            "--format",
            "json",
            "--fail-if",
            "error_rate>0",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    for r in v["results"].as_array().unwrap() {
        assert_eq!(
            (r["requests"].as_u64(), r["error_rate"].as_f64()),
            (Some(4), Some(0.0)),
            "{r}"
        );
        assert!(r["p50_ttft_ms"].as_f64().unwrap() > 0.0, "{r}");
        assert!(r["p50_total_ms"].as_f64().unwrap() >= r["p50_ttft_ms"].as_f64().unwrap());
        assert_eq!(
            r["tokens_estimated"], 0.0,
            "usage comes from the server: {r}"
        );
        assert_eq!(r["cost_source"], "gateway", "{r}");
        let per = r["cost_per_request_usd"].as_f64().unwrap();
        assert!(per > 0.0 && (r["cost_per_day_usd"].as_f64().unwrap() - per * 1000.0).abs() < 1e-9);
        // At most 16 tokens were asked for, so the check passes on every answer.
        assert_eq!(r["pass_rates"]["max_output_tokens"], 1.0, "{r}");
        assert_eq!(r["pass_rates"]["regex"], 1.0, "{r}");
        assert_eq!(r["served_by"].as_object().unwrap().len(), 1);
        assert_eq!(r["gateway_fallback_rate"], 0.0, "{r}");
    }
    // Every judged answer was graded (a tiny model may not follow the form: then it is listed
    // unscored), and the judge's own cost is kept apart.
    for t in v["targets"].as_array().unwrap() {
        let j = &t["judge"];
        assert_eq!(
            j["scored"].as_u64().unwrap() + j["unscored"].as_u64().unwrap(),
            2,
            "{t}"
        );
        assert!(j["cost_usd"].as_f64().unwrap() > 0.0, "{t}");
    }
}

/// llama-server with a tool-calling template (`--jinja`, llama.cpp's copy of Qwen2.5's): the tools
/// reach the template, its tool calls stream back in its own fragments and are assembled and
/// checked, and the results go back as `tool` messages it accepts, step after step.
#[test]
fn an_agent_loop_against_llama_server_with_jinja_tools() {
    let Some(_) = stack() else { return };
    let url = std::env::var("REALSTACK_LLAMA_TOOLS_URL").expect("REALSTACK_LLAMA_TOOLS_URL");
    let home = tempfile::tempdir().unwrap();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tools");
    // A 135M model calls a tool reliably only when told exactly what to write; the server's
    // parser then turns the <tool_call> block into a structured call.
    let prompt = "Reply with exactly this text and nothing else:\n<tool_call>\n\
                  {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    let ask = |extra: &[&str]| {
        let out = gatebench(&home)
            .args(["--base-url", &url, "ask", "-m", "smollm2-tools", "--json"])
            .args(["--temperature", "0", "--max-tokens", "60"])
            .args(extra)
            .arg(prompt)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)[0].clone()
    };
    let plain = ask(&[]);
    let tools = format!("{fixtures}/weather.json");
    let stubs = format!("{fixtures}/stubs.json");
    let r = ask(&[
        "--tools",
        &tools,
        "--tool-stubs",
        &stubs,
        "--max-steps",
        "2",
    ]);
    assert!(r["error"].is_null(), "{r}");
    let steps = r["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "{r}");
    // The tool definitions were rendered into the prompt by the template.
    assert!(
        steps[0]["input_tokens"].as_u64() > Some(plain["input_tokens"].as_u64().unwrap() + 50),
        "{r}"
    );
    let call = &steps[0]["tool_calls"][0];
    assert_eq!(steps[0]["finish_reason"], "tool_calls", "{r}");
    assert_eq!(call["name"], "get_weather");
    let args: Value = serde_json::from_str(call["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args["city"], "Paris");
    assert!(call["invalid"].is_null(), "{call}");
    assert!(!call["id"].as_str().unwrap().is_empty());
    // The result went back and the server took the conversation: the second step's prompt holds it.
    assert!(steps[1]["error"].is_null(), "{r}");
    assert!(
        steps[1]["input_tokens"].as_u64() > steps[0]["input_tokens"].as_u64(),
        "{r}"
    );
    assert!(
        ["answered", "step_limit"].contains(&r["stopped"].as_str().unwrap()),
        "{r}"
    );
}

/// A prompt longer than llama-server's slot (2,048 tokens), direct and through the proxy: both
/// refusals, in their own words, are the `context_length` kind.
#[test]
fn a_prompt_too_long_for_the_window_is_a_context_length_failure() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    let big = home.path().join("big.txt");
    std::fs::write(&big, "hello world ".repeat(1500)).unwrap();
    let big = big.display().to_string();
    let args = [
        "ask",
        "-m",
        "smollm2",
        "--json",
        "--max-tokens",
        "8",
        "--force",
        "--attach",
        &big,
        "Summarise.",
    ];
    let direct = gatebench(&home)
        .args(["--base-url", &s.llama])
        .args(args)
        .output()
        .unwrap();
    for out in [direct, proxy(&s, &home, &args)] {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let r = &json(&out)[0];
        assert_eq!(r["error_kind"], "context_length", "{r}");
        let e = r["error"].as_str().unwrap();
        assert!(
            e.contains("exceeds the available context size") && e.contains("context too long"),
            "{e}"
        );
    }
}

#[test]
fn litellm_s_bill_sits_beside_ours_and_its_account_says_it_keeps_none() {
    let Some(s) = stack() else { return };
    let home = tempfile::tempdir().unwrap();
    // The proxy's own prices for smollm2 (per token in litellm.yaml), per 1M tokens in ours.
    let cfg = home.path().join("config.toml");
    std::fs::write(&cfg, "[prices.smollm2]\ninput = 1.0\noutput = 2.0\n").unwrap();
    let out = proxy(
        &s,
        &home,
        &[
            "--config",
            cfg.to_str().unwrap(),
            "ask",
            "-m",
            "smollm2",
            "--max-tokens",
            "16",
            "--json",
            "Say hello in five words.",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &json(&out)[0];
    let (gateway, computed) = (
        r["cost_gateway_usd"].as_f64().unwrap(),
        r["cost_computed_usd"].as_f64().unwrap(),
    );
    assert_eq!(r["cost_usd"].as_f64(), Some(gateway), "{r}");
    let tokens =
        r["input_tokens"].as_f64().unwrap() * 1.0 + r["output_tokens"].as_f64().unwrap() * 2.0;
    assert!((computed - tokens / 1e6).abs() < 1e-12, "{r}");
    // LiteLLM prices the same tokens the same way: the two agree.
    assert!((gateway - computed).abs() <= 0.01 * computed, "{r}");
    assert!(r["gateway_overhead_ms"].as_f64().unwrap() > 0.0, "{r}");
    // Without a database the proxy keeps no key data, and says so: no figure, no error.
    let out = proxy(&s, &home, &["account", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["status"], "not_reported", "{v}");
    assert!(v["note"].as_str().unwrap().contains("database"), "{v}");
}
