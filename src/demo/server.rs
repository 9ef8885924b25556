// Handlers return ready error responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::models::{Fault, FaultSpec, SimModel, catalogue, parse_fault};
use super::text;
use crate::rng::SplitMix64;

/// The demo gateway's key. Not a secret: it only opens a simulator on loopback.
pub const DEMO_KEY: &str = "gatebench-demo-key";

#[derive(Debug, Clone)]
pub struct DemoConfig {
    pub seed: u64,
    /// Divides every delay: 10 runs ten times faster with the same shape; `inf` sends at once.
    pub speed: f64,
    pub key: String,
    pub port: u16,
    /// Fault overrides by model id (from flags, env or the config).
    pub faults: HashMap<String, FaultSpec>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            speed: 1.0,
            key: DEMO_KEY.to_string(),
            port: 0,
            faults: HashMap::new(),
        }
    }
}

struct Shared {
    cfg: DemoConfig,
    models: Vec<SimModel>,
    requests: Mutex<HashMap<String, u64>>,
    trace: Mutex<Vec<Trace>>,
    /// Requests and tokens in the current one-minute window, for `x-ratelimit-*` headers.
    window: Mutex<(Instant, u64, u64)>,
}

/// The demo key's limits per minute, reported the way OpenAI does.
const LIMIT_REQUESTS: u64 = 500;
const LIMIT_TOKENS: u64 = 200_000;

impl Shared {
    /// Count a request of `tokens` and return the rate-limit headers to send with its answer.
    fn rate_limit_headers(&self, tokens: u64) -> Vec<(&'static str, String)> {
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if now.duration_since(w.0) >= Duration::from_secs(60) {
            *w = (now, 0, 0);
        }
        w.1 += 1;
        w.2 += tokens;
        let reset = Duration::from_secs(60).saturating_sub(now.duration_since(w.0));
        let go = format!("{}s", reset.as_secs());
        vec![
            ("x-ratelimit-limit-requests", LIMIT_REQUESTS.to_string()),
            (
                "x-ratelimit-remaining-requests",
                LIMIT_REQUESTS.saturating_sub(w.1).to_string(),
            ),
            ("x-ratelimit-reset-requests", go.clone()),
            ("x-ratelimit-limit-tokens", LIMIT_TOKENS.to_string()),
            (
                "x-ratelimit-remaining-tokens",
                LIMIT_TOKENS.saturating_sub(w.2).to_string(),
            ),
            ("x-ratelimit-reset-tokens", go),
        ]
    }
}

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

/// A running demo gateway; dropping it stops the server.
pub struct DemoHandle {
    pub addr: SocketAddr,
    pub base_url: String,
    pub key: String,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
}

impl DemoHandle {
    /// Requests received per model (every one, including those answered with an error).
    pub fn request_counts(&self) -> HashMap<String, u64> {
        self.shared
            .requests
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Send times of every streamed request so far.
    pub fn trace(&self) -> Vec<Trace> {
        self.shared
            .trace
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default()
    }

    pub fn stop(&self) {
        self.shutdown.cancel();
    }
}

impl Drop for DemoHandle {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Bind on 127.0.0.1 (port 0 picks a free one) and serve in the background of the current runtime.
pub async fn spawn(cfg: DemoConfig) -> std::io::Result<DemoHandle> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", cfg.port)).await?;
    let addr = listener.local_addr()?;
    let mut models = catalogue();
    for m in &mut models {
        if let Some(f) = cfg.faults.get(m.id) {
            m.faults = f.clone();
        }
    }
    let key = cfg.key.clone();
    let shared = Arc::new(Shared {
        cfg,
        models,
        requests: Mutex::new(HashMap::new()),
        trace: Mutex::new(Vec::new()),
        window: Mutex::new((Instant::now(), 0, 0)),
    });
    let app = Router::new()
        .route("/v1/models", get(list_models))
        .route("/v1/chat/completions", post(chat))
        .route("/demo/stats", get(stats))
        .route("/demo/trace", get(trace))
        .route("/health", get(|| async { "ok" }))
        .with_state(shared.clone());
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
    });
    Ok(DemoHandle {
        addr,
        base_url: format!("http://{addr}/v1"),
        key,
        shared,
        shutdown,
    })
}

fn error(status: StatusCode, message: &str, kind: &str, code: Option<&str>) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    (status, axum::Json(body)).into_response()
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let got = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match got {
        Some(k) if k == shared.cfg.key => Ok(()),
        Some(_) => Err(error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided. The demo gateway prints its key when it starts.",
            "invalid_request_error",
            Some("invalid_api_key"),
        )),
        None => Err(error(
            StatusCode::UNAUTHORIZED,
            "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'.",
            "invalid_request_error",
            Some("missing_api_key"),
        )),
    }
}

