//! The demo gateway's streaming writer: sends a script's SSE events on schedule, with its faults,
//! and records when the first answer token and the last byte went to the socket.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::models::Fault;
use super::script::{Ask, Script};
use super::wire::{Shape, Writer};

/// When the server handed the first answer token and the last byte of a stream to the socket:
/// the reference that client-side timings are checked against.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Trace {
    pub request: u64,
    /// The client's `x-request-id` header, when it sent one.
    pub request_id: Option<String>,
    pub model: String,
    /// Unix time in nanoseconds.
    pub first_content_ns: Option<u128>,
    pub last_byte_ns: Option<u128>,
    #[serde(skip)]
    pub first_content_at: Option<std::time::Instant>,
    #[serde(skip)]
    pub last_byte_at: Option<std::time::Instant>,
}

type Frame = Result<Bytes, std::io::Error>;

/// The most streams `/demo/trace` remembers.
pub const MAX_TRACE: usize = 1_000_000;

pub fn stream_response(
    shape: Shape,
    traces: Arc<Mutex<Vec<Trace>>>,
    ask: Ask,
    s: Script,
    fault: Fault,
    n: u64,
    request_id: Option<String>,
) -> Response {
    let (tx, mut rx) = mpsc::channel::<Frame>(32);
    tokio::spawn(async move {
        let mut trace = Trace {
            request: n,
            request_id,
            model: ask.model.id.to_string(),
            first_content_ns: None,
            last_byte_ns: None,
            first_content_at: None,
            last_byte_at: None,
        };
        produce(shape, ask, s, fault, n, tx, &mut trace).await;
        if let Ok(mut t) = traces.lock() {
            // A gateway left running under load keeps the newest half when the trace is full.
            if t.len() >= MAX_TRACE {
                t.drain(..MAX_TRACE / 2);
            }
            t.push(trace);
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// One streamed piece of a script: a reasoning or answer token, or a part of a tool call.
enum Piece<'a> {
    Token(bool, &'a String),
    Tool(&'a super::tools::ToolPart),
}

/// Writes the SSE stream on schedule. Tokens that are already due go out together in one write,
/// so a fast speed setting sends as fast as the socket takes it.
async fn produce(
    shape: Shape,
    ask: Ask,
    s: Script,
    fault: Fault,
    n: u64,
    tx: mpsc::Sender<Frame>,
    trace: &mut Trace,
) {
    let w = Writer::new(shape, n, ask.model.id);
    let hang = |tx: mpsc::Sender<Frame>| async move { tx.closed().await };
    if fault == Fault::Filter {
        let _ = tx.send(Ok(Bytes::from(w.filtered()))).await;
        return;
    }
    if fault == Fault::HangFirst {
        return hang(tx).await;
    }
    let start = Instant::now();
    let mut due = start + s.first_delay;
    tokio::time::sleep_until(due).await;
    let mut buf = w.start();
    let mut has_content = false;
    let pieces = s
        .reasoning
        .iter()
        .map(|t| Piece::Token(true, t))
        .chain(s.answer.iter().map(|t| Piece::Token(false, t)))
        .chain(s.tool_parts.iter().map(Piece::Tool));
    for (i, (piece, gap)) in pieces.zip(&s.gaps).enumerate() {
        due += *gap;
        if due > Instant::now() {
            if !flush(&tx, &mut buf, trace, has_content).await {
                return;
            }
            tokio::time::sleep_until(due).await;
        }
        match fault {
            Fault::Cut(k) if i == k => {
                // The body ends cleanly but early: no finish_reason, no usage, no [DONE].
                let _ = tx.send(Ok(Bytes::from(buf))).await;
                return;
            }
            Fault::Drop(k) if i == k => {
                // A transport-level abort: the chunked body never terminates properly.
                let _ = tx.send(Ok(Bytes::from(buf))).await;
                let _ = tx
                    .send(Err(std::io::Error::other("demo fault: connection dropped")))
                    .await;
                return;
            }
            Fault::Hang(k) if i == k => {
                let _ = tx.send(Ok(Bytes::from(buf))).await;
                return hang(tx).await;
            }
            Fault::ErrorMidStream(k) if i == k => {
                buf.push_str(&w.error());
                let _ = tx.send(Ok(Bytes::from(buf))).await;
                return;
            }
            Fault::Malformed(k) if i == k => {
                buf.push_str("data: {\"choices\":[{\"delta\":{\"content\": broken\n\n");
            }
            _ => {}
        }
        match piece {
            Piece::Token(reasoning, tok) => {
                buf.push_str(&w.token(reasoning, tok));
                has_content |= !reasoning;
            }
            Piece::Tool(part) => {
                buf.push_str(&w.tool(part));
                has_content = true;
            }
        }
        if buf.len() > 64 * 1024 && !flush(&tx, &mut buf, trace, has_content).await {
            return;
        }
    }
    buf.push_str(&w.end(&ask, &s));
    if tx.send(Ok(Bytes::from(buf))).await.is_ok() {
        trace.sent(has_content);
    }
}

/// Hand the buffered events to the socket; false when the client has gone.
async fn flush(
    tx: &mpsc::Sender<Frame>,
    buf: &mut String,
    trace: &mut Trace,
    content: bool,
) -> bool {
    if buf.is_empty() {
        return true;
    }
    if tx.send(Ok(Bytes::from(std::mem::take(buf)))).await.is_err() {
        return false;
    }
    trace.sent(content);
    true
}

impl Trace {
    /// A write just went out; `content` tells whether any answer token has been written so far.
    fn sent(&mut self, content: bool) {
        let at = std::time::Instant::now();
        let ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .ok();
        if content && self.first_content_at.is_none() {
            self.first_content_at = Some(at);
            self.first_content_ns = ns;
        }
        self.last_byte_at = Some(at);
        self.last_byte_ns = ns;
    }
}
