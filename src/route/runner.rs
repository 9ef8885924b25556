//! The thin async shell of a route: send each attempt, fold its chunks once, ask the policy what
//! next, wait, and end with a typed `RouteOutcome`.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::policy::{self, Failed, Next};
use super::{Hop, Route, RouteOutcome};
use crate::answer::{Collector, Outcome, Progress, summarize};
use crate::gateway::wire::{ChatRequest, Chunk};
use crate::gateway::{Client, GatewayError, Timed};
use crate::rng::SplitMix64;

/// What a route run reports as it goes, for live display.
#[derive(Debug, Clone)]
pub enum RouteEvent {
    /// A new attempt starts (its chunks follow).
    Attempt {
        model: String,
        attempt: u32,
        sent_at: Instant,
    },
    /// A chunk, already folded into the attempt's collector; `progress` is that collector's live
    /// figures after it.
    Chunk {
        chunk: Timed<Chunk>,
        progress: Progress,
    },
    /// The attempt failed; `next` says what happens now.
    Failed { hop: Hop, next: Next },
}

/// Stream `req` to completion: a route of one hop and no fallback. `on_chunk` sees every chunk.
pub async fn stream(
    client: &Client,
    req: ChatRequest,
    cancel: CancellationToken,
    mut on_chunk: impl FnMut(&Timed<Chunk>),
) -> Outcome {
    let route = Route::single(&req.model);
    run(client, &route, req, cancel, 0, |ev| {
        if let RouteEvent::Chunk { chunk, .. } = ev {
            on_chunk(&chunk);
        }
    })
    .await
    .last
}

/// Run `req` through `route`. `req.model` is replaced by each hop's model.
pub async fn run(
    client: &Client,
    route: &Route,
    req: ChatRequest,
    cancel: CancellationToken,
    seed: u64,
    mut on_event: impl FnMut(RouteEvent),
) -> RouteOutcome {
    let started = Instant::now();
    let (route, rule) = route.for_request(&req);
    let route: &Route = &route;
    let mut rng = SplitMix64::from_parts(&[&seed.to_le_bytes(), route.name.as_bytes()]);
    let mut hops = Vec::new();
    let (mut hop_idx, mut attempt) = (0, 0);
    let end = |hops, last| RouteOutcome {
        route: route.name.clone(),
        rule: rule.clone(),
        hops,
        last,
        started,
        ended: Instant::now(),
    };
    loop {
        let mut r = req.clone();
        r.model = route.chain[hop_idx].clone();
        let timeout = route.first_token_timeout;
        let mut out = attempt_once(client, r, &cancel, timeout, &mut on_event, attempt).await;
        if out.error.is_none() && out.collector.filtered() {
            out.error = Some(GatewayError::ContentFilter);
        }
        let after_content = out.collector.timeline.first_content.is_some();
        let Some(kind) = out.error.as_ref().map(GatewayError::kind) else {
            return end(hops, out);
        };
        if kind.route_trigger().is_none() {
            // Cancelled, or an error no route acts on: recorded, nothing to decide.
            hops.push(Hop::of(&out, attempt, None, after_content));
            return end(hops, out);
        }
        let failed = Failed {
            kind,
            hop: hop_idx,
            attempt,
            after_content,
            retry_after: out.error.as_ref().and_then(GatewayError::retry_after),
        };
        let next = policy::decide_next(route, failed, &mut rng);
        let backoff = match &next {
            Next::RetryAfter(d) => Some(d.as_secs_f64() * 1000.0),
            _ => None,
        };
        let hop = Hop::of(&out, attempt, backoff, after_content);
        hops.push(hop.clone());
        on_event(RouteEvent::Failed {
            hop,
            next: next.clone(),
        });
        match next {
            Next::GiveUp => {
                if hops.len() > 1
                    && let Some(last) = out.error.take()
                {
                    out.error = Some(GatewayError::Exhausted {
                        route: route.name.clone(),
                        attempts: hops.len(),
                        hops: summarize(&hops),
                        last: Box::new(last),
                    });
                }
                return end(hops, out);
            }
            Next::RetryAfter(d) => {
                attempt += 1;
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => {
                        out.error = Some(GatewayError::Cancelled);
                        return end(hops, out);
                    }
                    _ = tokio::time::sleep(d) => {}
                }
            }
            Next::MoveOn(_) => {
                hop_idx += 1;
                attempt = 0;
            }
        }
    }
}

/// One attempt, with the route's first-token deadline.
async fn attempt_once(
    client: &Client,
    req: ChatRequest,
    cancel: &CancellationToken,
    first_token_timeout: Option<Duration>,
    on_event: &mut impl FnMut(RouteEvent),
    attempt: u32,
) -> Outcome {
    let model = req.model.clone();
    let prompt = req.messages.clone();
    // A child token: the deadline cancels this attempt only, not the whole route.
    let child = cancel.child_token();
    let t0 = Instant::now();
    on_event(RouteEvent::Attempt {
        model: model.clone(),
        attempt,
        sent_at: t0,
    });
    let deadline = first_token_timeout.map(|d| t0 + d);
    let deadline_error = || GatewayError::Deadline {
        after: first_token_timeout.unwrap_or_default(),
    };
    let fail = |error| {
        let mut collector = Collector::new(t0);
        collector.finish(Instant::now());
        Outcome {
            model: model.clone(),
            prompt: prompt.clone(),
            collector,
            headers: None,
            error: Some(error),
        }
    };
    let start = client.chat_stream(req, child.clone());
    let started = match deadline {
        Some(dl) => match tokio::time::timeout_at(dl.into(), start).await {
            Ok(r) => r,
            Err(_) => {
                child.cancel();
                return fail(deadline_error());
            }
        },
        None => start.await,
    };
    let mut stream = match started {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut collector = Collector::new(stream.sent_at);
    let mut error = None;
    loop {
        let waiting_first =
            collector.timeline.first_content.is_none() && collector.tool_calls.is_empty();
        let next = match deadline.filter(|_| waiting_first) {
            Some(dl) => match tokio::time::timeout_at(dl.into(), stream.next()).await {
                Ok(n) => n,
                Err(_) => {
                    child.cancel();
                    error = Some(deadline_error());
                    break;
                }
            },
            None => stream.next().await,
        };
        match next {
            Some(Ok(chunk)) => {
                collector.push(chunk.at, &chunk.item);
                on_event(RouteEvent::Chunk {
                    chunk,
                    progress: collector.progress(),
                });
            }
            Some(Err(e)) => {
                error = Some(e);
                break;
            }
            None => break,
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
