//! The messages into `update` (`Action`: keys, terminal events, what tasks report) and out of it
//! (`Effect`: what the event loop is asked to do).

use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::answer::{PriceBook, Progress, RouteOutcome};
use crate::gateway::wire::{ChatRequest, Chunk, ModelInfo};
use crate::route::{Hop, Next, Route};

#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    ModelsLoaded(Result<Vec<ModelInfo>, String>),
    /// An attempt started (a route may make several for one request).
    Started {
        request_id: u64,
        model: String,
        sent_at: Instant,
    },
    HopFailed {
        request_id: u64,
        hop: Hop,
        next: Next,
    },
    Rehearsed(Box<crate::bench::rehearsal::Report>),
    /// What the gateway said about the account (`Err`: why it could not be asked).
    Account(Result<crate::gateway::account::AccountReport, String>),
    /// The watch's targets, states and alerts as text (`Err`: why they could not be read).
    WatchLoaded(Result<String, String>),
    /// The gateway's own stats for a finished answer (`Err`: why they could not be had).
    Generation {
        request_id: u64,
        stats: Result<crate::gateway::generation::Generation, String>,
    },
    /// A chunk the route task has folded; `progress` is its live figures after it.
    Chunk {
        request_id: u64,
        at: Instant,
        chunk: Chunk,
        progress: Progress,
    },
    /// The request's typed end: every hop, the last attempt, its headers and error.
    Ended {
        request_id: u64,
        outcome: Box<RouteOutcome>,
    },
    Tick(Instant),
    /// Entries for the history view's query number `generation`.
    HistoryRows {
        generation: u64,
        rows: Result<Vec<crate::history::query::Entry>, String>,
    },
    /// A stored session to show (an entry opened, or `--resume`).
    SessionLoaded(Result<Box<crate::history::query::SessionView>, String>),
    Exported(Result<std::path::PathBuf, String>),
    /// The history writer failed (the workbench goes on).
    HistoryFailed(String),
    /// Text went to the clipboard (OSC 52 always; `local`: the system clipboard's answer).
    Copied {
        what: String,
        chars: usize,
        local: Result<(), String>,
    },
    /// A word diff computed by a task.
    Diffed(Box<crate::app::diff::WordDiff>),
    /// Votes and figures for the leaderboard, from the history.
    Leaderboard(Result<Box<crate::app::board::BoardData>, String>),
    /// A benchmark run from the workbench ended.
    Benched(Box<crate::bench::summary::Summary>),
    /// The benchmark runs stored in the history.
    BenchRuns(Result<Vec<crate::app::benchrun::StoredRun>, String>),
    /// A ladder's progress; None when it is over.
    Laddered(Option<crate::ladder::run::Event>),
    /// What completes the `@path` prefix.
    Completions {
        prefix: String,
        candidates: Vec<String>,
    },
    /// `@path` attachments read.
    Attached(
        Vec<(
            String,
            Result<crate::attach::Attachment, crate::attach::AttachError>,
        )>,
    ),
}

impl Action {
    /// Whether this message ends something the screen should show at once, without waiting for
    /// the next stream frame: a request's end, a task's result, a failure. The middle of a stream
    /// and the tick are not; terminal events are drawn at once by the event loop anyway.
    pub fn is_completion(&self) -> bool {
        match self {
            Action::Key(_)
            | Action::Paste(_)
            | Action::Mouse(_)
            | Action::Resize(..)
            | Action::Started { .. }
            | Action::HopFailed { .. }
            | Action::Chunk { .. }
            | Action::Tick(_) => false,
            Action::ModelsLoaded(_)
            | Action::Rehearsed(_)
            | Action::Ended { .. }
            | Action::HistoryRows { .. }
            | Action::SessionLoaded(_)
            | Action::Exported(_)
            | Action::HistoryFailed(_)
            | Action::Copied { .. }
            | Action::Diffed(_)
            | Action::Leaderboard(_)
            | Action::Benched(_)
            | Action::BenchRuns(_)
            | Action::Laddered(_)
            | Action::Completions { .. }
            | Action::Account(_)
            | Action::Generation { .. }
            | Action::WatchLoaded(_)
            | Action::Attached(_) => true,
        }
    }
}

