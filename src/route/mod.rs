//! Routes: an ordered chain of models and the rules that move a request to the next hop.
//!
//! Every attempt is an explicit decision of this module: the client itself never re-sends. Each hop
//! tried is recorded (model, error, time it cost), so a fallback is always visible, never silent.

pub mod rehearse;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::gateway::wire::{ChatRequest, Chunk};
use crate::gateway::{Client, Collector, GatewayError, Timed};
use crate::rng::SplitMix64;
use crate::run::Outcome;

/// Why an attempt failed, in the terms a fallback rule uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    #[serde(rename = "429")]
    RateLimited,
    #[serde(rename = "5xx")]
    ServerError,
    Connect,
    Timeout,
    FirstTokenTimeout,
    ContextLength,
    ContentFilter,
    /// The stream broke (cut, malformed, error mid-stream) before it finished.
    Cut,
    Auth,
    NotFound,
    BadRequest,
}

impl Failure {
    pub const ALL: [Failure; 11] = [
        Failure::RateLimited,
        Failure::ServerError,
        Failure::Connect,
        Failure::Timeout,
        Failure::FirstTokenTimeout,
        Failure::ContextLength,
        Failure::ContentFilter,
        Failure::Cut,
        Failure::Auth,
        Failure::NotFound,
        Failure::BadRequest,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Failure::RateLimited => "429",
            Failure::ServerError => "5xx",
            Failure::Connect => "connect",
            Failure::Timeout => "timeout",
            Failure::FirstTokenTimeout => "first_token_timeout",
            Failure::ContextLength => "context_length",
            Failure::ContentFilter => "content_filter",
            Failure::Cut => "cut",
            Failure::Auth => "auth",
            Failure::NotFound => "not_found",
            Failure::BadRequest => "bad_request",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == s.trim())
    }

    pub fn classify(e: &GatewayError) -> Option<Self> {
        Some(match e {
            GatewayError::Http {
                status, message, ..
            } => match status {
                429 => Failure::RateLimited,
                401 | 403 => Failure::Auth,
                404 => Failure::NotFound,
                s if *s >= 500 => Failure::ServerError,
                _ if is_context_length(message) => Failure::ContextLength,
                _ => Failure::BadRequest,
            },
            GatewayError::Connect { .. } => Failure::Connect,
            GatewayError::Timeout { .. } => Failure::Timeout,
            GatewayError::Deadline { .. } => Failure::FirstTokenTimeout,
            GatewayError::Upstream { message } if is_context_length(message) => {
                Failure::ContextLength
            }
            GatewayError::Upstream { .. } => Failure::ServerError,
            GatewayError::Cut { .. } | GatewayError::Malformed { .. } => Failure::Cut,
            GatewayError::Exhausted { last, .. } => return Failure::classify(last),
            GatewayError::Cancelled | GatewayError::Other(_) => return None,
        })
    }
}

fn is_context_length(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("context_length") || m.contains("context length") || m.contains("context window")
}

/// A route as written in the config: `[routes.NAME]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouteConfig {
    pub chain: Vec<String>,
    /// Failures that move on (after retries); default: every failure but auth, not_found and bad_request.
    pub on: Vec<String>,
    /// Extra attempts on the same hop before moving on.
    pub retries: u32,
    pub backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Give up on a hop when no answer token arrived within this long.
    pub first_token_timeout_ms: Option<u64>,
    /// When a stream fails after its answer started: `false` keeps the partial answer and stops,
    /// `true` starts again from scratch on the next hop (the partial answer is kept, marked).
    pub restart_after_content: bool,
}

