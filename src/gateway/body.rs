//! Bodies that are not a stream: read with a cap and the idle timeout, decoded whole, or turned into
//! one readable error line.

use std::time::Duration;

use serde_json::Value;

use super::error::{GatewayError, TimeoutPhase};
use super::limits::root_cause;
use super::responses::{self, Api};
use super::wire::{Chunk, RawChunk, error_message};

pub(super) fn error_body_message(body: &str, status: reqwest::StatusCode) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return error_message(&v);
    }
    match crate::clean::plain_line(body, 200) {
        line if line.is_empty() => status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string(),
        line => line,
    }
}

/// A whole non-streamed answer (or a JSON body sent for a stream request).
pub(super) fn decode_whole(api: Api, body: &[u8]) -> Result<Chunk, GatewayError> {
    match api {
        Api::Chat => {
            let raw: RawChunk =
                serde_json::from_slice(body).map_err(|e| GatewayError::Malformed {
                    reason: format!("not a chat completion: {e}"),
                })?;
            if let Some(err) = &raw.error {
                return Err(GatewayError::Upstream {
                    message: error_message(err),
                });
            }
            Ok(raw.into_chunk())
        }
        Api::Responses => {
            let v: Value = serde_json::from_slice(body).map_err(|e| GatewayError::Malformed {
                reason: format!("not a response: {e}"),
            })?;
            responses::decode_whole(&v)
        }
    }
}

/// Read a body chunk by chunk, each within `idle`, keeping at most `cap` bytes. The bool says
/// whether the body ended within the cap.
pub(super) async fn read_capped(
    resp: reqwest::Response,
    cap: usize,
    idle: Duration,
) -> Result<(Vec<u8>, bool), GatewayError> {
    use futures_util::StreamExt;
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    loop {
        let next = tokio::time::timeout(idle, stream.next())
            .await
            .map_err(|_| GatewayError::Timeout {
                phase: TimeoutPhase::Idle,
                after: idle,
            })?;
        match next {
            None => return Ok((body, true)),
            Some(Err(e)) => {
                return Err(GatewayError::Cut {
                    reason: root_cause(&e),
                });
            }
            Some(Ok(bytes)) => {
                let room = cap - body.len();
                if bytes.len() > room {
                    body.extend_from_slice(&bytes[..room]);
                    return Ok((body, false));
                }
                body.extend_from_slice(&bytes);
            }
        }
    }
}
