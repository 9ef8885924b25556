use std::collections::VecDeque;
use std::time::Instant;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::body::{decode_whole, error_body_message, read_capped};
use super::error::{GatewayError, TimeoutPhase, parse_retry_after};
use super::limits::{Limits, Timeouts, root_cause};
use super::responses::{self, Api};
use super::sse::SseParser;
use super::stream::ChatStream;
use super::wire::{ChatRequest, Chunk, ModelInfo, RawModelList, StreamOptions};
use crate::secret::Secret;

/// Where to send requests and how to authenticate.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub base_url: String,
    pub api_key: Option<Secret>,
    /// Named in error messages instead of the key itself.
    pub key_env: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The header the key goes in, as it is (Portkey's `x-portkey-api-key`); `None`:
    /// `Authorization: Bearer <key>`.
    pub key_header: Option<String>,
    pub timeouts: Timeouts,
    pub limits: Limits,
    /// Chat completions or the Responses API.
    pub api: Api,
}

#[derive(Clone)]
pub struct Client {
    pub(super) http: reqwest::Client,
    pub(super) endpoint: Endpoint,
}

/// A non-streaming answer.
#[derive(Debug, Clone)]
pub struct ChatOnce {
    pub status: u16,
    pub headers: HeaderMap,
    pub sent_at: Instant,
    pub done_at: Instant,
    pub chunk: Chunk,
}

/// How long an idle connection is kept for the next request.
const POOL_IDLE: std::time::Duration = std::time::Duration::from_secs(4);

/// The header the key goes in: the profile's `key_header`, else `Authorization`.
fn key_name(endpoint: &Endpoint) -> Result<HeaderName, GatewayError> {
    match &endpoint.key_header {
        Some(h) => HeaderName::from_bytes(h.as_bytes())
            .map_err(|_| GatewayError::Other(format!("invalid key header {h:?}"))),
        None => Ok(reqwest::header::AUTHORIZATION),
    }
}

/// The key as that header carries it (`Bearer KEY` in `Authorization`), marked sensitive.
fn key_value(endpoint: &Endpoint, key: &Secret) -> Result<HeaderValue, GatewayError> {
    let text = match &endpoint.key_header {
        Some(_) => key.expose().to_string(),
        None => format!("Bearer {}", key.expose()),
    };
    let mut v = HeaderValue::from_str(&text)
        .map_err(|_| GatewayError::Other("the API key has invalid characters".into()))?;
    v.set_sensitive(true);
    Ok(v)
}

impl Client {
    fn key_header_name(&self) -> HeaderName {
        key_name(&self.endpoint).unwrap_or(reqwest::header::AUTHORIZATION)
    }

    fn key_value(&self, key: &Secret) -> Result<HeaderValue, GatewayError> {
        key_value(&self.endpoint, key)
    }

    pub fn new(endpoint: Endpoint) -> Result<Self, GatewayError> {
        Self::build(endpoint, true)
    }

    /// The same client on a fresh connection per request: for probes, whose error answers some
    /// servers follow by closing a kept-alive connection the next request would reuse.
    pub fn unpooled(&self) -> Result<Self, GatewayError> {
        Self::build(self.endpoint.clone(), false)
    }