/// Per-token price as OpenRouter writes it: a decimal string, no exponent.
fn per_token(per_mtok: f64) -> String {
    let s = format!("{:.12}", per_mtok / 1_000_000.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() { "0".into() } else { s.into() }
}

async fn list_models(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(r) = authorized(&shared, &headers) {
        return r;
    }
    let data: Vec<Value> = shared
        .models
        .iter()
        .map(|m| {
            let mut pricing = json!({
                "prompt": per_token(m.input_per_mtok),
                "completion": per_token(m.output_per_mtok),
            });
            if let Some(c) = m.cached_input_per_mtok {
                pricing["input_cache_read"] = json!(per_token(c));
            }
            json!({
                "id": m.id,
                "object": "model",
                "created": 1_735_689_600,
                "owned_by": "gatebench-demo",
                "name": m.name,
                "description": m.description,
                "context_length": m.context_length,
                "pricing": pricing,
            })
        })
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let requests = shared
        .requests
        .lock()
        .map(|m| m.clone())
        .unwrap_or_default();
    axum::Json(json!({ "requests": requests })).into_response()
}

async fn trace(State(shared): State<Arc<Shared>>) -> Response {
    let t = shared.trace.lock().map(|t| t.clone()).unwrap_or_default();
    axum::Json(json!({ "streams": t })).into_response()
}

/// The parts of a chat request the simulator uses.
struct Ask {
    model: SimModel,
    prompt: String,
    prompt_tokens: usize,
    max_tokens: Option<usize>,
    stream: bool,
    include_usage: bool,
}

fn message_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        // Content parts: [{"type":"text","text":...}, ...]
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn parse_ask(shared: &Shared, body: &[u8]) -> Result<Ask, Response> {
    let bad = |m: &str| error(StatusCode::BAD_REQUEST, m, "invalid_request_error", None);
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| bad(&format!("The request body is not valid JSON: {e}")))?;
    let model_id = v
        .get("model")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Missing required parameter: 'model'."))?;
    let model = shared
        .models
        .iter()
        .find(|m| m.id == model_id)
        .cloned()
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                &format!("The model `{model_id}` does not exist or you do not have access to it."),
                "invalid_request_error",
                Some("model_not_found"),
            )
        })?;
    let messages = v
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| bad("Missing required parameter: 'messages'."))?;
    let texts: Vec<String> = messages
        .iter()
        .map(|m| message_text(m.get("content").unwrap_or(&Value::Null)))
        .collect();
    let prompt_tokens = texts.iter().map(|t| text::count_tokens(t) + 4).sum();
    // The answer follows the last user message; earlier turns only count as input.
    let prompt = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| message_text(m.get("content").unwrap_or(&Value::Null)))
        .unwrap_or_default();
    let max_tokens = v
        .get("max_completion_tokens")
        .or_else(|| v.get("max_tokens"))
        .and_then(Value::as_u64)
        .map(|n| n as usize);
    let stream = v.get("stream").and_then(Value::as_bool).unwrap_or(false);
    let include_usage = v
        .pointer("/stream_options/include_usage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Ask {
        model,
        prompt,
        prompt_tokens,
        max_tokens,
        stream,
        include_usage,
    })
}

/// `[[NAME=N]]` in the prompt: `tokens` asks for an answer of about N tokens, `tps` for N tokens
/// a second. Handy for long-response tests and benchmarks.
fn directive(prompt: &str, name: &str) -> Option<f64> {
    let open = format!("[[{name}=");
    let start = prompt.find(&open)? + open.len();
    let end = prompt[start..].find("]]")? + start;
    prompt[start..end]
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| *v > 0.0)
}

/// Everything the stream will say, decided up front from the seed.
struct Script {
    reasoning: Vec<String>,
    answer: Vec<String>,
    finish_reason: &'static str,
    /// Delay before the first token, then before each following token.
    first_delay: Duration,
    gaps: Vec<Duration>,
}

