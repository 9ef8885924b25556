// Handlers return ready error responses; boxing them would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::account::DemoAccount;
use super::models::{Fault, FaultSpec, SimModel, catalogue, parse_fault};
use super::script::{
    ApiError, context_error, parse_ask, retry_headers, script, status_error, too_long, unix_now,
    whole_response,
};
pub use super::stream::Trace;

mod chat;
mod endpoints;
use super::stream::stream_response;
use super::wire::{Shape, responses_as_chat};
use crate::rng::SplitMix64;
use chat::chat_inner;

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
    /// The simulated account's trial credits: each answer's cost is taken off them, and a
    /// request once they are spent gets the 402 real gateways send.
    pub credits_usd: f64,
}

/// The demo account's trial credits.
pub const DEMO_CREDITS_USD: f64 = 20.0;

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            speed: 1.0,
            key: DEMO_KEY.to_string(),
            port: 0,
            faults: HashMap::new(),
            credits_usd: DEMO_CREDITS_USD,
        }
    }
}

struct Shared {
    cfg: DemoConfig,
    models: Vec<SimModel>,
    requests: Mutex<HashMap<String, u64>>,
    trace: Arc<Mutex<Vec<Trace>>>,
    /// Requests and tokens in the current one-minute window, for `x-ratelimit-*` headers.
    window: Mutex<(Instant, u64, u64)>,
    /// The simulated account: trial credits and what answers have cost.
    account: DemoAccount,
    /// Each answer's stats for `/v1/generation`.
    generations: super::generations::Generations,
    /// json_schema answers per model, for the model that gets one in ten wrong.
    json_answers: Mutex<HashMap<String, u64>>,
    /// Recently seen prompt prefixes, for `cached_tokens` and a shorter prefill.
    prefixes: Mutex<crate::demo::prefix::PrefixCache>,
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
    let cfg_credits = cfg.credits_usd;
    let shared = Arc::new(Shared {
        cfg,
        models,
        requests: Mutex::new(HashMap::new()),
        trace: Arc::new(Mutex::new(Vec::new())),
        window: Mutex::new((Instant::now(), 0, 0)),
        account: DemoAccount::new(cfg_credits),
        generations: Default::default(),
        json_answers: Mutex::new(HashMap::new()),
        prefixes: Mutex::default(),
    });
    let app = Router::new()
        .route("/v1/models", get(endpoints::list_models))
        .route("/v1/chat/completions", post(chat))
        .route("/v1/responses", post(responses))
        // Bodies are read by the handlers themselves, to answer 413 in OpenAI's shape.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .route("/v1/key", get(endpoints::account_key))
        .route("/v1/credits", get(endpoints::account_credits))
        .route("/key/info", get(endpoints::account_key_info))
        .route("/v1/generation", get(endpoints::generation))
        .route("/demo/stats", get(endpoints::stats))
        .route("/demo/trace", get(endpoints::trace))
        .route("/health", get(|| async { "ok" }))
        .with_state(shared.clone());
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    // Each token is its own small write: without TCP_NODELAY, Nagle holds the second one for the
    // client's delayed ACK (40 ms), which a real gateway does not add.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
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

fn error(
    status: StatusCode,
    message: &str,
    kind: &'static str,
    code: Option<&'static str>,
) -> Response {
    api_error(&ApiError::new(status.as_u16(), message, kind, code))
}

fn api_error(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(e.body())).into_response()
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

/// The largest request body the demo gateway reads.
pub const MAX_REQUEST_BYTES: usize = 32 << 20;

async fn chat(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    answer(&shared, headers, body, Shape::Chat).await
}

/// `/v1/responses`: the same simulated models, in the Responses API's shapes.
async fn responses(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    answer(&shared, headers, body, Shape::Responses).await
}

async fn answer(shared: &Arc<Shared>, headers: HeaderMap, body: Body, shape: Shape) -> Response {
    let body = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return api_error(&ApiError::new(
                413,
                &format!(
                    "The request body is larger than the demo gateway's limit of {} MiB.",
                    MAX_REQUEST_BYTES >> 20
                ),
                "invalid_request_error",
                Some("request_too_large"),
            ));
        }
    };
    let body = match shape {
        Shape::Chat => body,
        Shape::Responses => match serde_json::from_slice::<Value>(&body) {
            Ok(v) => Bytes::from(responses_as_chat(&v).to_string()),
            Err(e) => {
                return api_error(&ApiError::new(
                    400,
                    &format!("The request body is not valid JSON: {e}"),
                    "invalid_request_error",
                    None,
                ));
            }
        },
    };
    let mut tokens = 0;
    let mut r = chat_inner(shared, headers, body, shape, &mut tokens).await;
    if r.status().is_success() || r.status() == StatusCode::TOO_MANY_REQUESTS {
        for (k, v) in shared.rate_limit_headers(tokens) {
            if let Ok(v) = HeaderValue::from_str(&v) {
                r.headers_mut().insert(k, v);
            }
        }
    }
    r
}
