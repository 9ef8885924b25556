//! Talking to OpenAI-compatible gateways: HTTP client, SSE framing, lenient wire types, errors.

pub mod client;
pub mod error;
pub mod ratelimit;
pub mod responses;
pub mod sse;
pub mod wire;

pub use client::{ChatOnce, ChatStream, Client, Endpoint, Timed, Timeouts};
pub use error::{ErrorKind, GatewayError, TimeoutPhase};
pub use responses::Api;
