//! One request, start to end: send, fold every timed chunk, and keep whatever arrived even when
//! the stream fails, so nothing the user already saw is lost.

use reqwest::header::HeaderMap;
use tokio_util::sync::CancellationToken;

use crate::gateway::wire::{ChatRequest, Chunk};
use crate::gateway::{Client, Collector, GatewayError, Timed};

#[derive(Debug)]
pub struct Outcome {
    pub model: String,
    /// The messages sent, for token estimates when the server reports no usage.
    pub prompt: Vec<crate::gateway::wire::Message>,
    pub collector: Collector,
    pub headers: Option<HeaderMap>,
    pub error: Option<GatewayError>,
}

/// Stream `req` to completion. `on_chunk` sees every chunk as it arrives. A single attempt: the
/// same code path as a route with one hop and no fallback.
pub async fn stream(
    client: &Client,
    req: ChatRequest,
    cancel: CancellationToken,
    mut on_chunk: impl FnMut(&Timed<Chunk>),
) -> Outcome {
    let route = crate::route::Route::single(&req.model);
    crate::route::run(client, &route, req, cancel, 0, |ev| {
        if let crate::route::RouteEvent::Chunk(c) = ev {
            on_chunk(&c);
        }
    })
    .await
    .last
}
