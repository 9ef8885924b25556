//! Requests with a body of the caller's making, and their answers as sent: for `gatebench probe`,
//! which asks for what `ChatRequest` does not carry (tool choice, response formats, logprobs, `n`)
//! and checks the wire itself. Same key, origin, timeouts and size limits as every other call.

use std::time::Instant;

use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::limits::Timed;
use super::sse::SseEvent;
use super::stream::ChatStream;
use super::wire::Chunk;
use super::{Client, GatewayError};

/// At most this many events of one answer are kept; the rest are counted.
pub const MAX_EVENTS: usize = 4096;

/// A streamed answer as it came.
#[derive(Debug, Default)]
pub struct Exchange {
    pub status: u16,
    pub headers: HeaderMap,
    /// Every event (`[DONE]` included), with the time since the request was sent.
    pub events: Vec<(f64, SseEvent)>,
    /// Events past `MAX_EVENTS`, not kept.
    pub dropped: u64,
    /// Keep-alive comment lines.
    pub comments: u64,
    /// The server answered the stream request with one whole JSON answer.
    pub whole: Option<Chunk>,
    /// How it ended badly, when it did (after what `events` holds).
    pub error: Option<GatewayError>,
}

impl Client {
    /// POST `body` to `path` (under the base URL) and read the whole JSON answer.
    pub async fn post_json(
        &self,
        path: &str,
        body: &Value,
        cancel: &CancellationToken,
    ) -> Result<(HeaderMap, Value), GatewayError> {
        let url = self.url(path);
        let work = async {
            let resp = self
                .send(self.http.post(&url).json(body), &url, cancel)
                .await?;
            let resp = self.check_status(resp, &url).await?;
            let headers = resp.headers().clone();
            let bytes = self.read_body(resp, &url).await?;
            let v = serde_json::from_slice(&bytes).map_err(|e| GatewayError::Malformed {
                reason: format!(
                    "{url} did not return JSON ({e}): {}",
                    crate::clean::plain_line(&String::from_utf8_lossy(&bytes), 120)
                ),
            })?;
            Ok((headers, v))
        };
        self.first_byte(work).await.map_err(|e| self.scrub(e))
    }

    /// POST `body` to `path` as a stream request and collect every event as sent.
    pub async fn exchange(
        &self,
        path: &str,
        body: &Value,
        cancel: CancellationToken,
    ) -> Result<Exchange, GatewayError> {
        let url = self.url(path);
        let sent_at = Instant::now();
        let started = async {
            let resp = self
                .first_byte(self.send(self.http.post(&url).json(body), &url, &cancel))
                .await?;
            self.check_status(resp, &url).await
        };
        let resp = started.await.map_err(|e| self.scrub(e))?;
        let api = if path.starts_with("/responses") {
            super::Api::Responses
        } else {
            super::Api::Chat
        };
        let mut stream = self.stream_of(resp, url, sent_at, cancel, api);
        let mut x = Exchange {
            status: stream.status,
            headers: stream.headers.clone(),
            ..Default::default()
        };
        while let Some(ev) = stream.next_event().await {
            match ev {
                Ok(ev) if x.events.len() < MAX_EVENTS => {
                    x.events.push((ms_since(sent_at, ev.at), ev.item))
                }
                Ok(_) => x.dropped += 1,
                Err(e) => {
                    x.error = Some(self.scrub(e));
                    break;
                }
            }
        }
        x.comments = stream.parser.comments();
        x.whole = stream.whole.take().map(|c| c.item);
        Ok(x)
    }
}

fn ms_since(t0: Instant, t: Instant) -> f64 {
    t.saturating_duration_since(t0).as_secs_f64() * 1000.0
}

impl ChatStream {
    /// The next event as the server sent it, `[DONE]` included; `None` at the end of the body or
    /// after an error. A whole JSON answer (no event stream) is left in `whole`.
    pub async fn next_event(&mut self) -> Option<Result<Timed<SseEvent>, GatewayError>> {
        loop {
            if self.whole.is_some() {
                return None;
            }
            if let Some(ev) = self.pending.pop_front() {
                return Some(Ok(ev));
            }
            match self.read().await {
                Ok(true) => continue,
                Ok(false) => {
                    let ev = self.parser.finish()?;
                    return Some(Ok(Timed {
                        at: Instant::now(),
                        item: ev,
                    }));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
