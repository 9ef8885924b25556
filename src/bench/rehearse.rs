//! Rehearsal: send a workload through a route N times and report what the fallback bought.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio_util::sync::CancellationToken;

use super::rehearsal::{Report, report};
use super::workload::Item;
use crate::answer::PriceBook;
use crate::gateway::Client;
use crate::gateway::wire::ChatRequest;
use crate::route::Route;

/// How many requests, how many at a time, and the seed for backoff jitter.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub requests: usize,
    pub concurrency: usize,
    pub seed: u64,
}

pub async fn rehearse(
    client: &Client,
    route: &Route,
    items: &[Item],
    plan: Plan,
    prices: &PriceBook,
    cancel: CancellationToken,
) -> Report {
    let Plan {
        requests,
        concurrency,
        seed,
    } = plan;
    let next = Arc::new(AtomicUsize::new(0));
    let items = Arc::new(items.to_vec());
    let mut workers = Vec::new();
    for _ in 0..concurrency.clamp(1, requests.max(1)) {
        let (client, route, next, items, cancel) = (
            client.clone(),
            route.clone(),
            next.clone(),
            items.clone(),
            cancel.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= requests || cancel.is_cancelled() {
                    return done;
                }
                let item = &items[i % items.len()];
                let req = ChatRequest {
                    messages: item.messages.clone(),
                    max_tokens: item.max_tokens,
                    tools: item.tools.clone(),
                    response_format: item.response_format.clone(),
                    ..Default::default()
                };
                let o = crate::route::run(
                    &client,
                    &route,
                    req,
                    cancel.clone(),
                    seed.wrapping_add(i as u64),
                    |_| {},
                )
                .await;
                done.push(o);
            }
        }));
    }
    let mut outcomes = Vec::new();
    for w in workers {
        if let Ok(mut v) = w.await {
            outcomes.append(&mut v);
        }
    }
    report(route, &outcomes, prices)
}
