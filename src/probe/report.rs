//! A probe as text: the matrix (one row per target, one column per capability), then what each
//! cell that is not a plain "yes" rests on, refuted claims, and the wire's breaks.

use super::{Capability, Probe, TargetProbe, Verdict};

/// A column's short head.
pub fn head(c: Capability) -> &'static str {
    use Capability as C;
    match c {
        C::Streaming => "stream",
        C::UsageAsked => "usage",
        C::UsageUnasked => "usage-",
        C::Tools => "tools",
        C::ParallelTools => "par",
        C::ToolChoiceRequired => "req",
        C::ToolChoiceNone => "none",
        C::JsonObject => "jobj",
        C::JsonSchema => "schema",
        C::Logprobs => "logp",
        C::Seed => "seed",
        C::Stop => "stop",
        C::MaxTokens => "max",
        C::N => "n",
        C::SystemRole => "sys",
        C::Reasoning => "reason",
        C::ResponsesApi => "resp",
    }
}

/// A cell as the matrix shows it: the verdict, `!` after a refuted claim.
fn mark(t: &TargetProbe, c: Capability) -> String {
    match t.cell(c) {
        Some(cell) => {
            let v = match cell.verdict {
                Verdict::Partial => "part",
                Verdict::Error => "err",
                v => v.name(),
            };
            format!("{v}{}", if cell.refuted { "!" } else { "" })
        }
        None => "-".into(),
    }
}

/// The capabilities any target was probed for, in the matrix's order.
fn columns(p: &Probe) -> Vec<Capability> {
    Capability::ALL
        .into_iter()
        .filter(|c| p.targets.iter().any(|t| t.cell(*c).is_some()))
        .collect()
}

pub fn text(p: &Probe) -> String {
    let cols = columns(p);
    let mut rows = vec![
        std::iter::once("target".to_string())
            .chain(cols.iter().map(|c| head(*c).to_string()))
            .collect::<Vec<_>>(),
    ];
    for t in &p.targets {
        rows.push(
            std::iter::once(t.target.clone())
                .chain(cols.iter().map(|c| mark(t, *c)))
                .collect(),
        );
    }
    let mut out = crate::format::text_table(&rows, &[]);
    out.push_str(
        "\n(yes, no, part = partial, err = error; ! = the gateway claims it, the probe says no)\n",
    );
    for t in &p.targets {
        out.push_str(&details(t));
    }
    out
}

/// What one target's cells rest on, where it is not a plain "yes", and its wire.
fn details(t: &TargetProbe) -> String {
    let mut out = format!("\n{}:\n", t.target);
    for c in &t.cells {
        let rate = c
            .evidence
            .rate
            .map_or(String::new(), |(g, n)| format!(" [{g}/{n}]"));
        if c.verdict == Verdict::Yes && !c.refuted && c.evidence.rate.is_none_or(|(g, n)| g == n) {
            continue;
        }
        out.push_str(&format!(
            "  {:<22} {}{rate}: {}{}\n",
            c.capability.name(),
            c.verdict.name(),
            c.reason,
            if c.refuted {
                " (the gateway claims it)"
            } else {
                ""
            }
        ));
        if !c.evidence.answer_start.is_empty()
            && c.verdict != Verdict::Yes
            && c.evidence.answer_start != c.reason
        {
            out.push_str(&format!(
                "  {:<22} answer: {}\n",
                "", c.evidence.answer_start
            ));
        }
    }
    if t.violations.is_empty() {
        out.push_str(&format!(
            "  wire: {} streams checked, no breaks of the protocol;",
            t.streams_checked
        ));
    } else {
        out.push_str(&format!("  wire: {} streams checked:\n", t.streams_checked));
        for v in &t.violations {
            out.push_str(&format!(
                "    {} ({} stream(s), first in {}): {}\n      {}\n",
                v.rule,
                v.times,
                v.probe.name(),
                v.what,
                if v.line.is_empty() {
                    "(at the end of the stream)"
                } else {
                    &v.line
                }
            ));
        }
        out.push_str("  wire:");
    }
    let tol = t.tolerated;
    out.push_str(&format!(
        " tolerated: {} keep-alive comment(s), {} empty delta(s)\n",
        tol.keep_alive_comments, tol.empty_deltas
    ));
    out
}
