//! The SQLite store: opening (WAL, migrations, clear errors), and the writes the writer makes.
//! Every write takes its time as an argument, so tests can give fixed ones.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::schema;
use super::{RequestInfo, SessionInfo, Status, TurnInfo};
use crate::answer::AnswerRecord;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(
        "history database {path} is damaged or not a gatebench database ({cause}); move it away or use --data-dir"
    )]
    Corrupt { path: PathBuf, cause: String },
    #[error(
        "history database {path} cannot be written ({cause}); check its permissions or use --data-dir"
    )]
    ReadOnly { path: PathBuf, cause: String },
    #[error("cannot open history database {path}: {cause}")]
    Open { path: PathBuf, cause: String },
    #[error("history database {path}: {cause}")]
    Schema {
        path: PathBuf,
        cause: schema::MigrateError,
    },
    #[error("history: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("history: {0}")]
    Other(String),
}

impl HistoryError {
    fn from_sql(path: &Path, e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        let path = path.to_path_buf();
        let cause = e.to_string();
        match e.sqlite_error_code() {
            Some(C::NotADatabase | C::DatabaseCorrupt) => HistoryError::Corrupt { path, cause },
            Some(C::ReadOnly | C::PermissionDenied) => HistoryError::ReadOnly { path, cause },
            _ => HistoryError::Open { path, cause },
        }
    }
}

/// SQLite's "busy" or "locked": another connection holds the lock a moment.
fn busy(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode as C;
    matches!(
        e.sqlite_error_code(),
        Some(C::DatabaseBusy | C::DatabaseLocked)
    )
}

pub struct Store {
    pub(super) conn: Connection,
    pub path: PathBuf,
}

