use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use tokio_util::sync::CancellationToken;

use crate::format::{fmt_ms, fmt_usd};
use crate::route::rehearse::{self, Report, WorkItem};
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
    /// A file of prompts, one per line, or JSON lines {"prompt", "system", "max_tokens"}; used in turn.
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
            rehearse::parse_workload(&text)
                .map_err(|e| anyhow::anyhow!("workload {}: {e}", path.display()))?
        }
        (None, p) => vec![WorkItem {
            prompt: p.clone().unwrap_or_else(|| {
                "Summarise why fallback routes matter, in three bullet points.".into()
            }),
            system: None,
            max_tokens: None,
        }],
    };
    let listed = session.client.models().await.unwrap_or_default();
    let config_prices = session.config.prices.clone();
    let prices: rehearse::PriceLookup = Arc::new(move |m: &str| {
        listed
            .iter()
            .find(|x| x.id == m)
            .map(|x| x.prices)
            .filter(|p| p.is_known())
            .or_else(|| config_prices.get(m).copied())
    });
    let cancel = CancellationToken::new();
    let ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
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
        prices,
        cancel.clone(),
    )
    .await;
    ctrl_c.abort();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    if cancel.is_cancelled() {
        return Ok(130);
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

pub fn table(r: &Report) -> String {
    let mut out = format!("route {}: {}\n", r.route, r.chain.join(" -> "));
    out.push_str(&format!(
        "requests {}, succeeded {}\n",
        r.requests, r.succeeded
    ));
    out.push_str(&format!(
        "success rate: primary only {:.1}%, with fallback {:.1}%\n",
        r.success_rate_primary_only * 100.0,
        r.success_rate_with_fallback * 100.0
    ));
    out.push_str(&format!(
        "added latency from retries and fallbacks ({} requests): p50 {}, p95 {}\n",
        r.fallback_requests,
        fmt_ms(r.added_latency_p50_ms),
        fmt_ms(r.added_latency_p95_ms)
    ));
    let delta = match r.cost_delta_usd {
        Some(d) if d >= 0.0 => format!("+{}", fmt_usd(Some(d))),
        Some(d) => format!("-{}", fmt_usd(Some(-d))),
        None => "?".into(),
    };
    out.push_str(&format!(
        "cost: {} in all, {delta} against the primary alone\n\n",
        fmt_usd(r.cost_usd)
    ));
    let w = r
        .hops
        .iter()
        .map(|h| h.model.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "{:<w$}  {:>8}  {:>6}  errors\n",
        "hop", "attempts", "served"
    ));
    for h in &r.hops {
        let errors = h
            .errors
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "{:<w$}  {:>8}  {:>6}  {errors}\n",
            h.model, h.attempts, h.served
        ));
    }
    if !r.failures.is_empty() {
        let f = r
            .failures
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!("\nfailed requests by final error: {f}\n"));
    }
    out
}
