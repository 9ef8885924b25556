//! `ask --tools`: an agent loop per target, side by side. Each step goes through the one answer
//! pipeline (`route::run`, then `settle`); `tools::agent` decides what follows a step.

use tokio_util::sync::CancellationToken;

pub use super::ask_args::ToolArgs;
use crate::answer::{AnswerRecord, PriceBook, RouteOutcome, settle};
use crate::gateway::Client;
use crate::gateway::wire::{ChatRequest, Message};
use crate::route::Route;
use crate::tools::agent::{self, CallReport, Next, Stopped};
use crate::tools::{Stubs, ToolSet};

/// What one target's run needs.
#[derive(Clone)]
pub struct Loop {
    pub tools: ToolSet,
    pub stubs: Stubs,
    pub max_steps: u32,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

/// Every step's outcome and calls, and why the run ended; priced afterwards (`settle_run`), when
/// the listed prices are in.
pub struct Run {
    pub outcomes: Vec<RouteOutcome>,
    pub calls: Vec<Vec<CallReport>>,
    pub stopped: Stopped,
    pub named: bool,
}

/// The tools, from `--tools FILE` or else the config's `[tools]`, and the stubs.
pub fn load(
    tools: Option<&str>,
    stubs: Option<&str>,
    config: &crate::config::Config,
) -> anyhow::Result<Option<(ToolSet, Stubs)>> {
    let set = match tools {
        Some(p) => Some(ToolSet::load(p).map_err(|e| anyhow::anyhow!("--tools {e}"))?),
        None => config.tool_set()?,
    };
    let stubs = match stubs {
        Some(p) => Stubs::load(p).map_err(|e| anyhow::anyhow!("--tool-stubs {e}"))?,
        None => Stubs::default(),
    };
    match set {
        Some(s) => Ok(Some((s, stubs))),
        None if !stubs.by_name.is_empty() => {
            anyhow::bail!("--tool-stubs answers tools, but none are offered: add --tools FILE")
        }
        None => Ok(None),
    }
}

/// Run one target's loop until it answers, waits for a result no stub gives, fails, or reaches
/// the step limit.
pub async fn run(
    client: Client,
    route: Route,
    named: bool,
    mut messages: Vec<Message>,
    l: Loop,
    cancel: CancellationToken,
) -> Run {
    let free = PriceBook::default();
    let mut out = Run {
        outcomes: Vec::new(),
        calls: Vec::new(),
        stopped: Stopped::Error,
        named,
    };
    for step in 1..=l.max_steps {
        let req = ChatRequest {
            messages: messages.clone(),
            max_tokens: l.max_tokens,
            temperature: l.temperature,
            tools: Some(l.tools.wire()),
            ..Default::default()
        };
        let r = crate::route::run(
            &client,
            &route,
            req,
            cancel.clone(),
            u64::from(step),
            |_| {},
        )
        .await;
        let (calls, next) = agent::after_step(
            &l.tools,
            &l.stubs,
            step,
            l.max_steps,
            &settle(&r, named, &free),
        );
        out.outcomes.push(r);
        out.calls.push(calls);
        match next {
            Next::Stop(s) => {
                out.stopped = s;
                break;
            }
            Next::Await => {
                out.stopped = Stopped::NoResult;
                break;
            }
            Next::Continue(more) => messages.extend(more),
        }
    }
    out
}

/// An agent loop per target at once, each reported as one record with its steps.
#[allow(clippy::too_many_arguments)]
pub async fn ask(
    session: &crate::session::Session,
    args: &super::ask_args::AskArgs,
    targets: &[(Route, bool)],
    messages: Vec<Message>,
    (tools, stubs): (crate::tools::ToolSet, crate::tools::Stubs),
    stop: &super::Stop,
    listing: tokio::task::JoinHandle<Vec<crate::gateway::wire::ModelInfo>>,
    writer: Option<crate::history::Writer>,
) -> anyhow::Result<i32> {
    let l = Loop {
        tools,
        stubs,
        max_steps: args.agent.max_steps,
        max_tokens: args.max_tokens,
        temperature: args.temperature,
    };
    let tasks: Vec<_> = targets
        .iter()
        .map(|(route, named)| {
            let (client, route, msgs) = (session.client.clone(), route.clone(), messages.clone());
            tokio::spawn(run(
                client,
                route,
                *named,
                msgs,
                l.clone(),
                stop.cancel.clone(),
            ))
        })
        .collect();
    let mut runs = Vec::new();
    for t in tasks {
        runs.push(t.await?);
    }
    let listed = super::price_list(listing, stop).await;
    stop.done();
    let prices = PriceBook::new(&listed, &session.config.prices);
    let records = runs
        .into_iter()
        .filter_map(|r| settle_run(r, &prices))
        .collect();
    super::ask_text::report(
        args,
        stop,
        super::ask_text::scrubbed(records, session),
        false,
        writer,
    )
}

/// The run as one record: priced with `prices`, its steps kept.
pub fn settle_run(run: Run, prices: &PriceBook) -> Option<AnswerRecord> {
    let records: Vec<AnswerRecord> = run
        .outcomes
        .iter()
        .map(|o| settle(o, run.named, prices))
        .collect();
    let steps = records
        .iter()
        .zip(run.calls)
        .enumerate()
        .map(|(i, (r, calls))| agent::step_of(i as u32 + 1, r, calls))
        .collect();
    agent::combine(&records, steps, run.stopped)
}
