//! `gatebench watch` against the demo gateway: one round for cron and CI, alerts with their hook
//! and webhook, drift from the demo's drifting fault, the report, and bad input.

use serde_json::Value;

use crate::common::raw;

pub(crate) use crate::common::demo::in_home as gatebench;

#[test]
fn once_fails_on_a_crossed_threshold_and_the_hook_and_webhook_get_the_alert() {
    let home = tempfile::tempdir().unwrap();
    let hook_file = home.path().join("alert.json");
    let hook = format!("cat > {}", hook_file.display());
    let webhook = raw::serve(|_, sock| raw::respond(sock, "200 OK", &[], b"ok"));
    let url = format!("http://127.0.0.1:{}/hook", webhook.port);
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "--demo-fault",
            "demo/fast-mini:rate_500=1",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/pro-large",
            "--once",
            "--fail-if",
            "error_rate=0.5",
            "--on-alert",
            &hook,
            "--webhook",
            &url,
            "--json",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("probes a day") && err.contains("a day at most"),
        "{err}"
    );
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let probes = lines.iter().filter(|l| l["type"] == "probe").count();
    assert_eq!(probes, 2, "{out}");
    let alert = lines.iter().find(|l| l["type"] == "alert").unwrap();
    assert_eq!(alert["alert"]["target"], "demo/fast-mini");
    assert_eq!(alert["alert"]["state"], "failing");
    let hooked: Value =
        serde_json::from_str(&std::fs::read_to_string(&hook_file).unwrap()).unwrap();
    assert_eq!(hooked, *alert);
    let seen = webhook.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/hook");
    assert!(
        !seen[0].head.to_ascii_lowercase().contains("authorization"),
        "no key to the webhook"
    );
    // Healthy targets: exit 0, and the report looks back at both runs.
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "-m",
            "demo/pro-large",
            "--once",
            "--fail-if",
            "error_rate=0.5",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = gatebench(home.path(), &["watch", "--demo", "report", "--since", "1h"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("demo/fast-mini: 1 probes, 1 failed (100.0%)"),
        "{out}"
    );
    assert!(out.contains("demo/pro-large: 2 probes, 0 failed"), "{out}");
    assert!(
        out.contains("demo/fast-mini: failing  last probes ✗"),
        "{out}"
    );
    assert!(
        out.contains("ALERT demo/fast-mini failing: error_rate 1.00 > 0.50"),
        "{out}"
    );
    assert!(out.contains("demo/pro-large: ok  last probes ✓✓"), "{out}");
}

#[test]
fn a_failing_hook_and_webhook_are_said_and_the_watch_goes_on() {
    let home = tempfile::tempdir().unwrap();
    let webhook = raw::serve(|_, sock| raw::respond(sock, "500 Internal Server Error", &[], b"no"));
    let url = format!("http://127.0.0.1:{}/", webhook.port);
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "--demo-fault",
            "demo/fast-mini:rate_500=1",
            "-m",
            "demo/fast-mini",
            "--every",
            "10ms",
            "--rounds",
            "3",
            "--thresholds",
            "error_rate=0.5",
            "--on-alert",
            "exit 7",
            "--webhook",
            &url,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("ALERT demo/fast-mini failing: error_rate 1.00 > 0.50"),
        "{out}"
    );
    assert_eq!(out.matches("ALERT").count(), 1, "rate limited: {out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("error server_error"))
            .count(),
        3,
        "{out}"
    );
    assert!(err.contains("on_alert \"exit 7\" failed"), "{err}");
    assert!(err.contains("the webhook answered HTTP 500"), "{err}");
}

#[test]
fn the_demos_drifting_fault_raises_a_drift_alert() {
    let home = tempfile::tempdir().unwrap();
    // From its 3rd request on, the first token takes 100 times as long (15 ms -> 1.5 s at speed 10).
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "10",
            "--demo-fault",
            "demo/fast-mini:drift_after=3,drift_factor=100",
            "-m",
            "demo/fast-mini",
            "--every",
            "10ms",
            "--rounds",
            "4",
            "--max-tokens",
            "2",
            "--thresholds",
            "p95_ttft_ms=500",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("ALERT demo/fast-mini drifting: p95_ttft_ms"),
        "{out}"
    );
}

