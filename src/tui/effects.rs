//! Carries out the effects `update` asks for: requests, model listing and rehearsals run as tasks
//! on the network runtime and report back on the event loop's channel. Dropping the runner cancels
//! every request still running.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::FutureExt;

use tokio::runtime::Handle;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::answer::{Collector, Outcome, RouteOutcome};
use crate::app::history::PAGE;
use crate::app::{Action, Effect};
use crate::bench::workload::Item;
use crate::gateway::wire::ChatRequest;
use crate::gateway::{Client, GatewayError};
use crate::history::export::Format;
use crate::history::{Store, Writer, query};
use crate::route::rehearse::{self, Plan};
use crate::route::{Route, RouteEvent};

/// The history view's one reader connection, opened on first use and kept for the session.
#[derive(Clone, Default)]
struct Reader(Arc<Mutex<Option<Store>>>);

impl Reader {
    /// Run `f` on the history database at `db`, with errors as text.
    fn read<T>(
        &self,
        db: Option<&Path>,
        f: impl FnOnce(&Store) -> rusqlite::Result<T>,
    ) -> Result<T, String> {
        let db = db.ok_or("history is off")?;
        let mut conn = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if conn.is_none() {
            *conn = Some(Store::open(db).map_err(|e| e.to_string())?);
        }
        let store = conn.as_ref().ok_or("history is off")?;
        f(store).map_err(|e| format!("history: {e}"))
    }
}

pub struct Runner {
    client: Client,
    net: Handle,
    tx: UnboundedSender<Action>,
    tasks: HashMap<u64, CancellationToken>,
    /// The history writer, when recording; `db` is where queries read.
    pub history: Option<Writer>,
    pub db: Option<PathBuf>,
    /// A history search is running; the newest one asked for meanwhile waits here.
    searching: bool,
    next_search: Option<(u64, String)>,
    reader: Reader,
    clipboard: Option<super::clipboard::Local>,
    /// Stops the benchmark running, when one is.
    bench: Option<CancellationToken>,
}

impl Drop for Runner {
    fn drop(&mut self) {
        for t in self.tasks.values().chain(&self.bench) {
            t.cancel();
        }
    }
}

impl Runner {
    pub fn new(client: Client, net: Handle, tx: UnboundedSender<Action>) -> Self {
        Self {
            client,
            net,
            tx,
            tasks: HashMap::new(),
            history: None,
            db: None,
            searching: false,
            next_search: None,
            reader: Reader::default(),
            clipboard: None,
            bench: None,
        }
    }