fn script(shared: &Shared, ask: &Ask) -> Script {
    let m = &ask.model;
    let seed = shared.cfg.seed.to_le_bytes();
    let mut rng = SplitMix64::from_parts(&[&seed, m.id.as_bytes(), ask.prompt.as_bytes()]);
    let natural = (m.answer_tokens as f64 * (0.7 + 0.6 * rng.next_f64())) as usize;
    let want_answer = directive(&ask.prompt, "tokens")
        .map_or(natural, |n| n as usize)
        .max(1);
    let want_reasoning = if m.reasoning_tokens > 0 {
        (m.reasoning_tokens as f64 * (0.7 + 0.6 * rng.next_f64())) as usize
    } else {
        0
    };
    // Generated text ends at a natural boundary (a little past the wanted length); only
    // `max_tokens` cuts it short, with finish_reason "length" as real servers do.
    let tokens = |text: String| -> Vec<String> {
        text::tokenize(&text)
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    let mut reasoning = if want_reasoning > 0 {
        tokens(text::reasoning(&mut rng, &ask.prompt, want_reasoning))
    } else {
        Vec::new()
    };
    let mut answer = tokens(text::answer(&mut rng, &ask.prompt, want_answer));
    let budget = ask.max_tokens.unwrap_or(usize::MAX);
    let full = reasoning.len() + answer.len();
    reasoning.truncate(budget);
    answer.truncate(budget - reasoning.len());
    let finish_reason = if reasoning.len() + answer.len() < full {
        "length"
    } else {
        "stop"
    };

    let speed = shared.cfg.speed;
    let scale = |ms: f64, rng: &mut SplitMix64| {
        let j = 1.0 + m.jitter * (2.0 * rng.next_f64() - 1.0);
        let ms = (ms * j / speed).max(0.0);
        if ms.is_finite() {
            Duration::from_secs_f64(ms / 1000.0)
        } else {
            Duration::ZERO
        }
    };
    let drip = if m.faults.drip_factor > 0.0 {
        m.faults.drip_factor
    } else {
        1.0
    };
    let first_delay = scale(m.ttft_ms, &mut rng)
        + Duration::from_secs_f64(m.faults.stall_first_ms as f64 / 1000.0 / speed);
    let tps = directive(&ask.prompt, "tps").unwrap_or(m.tokens_per_s);
    let per_token_ms = 1000.0 / tps * drip;
    let total = reasoning.len() + answer.len();
    let gaps = (0..total)
        .map(|i| {
            let mut g = if i == 0 {
                Duration::ZERO
            } else {
                scale(per_token_ms, &mut rng)
            };
            if m.faults.stall_mid_ms > 0 && i == m.faults.stall_after_tokens && i > 0 {
                g += Duration::from_secs_f64(m.faults.stall_mid_ms as f64 / 1000.0 / speed);
            }
            g
        })
        .collect();
    Script {
        reasoning,
        answer,
        finish_reason,
        first_delay,
        gaps,
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn usage_json(ask: &Ask, s: &Script) -> Value {
    let completion = s.reasoning.len() + s.answer.len();
    json!({
        "prompt_tokens": ask.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": ask.prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": s.reasoning.len()},
    })
}

async fn chat(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut tokens = 0;
    let mut r = chat_inner(&shared, headers, body, &mut tokens).await;
    if r.status().is_success() || r.status() == StatusCode::TOO_MANY_REQUESTS {
        for (k, v) in shared.rate_limit_headers(tokens) {
            if let Ok(v) = HeaderValue::from_str(&v) {
                r.headers_mut().insert(k, v);
            }
        }
    }
    r
}

async fn chat_inner(
    shared: &Arc<Shared>,
    headers: HeaderMap,
    body: Bytes,
    tokens: &mut u64,
) -> Response {
    if let Err(r) = authorized(shared, &headers) {
        return r;
    }
    let ask = match parse_ask(shared, &body) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let n = {
        let mut map = shared.requests.lock().unwrap_or_else(|e| e.into_inner());
        let c = map.entry(ask.model.id.to_string()).or_insert(0);
        *c += 1;
        *c
    };
    let fault = match headers.get("x-demo-fault").and_then(|v| v.to_str().ok()) {
        Some(h) => match parse_fault(h, None) {
            Some(f) => f,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("unknown x-demo-fault {h:?}"),
                    "invalid_request_error",
                    None,
                );
            }
        },
        None => {
            let seed = shared.cfg.seed.to_le_bytes();
            let mut rng =
                SplitMix64::from_parts(&[&seed, ask.model.id.as_bytes(), &n.to_le_bytes()]);
            ask.model.faults.draw(&mut rng)
        }
    };
    if ask.prompt_tokens as u64 > ask.model.context_length {
        return error(
            StatusCode::BAD_REQUEST,
            &format!(
                "This model's maximum context length is {} tokens. However, your messages resulted in {} tokens.",
                ask.model.context_length, ask.prompt_tokens
            ),
            "invalid_request_error",
            Some("context_length_exceeded"),
        );
    }
    if let Fault::Status(code, retry_after) = fault {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (msg, kind) = match code {
            429 => (
                "Rate limit reached for this model. Please retry later.",
                "rate_limit_error",
            ),
            503 => (
                "The model is overloaded. Please try again later.",
                "server_error",
            ),
            _ => (
                "The server had an error while processing your request.",
                "server_error",
            ),
        };
        let mut r = error(status, msg, kind, None);
        if let Some(s) = retry_after {
            if let Ok(v) = HeaderValue::from_str(&format!("{}", s.ceil() as u64)) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            if let Ok(v) = HeaderValue::from_str(&format!("{}", (s * 1000.0).round() as u64)) {
                r.headers_mut().insert("retry-after-ms", v);
            }
        }
        return r;
    }
    let s = script(shared, &ask);
    *tokens = (ask.prompt_tokens + s.reasoning.len() + s.answer.len()) as u64;
    if ask.stream {
        let request_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        stream_response(shared.clone(), ask, s, fault, n, request_id)
    } else {
        let total: Duration = s.first_delay + s.gaps.iter().sum::<Duration>();
        if fault == Fault::HangFirst {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(total).await;
        let mut message = json!({"role": "assistant", "content": s.answer.concat()});
        if !s.reasoning.is_empty() {
            message["reasoning_content"] = json!(s.reasoning.concat());
        }
        axum::Json(json!({
            "id": format!("chatcmpl-demo-{n}"),
            "object": "chat.completion",
            "created": unix_now(),
            "model": ask.model.id,
            "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": s.finish_reason}],
            "usage": usage_json(&ask, &s),
        }))
        .into_response()
    }
}

