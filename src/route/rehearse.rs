//! Rehearsal: send a workload through a route N times and report what the fallback bought.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use super::Route;
use super::report::{Report, report};
use crate::answer::PriceBook;
use crate::gateway::Client;
use crate::gateway::wire::{ChatRequest, Message};

/// One request of a workload file: a plain line is a prompt; a JSON line may add more.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkItem {
    pub prompt: String,
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub max_tokens: Option<u32>,
}

/// Read a workload: one prompt per line, or JSON lines `{"prompt": ..., "system": ..., "max_tokens": ...}`.
/// Blank lines and lines starting with `#` are skipped.
pub fn parse_workload(text: &str) -> Result<Vec<WorkItem>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if l.starts_with('{') {
            out.push(serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1))?);
        } else {
            out.push(WorkItem {
                prompt: l.to_string(),
                system: None,
                max_tokens: None,
            });
        }
    }
    if out.is_empty() {
        return Err("the workload has no prompts".into());
    }
    Ok(out)
}

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
    items: &[WorkItem],
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
                let mut messages = Vec::new();
                if let Some(s) = &item.system {
                    messages.push(Message::system(s.clone()));
                }
                messages.push(Message::user(item.prompt.clone()));
                let req = ChatRequest {
                    messages,
                    max_tokens: item.max_tokens,
                    ..Default::default()
                };
                let o = super::run(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads() {
        let w = parse_workload("# comment\nfirst prompt\n\n{\"prompt\":\"second\",\"system\":\"be brief\",\"max_tokens\":50}\n").unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].prompt, "first prompt");
        assert_eq!(w[1].system.as_deref(), Some("be brief"));
        assert_eq!(w[1].max_tokens, Some(50));
        assert!(parse_workload("{broken").unwrap_err().contains("line 1"));
        assert!(parse_workload("\n# only comments\n").is_err());
    }
}
