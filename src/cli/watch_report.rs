//! `gatebench watch report`: what the watch saw, per target, from the history.

use std::time::Duration;

use clap::Args;

use crate::session::Session;
use crate::watch::report::{by_target, states, target_text};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How far back (`24h`, `7d`).
    #[arg(long, value_name = "D", value_parser = super::bench::args::parse_duration, default_value = "24h")]
    pub since: Duration,
    #[arg(long)]
    pub json: bool,
}

pub fn run(
    session: &Session,
    r: &ReportArgs,
    history: Option<&crate::history::Writer>,
) -> anyhow::Result<i32> {
    let Some(w) = history else {
        anyhow::bail!("watch report reads the history, which is off");
    };
    let since = crate::clock::now_ms() - r.since.as_millis() as i64;
    let store = crate::history::Store::open(&w.path)?;
    let by = by_target(store.watch_samples(&session.gateway_id(), since, 1_000_000)?);
    if r.json {
        println!("{}", serde_json::to_string_pretty(&by)?);
        return Ok(0);
    }
    if by.is_empty() {
        println!("No watch probes on {} in that time.", session.gateway_id());
        return Ok(0);
    }
    // Each target's state and the alerts its probes raised, by the config's thresholds.
    let thresholds = session
        .config
        .watch
        .thresholds
        .as_deref()
        .map_or(Ok(Default::default()), |t| {
            crate::watch::Thresholds::default().parse_over(t)
        })
        .map_err(|e| anyhow::anyhow!("[watch] thresholds: {e}"))?;
    println!("{}", crate::clean::terminal_safe(&states(&by, &thresholds)));
    for (t, s) in &by {
        print!("{}", crate::clean::terminal_safe(&target_text(t, s)));
    }
    Ok(0)
}
