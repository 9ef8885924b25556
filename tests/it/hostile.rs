//! Hostile servers: the real binary against a raw TCP "gateway" that sends absurd headers,
//! redirects, echoes the key, stalls, sends endless lines and bodies, HTML, resets. Every case
//! checks the exit code, the error kind, what was kept, and that the key appears nowhere.

use std::io::Read;
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::demo::BIN;
use crate::common::raw::{
    self, RawServer, Seen, chunk, finish, flood, models, respond, send, stream_head,
};
use serde_json::Value;

const KEY: &str = "sk-hostile-test-KEY-0123456789abcdefXYZ";

struct Run {
    out: Output,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        let v: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("no JSON ({e}):\n{}\n{}", self.stdout, self.stderr));
        v[0].clone()
    }
    fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    fn assert_no_key(&self) {
        for (name, text) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            assert!(!text.contains(KEY), "the key leaked on {name}:\n{text}");
            assert!(
                !text.contains("0123456789abcdef"),
                "part of the key on {name}:\n{text}"
            );
        }
    }
}

/// The binary with a profile for `server` whose timeouts are short, and a clean home.
fn gatebench(url: &str, home: &tempfile::TempDir, args: &[&str]) -> Child {
    let cfg = home.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.h]\nbase_url = \"{url}\"\napi_key_env = \"GB_HOSTILE_KEY\"\n\
             [profiles.h.timeouts]\nconnect_ms = 2000\nfirst_byte_ms = 3000\nidle_ms = 1500\n"
        ),
    )
    .unwrap();
    Command::new(BIN)
        .args(["--config", cfg.to_str().unwrap(), "--profile", "h"])
        .args(args)
        .env("HOME", home.path())
        .env("GB_HOSTILE_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Run to the end; a run past `secs` is a hang, and fails the test.
fn finish_within(mut child: Child, secs: u64) -> Run {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut so, mut se) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        so.read_to_string(&mut s).ok();
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        se.read_to_string(&mut s).ok();
        s
    });
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("gatebench did not finish within {secs} s: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (out_t.join().unwrap(), err_t.join().unwrap());
    Run {
        out: Output {
            status,
            stdout: stdout.clone().into_bytes(),
            stderr: stderr.clone().into_bytes(),
        },
        stdout,
        stderr,
    }
}

fn ask_json(server: &RawServer, extra: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["ask", "--json", "-m", "m"];
    args.extend_from_slice(extra);
    args.push("hi");
    let run = finish_within(gatebench(&server.url, &home, &args), 30);
    run.assert_no_key();
    run
}

/// A gateway whose model list is fine and whose chat endpoint does `chat`.
fn gateway(chat: impl Fn(&Seen, &mut TcpStream) + Send + Sync + 'static) -> RawServer {
    raw::serve(move |req, sock| {
        if req.path.ends_with("/models") {
            models(sock)
        } else {
            chat(req, sock)
        }
    })
}

#[test]
fn absurd_retry_after_values_never_panic() {
    for (name, value) in [
        ("retry-after", "inf"),
        ("retry-after", "1e300"),
        ("retry-after-ms", "1e300"),
        ("retry-after", "-7"),
    ] {
        let server = gateway(move |_, sock| {
            respond(
                sock,
                "429 Too Many Requests",
                &[(name, value)],
                br#"{"error":{"message":"slow down"}}"#,
            )
        });
        let run = ask_json(&server, &[]);
        assert_eq!(run.code(), 1, "{name}: {value}\n{}", run.stderr);
        assert_eq!(run.json()["error_kind"], "rate_limited", "{name}: {value}");
    }
}

#[test]
fn absurd_rate_limit_reset_headers_are_clamped() {
    for value in ["inf", "1e300", "99999999999999999999s", "garbage"] {
        let server = gateway(move |_, sock| {
            stream_head(
                sock,
                "200 OK",
                &[
                    ("content-type", "text/event-stream"),
                    ("x-ratelimit-reset-requests", value),
                    ("x-ratelimit-limit-requests", "10"),
                ],
            );
            send(sock, (chunk("hello") + &finish()).as_bytes());
        });
        let run = ask_json(&server, &[]);
        assert_eq!(run.code(), 0, "{value}: {}", run.stderr);
        let r = run.json();
        assert_eq!(r["text"], "hello");
        let reset = &r["rate_limit"]["reset_requests_s"];
        if value == "garbage" {
            assert!(reset.is_null(), "{r}");
        } else {
            assert_eq!(reset.as_f64(), Some(86400.0), "{value}: {r}");
        }
    }
}

