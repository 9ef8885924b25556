//! A benchmark's spend: estimated from its plan before it runs (checked by `cli::spend`), and
//! against what was spent after it.

use crate::bench::estimate::{Known, Spend, estimate};
use crate::bench::summary::Summary;
use crate::gateway::wire::ModelInfo;

use super::{Plan, RunArgs};

/// The estimate for `plan`, warm-up requests counted at the workload's first lines.
pub(crate) fn plan_spend(
    a: &RunArgs,
    plan: &Plan,
    listed: &[ModelInfo],
    typical_output: std::collections::BTreeMap<String, u64>,
) -> Spend {
    let known = Known::new(plan.prices.clone(), listed, typical_output);
    if let Some(r) = &plan.replay {
        return super::trace::spend(&r.path, &plan.targets, &known);
    }
    let repeat = a.repeat.unwrap_or(1) as u64;
    let mut s = estimate(&plan.items, repeat, &plan.targets, a.max_tokens, &known);
    let warm = &plan.items[..a.warmup.min(plan.items.len())];
    if !warm.is_empty() {
        let w = estimate(warm, 1, &plan.targets, a.max_tokens, &known);
        s.requests += w.requests;
        s.input_tokens += w.input_tokens;
        s.worst_usd += w.worst_usd;
        s.likely_usd = s.likely_usd.zip(w.likely_usd).map(|(x, y)| x + y);
    }
    s
}

/// The estimate against what the run spent: candidates and judge, as priced.
pub fn against_actual(spend: &Spend, s: &Summary) -> String {
    let actual: f64 = s
        .targets
        .iter()
        .map(|t| t.cost_usd + t.judge.cost_usd)
        .sum();
    spend.against(Some(actual))
}
