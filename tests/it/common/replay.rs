//! A tiny loopback HTTP server that answers one request with recorded SSE bytes, written in random
//! pieces, so recorded streams go through the real client and its stream decoder at any split.

use gatebench::gateway::wire::{ChatRequest, Message};
use gatebench::gateway::{Api, Client, Endpoint, Timeouts};
use gatebench::rng::SplitMix64;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves one request: reads it whole, then writes `body` as an SSE response in random pieces.
pub async fn replay(body: Vec<u8>, seed: u64) -> String {
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

/// A client for the replay server at `url`.
pub fn client(url: String, api: Api) -> Client {
    client_with(url, api, Timeouts::default())
}

/// A client for a loopback server at `url`, with these timeouts and no key.
pub fn client_with(url: String, api: Api, timeouts: Timeouts) -> Client {
    Client::new(Endpoint {
        base_url: url,
        api_key: None,
        key_env: None,
        headers: vec![],
        key_header: None,
        timeouts,
        limits: Default::default(),
        api,
    })
    .unwrap()
}

pub fn request() -> ChatRequest {
    ChatRequest {
        model: "m".into(),
        messages: vec![Message::user("hi")],
        ..Default::default()
    }
}