impl Default for RouteConfig {
    fn default() -> Self {
        Self {
            chain: Vec::new(),
            on: Vec::new(),
            retries: 0,
            backoff_ms: 250,
            max_backoff_ms: 10_000,
            first_token_timeout_ms: None,
            restart_after_content: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub name: String,
    pub chain: Vec<String>,
    pub on: Vec<Failure>,
    pub retries: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
    pub first_token_timeout: Option<Duration>,
    pub restart_after_content: bool,
}

pub const DEFAULT_ON: [Failure; 8] = [
    Failure::RateLimited,
    Failure::ServerError,
    Failure::Connect,
    Failure::Timeout,
    Failure::FirstTokenTimeout,
    Failure::ContextLength,
    Failure::ContentFilter,
    Failure::Cut,
];

impl Route {
    pub fn from_config(name: &str, c: &RouteConfig) -> Result<Self, String> {
        if c.chain.is_empty() {
            return Err(format!(
                "route {name:?}: chain is empty; list at least one model"
            ));
        }
        let on = if c.on.is_empty() {
            DEFAULT_ON.to_vec()
        } else {
            c.on.iter()
                .map(|s| {
                    Failure::parse(s).ok_or_else(|| {
                        let known: Vec<&str> = Failure::ALL.iter().map(|f| f.name()).collect();
                        format!(
                            "route {name:?}: unknown failure {s:?} in `on` (known: {})",
                            known.join(", ")
                        )
                    })
                })
                .collect::<Result<_, _>>()?
        };
        Ok(Self {
            name: name.to_string(),
            chain: c.chain.clone(),
            on,
            retries: c.retries,
            backoff: Duration::from_millis(c.backoff_ms),
            max_backoff: Duration::from_millis(c.max_backoff_ms.max(c.backoff_ms)),
            first_token_timeout: c.first_token_timeout_ms.map(Duration::from_millis),
            restart_after_content: c.restart_after_content,
        })
    }

    /// A single model, no fallback: what a pane without a route does.
    pub fn single(model: &str) -> Self {
        Self {
            name: model.to_string(),
            chain: vec![model.to_string()],
            on: Vec::new(),
            retries: 0,
            backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
            first_token_timeout: None,
            restart_after_content: false,
        }
    }

    /// The same route with only its first hop (fallback turned off); retries stay.
    pub fn primary_only(&self) -> Self {
        Self {
            chain: self.chain[..1].to_vec(),
            ..self.clone()
        }
    }

    /// How long to wait before attempt `retry` (1-based) on the same hop: the server's
    /// Retry-After when it sent one, else exponential backoff with +-25% jitter; never above
    /// `max_backoff`. `None` means the server asks for longer than we allow: move on instead.
    pub fn backoff_for(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        rng: &mut SplitMix64,
    ) -> Option<Duration> {
        if let Some(ra) = retry_after {
            return (ra <= self.max_backoff).then_some(ra);
        }
        let base = self.backoff.as_secs_f64() * 2f64.powi(retry.saturating_sub(1) as i32);
        let jitter = 0.75 + 0.5 * rng.next_f64();
        Some(Duration::from_secs_f64(
            (base * jitter).min(self.max_backoff.as_secs_f64()),
        ))
    }
}

/// The built-in routes of the demo profile.
pub fn demo_routes() -> BTreeMap<String, RouteConfig> {
    let mut m = BTreeMap::new();
    m.insert(
        "demo-fallback".to_string(),
        RouteConfig {
            chain: vec!["demo/flaky".into(), "demo/fast-mini".into()],
            retries: 1,
            backoff_ms: 200,
            max_backoff_ms: 2_000,
            first_token_timeout_ms: Some(5_000),
            restart_after_content: true,
            ..Default::default()
        },
    );
    m
}

/// One attempt on one hop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    pub model: String,
    /// 0 for the first try on this hop, 1 for the first retry...
    pub attempt: u32,
    pub error: Option<String>,
    pub failure: Option<Failure>,
    /// Time from sending this attempt to its end.
    pub ms: f64,
    /// Wait before the next attempt, when there was one.
    pub backoff_ms: Option<f64>,
    /// Answer text had started before this attempt failed.
    pub failed_after_content: bool,
}

/// What a route run reports as it goes, for live display.
#[derive(Debug, Clone)]
pub enum RouteEvent {
    /// A new attempt starts (its chunks follow).
    Attempt {
        model: String,
        attempt: u32,
        sent_at: Instant,
    },
    Chunk(Timed<Chunk>),
    /// The attempt failed; `next` says what happens now.
    Failed {
        hop: Hop,
        next: Next,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    RetryAfter(Duration),
    MoveOn(String),
    GiveUp,
}

#[derive(Debug)]
pub struct RouteOutcome {
    pub route: String,
    pub hops: Vec<Hop>,
    /// The last attempt: the answer when it succeeded, the final error otherwise.
    pub last: Outcome,
    pub started: Instant,
    pub ended: Instant,
}

impl RouteOutcome {
    pub fn succeeded(&self) -> bool {
        self.last.error.is_none()
    }

