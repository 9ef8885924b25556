//! The `gatebench` binary as a user runs it: processes talking to `gatebench demo-gateway`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::common::demo::{BIN, DemoProcess};
use serde_json::Value;

const KEY_VAR: &str = "GB_TEST_DEMO_KEY";

/// A command with a clean environment: no user config, no real keys.
fn gatebench(home: &tempfile::TempDir) -> Command {
    let mut c = Command::new(BIN);
    c.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env_remove("INFERGATE_API_KEY")
        .env_remove("INFERGATE_BASE_URL")
        .env_remove("INFERGATE_MODEL")
        .env("GATEBENCH_DEMO_SPEED", "inf");
    c
}

fn start_demo(home: &tempfile::TempDir) -> DemoProcess {
    crate::common::demo::start_demo(home.path(), &[])
}

fn run_against(home: &tempfile::TempDir, demo: &DemoProcess, args: &[&str]) -> Output {
    gatebench(home)
        .args(["--base-url", &demo.base_url, "--api-key-env", KEY_VAR])
        .env(KEY_VAR, &demo.key)
        .args(args)
        .output()
        .unwrap()
}

/// The command failed with `code` and said `needle` on stderr.
fn assert_fails(out: &Output, code: i32, needle: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(needle), "{err}");
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn models_json_lists_ids_context_and_prices() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(&home);
    let out = run_against(&home, &demo, &["models", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert!(arr.len() >= 5);
    let fast = arr.iter().find(|m| m["id"] == "demo/fast-mini").unwrap();
    assert_eq!(fast["context_length"], 128000);
    assert!((fast["input_per_mtok"].as_f64().unwrap() - 0.15).abs() < 1e-9);
    assert!((fast["output_per_mtok"].as_f64().unwrap() - 0.6).abs() < 1e-9);
    // The table form too.
    let out = run_against(&home, &demo, &["models"]);
    assert!(text(&out.stdout).contains("demo/long-context"));
    assert!(text(&out.stdout).contains("1M"));
}

#[test]
fn ask_json_has_the_public_fields_for_every_model() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(&home);
    let out = run_against(
        &home,
        &demo,
        &[
            "ask",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/reasoner",
            "--json",
            "compare latency",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 2);
    for r in arr {
        for field in [
            "model",
            "text",
            "reasoning",
            "ttft_ms",
            "total_ms",
            "input_tokens",
            "output_tokens",
            "tokens_per_s",
            "cost_usd",
            "error",
        ] {
            assert!(r.get(field).is_some(), "missing {field} in {r}");
        }
        assert!(r["error"].is_null());
        // The seeded demo answers the same words every time: its token counts are exact, and the
        // cost is those tokens at the listed prices ($0.15 / $0.60 and $1.10 / $4.40 per 1M).
        let f = |k: &str| r[k].as_f64().unwrap();
        let (output, price_in, price_out) = match r["model"].as_str().unwrap() {
            "demo/fast-mini" => (252, 0.15, 0.6),
            "demo/reasoner" => (436, 1.1, 4.4),
            other => panic!("unexpected model {other}"),
        };
        assert_eq!(r["input_tokens"], 9, "{r}");
        assert_eq!(r["output_tokens"], output, "{r}");
        let cost = (9.0 * price_in + output as f64 * price_out) / 1e6;
        assert!((f("cost_usd") - cost).abs() < 1e-12, "{cost} {r}");
        // The demo bills each answer itself (`usage.cost`): its figure, and ours beside it.
        assert_eq!(r["cost_source"], "gateway");
        assert!((f("cost_gateway_usd") - cost).abs() < 1e-12, "{cost} {r}");
        assert!((f("cost_computed_usd") - cost).abs() < 1e-12, "{cost} {r}");
        // Time is the wall clock's, but its relations are exact: the first token comes after the
        // request and before the end, and end-to-end speed is tokens over the whole time.
        assert!(f("ttft_ms") > 0.0 && f("ttft_ms") < f("total_ms"), "{r}");
        // Within the two roundings: the speed to 0.01, the time to the microsecond.
        let speed = output as f64 / (f("total_ms") / 1000.0);
        let slack = 0.005 + speed * 0.0005 / f("total_ms") + 1e-9;
        assert!((f("tokens_per_s") - speed).abs() <= slack, "{speed} {r}");
    }
    assert_eq!(arr[0]["model"], "demo/fast-mini");
    assert!(!arr[1]["reasoning"].as_str().unwrap().is_empty());
    // Rate-limit headroom from the gateway's x-ratelimit-* headers: two requests counted.
    let remaining: Vec<u64> = arr
        .iter()
        .map(|r| r["rate_limit"]["remaining_requests"].as_u64().unwrap())
        .collect();
    assert_eq!(arr[0]["rate_limit"]["limit_requests"], 500);
    assert!(
        remaining.contains(&499) && remaining.contains(&498),
        "{remaining:?}"
    );
    // The demo names each answer's generation (`x-generation-id`), as OpenRouter does.
    assert!(
        arr[0]["generation_id"]
            .as_str()
            .is_some_and(|g| g.starts_with("gen-demo-")),
        "{}",
        arr[0]
    );
    // The key never shows up in the output.
    assert!(!text(&out.stdout).contains(&demo.key));
    assert!(!text(&out.stderr).contains(&demo.key));
}

#[test]
fn ask_table_and_stdin_prompt() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(&home);
    let mut child = gatebench(&home)
        .args(["--base-url", &demo.base_url, "--api-key-env", KEY_VAR])
        .env(KEY_VAR, &demo.key)
        .args(["ask", "-m", "demo/local-free", "-m", "demo/pro-large", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"explain tokenizers from stdin")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("── demo/local-free ──"), "{stdout}");
    assert!(
        stdout.contains("tokenizers"),
        "the answer echoes the stdin prompt: {stdout}"
    );
    // The answers on stdout, the metrics table on stderr: `> answer.md` holds only answers.
    assert!(!stdout.contains("out tok"), "{stdout}");
    let stderr = text(&out.stderr);
    let header = stderr.lines().find(|l| l.starts_with("model")).unwrap();
    for col in ["ttft", "total", "out tok", "tok/s", "cost"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(
        stderr.contains("$0 (gateway)"),
        "free model costs $0: {stderr}"
    );
    // --metrics stdout puts it back; none drops it.
    for (choice, on_stdout, on_stderr) in [("stdout", true, false), ("none", false, false)] {
        let out = run_against(
            &home,
            &demo,
            &["ask", "-m", "demo/local-free", "--metrics", choice, "hi"],
        );
        assert!(out.status.success());
        assert_eq!(text(&out.stdout).contains("out tok"), on_stdout, "{choice}");
        assert_eq!(text(&out.stderr).contains("out tok"), on_stderr, "{choice}");
    }
}

#[test]
fn failing_model_gives_nonzero_exit_and_reason_on_stderr() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(&home);
    let out = run_against(
        &home,
        &demo,
        &[
            "ask",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/nope",
            "--json",
            "hi",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("demo/nope") && stderr.contains("404"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v[0]["error"].is_null());
    assert!(v[1]["error"].as_str().unwrap().contains("does not exist"));
}

#[test]
fn wrong_key_names_the_variable_and_masks_the_key() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(&home);
    let secret = "not-the-right-key-abcdef123456";
    let out = gatebench(&home)
        .args([
            "--base-url",
            &demo.base_url,
            "--api-key-env",
            KEY_VAR,
            "models",
        ])
        .env(KEY_VAR, secret)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("401") && stderr.contains(&format!("${KEY_VAR}")),
        "{stderr}"
    );
    assert!(!stderr.contains(secret) && !text(&out.stdout).contains(secret));
}

