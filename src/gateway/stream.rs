//! A streamed answer: bytes off the socket, framed into SSE events, decoded into timed chunks, with
//! the idle timeout, cancellation and every way a stream can end badly turned into typed errors.

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Instant;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::header::HeaderMap;
use tokio_util::sync::CancellationToken;

use super::client::{Timed, Timeouts, root_cause};
use super::error::{GatewayError, TimeoutPhase};
use super::responses::{self, Api};
use super::sse::{SseEvent, SseParser};
use super::wire::{Chunk, RawChunk, error_message};

pub(super) type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

pub struct ChatStream {
    pub status: u16,
    pub headers: HeaderMap,
    /// Just before the request went out; every latency figure starts here.
    pub sent_at: Instant,
    pub(super) body: ByteStream,
    pub(super) parser: SseParser,
    pub(super) pending: VecDeque<Timed<SseEvent>>,
    pub(super) timeouts: Timeouts,
    pub(super) cancel: CancellationToken,
    pub(super) got_bytes: bool,
    pub(super) finished: bool,
    pub(super) saw_finish_reason: bool,
    pub(super) url: String,
    pub(super) api: Api,
}

impl ChatStream {
    /// The next decoded chunk, `None` after `[DONE]`, a clean end, or an error already returned.
    pub async fn next(&mut self) -> Option<Result<Timed<Chunk>, GatewayError>> {
        if self.finished {
            return None;
        }
        let result = self.next_inner().await;
        if !matches!(result, Some(Ok(_))) {
            self.finished = true;
        }
        result
    }

    async fn next_inner(&mut self) -> Option<Result<Timed<Chunk>, GatewayError>> {
        loop {
            while let Some(ev) = self.pending.pop_front() {
                if ev.item.data.trim() == "[DONE]" {
                    return None;
                }
                // Some gateways send `event: ping` or `event: keepalive` with a payload.
                if matches!(ev.item.event.as_deref(), Some("ping" | "keepalive")) {
                    continue;
                }
                match self.decode(ev) {
                    Ok(Some(c)) => return Some(Ok(c)),
                    Ok(None) => continue,
                    Err(e) => return Some(Err(e)),
                }
            }
            match self.read().await {
                Ok(true) => continue,
                Ok(false) => {
                    if let Some(ev) = self.parser.finish() {
                        self.pending.push_back(Timed {
                            at: Instant::now(),
                            item: ev,
                        });
                        continue;
                    }
                    if self.saw_finish_reason {
                        return None;
                    }
                    return Some(Err(GatewayError::Cut {
                        reason: "the connection closed without a finish reason or [DONE]".into(),
                    }));
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Read once from the body; `Ok(false)` at its end.
    async fn read(&mut self) -> Result<bool, GatewayError> {
        let wait = if self.got_bytes {
            self.timeouts.idle
        } else {
            self.timeouts
                .first_byte
                .saturating_sub(self.sent_at.elapsed())
        };
        let phase = if self.got_bytes {
            TimeoutPhase::Idle
        } else {
            TimeoutPhase::FirstByte
        };
        let next = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => return Err(GatewayError::Cancelled),
            r = tokio::time::timeout(wait, self.body.next()) => r,
        };
        let at = Instant::now();
        match next {
            Err(_) => Err(GatewayError::Timeout {
                phase,
                after: if phase == TimeoutPhase::Idle {
                    self.timeouts.idle
                } else {
                    self.timeouts.first_byte
                },
            }),
            Ok(None) => Ok(false),
            Ok(Some(Err(e))) => Err(GatewayError::Cut {
                reason: format!("reading {}: {}", self.url, root_cause(&e)),
            }),
            Ok(Some(Ok(bytes))) => {
                self.got_bytes = true;
                for item in self.parser.feed(&bytes) {
                    self.pending.push_back(Timed { at, item });
                }
                Ok(true)
            }
        }
    }

    /// `Ok(None)` for events that carry nothing (Responses lifecycle events).
    fn decode(&mut self, ev: Timed<SseEvent>) -> Result<Option<Timed<Chunk>>, GatewayError> {
        if self.api == Api::Responses {
            let Some(chunk) = responses::decode(&ev.item)? else {
                return Ok(None);
            };
            self.saw_finish_reason |= chunk.finish_reason.is_some();
            return Ok(Some(Timed {
                at: ev.at,
                item: chunk,
            }));
        }
        let raw: RawChunk = serde_json::from_str(&ev.item.data).map_err(|e| {
            let snippet: String = ev.item.data.chars().take(120).collect();
            GatewayError::Malformed {
                reason: format!("{e} in chunk {snippet:?}"),
            }
        })?;
        if let Some(err) = &raw.error {
            return Err(GatewayError::Upstream {
                message: error_message(err),
            });
        }
        let chunk = raw.into_chunk();
        if chunk
            .finish_reason
            .as_ref()
            .is_some_and(|f| f.as_str() == "error")
        {
            return Err(GatewayError::Upstream {
                message: "the provider ended the answer with finish_reason \"error\"".into(),
            });
        }
        self.saw_finish_reason |= chunk.finish_reason.is_some();
        Ok(Some(Timed {
            at: ev.at,
            item: chunk,
        }))
    }
}
