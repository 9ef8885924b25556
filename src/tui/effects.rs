//! Carries out the effects `update` asks for: requests, model listing and rehearsals run as tasks
//! on the network runtime and report back on the event loop's channel. Dropping the runner cancels
//! every request still running.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::runtime::Handle;
use tokio_util::sync::CancellationToken;

use crate::app::history::PAGE;
use crate::app::{Action, Effect};
use crate::bench::rehearse::{self, Plan};
use crate::bench::workload::Item;
use crate::gateway::Client;
use crate::gateway::wire::ChatRequest;
use crate::history::{Store, Writer, query};
use crate::route::Route;

/// What the event loop itself carries out: the terminal is its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermOp {
    Quit,
    MouseCapture(bool),
}

/// A stored session (`None`: the newest workbench one), up to `turn` when given.
fn load_session(
    reader: &Reader,
    db: Option<&Path>,
    id: Option<i64>,
    turn: Option<u64>,
) -> Result<query::SessionView, String> {
    reader
        .read(db, |st| {
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
        .and_then(|v| v.ok_or_else(|| "no earlier session to open".to_string()))
}

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
    tx: super::inbox::Sender,
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
    /// When the account was last asked for (or will be), and whether an ask is on its way.
    account_at: Option<std::time::Instant>,
    account_asking: bool,
    /// Asked again while an ask was on its way: once that one is back, ask once more.
    account_again: Option<crate::gateway::account::AccountApi>,
    /// OpenRouter's management key, for `/credits` only (never in the app's state).
    pub management_key: Option<crate::secret::Secret>,
}

/// The account is asked at most this often: after a burst of sends, one ask at the end.
pub const ACCOUNT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

impl Drop for Runner {
    fn drop(&mut self) {
        for t in self.tasks.values().chain(&self.bench) {
            t.cancel();
        }
    }
}

impl Runner {
    pub fn new(client: Client, net: Handle, tx: super::inbox::Sender) -> Self {
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
            account_at: None,
            account_asking: false,
            account_again: None,
            management_key: None,
        }
    }

    /// Start what `effect` asks for. Every effect is matched here and nowhere else: the two that
    /// belong to the terminal come back for the event loop to carry out.
    pub fn run(&mut self, effect: Effect) -> Option<TermOp> {
        match effect {
            Effect::Quit => return Some(TermOp::Quit),
            Effect::MouseCapture(on) => return Some(TermOp::MouseCapture(on)),
            Effect::FetchModels => self.fetch_models(),
            Effect::FetchAccount(api) => self.fetch_account(api),
            Effect::FetchGeneration { request_id, id } => {
                let (client, tx) = (self.client.clone(), self.tx.clone());
                self.net.spawn(async move {
                    use crate::gateway::generation::{BACKOFF, fetch};
                    let stats = fetch(&client, &id, &BACKOFF).await;
                    let _ = tx.send(Action::Generation { request_id, stats });
                });
            }
            Effect::Send {
                request_id,
                req,
                route,
            } => self.send(request_id, req, route),
            Effect::Rehearse {
                route,
                prompt,
                prices,
            } => self.rehearse(route, prompt, prices),
            Effect::Bench {
                targets,
                prompt,
                system,
                max_tokens,
                prices,
            } => {
                let token = self.new_bench();
                let (client, tx) = (self.client.clone(), self.tx.clone());
                self.net.spawn(super::bench::task(
                    client, targets, prompt, system, max_tokens, prices, token, tx,
                ));
            }
            Effect::Ladder {
                routes,
                plan,
                prices,
            } => self.ladder(routes, plan, prices),
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
            Effect::Diff { old, new } => self.blocking(move || {
                Action::Diffed(Box::new(crate::app::diff::word_diff(&old, &new)))
            }),
            Effect::Record(r) => {
                if let Some(w) = &self.history {
                    w.send(*r);
                }
            }
            Effect::HistoryQuery { generation, query } => self.search(generation, query),
            Effect::CompletePath(prefix) => self.blocking(move || {
                let candidates = crate::attach::complete_path(&prefix);
                Action::Completions { prefix, candidates }
            }),
            Effect::LoadAttachments(paths) => self.blocking(move || {
                let limits = crate::attach::Limits::default();
                let loaded = paths
                    .into_iter()
                    .map(|p| {
                        let r = crate::attach::load(&p, limits, true);
                        (p, r)
                    })
                    .collect();
                Action::Attached(loaded)
            }),
            Effect::LoadWatch {
                gateway,
                thresholds,
            } => self.read(move |reader, db| {
                Action::WatchLoaded(reader.read(db, |st| {
                    use crate::watch::report::{by_target, states, target_text};
                    let since = crate::clock::now_ms() - crate::app::watchview::SINCE_MS;
                    let by = by_target(st.watch_samples(&gateway, since, 100_000)?);
                    let mut text = states(&by, &thresholds);
                    for (t, s) in &by {
                        text.push('\n');
                        text.push_str(&target_text(t, s));
                    }
                    Ok(text)
                }))
            }),
            Effect::LoadBenchRuns => self
                .read(|reader, db| Action::BenchRuns(reader.read(db, super::bench::stored_runs))),
            Effect::LoadSession { id, turn } => self.read(move |reader, db| {
                Action::SessionLoaded(load_session(reader, db, id, turn).map(Box::new))
            }),
            Effect::LoadLeaderboard => self.read(|reader, db| {
                let data = reader.read(db, |store| {
                    Ok(crate::app::board::BoardData {
                        votes: crate::history::board::votes(store)?,
                        figures: crate::history::board::figures(store)?,
                    })
                });
                Action::Leaderboard(data.map(Box::new))
            }),
            Effect::Export(format) => self.export(format),
        }
        None
    }

    /// Run `f` on a blocking thread and send what it returns.
    fn blocking(&self, f: impl FnOnce() -> Action + Send + 'static) {
        let tx = self.tx.clone();
        self.net.spawn_blocking(move || {
            let _ = tx.send(f());
        });
    }

    /// Run `f` against the history reader on a blocking thread and send what it returns.
    fn read(&self, f: impl FnOnce(&Reader, Option<&Path>) -> Action + Send + 'static) {
        let (db, reader) = (self.db.clone(), self.reader.clone());
        self.blocking(move || f(&reader, db.as_deref()));
    }

    /// One search at a time: keys typed meanwhile leave only their newest query waiting.
    fn search(&mut self, generation: u64, query: String) {
        if self.searching {
            self.next_search = Some((generation, query));
            return;
        }
        self.searching = true;
        self.read(move |reader, db| Action::HistoryRows {
            generation,
            rows: reader.read(db, |st| query::search(st, &query, PAGE)),
        });
    }

    fn export(&self, format: crate::report::ExportFormat) {
        let tx = self.tx.clone();
        match &self.history {
            Some(w) => {
                let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                let key = self.client.endpoint().api_key.clone();
                w.export(
                    Box::new(move |view| format.render(view, key.as_ref())),
                    format.ext(),
                    dir,
                    Box::new(move |r| {
                        let _ = tx.send(Action::Exported(r));
                    }),
                );
            }
            None => {
                let _ = tx.send(Action::Exported(Err("history is off".into())));
            }
        }
    }

    fn fetch_models(&self) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        self.net.spawn(async move {
            let r = client.models().await.map_err(|e| e.to_string());
            let _ = tx.send(Action::ModelsLoaded(r));
        });
    }

    /// Ask about the account off the UI thread, at most once per `ACCOUNT_EVERY`: an ask within
    /// that waits for it; asks made while one is on its way make one more after it.
    fn fetch_account(&mut self, api: crate::gateway::account::AccountApi) {
        if self.account_asking {
            self.account_again = Some(api);
            return;
        }
        let now = std::time::Instant::now();
        let at = self
            .account_at
            .map_or(now, |t| (t + ACCOUNT_EVERY).max(now));
        self.account_at = Some(at);
        self.account_asking = true;
        let (client, tx) = (self.client.clone(), self.tx.clone());
        let management = self.management_key.clone();
        self.net.spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            let r = crate::gateway::account::fetch(&client, api, management.as_ref())
                .await
                .map_err(|e| e.to_string());
            let _ = tx.send(Action::Account(r));
        });
    }

    fn send(&mut self, request_id: u64, req: ChatRequest, route: Route) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        let token = CancellationToken::new();
        self.tasks.insert(request_id, token.clone());
        self.net.spawn(super::task::route_task(
            client, request_id, req, route, token, tx,
        ));
    }

    fn rehearse(&self, route: Route, prompt: String, prices: crate::answer::PriceBook) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        self.net.spawn(async move {
            let item = Item::prompt(1, prompt);
            let (requests, concurrency) = crate::app::TUI_REHEARSAL;
            let plan = Plan {
                requests,
                concurrency,
                seed: 1,
            };
            let cancel = CancellationToken::new();
            let report = rehearse::rehearse(&client, &route, &[item], plan, &prices, cancel).await;
            let _ = tx.send(Action::Rehearsed(Box::new(report)));
        });
    }

    /// A new token for the benchmark or ladder about to start; the one running is stopped.
    fn new_bench(&mut self) -> CancellationToken {
        let token = CancellationToken::new();
        if let Some(old) = self.bench.replace(token.clone()) {
            old.cancel();
        }
        token
    }

    fn ladder(
        &mut self,
        routes: Vec<Route>,
        plan: Box<crate::ladder::run::Plan>,
        prices: crate::answer::PriceBook,
    ) {
        let token = self.new_bench();
        let (client, tx) = (self.client.clone(), self.tx.clone());
        self.net.spawn(async move {
            let listed = client.models().await.unwrap_or_default();
            let send = |ev| {
                let _ = tx.send(Action::Laddered(Some(ev)));
            };
            crate::ladder::run::climb(&client, &routes, &listed, &prices, &plan, &token, send)
                .await;
            let _ = tx.send(Action::Laddered(None));
        });
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
    /// at once (see `Action::is_completion`).
    pub fn finished(&mut self, a: &Action) -> bool {
        if let Action::Ended { request_id, .. } = a {
            self.tasks.remove(request_id);
        }
        if let Action::Account(_) = a {
            self.account_asking = false;
            if let Some(api) = self.account_again.take() {
                self.fetch_account(api);
            }
        }
        if let Action::HistoryRows { .. } = a {
            self.searching = false;
            if let Some((generation, query)) = self.next_search.take() {
                self.search(generation, query);
            }
        }
        a.is_completion()
    }
}

#[cfg(test)]
#[path = "effects_tests.rs"]
mod tests;
