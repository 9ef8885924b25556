//! One request, start to end: send, fold every timed chunk, and keep whatever arrived even when
//! the stream fails, so nothing the user already saw is lost.

use std::time::Instant;

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

/// Stream `req` to completion. `on_chunk` sees every chunk as it arrives (the TUI forwards them).
pub async fn stream(
    client: &Client,
    req: ChatRequest,
    cancel: CancellationToken,
    mut on_chunk: impl FnMut(&Timed<Chunk>),
) -> Outcome {
    let model = req.model.clone();
    let prompt = req.messages.clone();
    let started = Instant::now();
    let mut stream = match client.chat_stream(req, cancel).await {
        Ok(s) => s,
        Err(e) => {
            let mut collector = Collector::new(started);
            collector.finish(Instant::now());
            return Outcome {
                model,
                prompt,
                collector,
                headers: None,
                error: Some(e),
            };
        }
    };
    let mut collector = Collector::new(stream.sent_at);
    let mut error = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(chunk) => {
                on_chunk(&chunk);
                collector.push(chunk.at, chunk.item);
            }
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    collector.finish(Instant::now());
    Outcome {
        model,
        prompt,
        collector,
        headers: Some(stream.headers),
        error,
    }
}
