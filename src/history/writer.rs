//! The writer: a thread of its own owns the database connection. Records arrive on a channel and
//! are written in batches, one transaction each; streaming text is kept whole in memory and saved
//! at least every `FLUSH_EVERY`, scrubbed of the key as a whole (so a key split across chunks is
//! caught too). Nothing here runs on the render path.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::store::Store;
use super::{Record, Status};
use crate::clock::now_ms;
use crate::secret::{Secret, scrub};

/// Streaming text is saved at least this often (the workbench hands it over as often).
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);
const MAX_BATCH: usize = 8192;

type Done = Box<dyn FnOnce(Result<PathBuf, String>) + Send>;
pub use super::export::Render;

pub enum Msg {
    Record(Record),
    /// Write an export of the current session once everything before it is written.
    Export {
        render: Render,
        /// The file's extension.
        ext: &'static str,
        dir: PathBuf,
        done: Done,
    },
    /// Answered once everything before it is written.
    Flush(Sender<()>),
}

/// The handle: cheap to clone; the thread ends when the last handle is dropped.
#[derive(Clone)]
pub struct Writer {
    tx: Sender<Msg>,
    pub path: PathBuf,
    session: Arc<AtomicI64>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Writer({})", self.path.display())
    }
}

impl Writer {
    /// Start the writer thread. `key` is scrubbed from everything written; `on_error` hears of a
    /// failed write (once, until writes succeed again).
    pub fn start(
        store: Store,
        key: Option<Secret>,
        on_error: Box<dyn Fn(String) + Send>,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel();
        let session = Arc::new(AtomicI64::new(0));
        let path = store.path.clone();
        let mut w = Worker {
            store,
            key,
            session: session.clone(),
            live: HashMap::new(),
            on_error,
            failing: false,
            pending: None,
        };
        std::thread::Builder::new()
            .name("gatebench-history".into())
            .spawn(move || w.run(rx))?;
        Ok(Writer { tx, path, session })
    }

    /// A reading connection to the same database (`None` when it cannot be opened).
    pub fn reader(&self) -> Option<super::Store> {
        super::Store::open(&self.path).ok()
    }

    pub fn send(&self, r: Record) {
        let _ = self.tx.send(Msg::Record(r));
    }

    pub fn export(&self, render: Render, ext: &'static str, dir: PathBuf, done: Done) {
        let _ = self.tx.send(Msg::Export {
            render,
            ext,
            dir,
            done,
        });
    }

    /// Wait (at most `limit`) until everything sent so far is written.
    pub fn flush(&self, limit: Duration) -> bool {
        let (tx, rx) = mpsc::channel();
        self.tx.send(Msg::Flush(tx)).is_ok() && rx.recv_timeout(limit).is_ok()
    }

    /// The session being written to (0 before the first).
    pub fn session_id(&self) -> i64 {
        self.session.load(Ordering::SeqCst)
    }
}

#[derive(Default)]
struct Live {
    text: String,
    reasoning: String,
    dirty: bool,
}

struct Worker {
    store: Store,
    key: Option<Secret>,
    session: Arc<AtomicI64>,
    live: HashMap<u64, Live>,
    on_error: Box<dyn Fn(String) + Send>,
    failing: bool,
    /// A new session not yet in the database.
    pending: Option<super::SessionInfo>,
}

