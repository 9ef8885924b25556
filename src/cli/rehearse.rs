use std::path::PathBuf;

use clap::Args;

use crate::answer::PriceBook;
use crate::bench::rehearse;
use crate::bench::workload::{self, Item};
use crate::session::Session;

#[derive(Debug, Args)]
pub struct RehearseArgs {
    /// The route to rehearse (`[routes.NAME]` in the config; `demo-fallback` on the demo profile).
    #[arg(long)]
    pub route: String,
    #[arg(long, default_value_t = 20)]
    pub requests: usize,
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// The prompt every request sends.
    #[arg(long, conflicts_with = "workload")]
    pub prompt: Option<String>,
    /// A workload file, as `bench --workload` reads it (prompts, or JSON lines of chat requests); used in turn.
    #[arg(long, value_name = "FILE")]
    pub workload: Option<PathBuf>,
    /// Seed for backoff jitter, so a rehearsal can be repeated exactly.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Exit with status 1 when the success rate with fallback is below this (0..1).
    #[arg(long, value_name = "RATE")]
    pub min_success: Option<f64>,
    #[arg(long)]
    pub json: bool,
    /// Refuse the rehearsal (exit 3) when its worst-case spend is more than this many USD.
    #[arg(long, value_name = "USD", value_parser = super::bench::args::parse_money)]
    pub max_spend: Option<f64>,
    /// Rehearse without asking when the worst case is more than the credits left.
    #[arg(long)]
    pub yes: bool,
}

pub async fn run(session: &Session, args: &RehearseArgs) -> anyhow::Result<i32> {
    let route = &session
        .config
        .route(&args.route, session.profile.is_demo())?;
    if args.requests == 0 {
        anyhow::bail!("--requests must be at least 1");
    }
    let items = match (&args.workload, &args.prompt) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read workload {}: {e}", path.display()))?;
            let (items, bad) = workload::parse(&text);
            if let Some(b) = bad.first() {
                anyhow::bail!("workload {}: {b}", path.display());
            }
            if items.is_empty() {
                anyhow::bail!("workload {}: the workload has no prompts", path.display());
            }
            items
        }
        (None, p) => vec![Item::prompt(
            1,
            p.clone().unwrap_or_else(|| {
                "Summarise why fallback routes matter, in three bullet points.".into()
            }),
        )],
    };
    let listed = session.client.models().await.unwrap_or_default();
    let prices = PriceBook::new(&listed, &session.config.prices);
    let known =
        crate::bench::estimate::Known::new(prices.clone(), &listed, session.typical_output(None));
    let target = crate::bench::run::Target {
        route: route.clone(),
        named: true,
    };
    // The prompts go round until N requests are sent: count each as often as it is sent.
    let shapes: Vec<(u64, Option<u64>)> = (0..args.requests)
        .map(|i| &items[i % items.len()])
        .map(|it| {
            (
                crate::bench::estimate::input_tokens(it),
                it.max_tokens.map(u64::from),
            )
        })
        .collect();
    let spend = crate::bench::estimate::estimate_shapes(&shapes, 1, &[target], &known);
    let limit = super::spend::Limit {
        max_spend: args.max_spend,
        yes: args.yes,
        per: "",
    };
    if let Some(code) = super::spend::check(&limit, &spend, session).await {
        return Ok(code);
    }
    let stop = super::Stop::listen();
    let cancel = stop.cancel.clone();
    eprintln!(
        "rehearsing route {} ({}) with {} requests, {} at a time...",
        route.name,
        route.chain.join(" -> "),
        args.requests,
        args.concurrency
    );
    let report = rehearse::rehearse(
        &session.client,
        route,
        &items,
        rehearse::Plan {
            requests: args.requests,
            concurrency: args.concurrency,
            seed: args.seed,
        },
        &prices,
        cancel.clone(),
    )
    .await;
    stop.done();
    eprintln!("{}", spend.against(report.cost_usd));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    if let Some(code) = stop.code() {
        return Ok(code);
    }
    Ok(match args.min_success {
        Some(min) if report.success_rate_with_fallback < min => {
            eprintln!(
                "error: success rate {:.1}% is below --min-success {:.1}%",
                report.success_rate_with_fallback * 100.0,
                min * 100.0
            );
            1
        }
        _ => 0,
    })
}