impl Store {
    /// Open (creating it and its folder when missing) and bring the schema up to date. Answers left
    /// streaming by a process that is gone are marked incomplete.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| HistoryError::ReadOnly {
                path: path.to_path_buf(),
                cause: format!("cannot create {}: {e}", dir.display()),
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let err = |e| HistoryError::from_sql(path, e);
        let mut conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        // Several processes opening a new database at once can meet SQLite's "locked" before its
        // busy handler applies (the switch to WAL, its recovery): the set-up is tried again then,
        // for up to about five seconds, like the busy timeout.
        let mut tries = 0u64;
        loop {
            match Self::set_up(&mut conn) {
                Err(schema::MigrateError::Sql(e)) if busy(&e) && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10 * tries.min(20)));
                }
                Err(schema::MigrateError::Sql(e)) => return Err(err(e)),
                Err(cause) => {
                    return Err(HistoryError::Schema {
                        path: path.to_path_buf(),
                        cause,
                    });
                }
                Ok(()) => break,
            }
        }
        let store = Self {
            conn,
            path: path.to_path_buf(),
        };
        store.settle_orphans().map_err(err)?;
        Ok(store)
    }

    /// WAL, its settings, and the schema brought up to date.
    fn set_up(conn: &mut Connection) -> Result<(), schema::MigrateError> {
        // The first statement that reads the file is where a damaged one shows.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        schema::migrate(conn)
    }

    /// Answers still `streaming` whose process has gone (killed, crashed) become `incomplete`,
    /// keeping what had arrived; they join the search index then.
    fn settle_orphans(&self) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT r.session_id, s.pid FROM requests r JOIN sessions s ON s.id = r.session_id
             WHERE r.status = 'streaming'",
        )?;
        let rows: Vec<(i64, Option<i64>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (session, pid) in rows {
            if pid.is_some_and(alive) {
                continue;
            }
            let ids: Vec<i64> = self
                .conn
                .prepare("SELECT id FROM requests WHERE session_id = ?1 AND status = 'streaming'")?
                .query_map([session], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in ids {
                self.conn.execute(
                    "UPDATE requests SET status = 'incomplete' WHERE id = ?1",
                    [id],
                )?;
                self.index(id)?;
            }
        }
        Ok(())
    }

    pub fn new_session(&self, s: &SessionInfo, now: i64) -> rusqlite::Result<i64> {
        self.conn.execute(
            "INSERT INTO sessions (started_ms, kind, profile, base_url, pid) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now, s.kind, s.profile, s.base_url, std::process::id()],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Writing to an earlier session again (`--resume`, or an entry opened from the history).
    pub fn adopt_session(&self, id: i64) -> rusqlite::Result<bool> {
        let n = self.conn.execute(
            "UPDATE sessions SET pid = ?2 WHERE id = ?1",
            params![id, std::process::id()],
        )?;
        Ok(n == 1)
    }

    pub fn add_turn(&self, session: i64, t: &TurnInfo, now: i64) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO turns (session_id, seq, sent_ms, prompt, system, params)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                session,
                t.seq,
                now,
                t.prompt,
                t.system,
                serde_json::to_string(&t.params).unwrap_or_default()
            ],
        )?;
        Ok(())
    }

    pub fn add_request(&self, session: i64, r: &RequestInfo, now: i64) -> rusqlite::Result<()> {
        let turn: i64 = self.conn.query_row(
            "SELECT id FROM turns WHERE session_id = ?1 AND seq = ?2",
            params![session, r.turn],
            |row| row.get(0),
        )?;
        self.conn.execute(
            "INSERT INTO requests (session_id, turn_id, seq, pane, pane_model, conversation, target,
                 route, status, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'streaming', ?9)",
            params![
                session,
                turn,
                r.seq,
                r.pane,
                r.pane_model,
                r.conversation,
                r.target,
                r.route,
                now
            ],
        )?;
        Ok(())
    }

    /// What has arrived so far of a streaming answer.
    pub fn save_partial(
        &self,
        session: i64,
        seq: u64,
        text: &str,
        reasoning: &str,
        now: i64,
    ) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE requests SET text = ?3, reasoning = ?4, updated_ms = ?5
                 WHERE session_id = ?1 AND seq = ?2 AND status = 'streaming'",
            )?
            .execute(params![session, seq, text, reasoning, now])?;
        Ok(())
    }

    /// The settled answer; `rec`'s strings are already scrubbed.
    pub fn finish(
        &self,
        session: i64,
        seq: u64,
        status: Status,
        rec: &AnswerRecord,
        now: i64,
    ) -> rusqlite::Result<()> {
        // The text is stored once, in its columns; reading puts it back into the record.
        let mut v = serde_json::to_value(rec).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.remove("text");
            m.remove("reasoning");
        }
        let json = v.to_string();
        let figures = serde_json::to_string(&rec.figures()).unwrap_or_default();
        let id: Option<i64> = self
            .conn
            .query_row(
                "UPDATE requests SET status = ?3, text = ?4, reasoning = ?5, record = ?6,
                     figures = ?7, model = ?8, cost_usd = ?9, ttft_ms = ?10, total_ms = ?11,
                     output_tokens = ?12, updated_ms = ?13
                 WHERE session_id = ?1 AND seq = ?2 RETURNING id",
                params![
                    session,
                    seq,
                    status.as_str(),
                    rec.text,
                    rec.reasoning,
                    json,
                    figures,
                    rec.hop_model,
                    rec.cost_usd,
                    rec.ttft_ms,
                    rec.total_ms,
                    rec.output_tokens,
                    now
                ],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.index(id),
            None => Ok(()),
        }
    }

    /// Put one answer in the search index (replacing what was there).
    fn index(&self, id: i64) -> rusqlite::Result<()> {
        self.conn
            .execute("DELETE FROM answers_fts WHERE rowid = ?1", [id])?;
        self.conn.execute(
            "INSERT INTO answers_fts (rowid, prompt, text)
             SELECT r.id, t.prompt, r.text FROM requests r JOIN turns t ON t.id = r.turn_id
             WHERE r.id = ?1",
            [id],
        )?;
        Ok(())
    }

    /// Rate one answer 1-5 with an optional note; a second rating replaces the first.
    pub fn rate(
        &self,
        session: i64,
        seq: u64,
        score: u8,
        note: &str,
        now: i64,
    ) -> rusqlite::Result<bool> {
        let n = self.conn.execute(
            "INSERT OR REPLACE INTO ratings (request_id, score, note, rated_ms)
             SELECT id, ?3, ?4, ?5 FROM requests WHERE session_id = ?1 AND seq = ?2",
            params![session, seq, score, note, now],
        )?;
        Ok(n == 1)
    }

    pub fn vote(&self, session: i64, v: &super::VoteInfo, now: i64) -> rusqlite::Result<()> {
        let models = serde_json::to_string(&v.models).unwrap_or_else(|_| "[]".into());
        self.conn.execute(
            "INSERT OR REPLACE INTO votes (session_id, turn_seq, models, winner, voted_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![session, v.turn, models, v.winner, now],
        )?;
        Ok(())
    }

    /// Store a benchmark run: `json` is its summary, already scrubbed.
    pub fn add_bench(
        &self,
        s: &crate::bench::summary::Summary,
        json: &str,
    ) -> rusqlite::Result<i64> {
        let targets: Vec<&str> = s.targets.iter().map(|t| t.target.as_str()).collect();
        self.conn.execute(
            "INSERT INTO bench_runs (started_ms, base_url, workload, targets, summary)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                s.started_unix_ms,
                s.base_url,
                s.workload,
                targets.join(", "),
                json
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Benchmark runs, newest first: id, start, workload, targets.
    pub fn bench_runs(&self, limit: usize) -> rusqlite::Result<Vec<BenchRow>> {
        let mut st = self.conn.prepare(
            "SELECT id, started_ms, workload, targets FROM bench_runs
             ORDER BY started_ms DESC, id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit as i64], |r| {
            Ok(BenchRow {
                id: r.get(0)?,
                started_ms: r.get(1)?,
                workload: r.get(2)?,
                targets: r.get(3)?,
            })
        })?;
        rows.collect()
    }

    /// One stored run's summary JSON.
    pub fn bench_run(&self, id: i64) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row("SELECT summary FROM bench_runs WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
    }

    pub fn begin(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")
    }

    pub fn commit(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch("COMMIT")
    }
}

/// A stored benchmark run, as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRow {
    pub id: i64,
    pub started_ms: i64,
    pub workload: String,
    pub targets: String,
}

/// Whether a process with this id is running (Linux: `/proc`; elsewhere unknown counts as gone).
fn alive(pid: i64) -> bool {
    if pid == std::process::id() as i64 {
        return true;
    }
    cfg!(target_os = "linux") && Path::new(&format!("/proc/{pid}")).exists()
}
