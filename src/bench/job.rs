//! One request of a benchmark, whatever started it (the load shape, a conversation, a trace):
//! sent through the one answer pipeline (`route::run`, then `settle`), checked, judged, and handed
//! to the caller on one channel; and the types every part of a run shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::checks::Verdict;
use super::schedule::Load;
use super::stats::JudgeVerdict;
use super::workload::Item;
use crate::answer::{AnswerRecord, PriceBook, settle};
use crate::gateway::wire::{ChatRequest, Message};
use crate::gateway::{Client, ErrorKind};
use crate::route::{self, Route, RouteEvent};

/// One model (a route of one hop) or a named route.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub route: Route,
    pub named: bool,
}

impl Target {
    /// A route as a target: named when it has more than one hop.
    pub fn of(route: &Route) -> Self {
        Self {
            route: route.clone(),
            named: route.chain.len() > 1,
        }
    }

    pub fn name(&self) -> &str {
        &self.route.name
    }
}

/// `i/N`: this process runs every N-th request, starting at the i-th.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {s:?}: expected I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (usize, usize) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// How many of `total` requests are this shard's.
    pub fn share(&self, total: usize) -> usize {
        total.saturating_sub(self.index).div_ceil(self.count)
    }

    /// The run-wide request number of this shard's `k`-th.
    pub fn global(&self, k: usize) -> usize {
        k * self.count + self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub load: Load,
    /// Measured requests per target; `None` runs until `duration`.
    pub requests: Option<usize>,
    pub duration: Option<Duration>,
    /// Requests per target sent first and left out of the figures.
    pub warmup: usize,
    /// For requests whose line sets none.
    pub max_tokens: Option<u32>,
    pub seed: u64,
    pub shard: Option<Shard>,
    pub judge_model: Option<String>,
    /// Count answers from the gateway's cache in the latency figures.
    pub cached_in_latency: bool,
    /// Goodput's objectives (`--slo`).
    pub slo: Option<super::slo::Slo>,
    /// In a conversation, the pause between an answer and the next turn (`--think-time`).
    pub think_time: Duration,
    /// Replay a trace instead of the workload (`--trace`).
    pub replay: Option<super::trace::Replay>,
}

/// A finished request.
#[derive(Debug)]
pub struct Done {
    pub target: usize,
    /// A warm-up request: shown in progress, left out of the figures.
    pub warm: bool,
    /// The run-wide request number (the same in a sharded run and a whole one).
    pub job: usize,
    pub line: usize,
    /// In a conversation, which turn (1 for the first).
    pub turn: Option<u32>,
    pub tags: Vec<String>,
    /// When it was sent, in Unix microseconds (for matching a server's own send times).
    pub sent_unix_us: i64,
    /// Sent as `x-request-id`.
    pub request_id: String,
    pub record: Box<AnswerRecord>,
    pub verdicts: Vec<Verdict>,
    pub judge: Option<JudgeVerdict>,
    /// For a route with rules: what the same tokens cost on its first model (None: no rules,
    /// or not priced); `ruled` says whether the route has rules.
    pub ruled: bool,
    pub primary_cost: Option<f64>,
}

/// Figures the client keeps while it runs.
#[derive(Debug, Default)]
pub struct Counters {
    pub chunks: AtomicU64,
    pub in_flight: AtomicU64,
    pub peak_in_flight: AtomicU64,
}

/// What every request of a run shares.
pub struct Shared {
    pub client: Client,
    pub items: Vec<Item>,
    pub prices: PriceBook,
    pub settings: Settings,
    /// Where each finished request goes.
    pub tx: mpsc::Sender<Done>,
    pub counters: Arc<Counters>,
    pub cancel: CancellationToken,
    /// Names this run in every request id (`gb-TAG-TARGET-JOB`), for a gateway's logs.
    pub tag: String,
}

pub(crate) fn unix_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// One request of a job: a single line's, one turn of a conversation, or a trace's line.
pub(crate) struct Send<'a> {
    pub messages: Vec<Message>,
    pub max_tokens: Option<u32>,
    pub checks: &'a super::checks::Checks,
    pub turn: Option<u32>,
    /// Ask for exactly `max_tokens` (`min_tokens`, `ignore_eos`).
    pub exact: bool,
}

