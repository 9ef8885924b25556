//! Test scaffolding for unit tests, screen snapshots and benches (`cfg(test)` or the `testkit`
//! feature, never in a release build): drive the workbench's `update` with the messages a request
//! task sends, folded by the same `Collector` the route runner uses, at fixed instants.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use crate::answer::{Collector, Hop, Outcome, RouteOutcome};
use crate::app::{Action, Effect, State, update};
use crate::gateway::GatewayError;
use crate::gateway::wire::{Chunk, FinishReason, Message, Usage};
use crate::route::Next;

/// One request of the workbench as its task would report it.
pub struct Req {
    pub id: u64,
    /// What the pane sends to: its route's name or its model.
    target: String,
    model: String,
    prompt: Vec<Message>,
    started: Instant,
    collector: Collector,
    hops: Vec<Hop>,
}

impl Req {
    /// The first attempt of request `id` starts at `at`, on its pane's own model.
    pub fn start(s: &mut State, id: u64, at: Instant) -> Req {
        let pane = s.panes().iter().find(|p| p.request_id == id);
        let model = pane.map(|p| p.model.clone()).unwrap_or_default();
        let prompt = pane
            .and_then(|p| p.pending_prompt.clone())
            .unwrap_or_default();
        let mut r = Req {
            id,
            target: pane.map(|p| p.target().to_string()).unwrap_or_default(),
            model: String::new(),
            prompt: vec![Message::user(prompt)],
            started: at,
            collector: Collector::new(at),
            hops: Vec::new(),
        };
        r.attempt(s, &model, at);
        r
    }

    /// A new attempt (a route's next hop or retry).
    pub fn attempt(&mut self, s: &mut State, model: &str, at: Instant) {
        self.model = model.to_string();
        self.collector = Collector::new(at);
        update(
            s,
            Action::Started {
                request_id: self.id,
                model: model.to_string(),
                sent_at: at,
            },
        );
    }

    pub fn chunk(&mut self, s: &mut State, at: Instant, chunk: Chunk) -> Vec<Effect> {
        self.collector.push(at, &chunk);
        let progress = self.collector.progress();
        update(
            s,
            Action::Chunk {
                request_id: self.id,
                at,
                chunk,
                progress,
            },
        )
    }

    pub fn content(&mut self, s: &mut State, at: Instant, text: &str) -> Vec<Effect> {
        self.chunk(s, at, content(text))
    }

    /// The current attempt failed with `error` at `at`; the route decided `next`.
    pub fn fail_hop(
        &mut self,
        s: &mut State,
        at: Instant,
        error: GatewayError,
        next: Next,
    ) -> Vec<Effect> {
        self.collector.finish(at);
        let out = self.outcome(Some(error), None);
        let hop = Hop::of(&out, 0, None, false);
        self.hops.push(hop.clone());
        update(
            s,
            Action::HopFailed {
                request_id: self.id,
                hop,
                next,
            },
        )
    }

    fn outcome(&self, error: Option<GatewayError>, headers: Option<HeaderMap>) -> Outcome {
        Outcome {
            model: self.model.clone(),
            prompt: self.prompt.clone(),
            collector: self.collector.clone(),
            headers,
            error,
        }
    }

    pub fn end(self, s: &mut State, at: Instant) -> Vec<Effect> {
        self.end_with(s, at, None, None)
    }

    pub fn end_with(
        mut self,
        s: &mut State,
        at: Instant,
        error: Option<GatewayError>,
        headers: Option<HeaderMap>,
    ) -> Vec<Effect> {
        self.collector.finish(at);
        let last = self.outcome(error, headers);
        let outcome = RouteOutcome {
            rule: None,
            route: self.target.clone(),
            hops: std::mem::take(&mut self.hops),
            last,
            started: self.started,
            ended: at,
        };
        update(
            s,
            Action::Ended {
                request_id: self.id,
                outcome: Box::new(outcome),
            },
        )
    }
}

pub fn content(text: &str) -> Chunk {
    Chunk {
        content: Some(text.into()),
        ..Default::default()
    }
}

/// Drive one request to the end with fixed instants: the text after `ttft_ms`, then usage at
/// 300 ms, the end at 310 ms.
pub fn answer(s: &mut State, id: u64, t0: Instant, ttft_ms: u64, text: &str, usage: Option<Usage>) {
    let ms = |n| t0 + Duration::from_millis(n);
    let mut r = Req::start(s, id, t0);
    r.content(s, ms(ttft_ms), text);
    let last = Chunk {
        finish_reason: Some(FinishReason::Stop),
        usage,
        ..Default::default()
    };
    r.chunk(s, ms(300), last);
    r.end(s, ms(310));
}
