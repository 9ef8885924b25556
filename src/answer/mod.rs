//! One answer, from streamed chunks to the settled record. The route runner folds each chunk once
//! (`Collector`), ends with a typed `RouteOutcome` (every hop, the last attempt's collector, headers
//! and typed error), and `settle` turns that plus prices into the `AnswerRecord` that the workbench,
//! `ask --json` and `rehearse` all read.

pub mod collect;
mod generation;
mod notes;
pub mod record;
pub mod round;
pub mod steps;

use std::time::Instant;

use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};

pub use collect::{Collector, Progress, ToolCall};
pub use record::{AnswerRecord, PriceBook, settle};

use crate::gateway::wire::Message;
use crate::gateway::{ErrorKind, GatewayError};

/// One attempt on one model: whatever arrived, kept even when the stream failed.
#[derive(Debug)]
pub struct Outcome {
    pub model: String,
    /// The messages sent, for token estimates when the server reports no usage.
    pub prompt: Vec<Message>,
    pub collector: Collector,
    pub headers: Option<HeaderMap>,
    pub error: Option<GatewayError>,
}

/// One attempt on one hop, as reported (the answering attempt included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hop {
    pub model: String,
    /// 0 for the first try on this hop, 1 for the first retry...
    pub attempt: u32,
    pub error: Option<String>,
    /// The error without its URL, for the workbench.
    #[serde(skip)]
    pub brief: Option<String>,
    pub failure: Option<ErrorKind>,
    /// Time from sending this attempt to its end.
    #[serde(serialize_with = "round_hop_ms")]
    pub ms: f64,
    /// Wait before the next attempt, when there was one.
    #[serde(serialize_with = "round::round_ms")]
    pub backoff_ms: Option<f64>,
    /// Answer text had started before this attempt failed.
    pub failed_after_content: bool,
}

impl Hop {
    pub fn scrub(&mut self, c: crate::secret::Scrubber) {
        let Hop {
            model,
            attempt: _,
            error,
            brief,
            failure: _,
            ms: _,
            backoff_ms: _,
            failed_after_content: _,
        } = self;
        c.text(model);
        c.opt(error);
        c.opt(brief);
    }
}

fn round_hop_ms<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    round::round_ms(&Some(*v), s)
}

impl Hop {
    /// The record of a finished attempt.
    pub fn of(out: &Outcome, attempt: u32, backoff_ms: Option<f64>, after_content: bool) -> Self {
        Hop {
            model: out.model.clone(),
            attempt,
            error: out.error.as_ref().map(ToString::to_string),
            brief: out.error.as_ref().map(GatewayError::brief),
            failure: out.error.as_ref().map(GatewayError::kind),
            ms: out
                .collector
                .timeline
                .end
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            backoff_ms,
            failed_after_content: after_content && out.error.is_some(),
        }
    }
}

/// A request's end: the attempts that failed, and the last one (the answer, or the final error).
#[derive(Debug)]
pub struct RouteOutcome {
    pub route: String,
    /// The route's rule that picked the first model, if one did.
    pub rule: Option<String>,
    /// Failed attempts, in order.
    pub hops: Vec<Hop>,
    pub last: Outcome,
    pub started: Instant,
    pub ended: Instant,
}

/// The wait before an attempt: from the request's first send to this attempt's send (failed
/// attempts and backoff), in milliseconds. Figures measured from the send add it, live and settled.
pub fn wait_ms(first_sent: Instant, attempt_sent: Instant) -> f64 {
    attempt_sent
        .saturating_duration_since(first_sent)
        .as_secs_f64()
        * 1000.0
}

impl RouteOutcome {
    /// A request made once, without a route.
    pub fn single(last: Outcome) -> Self {
        let started = last.collector.sent_at();
        let ended = last.collector.timeline.end.map_or(started, |d| started + d);
        Self {
            route: last.model.clone(),
            rule: None,
            hops: Vec::new(),
            last,
            started,
            ended,
        }
    }

