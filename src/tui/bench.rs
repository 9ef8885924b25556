//! The workbench's benchmark task and the stored runs it lists (see `app::benchrun`).

use tokio_util::sync::CancellationToken;

use crate::app::Action;
use crate::bench::workload::Item;
use crate::gateway::Client;
use crate::history::Store;

/// The newest stored benchmark runs, each with its summary (runs that no longer read are left out).
pub fn stored_runs(st: &Store) -> rusqlite::Result<Vec<crate::app::benchrun::StoredRun>> {
    let mut out = Vec::new();
    for r in st.bench_runs(50)? {
        let Some(json) = st.bench_run(r.id)? else {
            continue;
        };
        if let Ok(summary) = crate::bench::summary::Summary::from_json(&json) {
            out.push(crate::app::benchrun::StoredRun {
                id: r.id,
                started_ms: r.started_ms,
                workload: r.workload,
                targets: r.targets,
                summary: Box::new(summary),
            });
        }
    }
    Ok(out)
}

/// A workbench benchmark: the prompt `REPEAT` times per target, summed up as `bench` does.
#[allow(clippy::too_many_arguments)]
pub async fn task(
    client: Client,
    targets: Vec<crate::bench::run::Target>,
    prompt: String,
    system: Option<String>,
    max_tokens: Option<u32>,
    prices: crate::answer::PriceBook,
    cancel: CancellationToken,
    tx: super::inbox::Sender,
) {
    use crate::app::benchrun::{IN_FLIGHT, REPEAT};
    use crate::bench::collect::{Job, Progress, Show, execute};
    use crate::bench::run::Settings;
    use crate::bench::schedule::Load;
    let workload = format!("prompt {:?}", crate::bench::stats::answer_start(&prompt));
    let mut item = Item::prompt(1, prompt);
    if let Some(s) = system {
        item.messages
            .insert(0, crate::gateway::wire::Message::system(s));
    }
    let endpoint = client.endpoint();
    let job = Job {
        base_url: endpoint.base_url.clone(),
        key: endpoint.api_key.clone(),
        client: client.clone(),
        targets,
        items: vec![item],
        prices,
        settings: Settings {
            load: Load::Closed {
                concurrency: IN_FLIGHT,
            },
            requests: Some(REPEAT),
            duration: None,
            warmup: 0,
            max_tokens,
            seed: 1,
            shard: None,
            judge_model: None,
            cached_in_latency: false,
            slo: None,
            think_time: std::time::Duration::ZERO,
            replay: None,
        },
        workload,
        per_day: None,
        bad_lines: 0,
    };
    let mut summary = execute(job, None, Progress::new(Show::Quiet, None), cancel.clone()).await;
    summary.interrupted = cancel.is_cancelled();
    let _ = tx.send(Action::Benched(Box::new(summary)));
}
