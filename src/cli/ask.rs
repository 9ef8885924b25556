use std::io::{Read, Write};

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::{fmt_ms, fmt_usd};
use crate::gateway::wire::{ChatRequest, Message};
use crate::record::AnswerRecord;
use crate::run;
use crate::session::Session;

#[derive(Debug, Args)]
pub struct AskArgs {
    /// Model to ask (repeatable; all are asked at once). Default: the profile's default models.
    #[arg(short = 'm', long = "model")]
    pub models: Vec<String>,
    /// System prompt.
    #[arg(long)]
    pub system: Option<String>,
    #[arg(long)]
    pub max_tokens: Option<u32>,
    #[arg(long)]
    pub temperature: Option<f32>,
    /// Print a JSON array, one object per model.
    #[arg(long)]
    pub json: bool,
    /// The prompt; `-` reads it from standard input.
    pub prompt: String,
}

fn read_prompt(p: &str) -> anyhow::Result<String> {
    if p != "-" {
        return Ok(p.to_string());
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s)
}

pub async fn run(session: &Session, args: &AskArgs) -> anyhow::Result<i32> {
    let prompt = read_prompt(&args.prompt)?;
    if prompt.trim().is_empty() {
        anyhow::bail!("the prompt is empty");
    }
    let models = if args.models.is_empty() {
        session.default_models()
    } else {
        args.models.clone()
    };
    if models.is_empty() {
        anyhow::bail!(
            "no model named: pass -m MODEL (run `gatebench models` to list them), \
             or set default_models in the profile"
        );
    }
    let mut messages = Vec::new();
    if let Some(s) = &args.system {
        messages.push(Message::new("system", s.clone()));
    }
    messages.push(Message::new("user", prompt));

    let cancel = CancellationToken::new();
    let ctrl_c = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        })
    };
    // Prices come from /v1/models; fetched alongside the answers, and optional.
    let listing = {
        let client = session.client.clone();
        tokio::spawn(async move { client.models().await.unwrap_or_default() })
    };
    let live = models.len() == 1 && !args.json;
    let tasks: Vec<_> = models
        .iter()
        .map(|model| {
            let client = session.client.clone();
            let req = ChatRequest {
                model: model.clone(),
                messages: messages.clone(),
                max_tokens: args.max_tokens,
                temperature: args.temperature,
                ..Default::default()
            };
            let cancel = cancel.clone();
            tokio::spawn(async move {
                let mut out = std::io::stdout();
                run::stream(&client, req, cancel, |c| {
                    if live && let Some(t) = &c.item.content {
                        let _ = out.write_all(t.as_bytes());
                        let _ = out.flush();
                    }
                })
                .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await?);
    }
    ctrl_c.abort();
    let listed = listing.await.unwrap_or_default();
    let records: Vec<AnswerRecord> = outcomes
        .iter()
        .map(|o| AnswerRecord::from_outcome(o, &listed, session.config.prices.get(&o.model)))
        .collect();

    if args.json {
        println!("{}", serde_json::to_string_pretty(&records)?);
    } else {
        print_text(&records, live);
    }
    let mut failed = false;
    for r in &records {
        if let Some(e) = &r.error {
            failed = true;
            eprintln!("error: {}: {e}", r.model);
        }
    }
    Ok(if cancel.is_cancelled() {
        130
    } else if failed {
        1
    } else {
        0
    })
}

fn print_text(records: &[AnswerRecord], streamed: bool) {
    let mut out = String::new();
    for r in records {
        if streamed {
            out.push_str("\n\n");
        } else {
            out.push_str(&format!("── {} ──\n", r.model));
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
    let w = records
        .iter()
        .map(|r| r.model.len())
        .max()
        .unwrap_or(5)
        .max(5);
    out.push_str(&format!(
        "{:<w$}  {:>8}  {:>8}  {:>9}  {:>8}  {:>10}  {}\n",
        "model", "ttft", "total", "out tok", "tok/s", "cost", "status"
    ));
    for r in records {
        let est = if r.estimated { " est." } else { "" };
        let tokens = r
            .output_tokens
            .map_or("-".to_string(), |n| format!("{n}{est}"));
        let tps = r
            .tokens_per_s
            .map_or("-".to_string(), |v| format!("{v:.1}"));
        let cost = match r.cost_source {
            Some(src) => format!("{} ({})", fmt_usd(r.cost_usd), src.label()),
            None => fmt_usd(None),
        };
        let status = match (&r.error_kind, &r.finish_reason) {
            (Some(k), _) => format!("error: {k}"),
            (None, Some(f)) => f.clone(),
            (None, None) => "done".into(),
        };
        out.push_str(&format!(
            "{:<w$}  {:>8}  {:>8}  {:>9}  {:>8}  {:>10}  {}\n",
            r.model,
            fmt_ms(r.ttft_ms),
            fmt_ms(r.total_ms),
            tokens,
            tps,
            cost,
            status
        ));
    }
    print!("{out}");
}
