//! Exports of a stored session: a Markdown report (prompt, a metrics table, each answer), JSON with
//! everything, CSV with one row per answer. What they contain was scrubbed before it was stored.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::query::{SessionView, StoredAnswer};
use super::store::Store;
use crate::clock::fmt_utc;
use crate::format::{fmt_ms, fmt_usd};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Json,
    Csv,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

pub fn render(view: &SessionView, format: Format) -> String {
    match format {
        Format::Md => markdown(view),
        Format::Json => serde_json::to_string_pretty(view).unwrap_or_default() + "\n",
        Format::Csv => csv(view),
    }
}

/// Draws a session in a format of the caller's (Markdown here, HTML from the report module).
pub type Render = Box<dyn FnOnce(&SessionView) -> String + Send>;

/// Export session `id` into `dir` as `gatebench-session-ID.EXT`, drawn by `render`; the path
/// written, or why not.
pub fn to_dir(
    store: &Store,
    id: i64,
    render: Render,
    ext: &str,
    dir: &Path,
) -> Result<PathBuf, String> {
    let view = super::query::session(store, id, None)
        .map_err(|e| format!("cannot read the session: {e}"))?
        .filter(|v| !v.turns.is_empty())
        .ok_or("nothing to export yet: send a prompt first")?;
    let path = dir.join(format!("gatebench-session-{id}.{ext}"));
    std::fs::write(&path, render(&view))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

pub(crate) fn num(a: &StoredAnswer, field: &str) -> Option<f64> {
    a.answer.as_ref()?.get(field)?.as_f64()
}

pub(crate) fn text_field(a: &StoredAnswer, field: &str) -> String {
    match a.answer.as_ref().and_then(|v| v.get(field)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

pub(crate) fn tokens(a: &StoredAnswer, field: &str) -> String {
    num(a, field).map_or("-".into(), |n| format!("{n:.0}"))
}

pub(crate) fn cost(a: &StoredAnswer) -> String {
    match (num(a, "cost_usd"), text_field(a, "cost_source")) {
        (Some(c), src) if !src.is_empty() => format!("{} ({src})", fmt_usd(Some(c))),
        (c, _) => fmt_usd(c),
    }
}

pub(crate) fn who(a: &StoredAnswer) -> String {
    let served = text_field(a, "model");
    if served.is_empty() || served == a.target {
        a.target.clone()
    } else {
        format!("{} → {served}", a.target)
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(v: &SessionView) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# gatebench session {}\n", v.id);
    let _ = writeln!(
        o,
        "{} · {} · profile `{}` · {}\n",
        fmt_utc(v.started_ms),
        v.kind,
        v.profile,
        v.base_url
    );
    for t in &v.turns {
        let _ = writeln!(o, "## Prompt {} · {}\n", t.seq, fmt_utc(t.sent_ms));
        if let Some(s) = t.system.as_deref().filter(|s| !s.is_empty()) {
            let _ = writeln!(o, "System: {}\n", md_cell(s));
        }
        for line in t.prompt.lines() {
            let _ = writeln!(o, "> {line}");
        }
        o.push_str("\n| # | model | status | TTFT | total | tok/s | in | out | cost | rating |\n");
        o.push_str("|---|---|---|--:|--:|--:|--:|--:|--:|---|\n");
        for (i, a) in t.answers.iter().enumerate() {
            let rating = a.rating.as_ref().map_or(String::new(), |r| {
                format!("{}/5 {}", r.score, md_cell(&r.note))
            });
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                md_cell(&who(a)),
                a.status.as_str(),
                fmt_ms(num(a, "ttft_ms")),
                fmt_ms(num(a, "total_ms")),
                num(a, "decode_tokens_per_s")
                    .or(num(a, "tokens_per_s"))
                    .map_or("-".into(), |r| format!("{r:.1}")),
                tokens(a, "input_tokens"),
                tokens(a, "output_tokens"),
                cost(a),
                rating.trim_end()
            );
        }
        for (i, a) in t.answers.iter().enumerate() {
            let _ = writeln!(o, "\n### {}. {}\n", i + 1, who(a));
            let err = text_field(a, "error");
            if !err.is_empty() {
                let _ = writeln!(o, "**Error:** {}\n", md_cell(&err));
            }
            if !a.text.is_empty() {
                let _ = writeln!(o, "{}", a.text.trim_end());
            }
            if a.status == super::Status::Incomplete {
                let _ = writeln!(o, "\n*(incomplete: the stream was cut off here)*");
            }
        }
        o.push('\n');
    }
    o
}

/// One CSV field, quoted when it has to be (RFC 4180).
const CSV_NUMBERS: &[&str] = &[
    "ttft_ms",
    "ttfr_ms",
    "total_ms",
    "itl_ms",
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_tokens",
    "tokens_per_s",
    "decode_tokens_per_s",
    "cost_usd",
];

fn csv(v: &SessionView) -> String {
    let mut o = String::from("session,prompt_no,sent_ms,pane,target,route,model,status,");
    o.push_str(&CSV_NUMBERS.join(","));
    o.push_str(
        ",cost_source,estimated,finish_reason,error_kind,fallbacks,rating,note,prompt,answer\n",
    );
    for t in &v.turns {
        for a in &t.answers {
            let mut row = vec![
                v.id.to_string(),
                t.seq.to_string(),
                t.sent_ms.to_string(),
                (a.pane + 1).to_string(),
                a.target.clone(),
                a.route.clone().unwrap_or_default(),
                text_field(a, "model"),
                a.status.as_str().to_string(),
            ];
            row.extend(
                CSV_NUMBERS
                    .iter()
                    .map(|f| num(a, f).map_or(String::new(), |n| n.to_string())),
            );
            let hops = a
                .answer
                .as_ref()
                .and_then(|v| v.get("hops")?.as_array().map(Vec::len))
                .map_or(String::new(), |n| n.saturating_sub(1).to_string());
            row.extend([
                text_field(a, "cost_source"),
                text_field(a, "estimated"),
                text_field(a, "finish_reason"),
                text_field(a, "error_kind"),
                hops,
                a.rating
                    .as_ref()
                    .map_or(String::new(), |r| r.score.to_string()),
                a.rating.as_ref().map_or(String::new(), |r| r.note.clone()),
                t.prompt.clone(),
                a.text.clone(),
            ]);
            o.push_str(&crate::format::csv_line(&row));
        }
    }
    o
}