/// Send one request, settle it, check it and hand it on; a conversation turn's answer when it
/// succeeded.
pub(crate) async fn exchange(
    shared: &Shared,
    target: &Target,
    (t, job, warm): (usize, usize, bool),
    item: &Item,
    send: Send<'_>,
) -> Option<String> {
    let c = &shared.counters;
    let now = c.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    c.peak_in_flight.fetch_max(now, Ordering::Relaxed);
    let request_id = format!(
        "gb-{}-{t}-{job}{}{}",
        shared.tag,
        send.turn.map_or(String::new(), |n| format!("-t{n}")),
        if warm { "-warm" } else { "" }
    );
    let sent_unix_us = unix_us();
    let seed = shared.settings.seed.wrapping_add(job as u64);
    let req = ChatRequest {
        messages: send.messages,
        max_tokens: send.max_tokens.or(shared.settings.max_tokens),
        min_tokens: send.max_tokens.filter(|_| send.exact),
        ignore_eos: send.exact.then_some(true),
        tools: item.tools.clone(),
        response_format: item.response_format.clone(),
        request_id: Some(request_id.clone()),
        ..Default::default()
    };
    let out = route::run(
        &shared.client,
        &target.route,
        req,
        shared.cancel.clone(),
        seed,
        |ev| {
            if let RouteEvent::Chunk { .. } = ev {
                c.chunks.fetch_add(1, Ordering::Relaxed);
            }
        },
    )
    .await;
    c.in_flight.fetch_sub(1, Ordering::Relaxed);
    let record = settle(&out, target.named, &shared.prices);
    drop(out);
    let ruled = !target.route.rules.is_empty();
    let primary_cost = ruled
        .then(|| super::rules::primary_cost(&record, &target.route.chain[0], &shared.prices))
        .flatten();
    if record.error_kind == Some(ErrorKind::Cancelled) {
        // Stopped by Ctrl-C: neither a success nor a failure of the target.
        return None;
    }
    let verdicts = if record.succeeded() {
        send.checks.evaluate(&record.text, record.output_tokens)
    } else {
        Vec::new()
    };
    let judge = match (&send.checks.judge, &shared.settings.judge_model) {
        (Some(rubric), Some(model)) if record.succeeded() && !warm => {
            Some(judge(shared, model, item, &record.text, rubric).await)
        }
        _ => None,
    };
    // Only a conversation's next turn needs the answer back.
    let answer = (record.succeeded() && send.turn.is_some()).then(|| record.text.clone());
    let done = Done {
        target: t,
        warm,
        job,
        line: item.line,
        turn: send.turn,
        tags: item.tags.clone(),
        sent_unix_us,
        request_id,
        record: Box::new(record),
        ruled,
        primary_cost,
        verdicts,
        judge,
    };
    let _ = shared.tx.send(done).await;
    answer
}

async fn judge(
    shared: &Shared,
    model: &str,
    item: &Item,
    answer: &str,
    rubric: &str,
) -> JudgeVerdict {
    let req = super::judge::request(model, &item.messages, answer, rubric);
    let route = Route::single(model);
    let out = route::run(
        &shared.client,
        &route,
        req,
        shared.cancel.clone(),
        0,
        |_| {},
    )
    .await;
    let rec = settle(&out, false, &shared.prices);
    let (score, reason) = match (&rec.error, super::judge::read_reply(&rec.text)) {
        (Some(e), _) => (None, format!("the judge failed: {}", e.brief())),
        (None, Some((s, r))) => (Some(s), r),
        (None, None) => (
            None,
            format!(
                "the judge's reply has no score: {}",
                super::stats::answer_start(&rec.text)
            ),
        ),
    };
    JudgeVerdict {
        score,
        reason,
        input_tokens: rec.input_tokens,
        output_tokens: rec.output_tokens,
        cost_usd: rec.cost_usd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_a_run_without_gaps_or_overlap() {
        assert_eq!(Shard::parse("1/3").unwrap(), Shard { index: 1, count: 3 });
        for bad in ["3/3", "1", "a/2", "0/0", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        for total in [0, 1, 7, 10] {
            let mut seen = Vec::new();
            for index in 0..3 {
                let s = Shard { index, count: 3 };
                seen.extend((0..s.share(total)).map(|k| s.global(k)));
            }
            seen.sort();
            assert_eq!(seen, (0..total).collect::<Vec<_>>(), "total {total}");
        }
        assert_eq!(Shard { index: 2, count: 4 }.to_string(), "2/4");
    }
}