    /// The same outcome under a route's name.
    pub fn renamed(self, route: String) -> Self {
        Self { route, ..self }
    }

    pub fn succeeded(&self) -> bool {
        self.last.error.is_none()
    }

    /// The model that answered (the hop that succeeded).
    pub fn answered_by(&self) -> Option<&str> {
        self.succeeded().then_some(self.last.model.as_str())
    }

    /// Time spent before the answering attempt started: failed attempts and backoff.
    pub fn added_latency_ms(&self) -> f64 {
        wait_ms(self.started, self.last.collector.sent_at())
    }

    /// A readable summary of every hop, for errors.
    pub fn hops_summary(&self) -> String {
        summarize(&self.hops)
    }
}

/// `model retry N (123 ms): error; ...` for every hop.
pub fn summarize(hops: &[Hop]) -> String {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::gateway::wire::Chunk;

    fn attempt(model: &str, sent: Instant, ms: u64, error: Option<GatewayError>) -> Outcome {
        let mut c = Collector::new(sent);
        c.push(
            sent + Duration::from_millis(ms / 2),
            &Chunk {
                content: Some("part".into()),
                ..Default::default()
            },
        );
        c.finish(sent + Duration::from_millis(ms));
        Outcome {
            model: model.into(),
            prompt: Vec::new(),
            collector: c,
            headers: None,
            error,
        }
    }

    fn cut() -> GatewayError {
        GatewayError::Cut {
            reason: "closed".into(),
        }
    }

    #[test]
    fn hops_record_what_each_attempt_cost() {
        let t0 = Instant::now();
        let failed = attempt("a", t0, 120, Some(cut()));
        let h = Hop::of(&failed, 1, Some(50.0), true);
        assert_eq!(h.model, "a");
        assert_eq!(h.attempt, 1);
        assert_eq!(h.failure, Some(ErrorKind::Cut));
        assert!((h.ms - 120.0).abs() < 1e-9);
        assert_eq!(h.backoff_ms, Some(50.0));
        assert!(h.failed_after_content);
        // Content before a success is not a failure after content.
        let ok = attempt("b", t0, 80, None);
        let h = Hop::of(&ok, 0, None, true);
        assert!(!h.failed_after_content);
        assert_eq!((h.error, h.failure), (None, None));
        assert!(!Hop::of(&failed, 0, None, false).failed_after_content);
    }

    #[test]
    fn a_route_outcome_knows_who_answered_and_what_fallback_added() {
        let t0 = Instant::now();
        let first = attempt("a", t0, 100, Some(cut()));
        let hop = Hop::of(&first, 0, Some(25.0), false);
        let last = attempt("b", t0 + Duration::from_millis(125), 200, None);
        let r = RouteOutcome {
            rule: None,
            route: "r".into(),
            hops: vec![hop.clone()],
            last,
            started: t0,
            ended: t0 + Duration::from_millis(325),
        };
        assert!(r.succeeded());
        assert_eq!(r.answered_by(), Some("b"));
        assert!((r.added_latency_ms() - 125.0).abs() < 1e-6);
        assert_eq!(
            r.hops_summary(),
            "a (100 ms): the stream was cut before the answer finished: closed"
        );
        let retry = Hop { attempt: 2, ..hop };
        assert!(summarize(&[retry]).starts_with("a retry 2 (100 ms)"));
        let zero = Hop {
            attempt: 0,
            error: None,
            ..Hop::of(&first, 0, None, false)
        };
        assert_eq!(summarize(&[zero]), "a (100 ms): ok");
        // A single attempt: started at its send, ended at its end.
        let single = RouteOutcome::single(attempt("c", t0, 40, Some(cut())));
        assert!(!single.succeeded());
        assert_eq!(single.answered_by(), None);
        assert_eq!(single.started, t0);
        assert_eq!(single.ended, t0 + Duration::from_millis(40));
        assert_eq!(single.route, "c");
        assert_eq!(single.added_latency_ms(), 0.0);
        assert_eq!(single.renamed("route-x".into()).route, "route-x");
    }
}
