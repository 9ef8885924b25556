//! End to end through Portkey's open-source gateway (1.15.2 from the npm registry), started by
//! tests/realstack/stack.sh in front of the stack's llama-servers. Portkey routes by headers: the
//! profiles below carry them from the config file as a user's would. Skipped (and said so) like the
//! rest of the real stack.

use std::process::{Command, Output};

use crate::common::tmux::{Tmux, wait_file};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gatebench");

struct Portkey {
    url: String,
    smollm2: String,
    gemma3: String,
    dead: String,
}

fn portkey() -> Option<Portkey> {
    crate::realstack::stack()?;
    let get = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| panic!("{k} is unset: is the stack's Portkey up?"))
    };
    Some(Portkey {
        url: get("REALSTACK_PORTKEY_URL"),
        smollm2: get("REALSTACK_LLAMA_SMOLLM2_URL"),
        gemma3: get("REALSTACK_LLAMA_GEMMA3_URL"),
        dead: get("REALSTACK_DEAD_URL"),
    })
}

fn target(name: &str, host: &str) -> Value {
    json!({"name": name, "provider": "openai", "api_key": "none", "custom_host": host})
}

/// Each model to its own llama-server, by the request's model.
fn by_model(p: &Portkey) -> Value {
    json!({
        "strategy": {"mode": "conditional", "default": "smollm",
            "conditions": [{"query": {"params.model": {"$eq": "gemma3-270m"}}, "then": "gemma"}]},
        "targets": [target("smollm", &p.smollm2), target("gemma", &p.gemma3)]
    })
}

/// A dead port first; Gemma behind it.
fn fallback(p: &Portkey) -> Value {
    let mut gemma = target("gemma", &p.gemma3);
    gemma["override_params"] = json!({"model": "gemma3-270m"});
    json!({"strategy": {"mode": "fallback"}, "targets": [target("dead", &p.dead), gemma]})
}

/// A home whose config has a `portkey` profile at the stack's gateway with this routing config.
fn home(p: &Portkey, config: &Value) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let toml = format!(
        "[profiles.portkey]\nbase_url = \"{}\"\naccount = \"none\"\n\
         headers = {{ \"x-portkey-config\" = '{}' }}\n",
        p.url, config
    );
    std::fs::create_dir_all(home.path().join("cfg/gatebench")).unwrap();
    std::fs::write(home.path().join("cfg/gatebench/config.toml"), toml).unwrap();
    home
}

fn gatebench(home: &tempfile::TempDir, args: &[&str]) -> Output {
    Command::new(BIN)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("cfg"))
        .env_remove("INFERGATE_API_KEY")
        .args(["--profile", "portkey"])
        .args(args)
        .output()
        .unwrap()
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn models_and_a_streamed_two_model_ask_through_portkey() {
    let Some(p) = portkey() else { return };
    let home = home(&p, &by_model(&p));
    let models = ok_json(&gatebench(&home, &["models", "--json"]));
    let ids: Vec<&str> = models
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(ids.contains(&"smollm2"), "{ids:?}");
    let v = ok_json(&gatebench(
        &home,
        &[
            "ask",
            "-m",
            "smollm2",
            "-m",
            "gemma3-270m",
            "--max-tokens",
            "16",
            "--json",
            "Say hello.",
        ],
    ));
    let answers = v.as_array().unwrap();
    assert_eq!(answers.len(), 2);
    for (r, (model, index)) in answers.iter().zip([("smollm2", 0), ("gemma3-270m", 1)]) {
        assert!(r["error"].is_null(), "{r}");
        assert!(!r["text"].as_str().unwrap().is_empty(), "{r}");
        assert!(r["output_tokens"].as_u64().unwrap() > 0, "{r}");
        assert!(r["ttft_ms"].as_f64().unwrap() > 0.0, "{r}");
        assert_eq!(r["served_model"], model, "{r}");
        assert_eq!(
            r["gateway_target"],
            format!("config.targets[{index}]"),
            "{r}"
        );
        assert_eq!(r["gateway_retries"], 0, "{r}");
    }
}

#[test]
fn a_dead_first_target_falls_back_and_ask_says_which_served() {
    let Some(p) = portkey() else { return };
    let home = home(&p, &fallback(&p));
    let v = ok_json(&gatebench(
        &home,
        &["ask", "-m", "smollm2", "--max-tokens", "8", "--json", "Hi."],
    ));
    let r = &v[0];
    assert!(r["error"].is_null(), "{r}");
    assert_eq!(r["served_model"], "gemma3-270m", "{r}");
    assert_eq!(r["gateway_target"], "config.targets[1]", "{r}");
    let out = gatebench(
        &home,
        &[
            "ask",
            "-m",
            "smollm2",
            "--max-tokens",
            "8",
            "--no-stream",
            "Hi.",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[gateway: served by gemma3-270m via config.targets[1]]"),
        "{text}"
    );
}

#[test]
fn the_open_source_gateway_has_no_cache_and_nothing_is_marked_cached() {
    // Portkey's cache needs a backend its open-source build does not wire (`getFromCache` is never
    // set), so a cache config gets `x-portkey-cache-status: DISABLED`. A HIT is tested over
    // loopback (tests/it/portkey.rs) with the header as Portkey documents it.
    let Some(p) = portkey() else { return };
    let mut config = target("smollm", &p.smollm2);
    config["cache"] = json!({"mode": "simple"});
    let home = home(&p, &config);
    for _ in 0..2 {
        let v = ok_json(&gatebench(
            &home,
            &[
                "ask",
                "-m",
                "smollm2",
                "--max-tokens",
                "4",
                "--json",
                "Same.",
            ],
        ));
        assert_eq!(v[0]["gateway_cache"], "DISABLED", "{}", v[0]);
    }
}

#[test]
fn the_workbench_pane_says_portkey_fell_back() {
    let Some(p) = portkey() else { return };
    if !crate::common::tmux_ready() {
        return;
    }
    let home = home(&p, &fallback(&p));
    let script = format!(
        "env HOME={h} XDG_CONFIG_HOME={h}/cfg {BIN} --profile portkey -m smollm2; \
         echo $? > {h}/exit.txt; sleep 600",
        h = home.path().display(),
    );
    let tmux = Tmux::start("portkey", &script);
    tmux.wait_for("the model list", 30, |x| x.contains("Models 1/"));
    tmux.keys(&["C-p", "Tab"]);
    tmux.text("8");
    tmux.keys(&["Enter"]);
    tmux.text("Hi.");
    tmux.keys(&["C-s"]);
    tmux.wait_for("the gateway's word in the pane", 120, |x| {
        x.contains("gateway: served by gemma3-270m via config.targets[1]")
    });
    tmux.keys(&["C-c"]);
    assert_eq!(wait_file(&home.path().join("exit.txt"), 15).trim(), "0");
}