type Frame = Result<Bytes, std::io::Error>;

fn stream_response(
    shared: Arc<Shared>,
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
        produce(ask, s, fault, n, tx, &mut trace).await;
        if let Ok(mut t) = shared.trace.lock() {
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

/// Writes the SSE stream on schedule. Tokens that are already due go out together in one write,
/// so a fast speed setting sends as fast as the socket takes it.
async fn produce(
    ask: Ask,
    s: Script,
    fault: Fault,
    n: u64,
    tx: mpsc::Sender<Frame>,
    trace: &mut Trace,
) {
    let id = format!("chatcmpl-demo-{n}");
    let created = unix_now();
    let model = ask.model.id;
    let chunk = |delta: Value, finish: Option<&str>| -> String {
        let v = json!({
            "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "system_fingerprint": null,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
            "usage": null,
        });
        format!("data: {v}\n\n")
    };
    let hang = |tx: mpsc::Sender<Frame>| async move { tx.closed().await };
    if fault == Fault::Filter {
        let mut buf = chunk(json!({"role": "assistant", "content": ""}), None);
        buf.push_str(&chunk(json!({}), Some("content_filter")));
        buf.push_str("data: [DONE]\n\n");
        let _ = tx.send(Ok(Bytes::from(buf))).await;
        return;
    }
    if fault == Fault::HangFirst {
        return hang(tx).await;
    }
    let start = Instant::now();
    let mut due = start + s.first_delay;
    tokio::time::sleep_until(due).await;
    let mut buf = chunk(json!({"role": "assistant", "content": ""}), None);
    let mut has_content = false;
    let tokens = s
        .reasoning
        .iter()
        .map(|t| ("reasoning_content", t))
        .chain(s.answer.iter().map(|t| ("content", t)));
    for (i, ((field, tok), gap)) in tokens.zip(&s.gaps).enumerate() {
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
                buf.push_str(
                    "data: {\"error\":{\"message\":\"The server had an error while streaming. Please retry.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
                );
                let _ = tx.send(Ok(Bytes::from(buf))).await;
                return;
            }
            Fault::Malformed(k) if i == k => {
                buf.push_str("data: {\"choices\":[{\"delta\":{\"content\": broken\n\n");
            }
            _ => {}
        }
        buf.push_str(&chunk(json!({ field: tok }), None));
        has_content |= field == "content";
        if buf.len() > 64 * 1024 && !flush(&tx, &mut buf, trace, has_content).await {
            return;
        }
    }
    buf.push_str(&chunk(json!({}), Some(s.finish_reason)));
    if ask.include_usage {
        let v = json!({
            "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "system_fingerprint": null, "choices": [], "usage": usage_json(&ask, &s),
        });
        buf.push_str(&format!("data: {v}\n\n"));
    }
    buf.push_str("data: [DONE]\n\n");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_token_prices() {
        assert_eq!(per_token(0.15), "0.00000015");
        assert_eq!(per_token(10.0), "0.00001");
        assert_eq!(per_token(0.0), "0");
    }

    #[test]
    fn directives() {
        assert_eq!(
            directive("write [[tokens=20000]] please", "tokens"),
            Some(20000.0)
        );
        assert_eq!(directive("[[tps=200]] x [[tokens=5]]", "tps"), Some(200.0));
        assert_eq!(directive("nothing", "tokens"), None);
        assert_eq!(directive("[[tokens=-3]]", "tokens"), None);
    }
}
