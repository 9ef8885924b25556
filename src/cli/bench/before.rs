//! What is checked and said before a run sends anything: a judge model for the rubrics, the
//! gateway's model list (prices, windows, targets it lacks), and the probes that warn.

use super::{Plan, RunArgs};
use crate::bench::workload::Item;
use crate::gateway::wire::ModelInfo;
use crate::session::Session;

/// Rubrics need `--judge-model`.
pub(super) fn judge_model_given(items: &[Item], a: &RunArgs) -> anyhow::Result<()> {
    let judged: Vec<String> = items
        .iter()
        .filter(|i| i.checks.judge.is_some() || i.turns.iter().any(|t| t.checks.judge.is_some()))
        .map(|i| i.line.to_string())
        .collect();
    if !judged.is_empty() && a.judge_model.is_none() {
        anyhow::bail!(
            "the workload has judge rubrics (lines {}): pass --judge-model MODEL to grade them",
            judged.join(", ")
        );
    }
    Ok(())
}

/// `/v1/models` for prices and context windows; said when it fails, and for each target model
/// it does not list.
pub(super) async fn listed(
    session: &Session,
    targets: &[crate::bench::run::Target],
) -> Vec<ModelInfo> {
    let listed = match tokio::time::timeout(
        crate::cli::PRICE_LIST_GRACE * 5,
        session.client.models(),
    )
    .await
    {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            eprintln!(
                "note: /v1/models failed ({}): costs come from the gateway or the config only",
                e.brief()
            );
            Vec::new()
        }
        Err(_) => {
            eprintln!(
                "note: /v1/models did not answer in time: costs come from the gateway or the config only"
            );
            Vec::new()
        }
    };
    for t in targets {
        for m in &t.route.chain {
            if !listed.is_empty() && !listed.iter().any(|l| &l.id == m) {
                eprintln!("warning: {m} is not in the gateway's /v1/models list");
            }
        }
    }
    listed
}

/// A warning for each target whose last probe on this gateway found a capability the workload
/// uses missing: tools, a json_schema or a JSON object response format.
pub(super) fn probe_warnings(
    session: &Session,
    plan: &Plan,
    history: Option<&crate::history::Writer>,
) -> Vec<String> {
    use crate::probe::Capability;
    let format = |t: &str| {
        plan.items
            .iter()
            .any(|i| i.response_format.as_ref().is_some_and(|f| f["type"] == t))
    };
    let used: Vec<(Capability, &str)> = [
        (
            plan.items.iter().any(|i| i.tools.is_some()),
            Capability::Tools,
            "offers tools",
        ),
        (
            format("json_schema"),
            Capability::JsonSchema,
            "asks for a json_schema",
        ),
        (
            format("json_object"),
            Capability::JsonObject,
            "asks for a JSON object",
        ),
    ]
    .into_iter()
    .filter(|(on, _, _)| *on)
    .map(|(_, c, what)| (c, what))
    .collect();
    if used.is_empty() {
        return Vec::new();
    }
    let probes = session.last_probes(history.and_then(crate::history::Writer::reader).as_ref());
    let mut out = Vec::new();
    for m in plan.targets.iter().flat_map(|t| t.route.chain.iter()) {
        let Some((at, p)) = probes.get(m) else {
            continue;
        };
        for (c, what) in &used {
            if p.failed(*c) {
                out.push(format!(
                    "warning: the workload {what}, and the last probe of {m} ({}) found {} {}",
                    crate::clock::fmt_utc(*at),
                    c.name(),
                    p.cell(*c).map_or("", |x| x.verdict.name())
                ));
            }
        }
    }
    out
}

/// What the run will spend, said before it runs; `Err` with the exit status when it must not.
pub(super) async fn spend(
    session: &Session,
    a: &RunArgs,
    plan: &Plan,
    listed: &[ModelInfo],
    history: Option<&crate::history::Writer>,
) -> Result<crate::bench::estimate::Spend, i32> {
    let estimate = super::spend::plan_spend(
        a,
        plan,
        listed,
        session.typical_output(history.and_then(crate::history::Writer::reader).as_ref()),
    );
    let per = if a.duration.is_some() && a.repeat.is_none() {
        " per pass over the workload (--duration runs as many as fit)"
    } else {
        ""
    };
    let limit = crate::cli::spend::Limit {
        max_spend: a.max_spend,
        yes: a.yes,
        per,
    };
    match crate::cli::spend::check(&limit, &estimate, session).await {
        Some(code) => Err(code),
        None => Ok(estimate),
    }
}
