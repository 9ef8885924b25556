//! Talking to OpenAI-compatible gateways: HTTP client, SSE framing, lenient wire types, errors.

pub mod account;
pub mod body;
pub mod client;
pub mod error;
pub mod generation;
pub mod limits;
pub mod ratelimit;
pub mod raw;
pub mod responses;
pub mod said;
pub mod sse;
pub mod stream;
pub mod wire;

pub use client::{ChatOnce, Client, Endpoint};
pub use error::{ErrorKind, GatewayError, TimeoutPhase};
pub use limits::{Limits, Timed, Timeouts};
pub use responses::Api;
pub use stream::ChatStream;