#[test]
fn redirects_are_reported_and_the_key_stays_home() {
    let elsewhere = raw::serve(|_, sock| models(sock));
    let target = format!("http://127.0.0.1:{}/v1/chat/completions", elsewhere.port);
    let server = gateway(move |_, sock| {
        respond(
            sock,
            "307 Temporary Redirect",
            &[("location", &target)],
            b"",
        )
    });
    let run = ask_json(&server, &[]);
    assert_eq!(run.code(), 1);
    let r = run.json();
    assert_eq!(r["error_kind"], "client_error", "{r}");
    let err = r["error"].as_str().unwrap();
    assert!(err.contains("redirected to http://127.0.0.1:"), "{err}");
    assert!(
        elsewhere.seen.lock().unwrap().is_empty(),
        "the redirect was followed"
    );
}

#[test]
fn a_server_that_echoes_the_key_never_shows_it() {
    let server = raw::serve(|req, sock| {
        let auth = req
            .head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
            .unwrap_or("")
            .to_string();
        let body = serde_json::json!({"error": {"message": format!("Invalid key. You sent {auth}; key={}", auth.rsplit(' ').next().unwrap_or(""))}});
        respond(
            sock,
            "401 Unauthorized",
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        );
    });
    // JSON mode, text mode, and the model list: the key is in none of them (assert_no_key).
    let run = ask_json(&server, &[]);
    assert_eq!(run.code(), 1);
    assert!(
        run.json()["error"]
            .as_str()
            .unwrap()
            .contains("Bearer ****"),
        "{}",
        run.stdout
    );
    let home = tempfile::tempdir().unwrap();
    let text = finish_within(gatebench(&server.url, &home, &["ask", "-m", "m", "hi"]), 30);
    text.assert_no_key();
    assert!(text.stderr.contains("Invalid key"), "{}", text.stderr);
    let listing = finish_within(gatebench(&server.url, &home, &["models"]), 30);
    listing.assert_no_key();
    assert_eq!(listing.code(), 1);
}

