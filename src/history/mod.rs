//! History: every session, prompt, answer (with its metrics, cost and hops) and rating, kept in
//! SQLite in the platform data dir. The workbench and `ask` send `Record`s to a writer thread that
//! batches them off the render path; the history view, `gatebench history` and `export` read.

pub mod board;
pub mod export;
pub mod maintain;
pub mod probes;
pub mod query;
pub mod schema;
pub mod store;
pub mod writer;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::answer::AnswerRecord;
pub use store::{HistoryError, Store};
pub use writer::Writer;

/// The database's file name inside the data dir.
pub const DB_FILE: &str = "history.db";

/// The data dir: `--data-dir` when given, else the platform's (e.g. `~/.local/share/gatebench`).
pub fn data_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    directories::ProjectDirs::from("", "", "gatebench").map(|d| d.data_dir().to_path_buf())
}

pub fn db_path(explicit: Option<&Path>) -> Option<PathBuf> {
    data_dir(explicit).map(|d| d.join(DB_FILE))
}

/// Open the database in `data_dir` (or the platform's) and start its writer; or why not, as a
/// message that starts with "history off".
pub fn start(
    data_dir: Option<&Path>,
    key: Option<crate::secret::Secret>,
    on_error: Box<dyn Fn(String) + Send>,
) -> Result<Writer, String> {
    let path =
        db_path(data_dir).ok_or("history off: no data dir on this platform (pass --data-dir)")?;
    let store = Store::open(&path).map_err(|e| format!("history off: {e}"))?;
    Writer::start(store, key, on_error)
        .map_err(|e| format!("history off: cannot start its writer: {e}"))
}

/// A path for people: the home folder as `~`.
pub fn display_path(p: &Path) -> String {
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    match home.and_then(|h| p.strip_prefix(h).ok().map(Path::to_path_buf)) {
        Some(rest) => format!("~/{}", rest.display()),
        None => p.display().to_string(),
    }
}

/// Where a session's writes go.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    /// `workbench` or `ask`.
    pub kind: String,
    pub profile: String,
    pub base_url: String,
}

/// The request parameters of a turn, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TurnParams {
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

/// One prompt sent to every enabled pane at once.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnInfo {
    pub seq: u64,
    pub prompt: String,
    pub system: Option<String>,
    pub params: TurnParams,
}

/// One pane's request in a turn.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestInfo {
    /// The request id the workbench knows it by (unique in its session).
    pub seq: u64,
    pub turn: u64,
    /// 0-based pane position when sent.
    pub pane: u32,
    /// The pane's model: its conversation.
    pub pane_model: String,
    /// Which of the pane's conversations (a new conversation starts a new one).
    pub conversation: u64,
    /// What it was sent to: the route's name, or the model.
    pub target: String,
    pub route: Option<String>,
}

/// An answer's state in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Streaming,
    Done,
    Error,
    Cancelled,
    /// Still streaming when its process died: what had arrived is kept.
    Incomplete,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Streaming => "streaming",
            Status::Done => "done",
            Status::Error => "error",
            Status::Cancelled => "cancelled",
            Status::Incomplete => "incomplete",
        }
    }

    pub fn parse(s: &str) -> Status {
        match s {
            "streaming" => Status::Streaming,
            "done" => Status::Done,
            "error" => Status::Error,
            "cancelled" => Status::Cancelled,
            _ => Status::Incomplete,
        }
    }

    /// The end state of a settled answer.
    pub fn of(rec: &AnswerRecord, cancelled: bool) -> Status {
        match (cancelled, rec.error.is_some()) {
            (true, _) => Status::Cancelled,
            (false, true) => Status::Error,
            (false, false) => Status::Done,
        }
    }
}

/// What the workbench and `ask` tell the writer, as the work happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// Start writing into a new session.
    NewSession(SessionInfo),
    /// Go on writing into an earlier session (resume, or an entry opened from the history).
    Adopt(i64),
    Turn(TurnInfo),
    Request(RequestInfo),
    /// Text that arrived for a streaming answer (appended; saved at least every 250 ms).
    Delta {
        seq: u64,
        content: String,
        reasoning: String,
    },
    /// A fallback attempt starts over: what arrived before is dropped.
    Restart {
        seq: u64,
    },
    Ended {
        seq: u64,
        status: Status,
        record: Box<AnswerRecord>,
    },
    Rate {
        seq: u64,
        score: u8,
        note: String,
    },
    /// A blind round's vote.
    Vote(VoteInfo),
    /// A finished `gatebench bench` run.
    Bench(Box<crate::bench::summary::Summary>),
    /// A finished `gatebench probe`.
    Probe(Box<crate::probe::Probe>),
    /// One `gatebench watch` probe, on `gateway`.
    Watch {
        gateway: String,
        sample: Box<crate::watch::Sample>,
    },
}

pub use crate::metrics::leaderboard::VoteInfo;

/// A rating key's input: a digit 1-5, or `+` (a 5) and `-` (a 1).
pub fn score_of(c: char) -> Option<u8> {
    match c {
        '1'..='5' => Some(c as u8 - b'0'),
        '+' => Some(5),
        '-' => Some(1),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests;
