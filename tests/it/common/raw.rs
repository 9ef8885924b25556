//! A raw TCP "gateway" for hostile-server tests: each connection's request is read (head and body)
//! and handed to a handler that writes whatever bytes it likes, as slowly or as much as it likes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub head: String,
}

pub struct RawServer {
    pub url: String,
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

type Handler = dyn Fn(&Seen, &mut TcpStream) + Send + Sync;

/// Serve on 127.0.0.1 (a free port) until the test process ends.
pub fn serve(handler: impl Fn(&Seen, &mut TcpStream) + Send + Sync + 'static) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<Handler> = Arc::new(handler);
    let log = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut sock) = conn else { continue };
            let (handler, log) = (handler.clone(), log.clone());
            std::thread::spawn(move || {
                // One request per connection: the answer ends when the connection does.
                if let Some(req) = read_request(&mut sock) {
                    log.lock().unwrap().push(req.clone());
                    handler(&req, &mut sock);
                }
                let _ = sock.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    RawServer {
        url: format!("http://127.0.0.1:{port}/v1"),
        port,
        seen,
    }
}

fn read_request(sock: &mut TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(sock.try_clone().ok()?);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(str::to_string)
        })
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let first = head.lines().next().unwrap_or("").to_string();
    // "POST /v1/chat/completions HTTP/1.1": the path is the second word.
    Some(Seen {
        path: first.split_whitespace().nth(1).unwrap_or("").to_string(),
        head,
    })
}

/// Write and ignore failures (the client may hang up: that is often the point).
pub fn send(sock: &mut TcpStream, bytes: &[u8]) -> bool {
    sock.write_all(bytes).and_then(|_| sock.flush()).is_ok()
}

/// A whole HTTP/1.1 response with a body.
pub fn respond(sock: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    send(sock, head.as_bytes());
    send(sock, body);
}

/// The head of a streamed (close-delimited) response; the body follows with `send`.
pub fn stream_head(sock: &mut TcpStream, status: &str, headers: &[(&str, &str)]) {
    let mut head = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    send(sock, head.as_bytes());
}

/// A model list with one model, `m`.
pub fn models(sock: &mut TcpStream) {
    respond(
        sock,
        "200 OK",
        &[("content-type", "application/json")],
        br#"{"object":"list","data":[{"id":"m","object":"model"}]}"#,
    );
}

/// One SSE chunk carrying `content`.
pub fn chunk(content: &str) -> String {
    let v = serde_json::json!({"choices":[{"index":0,"delta":{"content":content},"finish_reason":null}]});
    format!("data: {v}\n\n")
}

/// The end of a good stream: finish reason, usage, [DONE].
pub fn finish() -> String {
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n".to_string()
}

/// Write `mib` MiB of filler, 64 KiB at a time, until done or the client hangs up.
pub fn flood(sock: &mut TcpStream, mib: usize) {
    let block = vec![b'z'; 1 << 16];
    for _ in 0..(mib << 4) {
        if !send(sock, &block) {
            return;
        }
    }
}
