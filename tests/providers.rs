//! Providers' documented wire formats, replayed by a tiny loopback HTTP server at random splits,
//! through the real client: text, reasoning, tool calls, usage and errors must come out right.

use gatebench::gateway::wire::{ChatRequest, Message};
use gatebench::gateway::{Api, Client, Endpoint, Timeouts};
use gatebench::rng::SplitMix64;
use gatebench::run;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/providers");

/// Serves one request: reads it whole, then writes `body` as an SSE response in random pieces.
async fn replay(body: Vec<u8>, seed: u64) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        sock.set_nodelay(true).unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        // Headers, then as many body bytes as Content-Length says.
        let (head_end, len) = loop {
            let n = sock.read(&mut buf).await.unwrap();
            req.extend_from_slice(&buf[..n]);
            if let Some(p) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&req[..p]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (p + 4, len);
            }
        };
        while req.len() < head_end + len {
            let n = sock.read(&mut buf).await.unwrap();
            req.extend_from_slice(&buf[..n]);
        }
        sock.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n",
        )
        .await
        .unwrap();
        let mut rng = SplitMix64::new(seed);
        let mut rest = &body[..];
        while !rest.is_empty() {
            let n = (1 + rng.below(48)).min(rest.len());
            sock.write_all(&rest[..n]).await.unwrap();
            sock.flush().await.unwrap();
            rest = &rest[n..];
        }
        let _ = sock.shutdown().await;
    });
    format!("http://{addr}/v1")
}

#[tokio::test]
async fn every_provider_format_decodes_at_any_split() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/expected.json")).unwrap())
            .unwrap();
    let expected = expected.as_object().unwrap();
    assert!(expected.len() >= 10);
    for (file, want) in expected {
        let body = std::fs::read(format!("{DIR}/{file}")).unwrap();
        let api = Api::parse(want["api"].as_str().unwrap()).unwrap();
        for seed in 0..6 {
            let url = replay(body.clone(), seed).await;
            let client = Client::new(Endpoint {
                base_url: url,
                api_key: None,
                key_env: None,
                headers: vec![],
                timeouts: Timeouts::default(),
                api,
            })
            .unwrap();
            let req = ChatRequest {
                model: "m".into(),
                messages: vec![Message::new("user", "hi")],
                ..Default::default()
            };
            let o = run::stream(&client, req, CancellationToken::new(), |_| {}).await;
            let c = &o.collector;
            let ctx = format!("{file} (split seed {seed})");
            assert_eq!(c.text, want["text"].as_str().unwrap(), "{ctx}");
            assert_eq!(c.reasoning, want["reasoning"].as_str().unwrap(), "{ctx}");
            match want.get("error").and_then(Value::as_str) {
                Some(kind) => {
                    let e = o
                        .error
                        .as_ref()
                        .unwrap_or_else(|| panic!("{ctx}: expected an error"));
                    assert_eq!(e.kind(), kind, "{ctx}: {e}");
                    assert!(
                        e.to_string().contains(want["error_text"].as_str().unwrap()),
                        "{ctx}: {e}"
                    );
                }
                None => {
                    assert!(o.error.is_none(), "{ctx}: {:?}", o.error);
                    assert_eq!(c.finish_reason.as_deref(), want["finish"].as_str(), "{ctx}");
                }
            }
            match want["usage"].as_array() {
                Some(u) => {
                    let got = c.usage.unwrap_or_else(|| panic!("{ctx}: no usage"));
                    let n = |i: usize| u[i].as_u64().unwrap();
                    assert_eq!(
                        (
                            got.input_tokens,
                            got.output_tokens,
                            got.cached_input_tokens,
                            got.reasoning_tokens
                        ),
                        (n(0), n(1), n(2), n(3)),
                        "{ctx}"
                    );
                    assert_eq!(got.cost_usd, want["cost"].as_f64(), "{ctx}");
                }
                None => assert!(c.usage.is_none(), "{ctx}"),
            }
            let tools: Vec<(String, String)> = c
                .tool_calls
                .iter()
                .map(|t| (t.name.clone(), t.arguments.clone()))
                .collect();
            let want_tools: Vec<(String, String)> = want
                .get("tools")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|t| {
                            (
                                t[0].as_str().unwrap().to_string(),
                                t[1].as_str().unwrap().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(tools, want_tools, "{ctx}");
            if want.get("timings").is_some() {
                assert!(c.llama_timings.is_some(), "{ctx}");
            }
        }
    }
}
