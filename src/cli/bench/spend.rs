//! Before a benchmark: what it will spend at most and likely, beside the credits the gateway says
//! are left; `--max-spend` refuses it, and on a terminal a worst case past the credits asks first.
//! After it: the estimate against what was spent.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use crate::bench::estimate::{Known, Spend, estimate};
use crate::bench::summary::Summary;
use crate::format::fmt_money;
use crate::gateway::account::{self, AccountReport};
use crate::gateway::wire::ModelInfo;
use crate::session::Session;

use super::{Plan, RunArgs};

/// The exit status of a run refused for its spend.
pub const REFUSED: i32 = 3;

/// The history's typical output length per model, when there is a history to read.
fn typical_output(
    history: Option<&crate::history::Writer>,
) -> std::collections::BTreeMap<String, u64> {
    history
        .and_then(|w| crate::history::Store::open(&w.path).ok())
        .and_then(|s| crate::history::board::typical_output(&s).ok())
        .unwrap_or_default()
}

/// The estimate for `plan`, warm-up requests counted at the workload's first lines.
pub(crate) fn plan_spend(
    a: &RunArgs,
    plan: &Plan,
    listed: &[ModelInfo],
    history: Option<&crate::history::Writer>,
) -> Spend {
    let known = Known {
        prices: plan.prices.clone(),
        context: listed
            .iter()
            .filter_map(|m| m.context_length.map(|c| (m.id.clone(), c)))
            .collect(),
        typical_output: typical_output(history),
    };
    let repeat = a.repeat.unwrap_or(1) as u64;
    let mut s = estimate(&plan.items, repeat, &plan.targets, a.max_tokens, &known);
    let warm = &plan.items[..a.warmup.min(plan.items.len())];
    if !warm.is_empty() {
        let w = estimate(warm, 1, &plan.targets, a.max_tokens, &known);
        s.requests += w.requests;
        s.input_tokens += w.input_tokens;
        s.worst_usd += w.worst_usd;
        s.likely_usd = s.likely_usd.zip(w.likely_usd).map(|(x, y)| x + y);
    }
    s
}

/// What the gateway says is left, if it says (asked briefly: a slow gateway does not hold up
/// the run).
async fn credits_left(session: &Session) -> Option<f64> {
    let ask = account::fetch(&session.client, session.profile.account);
    match tokio::time::timeout(Duration::from_secs(5), ask).await {
        Ok(Ok(AccountReport::Reported(a))) => a.left_usd,
        _ => None,
    }
}

/// Say what the run will spend; `Some(code)` when it must not start.
pub async fn check(a: &RunArgs, spend: &Spend, session: &Session) -> Option<i32> {
    let left = credits_left(session).await;
    let per = if a.duration.is_some() && a.repeat.is_none() {
        " per pass over the workload (--duration runs as many as fit)"
    } else {
        ""
    };
    eprintln!(
        "spend: {}{per}{}",
        spend.line(),
        left.map_or(String::new(), |l| format!(
            "; the gateway says {} is left",
            fmt_money(l)
        ))
    );
    if let Some(max) = a.max_spend
        && spend.worst_usd > max
    {
        eprintln!(
            "refused: the worst case ({}) is more than --max-spend {}; lower --repeat or \
             --max-tokens, or raise --max-spend",
            fmt_money(spend.worst_usd),
            fmt_money(max)
        );
        return Some(REFUSED);
    }
    let left = left.filter(|l| spend.worst_usd > *l && !a.yes)?;
    let question = format!(
        "The worst case ({}) is more than the {} the gateway says is left. Run anyway? [y/N] ",
        fmt_money(spend.worst_usd),
        fmt_money(left)
    );
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "warning: {}",
            question.trim_end_matches(" Run anyway? [y/N] ")
        );
        return None;
    }
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim().eq_ignore_ascii_case("y") || answer.trim().eq_ignore_ascii_case("yes") {
        None
    } else {
        eprintln!("not run (--yes runs without asking)");
        Some(REFUSED)
    }
}

/// The estimate against what the run spent, so a user learns how far to trust it.
pub fn against_actual(spend: &Spend, s: &Summary) -> String {
    let actual: f64 = s
        .targets
        .iter()
        .map(|t| t.cost_usd + t.judge.cost_usd)
        .sum();
    format!(
        "spend: estimated {} at most{}; spent {} (as priced: the gateway's figure where it gave one)",
        fmt_money(spend.worst_usd),
        spend
            .likely_usd
            .map_or(String::new(), |l| format!(", likely {}", fmt_money(l))),
        fmt_money(actual)
    )
}
