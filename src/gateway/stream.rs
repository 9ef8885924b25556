//! A streamed answer: bytes off the socket, framed into SSE events, decoded into timed chunks, with
//! the idle timeout, cancellation and every way a stream can end badly turned into typed errors.

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Instant;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use reqwest::header::HeaderMap;
use tokio_util::sync::CancellationToken;

use super::body::decode_whole;
use super::error::{GatewayError, TimeoutPhase};
use super::limits::{Limits, Timed, Timeouts, root_cause};
use super::responses::{self, Api};
use super::sse::{SseEvent, SseParser};
use super::wire::{Chunk, RawChunk, error_message};
use crate::secret::{Secret, scrub};

/// The first bytes of a body that says it is not an event stream still look like one: some servers
/// send SSE under `text/plain` or no content type at all.
fn looks_like_sse(first: &[u8]) -> bool {
    let t = first.trim_ascii_start();
    // A read may end inside the first field name: `da` could still be `data:`.
    [&b"data:"[..], b"event:", b":", b"id:", b"retry:"]
        .iter()
        .any(|p| t.starts_with(p) || p.starts_with(t))
}

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
    /// The response said `text/event-stream`; otherwise the body is sniffed first.
    pub(super) event_stream: bool,
    pub(super) key: Option<Secret>,
    pub(super) limits: Limits,
    pub(super) url: String,
    pub(super) api: Api,
    /// A whole answer decoded from a non-SSE body, handed out once.
    pub(super) whole: Option<Timed<Chunk>>,
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
        let key = self.key.as_ref();
        result.map(|r| match r {
            Ok(mut c) => {
                for t in [&mut c.item.content, &mut c.item.reasoning]
                    .into_iter()
                    .flatten()
                {
                    if let std::borrow::Cow::Owned(clean) = scrub(t, key) {
                        *t = clean;
                    }
                }
                Ok(c)
            }
            Err(e) => Err(e.scrub(key)),
        })
    }

    async fn next_inner(&mut self) -> Option<Result<Timed<Chunk>, GatewayError>> {
        loop {
            if let Some(c) = self.whole.take() {
                return Some(Ok(c));
            }
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
    pub(super) async fn read(&mut self) -> Result<bool, GatewayError> {
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
                let first = !self.got_bytes;
                self.got_bytes = true;
                if first && !self.event_stream && !looks_like_sse(&bytes) {
                    return self.whole_body(bytes).await.map(|_| true);
                }
                for item in self.parser.feed(&bytes) {
                    self.pending.push_back(Timed { at, item });
                }
                if self.parser.buffered() > self.limits.max_event_bytes {
                    return Err(GatewayError::Malformed {
                        reason: format!(
                            "one event of the stream from {} passed the {} limit without ending \
                             (max_event_bytes); the stream was dropped",
                            self.url,
                            crate::format::size(self.limits.max_event_bytes as u64)
                        ),
                    });
                }
                Ok(true)
            }
        }
    }

    /// A stream request answered with something else: a whole JSON answer (some gateways ignore
    /// `stream`) is decoded as one chunk; anything else is a `malformed` error quoting its first
    /// line.
    async fn whole_body(&mut self, first: bytes::Bytes) -> Result<(), GatewayError> {
        let json = first.trim_ascii_start().first() == Some(&b'{');
        let cap = if json {
            self.limits.max_body_bytes
        } else {
            self.limits.max_error_bytes
        };
        let mut body = first.to_vec();
        body.truncate(cap);
        while body.len() < cap {
            match tokio::time::timeout(self.timeouts.idle, self.body.next()).await {
                Ok(Some(Ok(b))) => body.extend_from_slice(&b[..b.len().min(cap - body.len())]),
                Ok(Some(Err(e))) => {
                    return Err(GatewayError::Cut {
                        reason: root_cause(&e),
                    });
                }
                Ok(None) => break,
                Err(_) => {
                    return Err(GatewayError::Timeout {
                        phase: TimeoutPhase::Idle,
                        after: self.timeouts.idle,
                    });
                }
            }
        }
        let at = Instant::now();
        if json && body.len() < cap {
            let chunk = decode_whole(self.api, &body)?;
            self.saw_finish_reason = true;
            self.whole = Some(Timed { at, item: chunk });
            return Ok(());
        }
        let line = crate::clean::plain_line(&String::from_utf8_lossy(&body), 200);
        Err(GatewayError::Malformed {
            reason: if json {
                format!(
                    "{} answered a stream request with a JSON body past the {} limit (max_body_bytes)",
                    self.url,
                    crate::format::size(cap as u64)
                )
            } else {
                format!(
                    "{} answered a stream request with something that is not an event stream: {line:?}",
                    self.url
                )
            },
        })
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

#[cfg(test)]
mod tests {
    use super::looks_like_sse;

    #[test]
    fn sniffing_the_first_bytes() {
        for sse in [
            &b"data: {}"[..],
            b"\n\nevent: x",
            b": keep-alive",
            b"d",
            b"da",
            b"",
            b"  \r\n",
        ] {
            assert!(looks_like_sse(sse), "{:?}", String::from_utf8_lossy(sse));
        }
        for other in [&b"{\"id\":1}"[..], b"<html>", b"upstream error", b"dx"] {
            assert!(
                !looks_like_sse(other),
                "{:?}",
                String::from_utf8_lossy(other)
            );
        }
    }
}
