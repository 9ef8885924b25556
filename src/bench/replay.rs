//! Trace replay, the thin async part: each target reads the trace as a stream and starts each
//! request at its timestamp (times `--time-scale`), whatever is still in flight, asking for the
//! trace's output length. Whether a target can be held to that length (`min_tokens`,
//! `ignore_eos`) is asked once before the run, and said per target.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::job::{Send, Shard, Shared, Target, exchange};
use super::trace::{Read, Replay, TraceReader};
use super::workload::Item;
use crate::answer::{PriceBook, settle};
use crate::gateway::wire::{ChatRequest, Message};
use crate::gateway::{Client, ErrorKind};
use crate::route::{self, Route};

/// Whether a target's answers can be held to the asked length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exact {
    /// Answers are as long as asked.
    Honoured,
    /// Taken without complaint, but the answer ended early: sent anyway, lengths not assured.
    Ignored,
    /// Refused (the server's words): sent without them.
    Refused(String),
    /// The check itself failed (its error): they are sent, nothing assured.
    Unknown(String),
}

impl Exact {
    pub fn send(&self) -> bool {
        !matches!(self, Exact::Refused(_))
    }

    /// One line for the user.
    pub fn said(&self, target: &str) -> String {
        match self {
            Exact::Honoured => format!(
                "trace: {target} takes min_tokens/ignore_eos: answers are as long as the trace says"
            ),
            Exact::Ignored => format!(
                "trace: {target} ignores min_tokens/ignore_eos: answers may end before the trace's output_length"
            ),
            Exact::Refused(why) => format!(
                "trace: {target} refuses min_tokens/ignore_eos ({why}): sent without them; answers may end before the trace's output_length"
            ),
            Exact::Unknown(why) => format!(
                "trace: {target}: whether it takes min_tokens/ignore_eos could not be checked ({why}): sent anyway"
            ),
        }
    }
}

/// Tokens the check asks for.
const CHECK_TOKENS: u32 = 8;

/// Ask each model of `target` for exactly a few tokens of a one-word answer.
pub async fn check_exact(client: &Client, target: &Target, prices: &PriceBook) -> Exact {
    let mut verdict = Exact::Honoured;
    for model in &target.route.chain {
        let req = ChatRequest {
            messages: vec![Message::user(crate::protocol::ONE_WORD_PROMPT)],
            max_tokens: Some(CHECK_TOKENS),
            min_tokens: Some(CHECK_TOKENS),
            ignore_eos: Some(true),
            ..Default::default()
        };
        let cancel = tokio_util::sync::CancellationToken::new();
        let out = route::run(client, &Route::single(model), req, cancel, 0, |_| {}).await;
        let rec = settle(&out, false, prices);
        match (&rec.error, rec.error_kind) {
            (Some(e), Some(ErrorKind::ClientError)) => return Exact::Refused(e.brief()),
            // Another failure says nothing about the parameters: keep them.
            (Some(e), _) => verdict = Exact::Unknown(e.brief()),
            (None, _) if rec.estimated || rec.output_tokens != Some(u64::from(CHECK_TOKENS)) => {
                verdict = Exact::Ignored;
            }
            (None, _) => {}
        }
    }
    verdict
}

/// Replay the trace against target `t`; returns when every started request has ended.
pub async fn drive(shared: Arc<Shared>, target: Arc<Target>, t: usize, replay: &Replay) {
    let Ok(file) = std::fs::File::open(&replay.path) else {
        // Read once already before the run; gone since: nothing to replay.
        return;
    };
    let s = &shared.settings;
    let shard = s.shard.unwrap_or(Shard { index: 0, count: 1 });
    let exact = replay.exact.get(t).copied().unwrap_or(false);
    let t0 = Instant::now();
    let until = s.duration.map(|d| t0 + d);
    let mut tasks = tokio::task::JoinSet::new();
    let requests = TraceReader::new(std::io::BufReader::new(file)).filter_map(|r| match r {
        Read::Request(l) => Some(l),
        Read::Bad(_) => None,
    });
    for (job, line) in requests.enumerate() {
        if job % shard.count != shard.index {
            continue;
        }
        let at = t0 + Duration::from_secs_f64(line.at_ms as f64 / 1000.0 * replay.time_scale);
        if until.is_some_and(|u| at >= u) {
            break;
        }
        tokio::select! {
            biased;
            _ = shared.cancel.cancelled() => break,
            _ = tokio::time::sleep_until(at) => {}
        }
        let out = u32::try_from(line.output_length).unwrap_or(u32::MAX);
        let item = Item {
            max_tokens: Some(out),
            tags: vec!["trace".into()],
            ..Item::prompt(line.line, "")
        };
        let messages = super::trace::prompt(&line);
        let (sh, tg) = (shared.clone(), target.clone());
        tasks.spawn(async move {
            let send = Send {
                messages,
                max_tokens: item.max_tokens,
                checks: &item.checks,
                turn: None,
                exact,
            };
            exchange(&sh, &tg, (t, job, false), &item, send).await;
        });
        // Reap finished requests as we go, so a long trace holds only those in flight.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}
