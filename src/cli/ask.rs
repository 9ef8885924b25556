use std::io::{Read, Write};

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{fmt_ms, fmt_usd};
use crate::gateway::wire::{ChatRequest, Message};

use crate::history::{Record, Writer};

use crate::answer::{AnswerRecord, Collector, Outcome, PriceBook, RouteOutcome, settle};
use crate::route::{self, Route, RouteEvent};
use crate::session::Session;

/// Backoff jitter differs run to run; the demo gateway's own seed keeps its answers fixed.
fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

#[derive(Debug, Args)]
pub struct AskArgs {
    /// Model to ask (repeatable; all are asked at once). Default: the profile's default models.
    #[arg(short = 'm', long = "model")]
    pub models: Vec<String>,
    /// Route to ask through (repeatable): a `[routes.NAME]` of the config, or `demo-fallback`.
    #[arg(short = 'r', long = "route")]
    pub routes: Vec<String>,
    /// System prompt.
    #[arg(long)]
    pub system: Option<String>,
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,
    /// Sampling temperature, 0 to 2.
    #[arg(long, value_parser = temperature)]
    pub temperature: Option<f32>,
    /// Print a JSON array, one object per model.
    #[arg(long)]
    pub json: bool,
    /// Where the metrics table goes in text mode: `stderr` (the default, so `> answer.md` holds
    /// only the answers), `stdout`, or `none`.
    #[arg(long, value_name = "WHERE", default_value = "stderr", value_parser = ["stderr", "stdout", "none"])]
    pub metrics: String,
    /// Ask for whole answers instead of streams (no time to first token then: it equals the total).
    #[arg(long, conflicts_with = "routes")]
    pub no_stream: bool,
    /// The prompt; `-` reads it from standard input.
    pub prompt: String,
}

fn temperature(s: &str) -> Result<f32, String> {
    s.trim()
        .parse::<f32>()
        .ok()
        .filter(|t| (0.0..=2.0).contains(t))
        .ok_or_else(|| format!("{s:?} is not a temperature: a number from 0 to 2"))
}

fn read_prompt(p: &str) -> anyhow::Result<String> {
    if p != "-" {
        return Ok(p.to_string());
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s)
}

pub async fn run(session: &Session, args: &AskArgs, writer: Option<Writer>) -> anyhow::Result<i32> {
    let prompt = read_prompt(&args.prompt)?;
    if prompt.trim().is_empty() {
        anyhow::bail!("the prompt is empty");
    }
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
    if let Some(w) = &writer {
        super::ask_record::start(w, session, args, &prompt, &targets);
    }

    let stop = super::Stop::listen();
    let cancel = stop.cancel.clone();
    // Prices come from /v1/models; fetched alongside the answers, and optional.
    let listing = {
        let client = session.client.clone();
        tokio::spawn(async move { client.models().await.unwrap_or_default() })
    };
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
    stop.done();
    let prices = PriceBook::new(&listed, &session.config.prices);
    let records = outcomes
        .iter()
        .map(|(r, named)| settle(r, *named, &prices))
        .collect();
    report(args, &stop, records, live, writer)
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
    stop.done();
    let prices = PriceBook::new(&listed, &session.config.prices);
    let records = outcomes.iter().map(|o| settle(o, false, &prices)).collect();
    report(args, stop, records, false, writer)
}

fn report(
    args: &AskArgs,
    stop: &super::Stop,
    records: Vec<AnswerRecord>,
    live: bool,
    writer: Option<Writer>,
) -> anyhow::Result<i32> {
    if let Some(w) = &writer {
        super::ask_record::end(w, &records, stop.code().is_some());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&records)?);
    } else {
        print_text(&records, live, &args.metrics);
    }
    let mut failed = false;
    for r in &records {
        if let Some(e) = &r.error {
            failed = true;
            let msg = format!("error: {}: {e}", r.model);
            eprintln!("{}", crate::clean::terminal_safe(&msg));
        }
    }
    Ok(if let Some(code) = stop.code() {
        code
    } else if failed {
        1
    } else {
        0
    })
}

fn print_text(records: &[AnswerRecord], streamed: bool, metrics: &str) {
    let mut out = String::new();
    for r in records {
        if streamed {
            out.push_str("\n\n");
        } else {
            out.push_str(&format!("── {} ──\n", r.model));
            if r.route.is_some()
                && let Some(h) = r.hops.last().filter(|h| h.error.is_none())
            {
                out.push_str(&format!(
                    "[served by {} after {} attempt(s)]\n",
                    h.model,
                    r.hops.len()
                ));
            }
            if !r.reasoning.is_empty() {
                out.push_str("[reasoning]\n");
                out.push_str(r.reasoning.trim_end());
                out.push_str("\n[answer]\n");
            }
            out.push_str(r.text.trim_end());
            if r.error.is_some() && !r.text.is_empty() {
                out.push_str("\n[answer incomplete: see the error below]");
            }
            out.push_str("\n\n");
        }
    }
    // Text mode is for reading: server text never reaches the terminal with control sequences
    // (JSON output escapes them instead).
    print!("{}", crate::clean::terminal_safe(&out));
    let table = metrics_table(records);
    match metrics {
        "stdout" => print!("{table}"),
        "none" => {}
        _ => eprint!("{table}"),
    }
}

/// One row per answer: model (and the hop that served a route), TTFT, total, tokens, speed, cost
/// and status. Columns are as wide as their widest cell; a long model name is shortened in the
/// middle so the table fits 80 columns.
fn metrics_table(records: &[AnswerRecord]) -> String {
    let header = [
        "model", "ttft", "total", "out tok", "tok/s", "cost", "status",
    ]
    .map(String::from);
    let mut rows = vec![header];
    for r in records {
        let est = if r.estimated { " est." } else { "" };
        rows.push([
            match &r.route {
                Some(_) if r.succeeded() => format!("{} → {}", r.model, r.hop_model),
                _ => r.model.clone(),
            },
            fmt_ms(r.ttft_ms),
            fmt_ms(r.total_ms),
            r.output_tokens.map_or("-".into(), |n| format!("{n}{est}")),
            r.tokens_per_s.map_or("-".into(), |v| format!("{v:.1}")),
            match r.cost_source {
                Some(src) => format!("{} ({})", fmt_usd(r.cost_usd), src.label()),
                None => fmt_usd(None),
            },
            match (&r.error_kind, &r.finish_reason) {
                (Some(k), _) => format!("error: {k}"),
                (None, Some(f)) => f.to_string(),
                (None, None) => "done".into(),
            },
        ]);
    }
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let mut w: Vec<usize> = (0..7).map(width).collect();
    let others: usize = w[1..].iter().sum::<usize>() + 2 * 6;
    w[0] = w[0].min(80usize.saturating_sub(others).max(12));
    let mut out = String::new();
    for row in &rows {
        let name = crate::format::shorten_middle(&row[0], w[0]);
        let mut line = format!("{name:<0$}", w[0]);
        for (i, cell) in row.iter().enumerate().skip(1).take(5) {
            line.push_str(&format!("  {cell:>0$}", w[i]));
        }
        line.push_str(&format!("  {}", row[6]));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
