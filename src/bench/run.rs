//! The thin async part of a benchmark: start each target's requests under the load shape (or a
//! trace's schedule), a conversation's turns one after another, each through `job::exchange`.
//! Nothing is kept here.

use std::sync::Arc;

pub use super::job::{Counters, Done, Settings, Shard, Shared, Target};
use super::job::{Send, exchange};
use super::schedule::{self, Jobs};
use crate::gateway::wire::Message;

/// Run every target; each finished request goes to `shared.tx`. Returns when all have ended.
pub async fn run(shared: Shared, targets: Vec<Target>) {
    let until = shared
        .settings
        .duration
        .map(|d| tokio::time::Instant::now() + d);
    let shared = Arc::new(shared);
    let mut drives = tokio::task::JoinSet::new();
    for (t, target) in targets.into_iter().enumerate() {
        let shared = shared.clone();
        let target = Arc::new(target);
        drives.spawn(async move {
            let s = &shared.settings;
            if let Some(replay) = &s.replay {
                return super::replay::drive(shared.clone(), target, t, replay).await;
            }
            let shard = s.shard.unwrap_or(Shard { index: 0, count: 1 });
            // Warm-up first, on its own, so the measured load starts warm.
            if s.warmup > 0 {
                let jobs = Jobs {
                    count: Some(s.warmup),
                    until: None,
                };
                let (sh, tg) = (shared.clone(), target.clone());
                schedule::drive(s.load, jobs, s.seed, shared.cancel.clone(), move |j| {
                    one(sh.clone(), tg.clone(), t, j, true)
                })
                .await;
            }
            let jobs = Jobs {
                count: s.requests.map(|n| shard.share(n)),
                until,
            };
            let (sh, tg) = (shared.clone(), target.clone());
            schedule::drive(
                s.load,
                jobs,
                s.seed ^ t as u64,
                shared.cancel.clone(),
                move |k| one(sh.clone(), tg.clone(), t, shard.global(k), false),
            )
            .await;
        });
    }
    while drives.join_next().await.is_some() {}
}

async fn one(shared: Arc<Shared>, target: Arc<Target>, t: usize, job: usize, warm: bool) {
    let item = &shared.items[job % shared.items.len()];
    if item.turns.is_empty() {
        let send = Send {
            messages: item.messages.clone(),
            max_tokens: item.max_tokens,
            checks: &item.checks,
            turn: None,
            exact: false,
        };
        exchange(&shared, &target, (t, job, warm), item, send).await;
        return;
    }
    // A conversation: each turn after the previous answer, with the whole history; a failed
    // turn ends it, as a user would stop there.
    let mut messages = item.messages.clone();
    for (i, turn) in item.turns.iter().enumerate() {
        let think = shared.settings.think_time;
        if i > 0 && !think.is_zero() {
            tokio::select! {
                biased;
                _ = shared.cancel.cancelled() => return,
                _ = tokio::time::sleep(think) => {}
            }
        }
        messages.push(Message::user(turn.prompt.clone()));
        let send = Send {
            messages: messages.clone(),
            max_tokens: turn.max_tokens.or(item.max_tokens),
            checks: &turn.checks,
            turn: Some(i as u32 + 1),
            exact: false,
        };
        match exchange(&shared, &target, (t, job, warm), item, send).await {
            Some(answer) => messages.push(Message::assistant(answer)),
            None => return,
        }
    }
}
