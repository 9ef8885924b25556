//! One request through its route, as a task on the network runtime: every event goes back to the
//! event loop as an `Action`, and a panic inside ends the request like any failure.

use std::time::Instant;

use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

use crate::answer::{Collector, Outcome, RouteOutcome};
use crate::app::Action;
use crate::gateway::wire::ChatRequest;
use crate::gateway::{Client, GatewayError};
use crate::route::{Route, RouteEvent};

/// One request through its route: forwards every attempt, chunk (already folded, with its live
/// progress) and failed hop, then the typed end.
pub async fn route_task(
    client: Client,
    request_id: u64,
    req: ChatRequest,
    route: Route,
    cancel: CancellationToken,
    tx: super::inbox::Sender,
) {
    let events = tx.clone();
    let model = req.model.clone();
    let prompt = req.messages.clone();
    let name = route.name.clone();
    let run = crate::route::run(&client, &route, req, cancel, request_id, move |ev| {
        // Test builds only: prove a panic here becomes the pane's error.
        #[cfg(feature = "testkit")]
        if std::env::var_os("GATEBENCH_SELFTEST_TASK_PANIC").is_some() {
            panic!("GATEBENCH_SELFTEST_TASK_PANIC is set: a request task panics on purpose");
        }
        let action = match ev {
            RouteEvent::Attempt { model, sent_at, .. } => Action::Started {
                request_id,
                model,
                sent_at,
            },
            RouteEvent::Chunk { chunk, progress } => Action::Chunk {
                request_id,
                at: chunk.at,
                chunk: chunk.item,
                progress,
            },
            RouteEvent::Failed { hop, next } => Action::HopFailed {
                request_id,
                hop,
                next,
            },
        };
        let _ = events.send(action);
    });
    let out = match std::panic::AssertUnwindSafe(run).catch_unwind().await {
        Ok(out) => out,
        Err(panic) => panicked(name, model, prompt, panic),
    };
    let _ = tx.send(Action::Ended {
        request_id,
        outcome: Box::new(out),
    });
}

/// A request task that panicked ends like any failed request: its pane shows the error.
fn panicked(
    route: String,
    model: String,
    prompt: Vec<crate::gateway::wire::Message>,
    panic: Box<dyn std::any::Any + Send>,
) -> RouteOutcome {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into());
    let now = Instant::now();
    let mut collector = Collector::new(now);
    collector.finish(now);
    RouteOutcome::single(Outcome {
        model,
        prompt,
        collector,
        headers: None,
        error: Some(GatewayError::Other(format!(
            "internal error in gatebench's request task ({what}); the workbench goes on, please report it"
        ))),
    })
    .renamed(route)
}
