use std::io::{Read, Write};

use tokio_util::sync::CancellationToken;

use crate::gateway::wire::{ChatRequest, Message};

use crate::history::{Record, Writer};

pub use super::ask_args::AskArgs;
use super::ask_text::{report, scrubbed};
use crate::answer::{Collector, Outcome, PriceBook, RouteOutcome, settle};
use crate::route::{self, Route, RouteEvent};
use crate::session::Session;

/// Backoff jitter differs run to run; the demo gateway's own seed keeps its answers fixed.
fn rand_seed() -> u64 {
    crate::clock::seed()
}

fn read_prompt(p: &str) -> anyhow::Result<String> {
    if p != "-" {
        return Ok(p.to_string());
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s)
}

/// Above this the prompt is checked against the context windows even with no attachment.
const LONG_PROMPT_BYTES: usize = 16 * 1024;
/// Room kept for the answer when no `--max-tokens` says how much.
const DEFAULT_REPLY_ROOM: u64 = 1024;

pub async fn run(session: &Session, args: &AskArgs, writer: Option<Writer>) -> anyhow::Result<i32> {
    let prompt = read_prompt(&args.prompt)?;
    if prompt.trim().is_empty() {
        anyhow::bail!("the prompt is empty");
    }
    let attachments = super::context::load_all(&args.attach, args.yes)?;
    for line in super::context::describe(&attachments) {
        eprintln!("{}", crate::clean::terminal_safe(&line));
    }
    let prompt = crate::attach::compose(&prompt, &attachments);
    let tools = super::agent::load(
        args.agent.tools.as_deref(),
        args.agent.tool_stubs.as_deref(),
        &session.config,
    )?;
    let targets: Vec<(Route, bool)> = session
        .targets(&args.models, &args.routes)?
        .into_iter()
        .map(|t| (t.route, t.named))
        .collect();
    let models: Vec<String> = targets
        .iter()
        .filter(|(_, named)| !named)
        .map(|(r, _)| r.name.clone())
        .collect();
    let mut messages = Vec::new();
    if let Some(s) = &args.system {
        messages.push(Message::system(s.clone()));
    }
    messages.push(Message::user(prompt.clone()));
    let stop = super::Stop::listen();
    let cancel = stop.cancel.clone();
    // Prices come from /v1/models; fetched alongside the answers, and optional.
    let mut listing = {
        let client = session.client.clone();
        tokio::spawn(async move { client.models().await.unwrap_or_default() })
    };
    if !attachments.is_empty() || prompt.len() > LONG_PROMPT_BYTES {
        // Long prompts wait for the listing: what does not fit is said before anything is sent.
        let listed = super::price_list(listing, &stop).await;
        let first: Vec<String> = targets.iter().map(|(r, _)| r.chain[0].clone()).collect();
        let reply = args.max_tokens.map_or(DEFAULT_REPLY_ROOM, u64::from);
        let fits = crate::attach::fits(&messages, reply, &first, &listed);
        for note in super::context::check(&fits, args.force)? {
            eprintln!("{}", crate::clean::terminal_safe(&note));
        }
        listing = tokio::spawn(async move { listed });
    }
    if let Some(w) = &writer {
        super::ask_record::start(w, session, args, &prompt, &targets);
    }
    if let Some((tools, stubs)) = tools {
        return super::agent::ask(
            session,
            args,
            &targets,
            messages,
            (tools, stubs),
            &stop,
            listing,
            writer,
        )
        .await;
    }
    if args.no_stream {
        let outcomes = ask_whole(session, args, &models, &messages, &cancel).await;
        return finish(session, args, &stop, listing, outcomes, writer).await;
    }
    let live = targets.len() == 1 && !args.json;
    let tasks = stream_all(session, args, &targets, &messages, &cancel, live, &writer);
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await?);
    }
    let listed = super::price_list(listing, &stop).await;
    let prices = PriceBook::new(&listed, &session.config.prices);
    let mut records: Vec<_> = outcomes
        .iter()
        .map(|(r, named)| settle(r, *named, &prices))
        .collect();
    super::generation::complete(session, &mut records, &stop.cancel).await;
    stop.done();
    report(args, &stop, scrubbed(records, session), live, writer)
}