#[test]
fn no_key_runs_on_the_builtin_demo_and_says_how_to_connect() {
    let home = tempfile::tempdir().unwrap();
    let out = gatebench(&home)
        .args(["ask", "--json", "hello"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("built-in demo gateway"), "{stderr}");
    assert!(stderr.contains("INFERGATE_API_KEY"), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v.as_array().unwrap().len() >= 2,
        "default demo models are asked"
    );
}

#[test]
fn broken_config_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("bad.toml");
    std::fs::write(&path, "[profiles.work]\nbase_url = \"http://127.0.0.1:1/v1\"\ntimeouts = { idle_ms = \"soon\" }\n").unwrap();
    let out = gatebench(&home)
        .args(["--config", path.to_str().unwrap(), "models"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(stderr.contains("idle_ms"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // A missing file named explicitly is an error too; a missing default file is not.
    let out = gatebench(&home)
        .args(["--config", "/nonexistent/gatebench.toml", "models"])
        .output()
        .unwrap();
    assert!(text(&out.stderr).contains("/nonexistent/gatebench.toml"));
}

#[test]
fn dead_port_is_a_readable_error() {
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = gatebench(&home)
        .args([
            "--base-url",
            &format!("http://127.0.0.1:{port}/v1"),
            "ask",
            "-m",
            "x",
            "hi",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cannot reach"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn rehearse_reports_the_route_as_json() {
    let home = tempfile::tempdir().unwrap();
    // Half the primary's requests fail with a 503 (no Retry-After, so the run is quick).
    let out = gatebench(&home)
        .args([
            "--demo",
            "--demo-fault",
            "demo/flaky:rate_503=0.5",
            "rehearse",
            "--route",
            "demo-fallback",
        ])
        .args([
            "--requests",
            "12",
            "--concurrency",
            "3",
            "--json",
            "--min-success",
            "1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for k in [
        "requests",
        "success_rate_primary_only",
        "success_rate_with_fallback",
        "added_latency_p50_ms",
        "added_latency_p95_ms",
        "cost_delta_usd",
        "hops",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {v}");
    }
    assert_eq!(v["requests"], 12);
    assert_eq!(v["success_rate_with_fallback"], 1.0);
    let primary = v["success_rate_primary_only"].as_f64().unwrap();
    assert!(primary < 1.0, "some requests needed the fallback: {v}");
    let hops = v["hops"].as_array().unwrap();
    assert_eq!(hops[0]["model"], "demo/flaky");
    assert!(hops[0]["errors"]["server_error"].as_u64().unwrap() > 0);
    assert_eq!(
        hops.iter()
            .map(|h| h["served"].as_u64().unwrap())
            .sum::<u64>(),
        12,
        "every request was served by one hop"
    );
    // The table form, and a bad route name.
    let out = gatebench(&home)
        .args(["--demo", "rehearse", "--route", "nope"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "demo-fallback");
}

#[test]
fn ask_through_a_route_shows_hops_and_served_model() {
    let home = tempfile::tempdir().unwrap();
    let out = gatebench(&home)
        .args([
            "--demo",
            "--demo-fault",
            "demo/flaky:rate_500=1",
            "ask",
            "-r",
            "demo-fallback",
            "--json",
            "hi",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v[0];
    assert_eq!(r["route"], "demo-fallback");
    assert_eq!(r["served_model"], "demo/fast-mini");
    assert!(r["gateway_fallbacks"].is_null());
    let hops = r["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 3, "flaky, its retry, then fast-mini: {hops:?}");
    assert!(hops[0]["error"].as_str().unwrap().contains("500"));
    assert!(hops[0]["ms"].as_f64().is_some());
    assert!(hops[2]["error"].is_null());
    assert!(text(&out.stderr).contains("falling back to demo/fast-mini"));
    // Timings are what the user waited: the failed hops and their backoff are inside them.
    let f = |k: &str| r[k].as_f64().unwrap();
    let before: f64 = hops[..2]
        .iter()
        .map(|h| h["ms"].as_f64().unwrap() + h["backoff_ms"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(f("ttft_ms") >= f("served_ttft_ms") + before - 1.0, "{r}");
    assert!(f("total_ms") >= f("served_total_ms") + before - 1.0, "{r}");
    assert!(
        hops[0]["backoff_ms"].as_f64().unwrap() > 0.0,
        "the retry waited: {r}"
    );
    // A broken fault spec is a clear error.
    let out = gatebench(&home)
        .args(["--demo", "--demo-fault", "demo/flaky:rate_5OO=1", "models"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "rate_5OO");
}

#[test]
fn the_workbench_without_a_terminal_points_to_the_headless_commands() {
    let home = tempfile::tempdir().unwrap();
    let out = gatebench(&home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(
        e.contains("needs a terminal") && e.contains("gatebench ask"),
        "{e}"
    );
    assert!(
        out.stdout.is_empty(),
        "no escape codes written: {:?}",
        text(&out.stdout)
    );
}

#[test]
fn bad_numbers_and_a_missing_config_get_one_clear_message() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("bad.toml");
    for (toml, want) in [
        ("[prices.\"m\"]\ninput = nan\noutput = 1.0\n", "input = NaN"),
        (
            "[prices.\"m\"]\ninput = 1.0\noutput = -2.0\n",
            "output = -2",
        ),
        ("budget_usd = inf\n", "budget_usd = inf"),
    ] {
        std::fs::write(&cfg, toml).unwrap();
        let out = gatebench(&home)
            .args(["--demo", "--config", cfg.to_str().unwrap(), "models"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{toml}");
        let err = text(&out.stderr);
        assert!(
            err.contains(want) && err.contains("bad.toml"),
            "{toml}: {err}"
        );
    }
    let out = gatebench(&home)
        .args(["--demo", "ask", "--temperature", "NaN", "hi"])
        .output()
        .unwrap();
    assert_fails(&out, 2, "a number from 0 to 2");
    let missing = home.path().join("nope.toml");
    let out = gatebench(&home)
        .args(["--config", missing.to_str().unwrap(), "models"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}

#[test]
fn the_demo_gateway_refuses_answers_it_will_not_write_and_keeps_serving() {
    let home = tempfile::tempdir().unwrap();
    let demo = start_demo(&home);
    let out = run_against(
        &home,
        &demo,
        &[
            "ask",
            "--json",
            "-m",
            "demo/fast-mini",
            "[[tokens=10000000]] go",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["error_kind"], "client_error", "{v}");
    assert!(
        v[0]["error"]
            .as_str()
            .unwrap()
            .contains("at most 200000 tokens"),
        "{v}"
    );
    // The same server still answers.
    let out = run_against(&home, &demo, &["models", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn completions_man_page_and_config_commands() {
    let home = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "_gatebench()"),
        ("zsh", "#compdef gatebench"),
        ("fish", "complete -c gatebench"),
    ] {
        let out = gatebench(&home)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        assert!(text(&out.stdout).contains(marker), "{shell}");
        assert!(
            text(&out.stdout).contains("rehearse"),
            "{shell}: subcommands complete"
        );
    }
    let out = gatebench(&home).arg("man").output().unwrap();
    assert!(out.status.success());
    assert!(text(&out.stdout).contains(".TH gatebench 1"));
    // `config check` works even on a broken config, and says what is wrong.
    let cfg = home.path().join("broken.toml");
    std::fs::write(&cfg, "[routes.r]\nchain = [\"a\"]\non = [\"sometimes\"]\n").unwrap();
    let out = gatebench(&home)
        .args(["--config", cfg.to_str().unwrap(), "config", "check"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "sometimes");
    let out = gatebench(&home)
        .args(["--config", cfg.to_str().unwrap(), "config", "path"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("broken.toml"));
}

#[test]
fn more_than_nine_models_is_an_error_not_a_silent_drop() {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["--demo".to_string()];
    for i in 0..10 {
        args.push("-m".into());
        args.push(format!("m{i}"));
    }
    let out = gatebench(&home).args(&args).output().unwrap();
    assert_fails(
        &out,
        1,
        "10 models named with -m; the workbench shows at most 9",
    );
}

#[test]
fn the_demo_gateway_speaks_the_responses_api() {
    let home = tempfile::tempdir().unwrap();
    for extra in [&[][..], &["--no-stream"][..]] {
        let mut args = vec!["--demo", "--api", "responses", "ask", "--json"];
        args.extend_from_slice(extra);
        args.extend([
            "-m",
            "demo/reasoner",
            "-m",
            "demo/fast-mini",
            "--max-tokens",
            "400",
            "why?",
        ]);
        let out = gatebench(&home).args(&args).output().unwrap();
        assert!(out.status.success(), "{extra:?}: {}", text(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        for r in v.as_array().unwrap() {
            assert!(r["error"].is_null(), "{r}");
            assert!(!r["text"].as_str().unwrap().is_empty(), "{r}");
            assert!(r["output_tokens"].as_u64().unwrap() > 0, "{r}");
            assert_eq!(r["estimated"], false, "usage comes from the response: {r}");
        }
        assert!(
            !v[0]["reasoning"].as_str().unwrap().is_empty(),
            "the reasoner reasons: {}",
            v[0]
        );
    }
    // Errors come in the same shape as for chat completions.
    let out = gatebench(&home)
        .args([
            "--demo",
            "--api",
            "responses",
            "ask",
            "--json",
            "-m",
            "nope/model",
            "hi",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["error_kind"], "not_found", "{v}");
}

#[test]
fn the_metrics_table_aligns_and_fits_80_columns() {
    let home = tempfile::tempdir().unwrap();
    let out = gatebench(&home)
        .args([
            "--demo",
            "--demo-fault",
            "demo/flaky:rate_500=1",
            "ask",
            "-r",
            "demo-fallback",
            "-m",
            "demo/long-context",
            "hi",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let table: Vec<&str> = err
        .lines()
        .skip_while(|l| !l.starts_with("model"))
        .collect();
    assert_eq!(table.len(), 3, "{err}");
    for l in &table {
        assert!(
            l.chars().count() <= 80,
            "{} columns: {l:?}",
            l.chars().count()
        );
    }
    assert!(
        table
            .iter()
            .any(|l| l.contains("→ demo/fast-mini") || l.contains("…")),
        "{err}"
    );
    // The status column starts at the same place on every row.
    let starts: Vec<usize> = table
        .iter()
        .map(|l| l.chars().count() - l.rsplit("  ").next().unwrap().chars().count())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{starts:?}\n{err}");
}
