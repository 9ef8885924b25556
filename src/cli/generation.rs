//! `ask` with `generation_stats = true`: each answer completed with the gateway's own bill and
//! provider from `/generation` before it is printed or stored.

use tokio_util::sync::CancellationToken;

use crate::answer::AnswerRecord;
use crate::gateway::generation::{BACKOFF, fetch};
use crate::session::Session;

/// Ask for every answer's stats at once; what cannot be had is said on stderr and left out.
pub async fn complete(session: &Session, records: &mut [AnswerRecord], cancel: &CancellationToken) {
    if !session.profile.generation_stats {
        return;
    }
    let asks: Vec<_> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.succeeded())
        .filter_map(|(i, r)| Some((i, r.generation_id.clone()?)))
        .map(|(i, id)| {
            let client = session.client.clone();
            (
                i,
                tokio::spawn(async move { fetch(&client, &id, &BACKOFF).await }),
            )
        })
        .collect();
    if asks.is_empty() {
        eprintln!(
            "gatebench: the gateway sent no generation id (x-generation-id): no stats to ask for"
        );
        return;
    }
    for (i, task) in asks {
        let got = tokio::select! {
            r = task => r.unwrap_or_else(|e| Err(format!("/generation: {e}"))),
            _ = cancel.cancelled() => return,
        };
        match got {
            Ok(g) => {
                records[i].apply_generation(&g);
                for note in &g.notes {
                    eprintln!("gatebench: {}: /generation: {note}", records[i].model);
                }
            }
            Err(e) => eprintln!(
                "gatebench: {}: {}",
                records[i].model,
                crate::clean::terminal_safe(&e)
            ),
        }
    }
}