    /// History effects: writes go to the writer thread, reads run on a blocking thread.
    fn run_history(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::Record(r) => {
                if let Some(w) = &self.history {
                    w.send(*r);
                }
            }
            // One search at a time: keys typed meanwhile leave only their newest query waiting.
            Effect::HistoryQuery { generation, query } if self.searching => {
                self.next_search = Some((generation, query));
            }
            Effect::HistoryQuery { generation, query } => {
                self.searching = true;
                let (db, reader) = (self.db.clone(), self.reader.clone());
                self.net.spawn_blocking(move || {
                    let rows = reader.read(db.as_deref(), |st| query::search(st, &query, PAGE));
                    let _ = tx.send(Action::HistoryRows { generation, rows });
                });
            }
            Effect::CompletePath(prefix) => {
                self.net.spawn_blocking(move || {
                    let candidates = crate::attach::complete_path(&prefix);
                    let _ = tx.send(Action::Completions { prefix, candidates });
                });
            }
            Effect::LoadAttachments(paths) => {
                self.net.spawn_blocking(move || {
                    let limits = crate::attach::Limits::default();
                    let loaded = paths
                        .into_iter()
                        .map(|p| {
                            let r = crate::attach::load(&p, limits, true);
                            (p, r)
                        })
                        .collect();
                    let _ = tx.send(Action::Attached(loaded));
                });
            }
            Effect::LoadBenchRuns => {
                let (db, reader) = (self.db.clone(), self.reader.clone());
                self.net.spawn_blocking(move || {
                    let runs = reader.read(db.as_deref(), super::bench::stored_runs);
                    let _ = tx.send(Action::BenchRuns(runs));
                });
            }
            Effect::LoadSession { id, turn } => {
                let (db, reader) = (self.db.clone(), self.reader.clone());
                self.net.spawn_blocking(move || {
                    let view = reader
                        .read(db.as_deref(), |st| {
                            let id = match id {
                                Some(id) => Some(id),
                                None => query::last_session(st, Some("workbench"))?,
                            };
                            let Some(mut view) = id
                                .map(|id| query::session(st, id, None))
                                .transpose()?
                                .flatten()
                            else {
                                return Ok(None);
                            };
                            // Opened at an earlier prompt: the conversation up to it.
                            view.turns.retain(|t| turn.is_none_or(|n| t.seq <= n));
                            Ok(Some(view))
                        })
                        .and_then(|v| v.ok_or_else(|| "no earlier session to open".to_string()));
                    let _ = tx.send(Action::SessionLoaded(view.map(Box::new)));
                });
            }
            Effect::LoadLeaderboard => {
                let (db, reader) = (self.db.clone(), self.reader.clone());
                self.net.spawn_blocking(move || {
                    let data = reader.read(db.as_deref(), |store| {
                        Ok(crate::app::board::BoardData {
                            votes: crate::history::board::votes(store)?,
                            figures: crate::history::board::figures(store)?,
                        })
                    });
                    let _ = tx.send(Action::Leaderboard(data.map(Box::new)));
                });
            }
            Effect::Export => match &self.history {
                Some(w) => {
                    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                    w.export(
                        Format::Md,
                        dir,
                        Box::new(move |r| {
                            let _ = tx.send(Action::Exported(r));
                        }),
                    );
                }
                None => {
                    let _ = tx.send(Action::Exported(Err("history is off".into())));
                }
            },
            _ => {}
        }
    }

    /// Start what `effect` asks for (Quit and MouseCapture belong to the event loop).
    pub fn run(&mut self, effect: Effect) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        match effect {
            Effect::FetchModels => {
                self.net.spawn(async move {
                    let r = client.models().await.map_err(|e| e.to_string());
                    let _ = tx.send(Action::ModelsLoaded(r));
                });
            }
            Effect::Send {
                request_id,
                req,
                route,
            } => {
                let token = CancellationToken::new();
                self.tasks.insert(request_id, token.clone());
                self.net
                    .spawn(route_task(client, request_id, req, route, token, tx));
            }
            Effect::Rehearse {
                route,
                prompt,
                prices,
            } => {
                self.net.spawn(async move {
                    let item = Item::prompt(1, prompt);
                    let (requests, concurrency) = crate::app::TUI_REHEARSAL;
                    let plan = Plan {
                        requests,
                        concurrency,
                        seed: 1,
                    };
                    let cancel = CancellationToken::new();
                    let report =
                        rehearse::rehearse(&client, &route, &[item], plan, &prices, cancel).await;
                    let _ = tx.send(Action::Rehearsed(Box::new(report)));
                });
            }
            Effect::Bench {
                targets,
                prompt,
                system,
                max_tokens,
                prices,
            } => {
                let token = CancellationToken::new();
                if let Some(old) = self.bench.replace(token.clone()) {
                    old.cancel();
                }
                self.net.spawn(super::bench::task(
                    client, targets, prompt, system, max_tokens, prices, token, tx,
                ));
            }
            Effect::Ladder {
                routes,
                plan,
                prices,
            } => {
                let token = CancellationToken::new();
                if let Some(old) = self.bench.replace(token.clone()) {
                    old.cancel();
                }
                self.net.spawn(async move {
                    let listed = client.models().await.unwrap_or_default();
                    let send = |ev| {
                        let _ = tx.send(Action::Laddered(Some(ev)));
                    };
                    crate::ladder::run::climb(
                        &client, &routes, &listed, &prices, &plan, &token, send,
                    )
                    .await;
                    let _ = tx.send(Action::Laddered(None));
                });
            }
            Effect::CancelBench => {
                if let Some(t) = self.bench.take() {
                    t.cancel();
                }
            }
            Effect::Cancel { request_id } => {
                if let Some(t) = self.tasks.remove(&request_id) {
                    t.cancel();
                }
            }
            Effect::Copy { text, what } => self.copy(text, what),
            Effect::Diff { old, new } => {
                self.net.spawn_blocking(move || {
                    let d = crate::app::diff::word_diff(&old, &new);
                    let _ = tx.send(Action::Diffed(Box::new(d)));
                });
            }
            Effect::Quit | Effect::MouseCapture(_) => {}
            other => self.run_history(other),
        }
    }

    /// OSC 52 to the terminal now; the local clipboard answers on its thread.
    fn copy(&mut self, text: String, what: String) {
        let chars = text.chars().count();
        let osc = super::clipboard::send_osc52(&text);
        let tx = self.tx.clone();
        let local = self
            .clipboard
            .get_or_insert_with(super::clipboard::Local::start);
        local.copy(
            text,
            Box::new(move |r| {
                let local = match (r, osc) {
                    (Ok(()), _) => Ok(()),
                    (Err(e), Ok(())) => Err(e),
                    (Err(e), Err(o)) => Err(format!("{e}; and the terminal: {o}")),
                };
                let _ = tx.send(Action::Copied { what, chars, local });
            }),
        );
    }

    /// Bookkeeping for a message from a task. True when it ends something the screen should show
    /// at once (a request's end, the model list, a rehearsal report).
    pub fn finished(&mut self, a: &Action) -> bool {
        match a {
            Action::Ended { request_id, .. } => {
                self.tasks.remove(request_id);
                true
            }
            Action::HistoryRows { .. } => {
                self.searching = false;
                if let Some((generation, query)) = self.next_search.take() {
                    self.run(Effect::HistoryQuery { generation, query });
                }
                true
            }
            Action::ModelsLoaded(_)
            | Action::Rehearsed(_)
            | Action::Benched(_)
            | Action::BenchRuns(_)
            | Action::SessionLoaded(_)
            | Action::Exported(_)
            | Action::HistoryFailed(_) => true,
            _ => false,
        }
    }
}