impl Worker {
    fn run(&mut self, rx: Receiver<Msg>) {
        let mut last_flush = Instant::now();
        loop {
            let dirty = self.live.values().any(|l| l.dirty);
            let wait = if dirty {
                FLUSH_EVERY.saturating_sub(last_flush.elapsed())
            } else {
                Duration::from_secs(3600)
            };
            let mut batch = Vec::new();
            match rx.recv_timeout(wait) {
                Ok(m) => batch.push(m),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.write(Vec::new(), true);
                    return;
                }
            }
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(m) => batch.push(m),
                    Err(_) => break,
                }
            }
            let due = last_flush.elapsed() >= FLUSH_EVERY;
            if due {
                last_flush = Instant::now();
            }
            self.write(batch, due);
        }
    }

    /// One batch in one transaction; exports and flush answers after it commits.
    fn write(&mut self, batch: Vec<Msg>, flush_partials: bool) {
        let mut after = Vec::new();
        // One record that cannot be written costs only itself: the rest of the batch commits.
        let mut first_error = None;
        // Streamed text waits in memory for its flush: a transaction only when something is written.
        let mut in_tx = false;
        let result = (|| -> rusqlite::Result<()> {
            for m in batch {
                match m {
                    Msg::Record(r @ Record::Delta { .. }) => self.apply(r)?,
                    Msg::Record(r) => {
                        if !in_tx {
                            self.store.begin()?;
                            in_tx = true;
                        }
                        if let Err(e) = self.apply(r) {
                            first_error.get_or_insert(e);
                        }
                    }
                    other => after.push(other),
                }
            }
            let dirty = self.live.values().any(|l| l.dirty);
            if dirty && (flush_partials || !after.is_empty()) {
                if !in_tx {
                    self.store.begin()?;
                    in_tx = true;
                }
                self.save_partials()?;
            }
            if in_tx {
                self.store.commit()?;
            }
            Ok(())
        })();
        let result = result.and(first_error.map_or(Ok(()), Err));
        match result {
            Ok(()) => self.failing = false,
            Err(e) => {
                if !self.store.conn.is_autocommit() {
                    let _ = self.store.conn.execute_batch("ROLLBACK");
                }
                if !self.failing {
                    (self.on_error)(format!("history not saved: {e}"));
                }
                self.failing = true;
            }
        }
        for m in after {
            match m {
                Msg::Export {
                    render,
                    ext,
                    dir,
                    done,
                } => {
                    let session = self.session.load(Ordering::SeqCst);
                    done(super::export::to_dir(
                        &self.store,
                        session,
                        render,
                        ext,
                        &dir,
                    ));
                }
                Msg::Flush(tx) => {
                    let _ = tx.send(());
                }
                Msg::Record(_) => {}
            }
        }
    }

    fn clean(&self, s: &str) -> String {
        scrub(s, self.key.as_ref()).into_owned()
    }

    fn apply(&mut self, r: Record) -> rusqlite::Result<()> {
        let now = now_ms();
        let session = self.session.load(Ordering::SeqCst);
        match r {
            // Created with its first prompt: opening the workbench and quitting leaves nothing.
            Record::NewSession(mut info) => {
                // A key can hide in a base URL (`?api-key=`) too.
                info.base_url = self.clean(&info.base_url);
                self.pending = Some(info);
                self.session.store(0, Ordering::SeqCst);
                self.live.clear();
            }
            Record::Adopt(id) => {
                if self.store.adopt_session(id)? {
                    self.pending = None;
                    self.session.store(id, Ordering::SeqCst);
                    self.live.clear();
                }
            }
            Record::Turn(mut t) => {
                let session = match self.pending.take() {
                    Some(info) => {
                        let id = self.store.new_session(&info, now)?;
                        self.session.store(id, Ordering::SeqCst);
                        id
                    }
                    None => session,
                };
                t.prompt = self.clean(&t.prompt);
                t.system = t.system.map(|s| self.clean(&s));
                self.store.add_turn(session, &t, now)?;
            }
            Record::Request(req) => {
                self.live.insert(req.seq, Live::default());
                self.store.add_request(session, &req, now)?;
            }
            Record::Delta {
                seq,
                content,
                reasoning,
            } => {
                if let Some(l) = self.live.get_mut(&seq) {
                    l.text.push_str(&content);
                    l.reasoning.push_str(&reasoning);
                    l.dirty = true;
                }
            }
            Record::Restart { seq } => {
                if let Some(l) = self.live.get_mut(&seq) {
                    *l = Live {
                        dirty: true,
                        ..Live::default()
                    };
                }
            }
            Record::Ended {
                seq,
                status,
                mut record,
            } => {
                self.live.remove(&seq);
                record.scrub(self.key.as_ref());
                self.store.finish(session, seq, status, &record, now)?;
            }
            Record::Rate { seq, score, note } => {
                let note = self.clean(&note);
                self.store.rate(session, seq, score, &note, now)?;
            }
            Record::Vote(v) => self.store.vote(session, &v, now)?,
            Record::Watch { gateway, sample } => {
                let mut json = serde_json::to_value(&*sample).unwrap_or_default();
                crate::secret::Scrubber(self.key.as_ref()).json(&mut json);
                self.store
                    .add_watch_sample(&gateway, &sample.target, sample.at_ms, &json)?;
            }
            Record::Probe(mut probe) => {
                probe.scrub(self.key.as_ref());
                self.store.add_probe(&probe)?;
            }
            Record::Bench(mut summary) => {
                summary.scrub(self.key.as_ref());
                let json = serde_json::to_string(&summary).unwrap_or_default();
                self.store.add_bench(&summary, &json)?;
            }
        }
        Ok(())
    }

    fn save_partials(&mut self) -> rusqlite::Result<()> {
        let session = self.session.load(Ordering::SeqCst);
        let now = now_ms();
        let key = self.key.clone();
        for (seq, l) in self.live.iter_mut().filter(|(_, l)| l.dirty) {
            let text = scrub(&l.text, key.as_ref());
            let reasoning = scrub(&l.reasoning, key.as_ref());
            self.store
                .save_partial(session, *seq, &text, &reasoning, now)?;
            l.dirty = false;
        }
        Ok(())
    }
}

/// Status of an answer as the workbench ends it.
pub fn ended(seq: u64, rec: &crate::answer::AnswerRecord, cancelled: bool) -> Record {
    Record::Ended {
        seq,
        status: Status::of(rec, cancelled),
        record: Box::new(rec.clone()),
    }
}
