//! What `ask` prints: the answers and a metrics table as text, or the records as JSON; its exit code.

use super::{fmt_ms, fmt_usd};
use crate::answer::AnswerRecord;
use crate::answer::steps::Stopped;
use crate::history::Writer;
use crate::session::Session;

pub fn print_text(records: &[AnswerRecord], streamed: bool, metrics: &str) {
    let mut out = String::new();
    for r in records {
        if streamed {
            out.push_str("\n\n");
            if let Some(note) = r
                .succeeded()
                .then(|| r.gateway_note(&r.hop_model))
                .flatten()
            {
                out.push_str(&format!("[{note}]\n"));
            }
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
            if let Some(note) = r
                .succeeded()
                .then(|| r.gateway_note(&r.hop_model))
                .flatten()
            {
                out.push_str(&format!("[{note}]\n"));
            }
            out.push_str(&describe(r));
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
            } + &steps(r)
                + if r.cached() { " · cached" } else { "" },
        ]);
    }
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let mut w: Vec<usize> = (0..7).map(width).collect();
    // The name column gives way so the table fits 80 columns.
    let others: usize = w[1..].iter().sum::<usize>() + 2 * 6;
    w[0] = w[0].min(80usize.saturating_sub(others).max(12));
    for row in &mut rows {
        row[0] = crate::format::shorten_middle(&row[0], w[0]);
    }
    use crate::format::Align::{Left, Right};
    crate::format::text_table(&rows, &[Left, Right, Right, Right, Right, Right, Left])
        + &bill_notes(records)
}

/// A line per answer whose gateway billed more than 1% apart from tokens x price.
fn bill_notes(records: &[AnswerRecord]) -> String {
    records
        .iter()
        .filter_map(|r| {
            let (g, c) = (r.cost_gateway_usd?, r.cost_computed_usd?);
            crate::metrics::cost::differs(g, c).then(|| {
                format!(
                    "note: {}: the gateway billed {}; tokens x price give {} ({:+.1}%)\n",
                    r.model,
                    fmt_usd(Some(g)),
                    fmt_usd(Some(c)),
                    (g - c) / c.abs().max(f64::MIN_POSITIVE) * 100.0
                )
            })
        })
        .collect()
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

/// The steps as text for `ask`'s plain output: one block per step with its calls.
pub fn describe(r: &AnswerRecord) -> String {
    let mut out = String::new();
    for s in &r.steps {
        out.push_str(&format!(
            "[step {}: {} in {}]\n",
            s.step,
            s.finish_reason.as_deref().unwrap_or("no answer"),
            crate::format::fmt_ms(s.total_ms)
        ));
        for c in &s.tool_calls {
            out.push_str(&format!("  → {}({})\n", c.name, c.arguments));
            if let Some(why) = &c.invalid {
                out.push_str(&format!("    ✗ invalid: {why}\n"));
            }
            match &c.result {
                Some(res) => out.push_str(&format!("    ← {}\n", res.lines().next().unwrap_or(""))),
                None => out.push_str("    ← (no result: add it to --tool-stubs)\n"),
            }
        }
    }
    if let Some(s) = r.stopped.filter(|s| *s != Stopped::Answered) {
        out.push_str(&format!("[stopped: {}]\n", s.label()));
    }
    out
}

/// A server may echo the key back in an answer, a tool call or an error: never shown.
pub(super) fn scrubbed(mut records: Vec<AnswerRecord>, session: &Session) -> Vec<AnswerRecord> {
    for r in &mut records {
        r.scrub(session.key.as_ref());
    }
    records
}

pub(super) fn report(
    args: &super::ask_args::AskArgs,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bill_apart_from_tokens_x_price_gets_a_note_and_a_close_one_none() {
        let mut far = crate::history::tests::record("m/far", "x", Some(0.0102));
        (far.cost_gateway_usd, far.cost_computed_usd) = (Some(0.0102), Some(0.01));
        let mut close = crate::history::tests::record("m/close", "x", Some(0.01));
        (close.cost_gateway_usd, close.cost_computed_usd) = (Some(0.01005), Some(0.01));
        let only_ours = crate::history::tests::record("m/ours", "x", Some(0.01));
        assert_eq!(
            bill_notes(&[far, close, only_ours]),
            "note: m/far: the gateway billed $0.0102; tokens x price give $0.0100 (+2.0%)\n"
        );
    }
}
