//! Asking: the probes of one target one after another, targets side by side; each streamed
//! answer's wire checked as it comes.

use std::collections::BTreeMap;

use tokio_util::sync::CancellationToken;

use super::cases::{self, Ask, Got};
use super::conform;
use super::{Capability, Cell, Evidence, TargetProbe, Tolerated, Violation};
use crate::gateway::Client;

/// What to probe.
#[derive(Debug, Clone)]
pub struct Plan {
    pub capabilities: Vec<Capability>,
    /// json_schema is asked this many times (the validation rate is over them).
    pub tries: u32,
    /// Output tokens each probe asks for at most.
    pub max_tokens: u32,
}

/// A target: its row's name and the model asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    pub model: String,
}

/// Every request the plan makes of one model, for the spend estimate.
pub fn all_asks(plan: &Plan, model: &str) -> Vec<Ask> {
    plan.capabilities
        .iter()
        .flat_map(|c| cases::asks(*c, model, plan.tries, plan.max_tokens))
        .collect()
}

async fn send(client: &Client, ask: &Ask, cancel: &CancellationToken) -> Got {
    if ask.stream {
        match client.exchange(ask.path, &ask.body, cancel.clone()).await {
            Ok(x) => Got::Stream(Box::new(x)),
            Err(e) => Got::Failed(e),
        }
    } else {
        match client.post_json(ask.path, &ask.body, cancel).await {
            Ok((h, v)) => Got::Whole(h, v),
            Err(e) => Got::Failed(e),
        }
    }
}

/// Fold one stream's breaks into the target's: a rule already seen counts one more stream.
fn fold(all: &mut Vec<Violation>, found: Vec<Violation>) {
    for v in found {
        match all.iter_mut().find(|x| x.rule == v.rule) {
            Some(x) => x.times += 1,
            None => all.push(v),
        }
    }
}

/// Probe one target, capability after capability.
pub async fn probe_target(
    client: &Client,
    target: &Target,
    plan: &Plan,
    claims: Option<&BTreeMap<Capability, bool>>,
    cancel: &CancellationToken,
) -> TargetProbe {
    let mut out = TargetProbe {
        target: target.name.clone(),
        cells: Vec::new(),
        violations: Vec::new(),
        tolerated: Tolerated::default(),
        streams_checked: 0,
    };
    for cap in &plan.capabilities {
        if cancel.is_cancelled() {
            break;
        }
        let asks = cases::asks(*cap, &target.model, plan.tries, plan.max_tokens);
        let mut got = Vec::new();
        for a in &asks {
            let g = send(client, a, cancel).await;
            if let Got::Stream(x) = &g {
                let asked = a.body.pointer("/stream_options/include_usage") == Some(&true.into());
                let (v, t) = conform::check(x, *cap, asked);
                fold(&mut out.violations, v);
                out.tolerated.keep_alive_comments += t.keep_alive_comments;
                out.tolerated.empty_deltas += t.empty_deltas;
                out.streams_checked += 1;
            }
            got.push(g);
        }
        let (verdict, reason, answer_start, rate) = super::judge::judge(*cap, &got);
        out.cells.push(Cell {
            capability: *cap,
            verdict,
            reason: crate::secret::mask_keylike(&reason),
            evidence: Evidence {
                request: asks.last().map(|a| a.body.clone()).unwrap_or_default(),
                answer_start: crate::secret::mask_keylike(&answer_start),
                rate,
            },
            claimed: None,
            refuted: false,
        });
    }
    super::claims::apply(&mut out.cells, claims);
    out
}

/// Probe every target at once (each one's probes in sequence).
pub async fn probe_all(
    client: &Client,
    targets: &[Target],
    plan: &Plan,
    cancel: &CancellationToken,
) -> Vec<TargetProbe> {
    // A fresh connection per probe: a server may close a kept-alive connection after an error
    // answer (a refused parameter), and the next probe must not fail for it.
    let fresh = client.unpooled();
    let client = fresh.as_ref().unwrap_or(client);
    let claims = super::claims::fetch(client).await;
    let runs = targets
        .iter()
        .map(|t| probe_target(client, t, plan, claims.get(&t.model), cancel));
    futures_util::future::join_all(runs).await
}