    fn build(endpoint: Endpoint, pool: bool) -> Result<Self, GatewayError> {
        let mut headers = HeaderMap::new();
        for (k, v) in &endpoint.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| GatewayError::Other(format!("invalid header name {k:?}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| GatewayError::Other(format!("invalid value for header {k:?}")))?;
            headers.insert(name, value);
        }
        if let Some(key) = &endpoint.api_key {
            headers.insert(key_name(&endpoint)?, key_value(&endpoint, key)?);
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("gatebench/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(endpoint.timeouts.connect)
            // The key goes to the configured origin only: a redirect is reported, never followed.
            .redirect(reqwest::redirect::Policy::none())
            // Nagle would batch small SSE writes and distort inter-token timing.
            .tcp_nodelay(true)
            .pool_max_idle_per_host(if pool { usize::MAX } else { 0 })
            // Servers close idle kept-alive connections (llama-server's cpp-httplib after 5 s): a
            // request written onto one as it closes fails. Dropping them first avoids the race.
            .pool_idle_timeout(POOL_IDLE)
            .build()
            .map_err(|e| GatewayError::Other(format!("cannot build HTTP client: {e}")))?;
        Ok(Self { http, endpoint })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{}", self.endpoint.base_url.trim_end_matches('/'), path)
    }

    pub async fn models(&self) -> Result<Vec<ModelInfo>, GatewayError> {
        self.models_inner().await.map_err(|e| self.scrub(e))
    }

    /// A GET's whole body, within the first-byte, idle and size budgets.
    async fn get_body(&self, url: &str) -> Result<Vec<u8>, GatewayError> {
        let cancel = CancellationToken::new();
        let resp = self
            .first_byte(self.send(self.http.get(url), url, &cancel))
            .await?;
        let resp = self.check_status(resp, url).await?;
        self.read_body(resp, url).await
    }

    async fn models_inner(&self) -> Result<Vec<ModelInfo>, GatewayError> {
        let url = self.url("/models");
        let body = self.get_body(&url).await?;
        let list: RawModelList =
            serde_json::from_slice(&body).map_err(|e| GatewayError::Malformed {
                reason: format!(
                    "{url} did not return a model list ({e}): {}",
                    crate::clean::plain_line(&String::from_utf8_lossy(&body), 120)
                ),
            })?;
        let mut models: Vec<ModelInfo> = list
            .data
            .into_iter()
            .filter(|m| !m.id.is_empty())
            .map(ModelInfo::from)
            .collect();
        models.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(models)
    }

    /// A JSON document from `path` on the gateway: under the base URL (`/key`), or at its origin
    /// when `at_root` (`/key/info` of a proxy whose base URL ends in `/v1`). Same key, same
    /// origin, same time and size limits as every other call.
    pub async fn get_json(&self, path: &str, at_root: bool) -> Result<Value, GatewayError> {
        self.get_json_as(path, at_root, None).await
    }

    /// `get_json` with another key of the same account (OpenRouter's management key for
    /// `/credits`), sent to the same origin in the same header; scrubbed from errors like the key.
    pub async fn get_json_as(
        &self,
        path: &str,
        at_root: bool,
        key: Option<&Secret>,
    ) -> Result<Value, GatewayError> {
        let url = if at_root {
            let base = self.endpoint.base_url.trim_end_matches('/');
            format!("{}{path}", base.strip_suffix("/v1").unwrap_or(base))
        } else {
            self.url(path)
        };
        let inner = async {
            let mut get = self.http.get(&url);
            if let Some(k) = key {
                get = get.header(self.key_header_name(), self.key_value(k)?);
            }
            let cancel = CancellationToken::new();
            let resp = self.first_byte(self.send(get, &url, &cancel)).await?;
            let resp = self.check_status(resp, &url).await?;
            let body = self.read_body(resp, &url).await?;
            serde_json::from_slice(&body).map_err(|e| GatewayError::Malformed {
                reason: format!(
                    "{url} did not return JSON ({e}): {}",
                    crate::clean::plain_line(&String::from_utf8_lossy(&body), 120)
                ),
            })
        };
        inner
            .await
            .map_err(|e| self.scrub(e))
            .map_err(|e| e.scrub(key))
    }

    /// Remove the key from what a server wrote into an error.
    pub fn scrub(&self, e: GatewayError) -> GatewayError {
        e.scrub(self.endpoint.api_key.as_ref())
    }

    /// Wait for the response headers within the first-byte budget.
    pub(super) async fn first_byte<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, GatewayError>>,
    ) -> Result<T, GatewayError> {
        let after = self.endpoint.timeouts.first_byte;
        tokio::time::timeout(after, fut)
            .await
            .map_err(|_| GatewayError::Timeout {
                phase: TimeoutPhase::FirstByte,
                after,
            })?
    }

    /// A whole body, each read within the idle budget, at most `max_body_bytes`.
    pub(super) async fn read_body(
        &self,
        resp: reqwest::Response,
        url: &str,
    ) -> Result<Vec<u8>, GatewayError> {
        let limit = self.endpoint.limits.max_body_bytes;
        let (body, complete) = read_capped(resp, limit, self.endpoint.timeouts.idle).await?;
        if !complete {
            return Err(GatewayError::Malformed {
                reason: format!(
                    "the body from {url} passed the {} limit (max_body_bytes); nothing more was read",
                    crate::format::size(limit as u64)
                ),
            });
        }
        Ok(body)
    }

    /// Start a streaming chat completion. Sent exactly once: nothing here retries, because a
    /// re-sent POST is a second billed request. Retries are the route layer's explicit decision.
    pub async fn chat_stream(
        &self,
        mut req: ChatRequest,
        cancel: CancellationToken,
    ) -> Result<ChatStream, GatewayError> {
        req.stream = true;
        req.stream_options = Some(StreamOptions {
            include_usage: true,
        });
        let (api, url, post) = self.post(&req, true);
        let sent_at = Instant::now();
        let started = async {
            let resp = self.first_byte(self.send(post, &url, &cancel)).await?;
            self.check_status(resp, &url).await
        };
        let resp = started.await.map_err(|e| self.scrub(e))?;
        Ok(self.stream_of(resp, url, sent_at, cancel, api))
    }

    /// The stream of an answer whose status was good.
    pub(super) fn stream_of(
        &self,
        resp: reqwest::Response,
        url: String,
        sent_at: Instant,
        cancel: CancellationToken,
        api: Api,
    ) -> ChatStream {
        let event_stream = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("event-stream"));
        ChatStream {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            sent_at,
            body: Box::pin(resp.bytes_stream()),
            parser: SseParser::new(),
            pending: VecDeque::new(),
            timeouts: self.endpoint.timeouts,
            cancel,
            got_bytes: false,
            finished: false,
            saw_finish_reason: false,
            event_stream,
            key: self.endpoint.api_key.clone(),
            limits: self.endpoint.limits,
            url,
            api,
            whole: None,
        }
    }

    pub async fn chat_once(
        &self,
        req: ChatRequest,
        cancel: CancellationToken,
    ) -> Result<ChatOnce, GatewayError> {
        self.chat_once_inner(req, cancel)
            .await
            .map_err(|e| self.scrub(e))
    }

    async fn chat_once_inner(
        &self,
        mut req: ChatRequest,
        cancel: CancellationToken,
    ) -> Result<ChatOnce, GatewayError> {
        req.stream = false;
        req.stream_options = None;
        let (api, url, post) = self.post(&req, false);
        let sent_at = Instant::now();
        let total = self.endpoint.timeouts.first_byte;
        let work = async {
            let resp = self.send(post, &url, &cancel).await?;
            let resp = self.check_status(resp, &url).await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = self.read_body(resp, &url).await?;
            Ok::<_, GatewayError>((status, headers, body))
        };
        let (status, headers, body) =
            tokio::time::timeout(total, work)
                .await
                .map_err(|_| GatewayError::Timeout {
                    phase: TimeoutPhase::FirstByte,
                    after: total,
                })??;
        let done_at = Instant::now();
        let chunk = decode_whole(api, &body)?;
        Ok(ChatOnce {
            status,
            headers,
            sent_at,
            done_at,
            chunk,
        })
    }

    /// The POST for this endpoint's API, with its URL.
    fn post(&self, req: &ChatRequest, stream: bool) -> (Api, String, reqwest::RequestBuilder) {
        let api = self.endpoint.api;
        let url = self.url(api.path());
        let post = match api {
            Api::Chat => self.http.post(&url).json(req),
            Api::Responses => self.http.post(&url).json(&responses::body(req, stream)),
        };
        let post = match &req.request_id {
            Some(id) => post.header("x-request-id", id),
            None => post,
        };
        (api, url, post)
    }

    pub(super) async fn send(
        &self,
        rb: reqwest::RequestBuilder,
        url: &str,
        cancel: &CancellationToken,
    ) -> Result<reqwest::Response, GatewayError> {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(GatewayError::Cancelled),
            r = rb.send() => r.map_err(|e| match self.map_err(e, url) {
                // Nothing came back: a reset or refused connection, not a cut answer.
                GatewayError::Cut { reason } => GatewayError::Connect {
                    url: url.to_string(),
                    reason: format!("the connection failed before any response ({reason})"),
                },
                other => other,
            }),
        }
    }