impl Action {
    /// Fold `next` into `self` when applying the one is the same as applying both, in order:
    /// two streamed chunks of one request whose text only adds up. The figures are those of the
    /// later; the request's own measurements are not here (its task folds every chunk itself).
    /// Gives `next` back when it cannot be folded.
    pub fn absorb(&mut self, next: Action) -> Option<Action> {
        let Action::Chunk {
            request_id: a_id,
            at: a_at,
            chunk: a,
            progress: a_progress,
        } = self
        else {
            return Some(next);
        };
        let Action::Chunk {
            request_id,
            at,
            chunk: b,
            progress,
        } = next
        else {
            return Some(next);
        };
        let has = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
        // Answer text then reasoning would show in another order once folded.
        let order_kept = !(has(&a.content) && has(&b.reasoning));
        if *a_id != request_id
            || !a.tool_calls.is_empty()
            || !b.tool_calls.is_empty()
            || !order_kept
        {
            return Some(Action::Chunk {
                request_id,
                at,
                chunk: b,
                progress,
            });
        }
        let Chunk {
            model,
            content,
            reasoning,
            tool_calls: _,
            finish_reason,
            usage,
            timings,
        } = b;
        let join = |into: &mut Option<String>, more: Option<String>| {
            if let Some(m) = more {
                into.get_or_insert_with(String::new).push_str(&m);
            }
        };
        join(&mut a.content, content);
        join(&mut a.reasoning, reasoning);
        a.model = model.or(a.model.take());
        a.finish_reason = finish_reason.or(a.finish_reason.take());
        a.usage = usage.or(a.usage.take());
        a.timings = timings.or(a.timings.take());
        *a_at = at;
        *a_progress = progress;
        None
    }
}

#[derive(Debug, PartialEq)]
pub enum Effect {
    FetchModels,
    /// Ask the gateway about the account (the event loop spaces these at least 10 s apart).
    FetchAccount(crate::gateway::account::AccountApi),
    /// Read the watch's probes of the last day from the history.
    LoadWatch {
        gateway: String,
        thresholds: crate::watch::Thresholds,
    },
    /// Ask the gateway's `/generation` for answer `request_id`'s stats, with a bounded backoff.
    FetchGeneration {
        request_id: u64,
        id: String,
    },
    Send {
        request_id: u64,
        req: ChatRequest,
        route: Route,
    },
    Rehearse {
        route: Route,
        prompt: String,
        prices: PriceBook,
    },
    Cancel {
        request_id: u64,
    },
    MouseCapture(bool),
    Quit,
    /// Write to the history.
    Record(Box<crate::history::Record>),
    HistoryQuery {
        generation: u64,
        query: String,
    },
    /// Load a stored session (`None`: the newest workbench session) up to `turn`.
    LoadSession {
        id: Option<i64>,
        turn: Option<u64>,
    },
    /// Export the session being recorded into the current folder, in this format.
    Export(crate::report::ExportFormat),
    /// Put text on the clipboard; `what` names it in the confirmation.
    Copy {
        text: String,
        what: String,
    },
    /// Read votes and model figures from the history for the leaderboard.
    LoadLeaderboard,
    /// Word-diff two answers off the event loop.
    Diff {
        old: String,
        new: String,
    },
    /// Run `prompt` `benchrun::REPEAT` times on every target, as `gatebench bench` does.
    Bench {
        targets: Vec<crate::bench::run::Target>,
        prompt: String,
        system: Option<String>,
        max_tokens: Option<u32>,
        prices: PriceBook,
    },
    /// Stop the benchmark running.
    CancelBench,
    /// Read the stored benchmark runs.
    LoadBenchRuns,
    /// Read the `@path` attachments the editor names.
    LoadAttachments(Vec<String>),
    /// List what completes the `@path` being typed.
    CompletePath(String),
    /// Climb the context ladder on these routes (stopped by `CancelBench`).
    Ladder {
        routes: Vec<Route>,
        plan: Box<crate::ladder::run::Plan>,
        prices: PriceBook,
    },
}