#[test]
fn bad_input_is_a_clear_message() {
    let home = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            vec!["--thresholds", "p95_ttfb=1"],
            "unknown threshold \"p95_ttfb\"",
        ),
        (vec!["--every", "1ms"], "between 10ms and 7 days"),
        (vec!["--every", "0s"], "is not a duration"),
        (vec!["--thresholds", "error_rate=2"], "more than 1"),
    ] {
        let mut a = vec!["watch", "--demo", "-m", "demo/fast-mini", "--once"];
        a.extend(args);
        let (code, _, err) = gatebench(home.path(), &a);
        assert_ne!(code, 0);
        assert!(err.contains(says), "{says}: {err}");
    }
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "-m",
            "demo/pro-large",
            "--every",
            "1s",
            "--max-spend-per-day",
            "0.01",
            "--once",
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("more than max_spend_per_day"), "{err}");
    // A target that does not exist fails its probes; the others go on.
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "-m",
            "demo/nope",
            "-m",
            "demo/pro-large",
            "--once",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("demo/nope  error not_found"), "{out}");
    assert!(out.contains("demo/pro-large  ok"), "{out}");
}

#[test]
fn a_pinned_bench_file_is_the_baseline() {
    let home = tempfile::tempdir().unwrap();
    let run = home.path().join("run.json");
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "bench",
            "--demo",
            "--demo-speed",
            "inf",
            "-m",
            "demo/fast-mini",
            "--prompt",
            "hi",
            "--repeat",
            "3",
            "--out",
            run.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    // As if another model had served the target when the baseline was taken.
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&run).unwrap()).unwrap();
    v["targets"][0]["served_by"] = serde_json::json!({"demo/pro-large": 3});
    std::fs::write(&run, v.to_string()).unwrap();
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "-m",
            "demo/fast-mini",
            "--once",
            "--fail-if",
            "served_by_changed",
            "--baseline-file",
            run.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("ALERT demo/fast-mini drifting: served by demo/fast-mini, not demo/pro-large"),
        "{out}"
    );
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "-m",
            "demo/fast-mini",
            "--once",
            "--baseline-file",
            "/nonexistent.json",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("--baseline-file /nonexistent.json"), "{err}");
}

#[test]
fn probes_can_take_their_prompts_in_turn_from_a_workload() {
    let home = tempfile::tempdir().unwrap();
    let w = home.path().join("w.txt");
    std::fs::write(&w, "Say one\n{\"prompt\":\"Say two\",\"max_tokens\":4}\n").unwrap();
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "-m",
            "demo/fast-mini",
            "--every",
            "10ms",
            "--rounds",
            "4",
            "--workload",
            w.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("demo/fast-mini  ok"))
            .count(),
        4,
        "{out}"
    );
    std::fs::write(&w, "{\"promt\": \"typo\"}\n").unwrap();
    let (code, _, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "-m",
            "demo/fast-mini",
            "--once",
            "--workload",
            w.to_str().unwrap(),
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("line 1") && err.contains("promt"), "{err}");
}

#[test]
fn a_watch_table_with_prompts_runs_and_says_its_probes_a_day() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("config/gatebench");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "[watch]\ntargets = [\"demo/fast-mini\"]\nprompts = [\"one\", \"two\"]\nmax_tokens = 4\n",
    )
    .unwrap();
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "--every",
            "10ms",
            "--rounds",
            "2",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("demo/fast-mini  ok"))
            .count(),
        2,
        "{out}"
    );
    let (_, _, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "--every",
            "10ms",
            "--rounds",
            "2",
            "--max-spend-per-day",
            "1",
        ],
    );
    assert!(
        err.contains("1 target(s) every 10 ms: 8640000 probes a day"),
        "{err}"
    );
}

#[test]
fn a_hook_that_never_exits_and_a_webhook_that_hangs_are_given_up() {
    let home = tempfile::tempdir().unwrap();
    // A receiver that reads the alert and never answers (it holds the connection a minute).
    let webhook = raw::serve(|_, _| std::thread::sleep(std::time::Duration::from_secs(60)));
    let url = format!("http://127.0.0.1:{}/", webhook.port);
    let (code, out, err) = gatebench(
        home.path(),
        &[
            "watch",
            "--demo",
            "--demo-speed",
            "inf",
            "--demo-fault",
            "demo/fast-mini:rate_500=1",
            "-m",
            "demo/fast-mini",
            "--every",
            "10ms",
            "--rounds",
            "2",
            "--thresholds",
            "error_rate=0.5",
            "--on-alert",
            "sleep 30",
            "--webhook",
            &url,
            "--hook-timeout",
            "300ms",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("on_alert \"sleep 30\" was still running after 300 ms and was stopped"),
        "{err}"
    );
    assert!(
        err.contains("the webhook did not answer within 300 ms"),
        "{err}"
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("error server_error"))
            .count(),
        2,
        "the watch went on: {out}"
    );
}
