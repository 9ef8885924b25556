//! What bounds every call to a server, in time and in memory, and the small pieces the client,
//! the stream and the body readers share. The lowest layer of `gateway`: it uses none of the rest.

use std::time::{Duration, Instant};

/// How long each phase of a call may take.
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

/// How much of a server's answer gatebench holds in memory at once, whatever the server sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// One SSE event (or line) of a stream.
    pub max_event_bytes: usize,
    /// A whole non-streamed body (`/v1/models`, `--no-stream`, a JSON body sent for a stream).
    pub max_body_bytes: usize,
    /// An error body is read up to this much; the rest is dropped and the message says so.
    pub max_error_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_event_bytes: 4 << 20,
            max_body_bytes: 16 << 20,
            max_error_bytes: 64 << 10,
        }
    }
}

/// One item of a stream with the moment its bytes were read off the socket.
#[derive(Debug, Clone)]
pub struct Timed<T> {
    pub at: Instant,
    pub item: T,
}

/// The innermost cause of an error, which names what really went wrong.
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