    pub(super) async fn check_status(
        &self,
        resp: reqwest::Response,
        url: &str,
    ) -> Result<reqwest::Response, GatewayError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        if status.is_redirection() {
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| {
                    String::from_utf8_lossy(v.as_bytes())
                        .chars()
                        .take(300)
                        .collect()
                })
                .unwrap_or_else(|| "(no Location header)".to_string());
            return Err(GatewayError::Redirect {
                status: status.as_u16(),
                url: url.to_string(),
                location,
            });
        }
        let retry_after = parse_retry_after(resp.headers());
        // A slow or endless error body must not hang us or fill memory: the idle budget per
        // read, and a cap on what is kept.
        let limits = self.endpoint.limits;
        let (body, complete) =
            read_capped(resp, limits.max_error_bytes, self.endpoint.timeouts.idle)
                .await
                .unwrap_or_default();
        let mut message = error_body_message(&String::from_utf8_lossy(&body), status);
        if !complete {
            message.push_str(&format!(
                " [error body truncated at {}]",
                crate::format::size(limits.max_error_bytes as u64)
            ));
        }
        Err(GatewayError::Http {
            status: status.as_u16(),
            url: url.to_string(),
            message,
            retry_after,
            key_env: self.endpoint.key_env.clone(),
        })
    }

    fn map_err(&self, e: reqwest::Error, url: &str) -> GatewayError {
        if e.is_timeout() {
            return GatewayError::Timeout {
                phase: TimeoutPhase::Connect,
                after: self.endpoint.timeouts.connect,
            };
        }
        if e.is_connect() {
            return GatewayError::Connect {
                url: url.to_string(),
                reason: root_cause(&e),
            };
        }
        if e.is_builder() {
            return GatewayError::Other(format!("invalid URL {url}: {}", root_cause(&e)));
        }
        GatewayError::Cut {
            reason: root_cause(&e),
        }
    }
}
