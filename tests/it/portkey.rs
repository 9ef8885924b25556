//! Portkey's way of working, over loopback with the real client and CLI: the key in a header of
//! the profile's choosing, routing headers from the config, and the gateway's cache verdicts
//! (which the open-source build cannot produce, see tests/it/realstack_portkey.rs).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::raw::{self, Seen};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gatebench");
const KEY: &str = "pk-test-0123456789abcdefghij";

fn gatebench(home: &std::path::Path, config: &str) -> Command {
    std::fs::write(home.join("config.toml"), config).unwrap();
    let mut c = Command::new(BIN);
    c.args(["--config", home.join("config.toml").to_str().unwrap()])
        .args(["--data-dir", home.join("data").to_str().unwrap()])
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env_remove("INFERGATE_API_KEY")
        .env("PK_TEST_KEY", KEY);
    c
}

fn header<'a>(seen: &'a Seen, name: &str) -> Option<&'a str> {
    seen.head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A Portkey-like gateway: the first answer is a MISS and every later one a HIT of its cache.
fn caching_gateway() -> raw::RawServer {
    let answered = Arc::new(AtomicUsize::new(0));
    raw::serve(move |req, sock| {
        if req.path.ends_with("/models") {
            return raw::models(sock);
        }
        let n = answered.fetch_add(1, Ordering::SeqCst);
        let status = if n == 0 { "MISS" } else { "HIT" };
        raw::stream_head(
            sock,
            "200 OK",
            &[
                ("content-type", "text/event-stream"),
                ("x-portkey-cache-status", status),
                ("x-portkey-last-used-option-index", "config.targets[1]"),
                ("x-portkey-retry-attempt-count", "1"),
            ],
        );
        let body = raw::chunk("hello") + &raw::chunk(" there") + &raw::finish();
        raw::send(sock, body.as_bytes());
    })
}

fn profile(url: &str) -> String {
    format!(
        "[profiles.pk]\nbase_url = \"{url}\"\napi_key_env = \"PK_TEST_KEY\"\n\
         key_header = \"x-portkey-api-key\"\n\
         headers = {{ \"x-portkey-provider\" = \"openai\" }}\naccount = \"none\"\n"
    )
}

#[test]
fn the_key_goes_in_the_profiles_key_header_with_its_routing_headers() {
    let server = caching_gateway();
    let home = tempfile::tempdir().unwrap();
    let out = gatebench(home.path(), &profile(&server.url))
        .args(["--profile", "pk", "ask", "-m", "m", "--json", "hi"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = server.seen.lock().unwrap().clone();
    let chat = seen
        .iter()
        .find(|s| s.path.ends_with("/chat/completions"))
        .unwrap();
    assert_eq!(header(chat, "x-portkey-api-key"), Some(KEY));
    assert_eq!(
        header(chat, "authorization"),
        None,
        "the key goes in one header only"
    );
    assert_eq!(header(chat, "x-portkey-provider"), Some("openai"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v[0];
    assert_eq!(r["gateway_target"], "config.targets[1]");
    assert_eq!(r["gateway_retries"], 1);
    assert_eq!(r["gateway_cache"], "MISS");
}

#[test]
fn ask_marks_an_answer_from_the_gateways_cache() {
    let server = caching_gateway();
    let home = tempfile::tempdir().unwrap();
    let run = || {
        gatebench(home.path(), &profile(&server.url))
            .args([
                "--profile",
                "pk",
                "ask",
                "-m",
                "m",
                "--metrics",
                "stdout",
                "hi",
            ])
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let first = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(!first.contains("cached"), "{first}");
    let second = String::from_utf8_lossy(&run().stdout).into_owned();
    assert!(second.contains("from its cache (HIT)"), "{second}");
    assert!(
        second.contains("served by m via config.targets[1]"),
        "{second}"
    );
    assert!(second.contains("· cached"), "{second}");
}

#[test]
fn bench_counts_cached_answers_apart_and_out_of_latency() {
    for in_latency in [false, true] {
        let server = caching_gateway();
        let home = tempfile::tempdir().unwrap();
        let out_json = home.path().join("run.json");
        let mut c = gatebench(home.path(), &profile(&server.url));
        c.args([
            "--profile",
            "pk",
            "bench",
            "-m",
            "m",
            "--prompt",
            "hi",
            "--repeat",
            "4",
        ])
        .args(["--concurrency", "1", "--out", out_json.to_str().unwrap()]);
        if in_latency {
            c.arg("--cached-in-latency");
        }
        let out = c.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&out_json).unwrap()).unwrap();
        let t = &v["targets"][0];
        assert_eq!(t["succeeded"], 4);
        assert_eq!(t["cached"], 3, "{t}");
        let r = &v["results"][0];
        assert_eq!(r["cached"], 3);
        if in_latency {
            assert!(
                stdout.contains("counted in the latency figures"),
                "{stdout}"
            );
        } else {
            assert!(
                stdout.contains("kept out of the latency figures"),
                "{stdout}"
            );
        }
        // Only the one fresh answer is timed unless cached ones are asked for.
        let want = if in_latency { 4 } else { 1 };
        assert_eq!(hist_len(&t["ttft_us"]), want, "{t}");
    }
}

/// The number of values in a serialised histogram: `[[value, count], ...]`.
fn hist_len(h: &Value) -> u64 {
    h.as_array()
        .unwrap()
        .iter()
        .map(|b| b[1].as_u64().unwrap())
        .sum()
}
