//! `gatebench bench` through the real binary against the demo gateway run as its own process:
//! injected faults, checks, the judge, gates, compare, the history, and shards merged against a
//! single run of the same workload.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::demo::{BIN, DemoProcess, start_demo};
use serde_json::Value;

const KEY_VAR: &str = "GB_BENCH_KEY";

pub(crate) fn bench(home: &Path, demo: &DemoProcess, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(["--data-dir", home.join("data").to_str().unwrap()])
        .args([
            "--base-url",
            &demo.base_url,
            "--api-key-env",
            KEY_VAR,
            "bench",
        ])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("INFERGATE_API_KEY")
        .env_remove("GATEBENCH_DATA_DIR")
        .env(KEY_VAR, &demo.key);
    c
}

pub(crate) fn out(mut c: Command) -> (i32, String, String) {
    let o: Output = c.output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        o.status.code().unwrap_or(-1),
        text(&o.stdout),
        text(&o.stderr),
    )
}

pub(crate) fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

fn result<'a>(v: &'a Value, target: &str) -> &'a Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"] == target)
        .unwrap_or_else(|| panic!("no {target} in {v}"))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn a_run_with_faults_reports_errors_by_kind_checks_gates_and_records_without_the_key() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &["--demo-fault", "demo/fast-mini:rate_500=0.4"]);
    let w = write(
        h,
        "w.jsonl",
        "What is a fallback route?\n\
         {\"prompt\":\"Explain p95 latency\",\"expect\":\"latency\",\"tags\":[\"x\"]}\n\
         {\"prompt\":\"Give JSON\",\"json_schema\":{\"type\":\"object\"}}\n\
         {\"prompt\":\"Be short\",\"max_output_tokens\":1}\n\
         {not json\n",
    );
    let out_json = h.join("run.json");
    let (code, stdout, stderr) = out(bench(
        h,
        &demo,
        &[
            "--workload",
            &w,
            "--repeat",
            "5",
            "--concurrency",
            "3",
            "-m",
            "demo/fast-mini",
            "-m",
            "demo/pro-large",
            "--out",
            out_json.to_str().unwrap(),
            "--format",
            "json",
            "--fail-if",
            "error_rate>0.01",
            "--per-day",
            "1000",
        ],
    ));
    assert_eq!(code, 1, "a gate was crossed: {stderr}");
    assert!(
        stderr.contains("line 5: "),
        "the bad line is reported: {stderr}"
    );
    assert!(
        stderr.contains("gate crossed: demo/fast-mini: error_rate = "),
        "{stderr}"
    );
    assert!(!stderr.contains("gate crossed: demo/pro-large"), "{stderr}");
    let v = json(&stdout);
    assert_eq!(v, json(&std::fs::read_to_string(&out_json).unwrap()));
    assert_eq!(v["bad_lines"], 1);
    let fast = result(&v, "demo/fast-mini");
    assert_eq!(fast["requests"], 20);
    let failed = fast["errors"]["server_error"].as_u64().unwrap();
    assert!(failed > 0 && failed < 20, "{fast}");
    assert_eq!(fast["succeeded"].as_u64().unwrap() + failed, 20);
    let pro = result(&v, "demo/pro-large");
    assert_eq!(
        (pro["requests"].as_u64(), pro["error_rate"].as_f64()),
        (Some(20), Some(0.0))
    );
    // Every answer of pro-large was checked: expect passes (the demo repeats the topic), JSON
    // fails (the demo writes markdown), one output token is too few.
    assert_eq!(pro["pass_rates"]["expect"], 1.0);
    assert_eq!(pro["pass_rates"]["json_schema"], 0.0);
    assert_eq!(pro["pass_rates"]["max_output_tokens"], 0.0);
    let cost = pro["cost_per_request_usd"].as_f64().unwrap();
    assert!((pro["cost_per_day_usd"].as_f64().unwrap() - cost * 1000.0).abs() < 1e-9);
    assert_eq!(pro["cost_source"], "gateway");
    let p50 = pro["p50_ttft_ms"].as_f64().unwrap();
    assert!(p50 <= pro["p95_ttft_ms"].as_f64().unwrap());
    // One record per measured request, the key nowhere.
    let records = std::fs::read_to_string(h.join("run.requests.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 40);
    let first = json(records.lines().next().unwrap());
    for field in [
        "target",
        "job",
        "line",
        "ttft_ms",
        "output_tokens",
        "cost_usd",
        "checks",
    ] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
    for text in [&records, &stdout, &stderr] {
        assert!(!text.contains(&demo.key), "the key leaked");
    }
    // The run is in the history, and reads back the same.
    let (code, list, _) = out(bench(h, &demo, &["list"]));
    assert_eq!(code, 0);
    assert!(
        list.contains("w.jsonl") && list.contains("demo/fast-mini, demo/pro-large"),
        "{list}"
    );
    let id = list.split_whitespace().next().unwrap();
    let (code, shown, _) = out(bench(h, &demo, &["show", id, "--format", "csv"]));
    assert_eq!(code, 0);
    assert!(shown.starts_with("target,cost_source,requests,"), "{shown}");
    assert!(shown.contains("\ndemo/pro-large,gateway,20,"), "{shown}");
    // Compared with itself, nothing changed.
    let (code, cmp, err) = out(bench(
        h,
        &demo,
        &[
            "merge",
            out_json.to_str().unwrap(),
            "--compare",
            out_json.to_str().unwrap(),
        ],
    ));
    assert_eq!(code, 0, "{err}");
    let row = cmp
        .lines()
        .find(|l| l.trim_start().starts_with("requests "))
        .unwrap();
    assert!(row.trim_end().ends_with('='), "{row}");
    // With --format json, stdout stays JSON and the comparison goes to stderr.
    let file = out_json.to_str().unwrap();
    let (code, as_json, err) = out(bench(
        h,
        &demo,
        &["merge", file, "--compare", file, "--format", "json"],
    ));
    assert_eq!(code, 0, "{err}");
    json(&as_json);
    assert!(err.contains("against "), "{err}");
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &[]);
    let w = write(
        h,
        "w.txt",
        "fine prompt\n{\"prompt\":\"x\",\"judge\":\"grade it\"}\n{oops\n",
    );
    let cases: [(&[&str], &str); 5] = [
        (&["--workload", &w, "--strict"], "line 3: "),
        (&["--workload", &w], "pass --judge-model"),
        (
            &["--prompt", "hi", "--fail-if", "p95_tfft_ms>1"],
            "unknown metric `p95_tfft_ms`",
        ),
        (
            &["--prompt", "hi", "--compare", "/nonexistent.json"],
            "cannot read /nonexistent.json",
        ),
        (&["--prompt", "hi", "--shard", "3/3"], "--shard"),
    ];
    for (args, want) in cases {
        let (code, _, err) = out(bench(h, &demo, args));
        assert_ne!(code, 0, "{args:?}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A model the gateway does not have: every request fails as not_found, and says so.
    let (code, stdout, err) = out(bench(
        h,
        &demo,
        &["--prompt", "hi", "-m", "demo/nope", "--format", "json"],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("demo/nope is not in the gateway's /v1/models list"),
        "{err}"
    );
    assert_eq!(
        result(&json(&stdout), "demo/nope")["errors"]["not_found"],
        1
    );
}

#[test]
fn the_judge_grades_through_the_gateway_and_its_cost_is_kept_apart() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &[]);
    let w = write(
        h,
        "w.jsonl",
        "{\"prompt\":\"Explain retries\",\"judge\":\"Mentions backoff.\"}\n",
    );
    let judged = [
        "--workload",
        &w,
        "--repeat",
        "4",
        "-m",
        "demo/pro-large",
        "--judge-model",
        "demo/fast-mini",
        "--format",
        "json",
    ];
    let mut first = bench(h, &demo, &judged);
    first.args(["--fail-if", "judge_mean<1"]);
    let (code, stdout, err) = out(first);
    assert_eq!(code, 0, "{err}");
    let v = json(&stdout);
    let r = result(&v, "demo/pro-large");
    assert_eq!(r["judge_scored"], 4);
    let mean = r["judge_mean"].as_f64().unwrap();
    assert!((1.0..=5.0).contains(&mean), "{mean}");
    let judge = &v["targets"][0]["judge"];
    assert!(judge["input_tokens"].as_u64().unwrap() > 0);
    let judge_cost = r["judge_cost_usd"].as_f64().unwrap();
    assert!(judge_cost > 0.0);
    // The candidate's own cost is its four answers' alone.
    let per_request = r["cost_per_request_usd"].as_f64().unwrap();
    let own = v["targets"][0]["cost_usd"].as_f64().unwrap();
    assert!((own - per_request * 4.0).abs() < 1e-12 && own > 0.0);
    // The same seed, the same scores.
    let (_, again, _) = out(bench(h, &demo, &judged));
    assert_eq!(
        result(&json(&again), "demo/pro-large")["judge_mean"],
        r["judge_mean"]
    );
}

#[test]
fn shards_run_as_separate_processes_merge_to_the_single_run() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &[]);
    let prompts: String = (0..7)
        .map(|i| format!("Prompt number {i} about gateways\n"))
        .collect();
    let w = write(h, "w.txt", &prompts);
    let cfg = write(
        h,
        "config.toml",
        "[routes.fb]\nchain = [\"demo/pro-large\", \"demo/fast-mini\"]\n",
    );
    let common = [
        "--config",
        &cfg,
        "--workload",
        &w,
        "--repeat",
        "2",
        "--concurrency",
        "2",
        "-m",
        "demo/fast-mini",
        "-r",
        "fb",
    ];
    let single = h.join("single.json");
    let mut c = bench(h, &demo, &common);
    c.args([
        "--out",
        single.to_str().unwrap(),
        "--format",
        "json",
        "--no-history",
    ]);
    let (code, _, err) = out(c);
    assert_eq!(code, 0, "{err}");
    let shards: Vec<_> = (0..3)
        .map(|i| {
            let path = h.join(format!("s{i}.json"));
            let mut c = bench(h, &demo, &common);
            c.args([
                "--shard",
                &format!("{i}/3"),
                "--out",
                path.to_str().unwrap(),
                "--no-history",
            ]);
            c.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            (c.spawn().unwrap(), path)
        })
        .collect();
    let mut files = Vec::new();
    for (mut child, path) in shards {
        assert!(child.wait().unwrap().success());
        files.push(path.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    let (code, merged, err) = out(bench(h, &demo, &args));
    assert_eq!(code, 0, "{err}");
    let (m, s) = (
        json(&merged),
        json(&std::fs::read_to_string(&single).unwrap()),
    );
    assert_eq!(m["merged"], serde_json::json!(["0/3", "1/3", "2/3"]));
    for target in ["demo/fast-mini", "fb"] {
        let find = |v: &Value| {
            v["targets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["target"] == target)
                .unwrap()
                .clone()
        };
        let (mt, st) = (find(&m), find(&s));
        // The same requests, the same answers: every count and token sum is equal.
        for k in [
            "requests",
            "counted",
            "input_tokens",
            "output_tokens",
            "priced",
        ] {
            assert_eq!(mt[k], st[k], "{target} {k}");
        }
        assert_eq!(mt["requests"], 14);
        let hist_count = |t: &Value| {
            t["ttft_us"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b[1].as_u64().unwrap())
                .sum::<u64>()
        };
        assert_eq!(hist_count(&mt), hist_count(&st));
        let (a, b) = (
            mt["cost_usd"].as_f64().unwrap(),
            st["cost_usd"].as_f64().unwrap(),
        );
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

#[test]
fn a_key_the_server_echoes_back_is_in_no_output_record_or_history() {
    const KEY: &str = "sk-bench-echo-0123456789abcdef";
    let server = crate::common::raw::serve(|req, sock| {
        if req.path.ends_with("/models") {
            return crate::common::raw::models(sock);
        }
        crate::common::raw::stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
        // Split across chunks, inside quotes and after a backslash: the JSON must stay whole.
        let (a, b) = KEY.split_at(9);
        let body = crate::common::raw::chunk(&format!("curl -H \"Authorization: Bearer {a}"))
            + &crate::common::raw::chunk(&format!("{b}\\\" and {KEY}"))
            + &crate::common::raw::finish();
        crate::common::raw::send(sock, body.as_bytes());
    });
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let w = write(
        h,
        "w.jsonl",
        "{\"prompt\":\"hi\",\"expect\":\"never there\"}\n",
    );
    let out_json = h.join("run.json");
    let mut c = Command::new(BIN);
    c.args(["--data-dir", h.join("data").to_str().unwrap()])
        .args([
            "--base-url",
            &server.url,
            "--api-key-env",
            KEY_VAR,
            "bench",
            "-m",
            "m",
        ])
        .args([
            "--workload",
            &w,
            "--repeat",
            "3",
            "--out",
            out_json.to_str().unwrap(),
        ])
        .env("HOME", h)
        .env("XDG_CONFIG_HOME", h.join("config"))
        .env(KEY_VAR, KEY);
    let (code, stdout, stderr) = out(c);
    assert_eq!(code, 0, "{stderr}");
    let records = std::fs::read_to_string(h.join("run.requests.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 3);
    for l in records.lines() {
        assert!(json(l)["text"].as_str().unwrap().contains("****"), "{l}");
    }
    let summary = std::fs::read_to_string(&out_json).unwrap();
    json(&summary);
    let mut texts = vec![stdout, stderr, records, summary];
    for f in ["history.db", "history.db-wal"] {
        if let Ok(b) = std::fs::read(h.join("data").join(f)) {
            texts.push(String::from_utf8_lossy(&b).into_owned());
        }
    }
    assert!(
        texts[3].contains("answer_start"),
        "the failed check is listed"
    );
    for text in &texts {
        for w in KEY.as_bytes().windows(12) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(!text.contains(w), "{w:?} of the key leaked");
        }
    }
}

/// The number of streams the demo gateway has finished, from its `/demo/trace`.
fn streams_done(base_url: &str) -> usize {
    use std::io::{Read, Write};
    let addr = base_url
        .trim_start_matches("http://")
        .trim_end_matches("/v1");
    let Ok(mut sock) = std::net::TcpStream::connect(addr) else {
        return 0;
    };
    let _ = write!(
        sock,
        "GET /demo/trace HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let mut text = String::new();
    let _ = sock.read_to_string(&mut text);
    text.matches("\"request\":").count()
}

#[test]
fn ctrl_c_stops_a_run_and_still_reports_and_stores_what_finished() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &["--demo-speed", "1"]);
    let mut c = bench(
        h,
        &demo,
        &[
            "--prompt",
            "a long run",
            "-m",
            "demo/fast-mini",
            "--concurrency",
            "4",
            "--duration",
            "10m",
            "--format",
            "json",
        ],
    );
    c.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().unwrap();
    // Wait (with a deadline) until some requests have finished, then interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while streams_done(&demo.base_url) < 6 {
        assert!(std::time::Instant::now() < deadline, "no request finished");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let o = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    let v = json(&stdout);
    assert_eq!(v["interrupted"], true);
    let r = result(&v, "demo/fast-mini");
    let n = r["requests"].as_u64().unwrap();
    assert!(n >= 1, "{r}");
    // Requests cut by the stop count as neither success nor failure.
    assert_eq!(r["succeeded"].as_u64(), Some(n), "{r}");
    let (code, list, _) = out(bench(h, &demo, &["list"]));
    assert_eq!(code, 0);
    assert!(list.contains("one prompt"), "{list}");
}

#[test]
fn a_sweep_steps_the_rate_until_a_limit_and_reports_the_knee() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let demo = start_demo(h, &[]);
    let sweep = |limit: &str, out_file: &str| {
        let path = h.join(out_file);
        let (code, stdout, err) = out(bench(
            h,
            &demo,
            &[
                "--prompt",
                "hi",
                "-m",
                "demo/fast-mini",
                "--sweep",
                "4,8,16",
                "--duration",
                "300ms",
                "--sweep-limit",
                limit,
                "--slo",
                "total_ms<=600000",
                "--out",
                path.to_str().unwrap(),
            ],
        ));
        assert_eq!(code, 0, "{err}");
        (stdout, json(&std::fs::read_to_string(path).unwrap()))
    };
    // Never crossed: every rate is run.
    let (text, v) = sweep("error_rate>0.5", "never.json");
    assert!(
        text.contains("demo/fast-mini: knee 16/s; no limit crossed"),
        "{text}"
    );
    assert_eq!(v["steps"].as_array().unwrap().len(), 3);
    assert_eq!(v["knees"][0]["knee_per_s"], 16.0);
    // With --slo every step's goodput is shown, and the rate with the most is the goodput knee.
    let knee = v["knees"][0]["goodput_knee_per_s"].as_f64().unwrap();
    assert!([4.0, 8.0, 16.0].contains(&knee), "{knee}");
    assert!(
        text.contains(&format!("demo/fast-mini: knee by goodput {knee}/s (")),
        "{text}"
    );
    assert_eq!(text.matches("  goodput ").count(), 3, "{text}");
    // Crossed at once: the sweep stops after the first rate.
    let (text, v) = sweep("error_rate>=0", "at-once.json");
    assert!(
        text.contains("knee below the first rate; at 4/s: demo/fast-mini: error_rate = 0"),
        "{text}"
    );
    assert_eq!(v["steps"].as_array().unwrap().len(), 1);
    assert_eq!(v["knees"][0]["crossed_at_per_s"], 4.0);
    // Each step is stored in the history.
    let (_, list, _) = out(bench(h, &demo, &["list"]));
    assert_eq!(list.lines().count(), 4, "{list}");
}

#[test]
fn goodput_counts_the_requests_within_every_objective_and_gates_on_it() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let out_json = h.join("run.json");
    let run = |slo: &str, gate: &str| {
        let mut c = Command::new(BIN);
        c.args(["--data-dir", h.join("data").to_str().unwrap()])
            .args([
                "bench",
                "--demo",
                "--demo-speed",
                "inf",
                "-m",
                "demo/fast-mini",
                "--prompt",
                "hi",
            ])
            .args([
                "--repeat",
                "4",
                "--max-tokens",
                "16",
                "--slo",
                slo,
                "--fail-if",
                gate,
            ])
            .args(["--out", out_json.to_str().unwrap()])
            .env("HOME", h)
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env_remove("INFERGATE_API_KEY");
        out(c)
    };
    // Generous objectives: every request meets them.
    let (code, stdout, stderr) = run("ttft_ms<=60000,total_ms<=60000", "goodput_rate<0.9");
    assert_eq!(code, 0, "{stdout}{stderr}");
    let v = json(&std::fs::read_to_string(&out_json).unwrap());
    let r = &v["results"][0];
    assert_eq!(r["goodput_rate"], 1.0, "{r}");
    assert!(
        r["goodput_rps"].as_f64().unwrap() > 0.0 && r["goodput_tok_s"].as_f64().unwrap() > 0.0,
        "{r}"
    );
    assert!(stdout.contains("goodput: 100"), "{stdout}");
    // One no request can meet: the gate fails the run.
    let (code, stdout, _) = run("total_ms<=0.000001", "goodput_rate<0.9");
    assert_eq!(code, 1, "{stdout}");
    let v = json(&std::fs::read_to_string(&out_json).unwrap());
    assert_eq!(v["results"][0]["goodput_rate"], 0.0);
    let (code, _, stderr) = run("ttfb_ms<=5", "goodput_rate<0.9");
    assert_ne!(code, 0);
    assert!(stderr.contains("unknown objective"), "{stderr}");
}