#[test]
fn a_model_list_that_never_answers_times_out_and_ask_does_not_wait_for_it() {
    let server = raw::serve(|req, sock| {
        if req.path.ends_with("/models") {
            // Headers never come.
            std::thread::sleep(Duration::from_secs(120));
        } else {
            stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
            send(sock, (chunk("fine") + &finish()).as_bytes());
        }
    });
    let home = tempfile::tempdir().unwrap();
    let listing = finish_within(gatebench(&server.url, &home, &["models"]), 20);
    assert_eq!(listing.code(), 1);
    assert!(listing.stderr.contains("timed out"), "{}", listing.stderr);
    let run = ask_json(&server, &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    assert_eq!(run.json()["text"], "fine");
    assert!(
        run.stderr.contains("did not answer in time"),
        "{}",
        run.stderr
    );
}

#[test]
fn endless_error_bodies_and_lines_are_cut_off() {
    let server = gateway(|_, sock| {
        stream_head(
            sock,
            "500 Internal Server Error",
            &[("content-type", "text/plain")],
        );
        flood(sock, 300);
    });
    let run = ask_json(&server, &[]);
    assert_eq!(run.code(), 1);
    let r = run.json();
    assert_eq!(r["error_kind"], "server_error");
    assert!(
        r["error"].as_str().unwrap().contains("truncated at 64 KiB"),
        "{r}"
    );

    let server = gateway(|_, sock| {
        stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
        send(sock, chunk("before ").as_bytes());
        send(sock, b"data: ");
        flood(sock, 300);
    });
    let run = ask_json(&server, &[]);
    assert_eq!(run.code(), 1);
    let r = run.json();
    assert_eq!(r["error_kind"], "malformed", "{r}");
    assert!(r["error"].as_str().unwrap().contains("4 MiB"), "{r}");
    assert_eq!(r["text"], "before ", "what arrived first is kept");
}

#[test]
fn a_stream_answered_with_a_whole_json_body_is_decoded() {
    let server = gateway(|_, sock| {
        respond(
            sock,
            "200 OK",
            &[("content-type", "application/json")],
            br#"{"id":"x","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"whole answer"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":2}}"#,
        )
    });
    let run = ask_json(&server, &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["text"], "whole answer");
    assert_eq!(r["output_tokens"], 2);
    assert_eq!(r["finish_reason"], "stop");
}

#[test]
fn html_and_plain_text_bodies_are_malformed_with_their_first_line() {
    for (ctype, body, want) in [
        (
            "text/html",
            "<html><head><title>Login required</title></head><body>x</body></html>",
            "Login required",
        ),
        (
            "text/plain",
            "\n  upstream connect error\nmore",
            "upstream connect error",
        ),
    ] {
        let server = gateway(move |_, sock| {
            respond(sock, "200 OK", &[("content-type", ctype)], body.as_bytes())
        });
        let run = ask_json(&server, &[]);
        assert_eq!(run.code(), 1);
        let r = run.json();
        assert_eq!(r["error_kind"], "malformed", "{r}");
        assert!(r["error"].as_str().unwrap().contains(want), "{r}");
    }
    // A 503 HTML page becomes one line.
    let server = gateway(|_, sock| {
        respond(sock, "503 Service Unavailable", &[("content-type", "text/html")],
            b"<!DOCTYPE html>\n<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n<body>\n<center><h1>503</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n")
    });
    let run = ask_json(&server, &[]);
    let err = run.json()["error"].as_str().unwrap().to_string();
    assert!(
        err.ends_with("503 Service Temporarily Unavailable"),
        "{err}"
    );
    assert!(!err.contains('\n') && !err.contains('<'), "{err}");
}

#[test]
fn a_reset_before_any_response_is_a_connect_error() {
    let server = gateway(|_, sock| {
        let _ = sock.shutdown(std::net::Shutdown::Both);
    });
    let run = ask_json(&server, &[]);
    assert_eq!(run.code(), 1);
    assert_eq!(run.json()["error_kind"], "connect", "{}", run.stdout);
}

#[test]
fn escape_sequences_never_reach_the_terminal_in_text_mode() {
    let server = gateway(|_, sock| {
        stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
        let evil = "safe \u{1b}]0;pwned\u{7}\u{1b}[2Jtext\u{1b}[31m";
        send(sock, (chunk(evil) + &finish()).as_bytes());
    });
    let home = tempfile::tempdir().unwrap();
    let run = finish_within(gatebench(&server.url, &home, &["ask", "-m", "m", "hi"]), 30);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    assert!(run.stdout.contains("safe text"), "{:?}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    // JSON keeps the text as sent, escaped.
    let r = ask_json(&server, &[]).json();
    assert_eq!(r["text"], "safe \u{1b}]0;pwned\u{7}\u{1b}[2Jtext\u{1b}[31m");
}

#[test]
fn stalls_cuts_and_errors_keep_the_partial_answer() {
    type Body = fn(&mut TcpStream);
    let cases: [(&str, Body, &str); 4] = [
        (
            "timeout",
            |sock| {
                send(sock, chunk("partial").as_bytes());
                std::thread::sleep(Duration::from_secs(10));
            },
            "partial",
        ),
        (
            "cut",
            |sock| {
                send(sock, chunk("partial").as_bytes());
            },
            "partial",
        ),
        (
            "malformed",
            |sock| {
                send(
                    sock,
                    (chunk("partial") + "data: {\"choices\": [broken\n\n").as_bytes(),
                );
            },
            "partial",
        ),
        (
            "upstream",
            |sock| {
                send(
                    sock,
                    (chunk("partial")
                        + "data: {\"error\":{\"message\":\"overloaded mid-stream\"}}\n\n")
                        .as_bytes(),
                );
            },
            "partial",
        ),
    ];
    for (kind, body, kept) in cases {
        let server = gateway(move |_, sock| {
            stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
            body(sock);
        });
        let run = ask_json(&server, &[]);
        assert_eq!(run.code(), 1, "{kind}");
        let r = run.json();
        assert_eq!(r["error_kind"], kind, "{r}");
        assert_eq!(r["text"], kept, "{kind}");
    }
}

#[test]
fn absurd_header_values_are_survived() {
    let long = "v".repeat(60_000);
    let server = gateway(move |_, sock| {
        stream_head(
            sock,
            "200 OK",
            &[
                ("content-type", "text/event-stream"),
                ("x-litellm-response-cost", "NaN"),
                ("x-litellm-attempted-fallbacks", "-1"),
                ("x-generation-id", &long),
            ],
        );
        send(sock, (chunk("ok") + &finish()).as_bytes());
    });
    let run = ask_json(&server, &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["text"], "ok");
    assert!(r["gateway_fallbacks"].is_null());
    assert_ne!(r["cost_source"], "gateway", "a NaN cost is no cost: {r}");
}

/// Peak resident memory (VmHWM) of a run, read from /proc until it exits.
fn peak_rss_kib(child: Child, secs: u64) -> (u64, Run) {
    let pid = child.id();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let p = peak.clone();
    let watcher = std::thread::spawn(move || {
        while let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                p.fetch_max(kib, std::sync::atomic::Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let run = finish_within(child, secs);
    watcher.join().unwrap();
    (peak.load(std::sync::atomic::Ordering::SeqCst), run)
}

#[test]
fn memory_stays_flat_against_a_gigabyte_body_or_line() {
    let error_body = gateway(move |_, sock| {
        stream_head(sock, "502 Bad Gateway", &[("content-type", "text/plain")]);
        flood(sock, 1024);
    });
    let line = gateway(move |_, sock| {
        stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
        send(sock, b"data: ");
        flood(sock, 1024);
    });
    for (what, server) in [("1 GiB error body", &error_body), ("1 GiB SSE line", &line)] {
        let home = tempfile::tempdir().unwrap();
        let child = gatebench(&server.url, &home, &["ask", "--json", "-m", "m", "hi"]);
        let (peak, run) = peak_rss_kib(child, 60);
        run.assert_no_key();
        assert_eq!(run.code(), 1, "{what}");
        eprintln!("{what}: peak RSS {} MiB", peak / 1024);
        assert!(peak > 0 && peak < 64 * 1024, "{what}: peak RSS {peak} KiB");
    }
}

#[test]
fn a_key_echoed_in_an_answer_or_a_tool_call_is_never_shown() {
    let server = raw::serve(|req, sock| {
        if req.path.ends_with("/models") {
            return raw::models(sock);
        }
        let key = req
            .head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
            .and_then(|l| l.rsplit(' ').next())
            .unwrap_or("")
            .trim()
            .to_string();
        stream_head(sock, "200 OK", &[("content-type", "text/event-stream")]);
        // A tool call whose arguments carry the key, split across chunks, then text that does.
        let (a, b) = key.split_at(key.len() / 2);
        let call = |first: bool, args: &str| {
            let head = if first {
                r#""id":"c1","type":"function","function":{"name":"f","arguments":"#.to_string()
            } else {
                r#""function":{"arguments":"#.to_string()
            };
            let args = serde_json::to_string(args).unwrap();
            format!(
                "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"tool_calls\":[{{\"index\":0,{head}{args}}}}}]}}}}]}}\n\n"
            )
        };
        let body = call(true, &format!("{{\"k\":\"{a}"))
            + &call(false, &format!("{b}\"}}"))
            + &chunk(&format!("echo {key}"))
            + &finish();
        send(sock, body.as_bytes());
    });
    let home = tempfile::tempdir().unwrap();
    let tools = home.path().join("t.json");
    std::fs::write(
        &tools,
        r#"[{"name": "f", "parameters": {"type": "object"}}]"#,
    )
    .unwrap();
    let stubs = home.path().join("s.json");
    std::fs::write(&stubs, r#"{"f": "ok"}"#).unwrap();
    let t = tools.display().to_string();
    let s = stubs.display().to_string();
    let run = ask_json(
        &server,
        &["--tools", &t, "--tool-stubs", &s, "--max-steps", "1"],
    );
    run.assert_no_key();
    let v = run.json();
    assert!(
        v["steps"][0]["tool_calls"][0]["arguments"]
            .as_str()
            .unwrap()
            .contains("****"),
        "{v}"
    );
    assert!(v["text"].as_str().unwrap().contains("echo ****"), "{v}");
    assert_eq!(v["stopped"], "step_limit", "{v}");
}
