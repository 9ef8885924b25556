//! Where a run's requests come from: a workload file, synthetic prompts, one prompt, or a trace.

use super::args::RunArgs;
use crate::bench::workload::{self, Item};

/// The workload, or the trace, read and reported.
pub(crate) fn read(a: &RunArgs) -> anyhow::Result<Read> {
    if let Some(path) = &a.trace {
        let s = super::trace::scan(path, a.strict)?;
        return Ok(Read {
            items: Vec::new(),
            name: format!(
                "trace {} ({} requests over {:.1}s)",
                path.display(),
                s.requests,
                s.span_ms as f64 / 1000.0
            ),
            bad_lines: s.reported,
            trace_requests: Some(s.requests),
        });
    }
    let (items, name, bad_lines) = read_items(a)?;
    Ok(Read {
        items,
        name,
        bad_lines,
        trace_requests: None,
    })
}

/// The workload read, and how it was described.
pub(crate) struct Read {
    pub items: Vec<Item>,
    pub name: String,
    pub bad_lines: u64,
    /// A trace's requests (its lines are read again as the replay goes).
    pub trace_requests: Option<usize>,
}

fn read_items(a: &RunArgs) -> anyhow::Result<(Vec<Item>, String, u64)> {
    if let Some(spec) = &a.synthetic {
        let s = workload::parse_synthetic(spec).map_err(|e| anyhow::anyhow!("--synthetic: {e}"))?;
        return Ok((
            workload::synthetic(s, a.seed),
            format!("synthetic {spec} seed {}", a.seed),
            0,
        ));
    }
    let (text, name) = match (&a.workload, &a.prompt) {
        (Some(p), _) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read the workload {}: {e}", p.display()))?;
            (text, p.display().to_string())
        }
        (None, Some(p)) if p.trim().is_empty() => anyhow::bail!("the prompt is empty"),
        (None, Some(p)) => return Ok((vec![Item::prompt(1, p.clone())], "one prompt".into(), 0)),
        (None, None) => anyhow::bail!(
            "no workload: pass --workload FILE, --synthetic in=512,out=256 or --prompt TEXT"
        ),
    };
    let (items, bad) = workload::parse(&text);
    for b in &bad {
        eprintln!("workload {name}: {b}");
    }
    if !bad.is_empty() && a.strict {
        anyhow::bail!("{} bad line(s) in the workload (--strict)", bad.len());
    }
    if !bad.is_empty() {
        eprintln!(
            "note: {} bad line(s) skipped; --strict makes them fatal",
            bad.len()
        );
    }
    if items.is_empty() {
        anyhow::bail!("the workload {name} has no requests");
    }
    Ok((items, name, bad.len() as u64))
}