    /// The model that answered (the hop that succeeded).
    pub fn answered_by(&self) -> Option<&str> {
        self.succeeded().then_some(self.last.model.as_str())
    }

    /// Time spent before the answering attempt started: failed attempts and backoff.
    pub fn added_latency_ms(&self) -> f64 {
        let before = self.last.collector.sent_at();
        before.saturating_duration_since(self.started).as_secs_f64() * 1000.0
    }

    /// A readable summary of every hop, for errors.
    pub fn hops_summary(&self) -> String {
        summarize(&self.hops)
    }
}

/// `model retry N (123 ms): error; ...` for every hop.
fn summarize(hops: &[Hop]) -> String {
    hops.iter()
        .map(|h| {
            let retry = if h.attempt > 0 {
                format!(" retry {}", h.attempt)
            } else {
                String::new()
            };
            format!(
                "{}{retry} ({:.0} ms): {}",
                h.model,
                h.ms,
                h.error.as_deref().unwrap_or("ok")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
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
    let mut rng = SplitMix64::from_parts(&[&seed.to_le_bytes(), route.name.as_bytes()]);
    let mut hops = Vec::new();
    let mut hop_idx = 0;
    let mut attempt = 0;
    loop {
        let model = route.chain[hop_idx].clone();
        let mut r = req.clone();
        r.model = model.clone();
        let mut first_content = false;
        let out = attempt_once(
            client,
            r,
            &cancel,
            route.first_token_timeout,
            &mut |ev| {
                if let RouteEvent::Chunk(c) = &ev {
                    first_content |= c.item.content.as_deref().is_some_and(|t| !t.is_empty());
                }
                on_event(ev);
            },
            attempt,
        )
        .await;
        let cancelled = matches!(out.error, Some(GatewayError::Cancelled));
        let mut out = out;
        let failure = match &out.error {
            None => {
                // A completed answer refused by the provider's filter counts as a failure.
                let filtered = out.collector.finish_reason.as_deref() == Some("content_filter")
                    && out.collector.text.is_empty();
                if filtered {
                    out.error = Some(GatewayError::Upstream {
                        message: "the provider's content filter refused the answer".into(),
                    });
                }
                filtered.then_some(Failure::ContentFilter)
            }
            Some(e) => Failure::classify(e),
        };
        let Some(failure) = failure.filter(|_| !cancelled) else {
            if out.error.is_some() {
                hops.push(hop_record(&out, attempt, None, None, first_content));
            }
            return RouteOutcome {
                route: route.name.clone(),
                hops,
                last: out,
                started,
                ended: Instant::now(),
            };
        };
        // Decide what comes next.
        let moves_on =
            route.on.contains(&failure) && (!first_content || route.restart_after_content);
        let retry_after = out.error.as_ref().and_then(GatewayError::retry_after);
        let next = if !moves_on {
            Next::GiveUp
        } else if attempt < route.retries {
            match route.backoff_for(attempt + 1, retry_after, &mut rng) {
                Some(d) => Next::RetryAfter(d),
                None if hop_idx + 1 < route.chain.len() => {
                    Next::MoveOn(route.chain[hop_idx + 1].clone())
                }
                None => Next::GiveUp,
            }
        } else if hop_idx + 1 < route.chain.len() {
            Next::MoveOn(route.chain[hop_idx + 1].clone())
        } else {
            Next::GiveUp
        };
        let backoff = match &next {
            Next::RetryAfter(d) => Some(d.as_secs_f64() * 1000.0),
            _ => None,
        };
        let hop = hop_record(&out, attempt, Some(failure), backoff, first_content);
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
                    let summary = summarize(&hops);
                    out.error = Some(GatewayError::Exhausted {
                        route: route.name.clone(),
                        attempts: hops.len(),
                        hops: summary,
                        last: Box::new(last),
                    });
                }
                return RouteOutcome {
                    route: route.name.clone(),
                    hops,
                    last: out,
                    started,
                    ended: Instant::now(),
                };
            }
            Next::RetryAfter(d) => {
                attempt += 1;
                tokio::select! {
                    biased;
                    _ = cancel.cancelled() => {
                        let mut last = out;
                        last.error = Some(GatewayError::Cancelled);
                        return RouteOutcome { route: route.name.clone(), hops, last, started, ended: Instant::now() };
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

fn hop_record(
    out: &Outcome,
    attempt: u32,
    failure: Option<Failure>,
    backoff_ms: Option<f64>,
    after_content: bool,
) -> Hop {
    Hop {
        model: out.model.clone(),
        attempt,
        error: out.error.as_ref().map(ToString::to_string),
        failure,
        ms: out
            .collector
            .timeline
            .end
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        backoff_ms,
        failed_after_content: after_content && out.error.is_some(),
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
    let fail = |collector: Collector, error| Outcome {
        model: model.clone(),
        prompt: prompt.clone(),
        collector,
        headers: None,
        error: Some(error),
    };
    let start = client.chat_stream(req, child.clone());
    let started = match deadline {
        Some(dl) => match tokio::time::timeout_at(dl.into(), start).await {
            Ok(r) => r,
            Err(_) => {
                child.cancel();
                let mut c = Collector::new(t0);
                c.finish(Instant::now());
                return fail(c, deadline_error(first_token_timeout));
            }
        },
        None => start.await,
    };
    let mut stream = match started {
        Ok(s) => s,
        Err(e) => {
            let mut c = Collector::new(t0);
            c.finish(Instant::now());
            return fail(c, e);
        }
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
                    error = Some(deadline_error(first_token_timeout));
                    break;
                }
            },
            None => stream.next().await,
        };
        match next {
            Some(Ok(chunk)) => {
                on_event(RouteEvent::Chunk(chunk.clone()));
                collector.push(chunk.at, chunk.item);
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

fn deadline_error(after: Option<Duration>) -> GatewayError {
    GatewayError::Deadline {
        after: after.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_errors() {
        let http = |status: u16, message: &str| GatewayError::Http {
            status,
            url: String::new(),
            message: message.into(),
            retry_after: None,
            key_env: None,
        };
        assert_eq!(
            Failure::classify(&http(429, "")),
            Some(Failure::RateLimited)
        );
        assert_eq!(
            Failure::classify(&http(503, "")),
            Some(Failure::ServerError)
        );
        assert_eq!(Failure::classify(&http(401, "")), Some(Failure::Auth));
        assert_eq!(
            Failure::classify(&http(
                400,
                "This model's maximum context length is 8192 tokens"
            )),
            Some(Failure::ContextLength)
        );
        assert_eq!(
            Failure::classify(&http(400, "bad")),
            Some(Failure::BadRequest)
        );
        assert_eq!(Failure::classify(&GatewayError::Cancelled), None);
    }

    #[test]
    fn config_and_backoff() {
        let c = RouteConfig {
            chain: vec!["a".into(), "b".into()],
            on: vec!["429".into(), "5xx".into()],
            retries: 2,
            backoff_ms: 100,
            max_backoff_ms: 1000,
            ..Default::default()
        };
        let r = Route::from_config("r", &c).unwrap();
        assert_eq!(r.on, vec![Failure::RateLimited, Failure::ServerError]);
        let mut rng = SplitMix64::new(1);
        for retry in 1..=6 {
            let d = r.backoff_for(retry, None, &mut rng).unwrap();
            let base = 100.0 * 2f64.powi(retry as i32 - 1);
            let ms = d.as_secs_f64() * 1000.0;
            assert!(
                ms >= (base * 0.75).min(1000.0) - 1e-6 && ms <= (base * 1.25).min(1000.0) + 1e-6,
                "{retry}: {ms}"
            );
        }
        assert_eq!(
            r.backoff_for(1, Some(Duration::from_millis(300)), &mut rng),
            Some(Duration::from_millis(300))
        );
        assert_eq!(
            r.backoff_for(1, Some(Duration::from_secs(30)), &mut rng),
            None
        );
        let bad = RouteConfig {
            on: vec!["sometimes".into()],
            ..c.clone()
        };
        assert!(
            Route::from_config("r", &bad)
                .unwrap_err()
                .contains("sometimes")
        );
        assert!(Route::from_config("r", &RouteConfig::default()).is_err());
        assert_eq!(
            Route::from_config(
                "r",
                &RouteConfig {
                    chain: vec!["a".into()],
                    ..Default::default()
                }
            )
            .unwrap()
            .on,
            DEFAULT_ON.to_vec()
        );
    }
}