/// Stream every target at once; with `live`, the one answer is written to stdout as it arrives.
fn stream_all(
    session: &Session,
    args: &AskArgs,
    targets: &[(Route, bool)],
    messages: &[Message],
    cancel: &CancellationToken,
    live: bool,
    writer: &Option<Writer>,
) -> Vec<tokio::task::JoinHandle<(RouteOutcome, bool)>> {
    let seed = rand_seed();
    // Answers are recorded as they end, priced from the config; the listed prices come after.
    let prices = PriceBook::new(&[], &session.config.prices);
    targets
        .iter()
        .enumerate()
        .map(|(i, (route, named))| {
            let seq = i as u64 + 1;
            let (writer, prices) = (writer.clone(), prices.clone());
            let client = session.client.clone();
            let req = ChatRequest {
                messages: messages.to_vec(),
                max_tokens: args.max_tokens,
                temperature: args.temperature,
                ..Default::default()
            };
            let (cancel, route, named) = (cancel.clone(), route.clone(), *named);
            tokio::spawn(async move {
                let mut out = std::io::stdout();
                let r = route::run(&client, &route, req, cancel, seed, |ev| match ev {
                    RouteEvent::Chunk { chunk: c, .. } => {
                        if let Some(w) = &writer {
                            w.send(Record::Delta {
                                seq,
                                content: c.item.content.clone().unwrap_or_default(),
                                reasoning: c.item.reasoning.clone().unwrap_or_default(),
                            });
                        }
                        if let Some(t) = c.item.content.as_deref().filter(|_| live) {
                            let t = crate::clean::terminal_safe(t);
                            let _ = out.write_all(t.as_bytes());
                            let _ = out.flush();
                        }
                    }
                    RouteEvent::Failed { hop, next } => {
                        if let Some(w) = &writer {
                            w.send(Record::Restart { seq });
                        }
                        if !named {
                            return;
                        }
                        let msg = format!(
                            "{}: {} failed: {}; {}",
                            route.name,
                            hop.model,
                            hop.error.as_deref().unwrap_or("?"),
                            next.describe()
                        );
                        eprintln!("{}", crate::clean::terminal_safe(&msg));
                    }
                    _ => {}
                })
                .await;
                if let Some(w) = &writer {
                    let rec = settle(&r, named, &prices);
                    w.send(crate::history::writer::ended(seq, &rec, false));
                }
                (r, named)
            })
        })
        .collect()
}

/// Non-streaming answers, one request per model.
async fn ask_whole(
    session: &Session,
    args: &AskArgs,
    models: &[String],
    messages: &[Message],
    cancel: &CancellationToken,
) -> Vec<RouteOutcome> {
    let tasks: Vec<_> = models
        .iter()
        .map(|model| {
            let client = session.client.clone();
            let req = ChatRequest {
                model: model.clone(),
                messages: messages.to_vec(),
                max_tokens: args.max_tokens,
                temperature: args.temperature,
                ..Default::default()
            };
            let cancel = cancel.clone();
            tokio::spawn(async move {
                let prompt = req.messages.clone();
                let model = req.model.clone();
                let started = std::time::Instant::now();
                let out = match client.chat_once(req, cancel).await {
                    Ok(once) => {
                        let mut c = Collector::new(once.sent_at);
                        c.push(once.done_at, &once.chunk);
                        c.finish(once.done_at);
                        Outcome {
                            model,
                            prompt,
                            collector: c,
                            headers: Some(once.headers),
                            error: None,
                        }
                    }
                    Err(e) => {
                        let mut c = Collector::new(started);
                        c.finish(std::time::Instant::now());
                        Outcome {
                            model,
                            prompt,
                            collector: c,
                            headers: None,
                            error: Some(e),
                        }
                    }
                };
                RouteOutcome::single(out)
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        if let Ok(o) = t.await {
            out.push(o);
        }
    }
    out
}

async fn finish(
    session: &Session,
    args: &AskArgs,
    stop: &super::Stop,
    listing: tokio::task::JoinHandle<Vec<crate::gateway::wire::ModelInfo>>,
    outcomes: Vec<RouteOutcome>,
    writer: Option<Writer>,
) -> anyhow::Result<i32> {
    let listed = super::price_list(listing, stop).await;
    let prices = PriceBook::new(&listed, &session.config.prices);
    let mut records: Vec<_> = outcomes.iter().map(|o| settle(o, false, &prices)).collect();
    super::generation::complete(session, &mut records, &stop.cancel).await;
    stop.done();
    report(args, stop, scrubbed(records, session), false, writer)
}
