//! Before a run that sends many requests (`bench`, `ladder`, `rehearse`): what it will spend at
//! most and likely, beside the credits the gateway says are left; `--max-spend` refuses it, and on
//! a terminal a worst case past the credits asks first (`--yes` does not).

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use crate::bench::estimate::Spend;
use crate::format::fmt_money;
use crate::gateway::account::{self, AccountReport};
use crate::session::Session;

/// The exit status of a run refused for its spend.
pub const REFUSED: i32 = 3;

/// What the gateway says is left, if it says (asked briefly: a slow gateway does not hold up
/// the run).
async fn credits_left(session: &Session) -> Option<f64> {
    let ask = account::fetch(
        &session.client,
        session.profile.account,
        session.management_key.as_ref(),
    );
    match tokio::time::timeout(Duration::from_secs(5), ask).await {
        Ok(Ok(AccountReport::Reported(a))) => a.left_usd,
        _ => None,
    }
}

/// How a command lets a user bound its spend.
pub struct Limit {
    /// `--max-spend`: refuse a worst case above it.
    pub max_spend: Option<f64>,
    /// `--yes`: do not ask when the worst case is past the credits left.
    pub yes: bool,
    /// Said after the figures (`per pass over the workload`).
    pub per: &'static str,
}

/// Say what the run will spend; `Some(code)` when it must not start.
pub async fn check(limit: &Limit, spend: &Spend, session: &Session) -> Option<i32> {
    let left = credits_left(session).await;
    let per = limit.per;
    eprintln!(
        "spend: {}{per}{}",
        spend.line(),
        left.map_or(String::new(), |l| format!(
            "; the gateway says {} is left",
            fmt_money(l)
        ))
    );
    if let Some(max) = limit.max_spend
        && spend.worst_usd > max
    {
        eprintln!(
            "refused: the worst case ({}) is more than --max-spend {}; send fewer requests or \
             bound their output (max_tokens), or raise --max-spend",
            fmt_money(spend.worst_usd),
            fmt_money(max)
        );
        return Some(REFUSED);
    }
    let left = left.filter(|l| spend.worst_usd > *l && !limit.yes)?;
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
