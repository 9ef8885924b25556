//! `bench --trace`: the trace is read once before the run (its requests, its bad lines, what it
//! will spend), streamed, so a trace of any length takes the same memory; then each target is
//! asked whether it can be held to the trace's output lengths, and the replay runs.

use std::io::BufReader;
use std::path::Path;

use crate::bench::estimate::{Known, Spend, estimate_stream};
use crate::bench::replay::{Exact, check_exact};
use crate::bench::run::Target;
use crate::bench::trace::{Read, TraceReader};

/// Bad lines printed one by one; past these, counted.
const SHOWN: u64 = 20;

/// What a trace holds.
pub(crate) struct Scanned {
    pub requests: usize,
    /// Lines reported: unreadable (skipped) or out of order (kept).
    pub reported: u64,
    /// The last request's time, ms from the start.
    pub span_ms: u64,
}

fn open(path: &Path) -> anyhow::Result<TraceReader<BufReader<std::fs::File>>> {
    let f = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot read the trace {}: {e}", path.display()))?;
    Ok(TraceReader::new(BufReader::new(f)))
}

/// Read the whole trace once, reporting its bad lines.
pub(crate) fn scan(path: &Path, strict: bool) -> anyhow::Result<Scanned> {
    let name = path.display();
    let mut s = Scanned {
        requests: 0,
        reported: 0,
        span_ms: 0,
    };
    for r in open(path)? {
        match r {
            Read::Request(t) => {
                s.requests += 1;
                s.span_ms = s.span_ms.max(t.at_ms);
            }
            Read::Bad(b) => {
                s.reported += 1;
                if s.reported <= SHOWN {
                    eprintln!(
                        "trace {name}: {}",
                        crate::clean::terminal_safe(&b.to_string())
                    );
                }
            }
        }
    }
    if s.reported > SHOWN {
        eprintln!(
            "trace {name}: ... and {} more line(s) reported",
            s.reported - SHOWN
        );
    }
    if s.reported > 0 && strict {
        anyhow::bail!("{} line(s) of the trace reported (--strict)", s.reported);
    }
    if s.reported > 0 {
        eprintln!(
            "note: {} line(s) reported; unreadable ones are skipped, --strict makes them fatal",
            s.reported
        );
    }
    if s.requests == 0 {
        anyhow::bail!("the trace {name} has no requests");
    }
    Ok(s)
}

/// What the replay will spend: each line's prompt in, its output length out.
pub(crate) fn spend(path: &Path, targets: &[Target], known: &Known) -> Spend {
    let shapes = || {
        open(path).into_iter().flatten().filter_map(|r| match r {
            // The prompt's words, and the chat's framing.
            Read::Request(t) => Some((t.input_length + 7, Some(t.output_length))),
            Read::Bad(_) => None,
        })
    };
    estimate_stream(shapes, 1, targets, known)
}

/// Ask each target whether it takes `min_tokens` / `ignore_eos`, saying so per target; whether
/// to send them, per target.
pub(crate) async fn exactness(
    client: &crate::gateway::Client,
    targets: &[Target],
    prices: &crate::answer::PriceBook,
) -> Vec<bool> {
    let mut out = Vec::new();
    for t in targets {
        let verdict: Exact = check_exact(client, t, prices).await;
        eprintln!("{}", crate::clean::terminal_safe(&verdict.said(t.name())));
        out.push(verdict.send());
    }
    out
}
