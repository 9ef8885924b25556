use std::collections::VecDeque;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::error::{GatewayError, TimeoutPhase, parse_retry_after};
use super::responses::{self, Api};
use super::sse::SseParser;
use super::stream::ChatStream;
use super::wire::{
    ChatRequest, Chunk, ModelInfo, RawChunk, RawModelList, StreamOptions, error_message,
};
use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    pub connect: Duration,
    /// From sending the request to the first byte of the body.
    pub first_byte: Duration,
    /// Between two reads of a streaming body.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(120),
            idle: Duration::from_secs(60),
        }
    }
}

/// Where to send requests and how to authenticate.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub base_url: String,
    pub api_key: Option<Secret>,
    /// Named in error messages instead of the key itself.
    pub key_env: Option<String>,
    pub headers: Vec<(String, String)>,
    pub timeouts: Timeouts,
    /// Chat completions or the Responses API.
    pub api: Api,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: Endpoint,
}

/// One item of a stream with the moment its bytes were read off the socket.
#[derive(Debug, Clone)]
pub struct Timed<T> {
    pub at: Instant,
    pub item: T,
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

impl Client {
    pub fn new(endpoint: Endpoint) -> Result<Self, GatewayError> {
        let mut headers = HeaderMap::new();
        for (k, v) in &endpoint.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| GatewayError::Other(format!("invalid header name {k:?}")))?;
            let value = HeaderValue::from_str(v)
                .map_err(|_| GatewayError::Other(format!("invalid value for header {k:?}")))?;
            headers.insert(name, value);
        }
        if let Some(key) = &endpoint.api_key {
            let mut v = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
                .map_err(|_| GatewayError::Other("the API key has invalid characters".into()))?;
            v.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("gatebench/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(endpoint.timeouts.connect)
            // Nagle would batch small SSE writes and distort inter-token timing.
            .tcp_nodelay(true)
            .build()
            .map_err(|e| GatewayError::Other(format!("cannot build HTTP client: {e}")))?;
        Ok(Self { http, endpoint })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.endpoint.base_url.trim_end_matches('/'), path)
    }

    pub async fn models(&self) -> Result<Vec<ModelInfo>, GatewayError> {
        let url = self.url("/models");
        let resp = self
            .send(self.http.get(&url), &url, &CancellationToken::new())
            .await?;
        let resp = self.check_status(resp, &url).await?;
        let body = resp.bytes().await.map_err(|e| self.map_err(e, &url))?;
        let list: RawModelList =
            serde_json::from_slice(&body).map_err(|e| GatewayError::Malformed {
                reason: format!("{url} did not return a model list: {e}"),
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
        let fut = self.send(post, &url, &cancel);
        let resp = match tokio::time::timeout(self.endpoint.timeouts.first_byte, fut).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(GatewayError::Timeout {
                    phase: TimeoutPhase::FirstByte,
                    after: self.endpoint.timeouts.first_byte,
                });
            }
        };
        let resp = self.check_status(resp, &url).await?;
        Ok(ChatStream {
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
            url,
            api,
        })
    }

    pub async fn chat_once(
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
            let body = resp.bytes().await.map_err(|e| self.map_err(e, &url))?;
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
        let chunk = match api {
            Api::Chat => {
                let raw: RawChunk =
                    serde_json::from_slice(&body).map_err(|e| GatewayError::Malformed {
                        reason: format!("not a chat completion: {e}"),
                    })?;
                if let Some(err) = &raw.error {
                    return Err(GatewayError::Upstream {
                        message: error_message(err),
                    });
                }
                raw.into_chunk()
            }
            Api::Responses => {
                let v: Value =
                    serde_json::from_slice(&body).map_err(|e| GatewayError::Malformed {
                        reason: format!("not a response: {e}"),
                    })?;
                responses::decode_whole(&v)?
            }
        };
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
        (api, url, post)
    }

    async fn send(
        &self,
        rb: reqwest::RequestBuilder,
        url: &str,
        cancel: &CancellationToken,
    ) -> Result<reqwest::Response, GatewayError> {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(GatewayError::Cancelled),
            r = rb.send() => r.map_err(|e| self.map_err(e, url)),
        }
    }

    async fn check_status(
        &self,
        resp: reqwest::Response,
        url: &str,
    ) -> Result<reqwest::Response, GatewayError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = parse_retry_after(resp.headers());
        // A slow error body must not hang us: give it the idle budget.
        let body = tokio::time::timeout(self.endpoint.timeouts.idle, resp.text())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        Err(GatewayError::Http {
            status: status.as_u16(),
            url: url.to_string(),
            message: error_body_message(&body, status),
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

pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

fn error_body_message(body: &str, status: reqwest::StatusCode) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return error_message(&v);
    }
    let text = body.trim();
    if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string()
    } else {
        text.chars().take(300).collect()
    }
}
