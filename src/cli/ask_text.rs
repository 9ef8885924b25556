//! `ask`'s text output: the answers, then a metrics table.

use super::{fmt_ms, fmt_usd};
use crate::answer::AnswerRecord;

pub fn print_text(records: &[AnswerRecord], streamed: bool, metrics: &str) {
    let mut out = String::new();
    for r in records {
        if streamed {
            out.push_str("\n\n");
        } else {
            out.push_str(&format!("── {} ──\n", r.model));
            if let (Some(rule), Some(h)) = (&r.rule, r.hops.first()) {
                out.push_str(&format!("[rule {rule} chose {}]\n", h.model));
            }
            if r.route.is_some()
                && let Some(h) = r.hops.last().filter(|h| h.error.is_none())
            {
                out.push_str(&format!(
                    "[served by {} after {} attempt(s)]\n",
                    h.model,
                    r.hops.len()
                ));
            }
            out.push_str(&super::agent::describe(r));
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
            } + &steps(r),
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

/// ` · 3 steps` for an agent run, and why it stopped when it did not answer.
fn steps(r: &AnswerRecord) -> String {
    use crate::tools::agent::Stopped;
    let n = r.steps.len();
    let count = format!(" · {n} step{}", if n == 1 { "" } else { "s" });
    match r.stopped {
        _ if n == 0 => String::new(),
        Some(s) if s != Stopped::Answered && s != Stopped::Error => {
            format!("{count}, {}", s.label())
        }
        _ => count,
    }
}
