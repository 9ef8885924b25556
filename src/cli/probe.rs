//! `gatebench probe`: the capability matrix of models and routes, with the wire checked, what the
//! gateway claims beside it, the worst-case spend said (and capped) first, and the result kept in
//! the history to compare with the next probe.

use clap::Args;

use crate::probe::run::{Plan, Target, all_asks, probe_all};
use crate::probe::{Capability, FORMAT, Probe};
use crate::session::Session;

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A model to probe (repeatable).
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    /// A route (`[routes.NAME]`) whose every model is probed (repeatable).
    #[arg(short = 'r', long = "route", value_name = "ROUTE")]
    pub routes: Vec<String>,
    /// Only these capabilities, comma-separated (`tools,json_schema`); `--only help` lists them.
    #[arg(long, value_name = "LIST")]
    pub only: Option<String>,
    /// How many times json_schema is asked (its cell shows the share that validates).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub tries: u32,
    /// Output tokens each probe asks for at most (raise it for reasoning models, which think
    /// before they answer).
    #[arg(long, value_name = "N", default_value_t = crate::probe::cases::MAX_TOKENS)]
    pub max_tokens: u32,
    /// Print the probe as JSON.
    #[arg(long)]
    pub json: bool,
    /// Compare with the last probe of each target in the history, and say what changed.
    #[arg(long)]
    pub diff: bool,
    /// Refuse the probe (exit 3) when its worst-case spend is more than this many USD.
    #[arg(long, value_name = "USD", value_parser = super::bench::args::parse_money)]
    pub max_spend: Option<f64>,
    /// Probe without asking when the worst case is more than the credits left.
    #[arg(long)]
    pub yes: bool,
}

/// Every capability, a line each with what it asks.
fn known() -> String {
    Capability::ALL
        .iter()
        .map(|c| format!("  {:<22} {}", c.name(), c.question()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The capabilities `--only` names; every one without it.
pub fn capabilities(only: Option<&str>) -> anyhow::Result<Vec<Capability>> {
    let Some(list) = only else {
        return Ok(Capability::ALL.to_vec());
    };
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            Capability::parse(s).ok_or_else(|| {
                anyhow::anyhow!(
                    "--only: unknown capability {:?}; known:\n{}",
                    s.trim(),
                    known()
                )
            })
        })
        .collect()
}

/// One row per model; a route's models each get a row of their own, named `route: model`.
fn targets(session: &Session, args: &ProbeArgs) -> anyhow::Result<Vec<Target>> {
    let mut out = Vec::new();
    for t in session.targets(&args.models, &args.routes)? {
        for m in &t.route.chain {
            out.push(Target {
                name: if t.named {
                    format!("{}: {m}", t.route.name)
                } else {
                    m.clone()
                },
                model: m.clone(),
            });
        }
    }
    Ok(out)
}

/// The worst case: every request at its `max_tokens`, on every target's model.
async fn check_spend(
    session: &Session,
    args: &ProbeArgs,
    plan: &Plan,
    targets: &[Target],
) -> Option<i32> {
    use crate::bench::estimate::{Known, estimate_shapes};
    let listed = session.client.models().await.unwrap_or_default();
    let prices = crate::answer::PriceBook::new(&listed, &session.config.prices);
    let known = Known::new(prices, &listed, session.typical_output(None));
    let shapes: Vec<(u64, Option<u64>)> = all_asks(plan, "m")
        .iter()
        .map(|a| {
            let out = ["max_tokens", "max_output_tokens"]
                .iter()
                .find_map(|k| a.body[*k].as_u64());
            (crate::metrics::estimate_tokens(&a.body.to_string()), out)
        })
        .collect();
    let bench_targets: Vec<_> = targets
        .iter()
        .map(|t| crate::bench::run::Target::of(&crate::route::Route::single(&t.model)))
        .collect();
    let spend = estimate_shapes(&shapes, 1, &bench_targets, &known);
    let limit = super::spend::Limit {
        max_spend: args.max_spend,
        yes: args.yes,
        per: "",
    };
    super::spend::check(&limit, &spend, session).await
}

pub async fn run(
    session: &Session,
    args: &ProbeArgs,
    history: Option<&crate::history::Writer>,
) -> anyhow::Result<i32> {
    if args.only.as_deref().map(str::trim) == Some("help") {
        println!(
            "The capabilities --only takes (comma-separated):\n{}",
            known()
        );
        return Ok(0);
    }
    let plan = Plan {
        capabilities: capabilities(args.only.as_deref())?,
        tries: args.tries.clamp(1, 50),
        max_tokens: args.max_tokens.max(1),
    };
    let targets = targets(session, args)?;
    if let Some(code) = check_spend(session, args, &plan, &targets).await {
        return Ok(code);
    }
    let stop = super::Stop::listen();
    eprintln!(
        "probing {} target(s), {} capabilities each ({} requests a target)...",
        targets.len(),
        plan.capabilities.len(),
        all_asks(&plan, "m").len()
    );
    let probed = probe_all(&session.client, &targets, &plan, &stop.cancel).await;
    stop.done();
    let mut probe = Probe {
        format: FORMAT.into(),
        gatebench_version: env!("CARGO_PKG_VERSION").into(),
        at_unix_ms: crate::clock::now_ms(),
        base_url: session.gateway_id(),
        targets: probed,
    };
    probe.scrub(session.key.as_ref());
    let earlier = match args.diff {
        true => session.last_probes(history.and_then(crate::history::Writer::reader).as_ref()),
        false => Default::default(),
    };
    if let Some(w) = history {
        w.send(crate::history::Record::Probe(Box::new(probe.clone())));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&probe)?);
    } else {
        print!(
            "{}",
            crate::clean::terminal_safe(&crate::probe::report::text(&probe))
        );
    }
    if args.diff {
        for line in crate::probe::diff::lines(&probe, &earlier) {
            eprintln!("{}", crate::clean::terminal_safe(&line));
        }
    }
    Ok(stop.code().unwrap_or(0))
}