/// One request through its route: forwards every attempt, chunk (already folded, with its live
/// progress) and failed hop, then the typed end.
pub async fn route_task(
    client: Client,
    request_id: u64,
    req: ChatRequest,
    route: Route,
    cancel: CancellationToken,
    tx: UnboundedSender<Action>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::Endpoint;
    use crate::history::{Record, SessionInfo, TurnInfo, TurnParams};

    #[test]
    fn history_searches_run_one_at_a_time_and_only_the_newest_waits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let w = Writer::start(Store::open(&path).unwrap(), None, Box::new(|_| {})).unwrap();
        w.send(Record::NewSession(SessionInfo {
            kind: "workbench".into(),
            profile: "p".into(),
            base_url: "u".into(),
        }));
        w.send(Record::Turn(TurnInfo {
            seq: 1,
            prompt: "penguins".into(),
            system: None,
            params: TurnParams::default(),
        }));
        assert!(w.flush(std::time::Duration::from_secs(10)));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let client = Client::new(Endpoint {
            base_url: "http://127.0.0.1:9/v1".into(),
            api_key: None,
            key_env: None,
            headers: Default::default(),
            timeouts: Default::default(),
            limits: Default::default(),
            api: Default::default(),
        })
        .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut runner = Runner::new(client, rt.handle().clone(), tx);
        runner.db = Some(path);
        for (generation, q) in [(1, "pen"), (2, "peng"), (3, "penguins")] {
            runner.run(Effect::HistoryQuery {
                generation,
                query: q.into(),
            });
        }
        let first = rx.blocking_recv().unwrap();
        assert!(
            matches!(
                &first,
                Action::HistoryRows {
                    generation: 1,
                    rows: Ok(_)
                }
            ),
            "{first:?}"
        );
        assert!(rx.try_recv().is_err(), "the second waits for the first");
        assert!(runner.finished(&first));
        let next = rx.blocking_recv().unwrap();
        assert!(
            matches!(&next, Action::HistoryRows { generation: 3, .. }),
            "{next:?}"
        );
        runner.finished(&next);
        assert!(rx.try_recv().is_err(), "generation 2 never ran");
    }
}
