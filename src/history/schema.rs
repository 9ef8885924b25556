//! The database's schema, as a list of forward migrations. `PRAGMA user_version` says how many
//! have run; opening a database runs the rest, each in its own transaction. Never edit a migration
//! that has shipped: add the next one.

use rusqlite::Connection;

/// Version 1: sessions, the turns sent in them (one prompt to every enabled pane), each pane's
/// request and answer, and ratings.
const V1: &str = "
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    started_ms  INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    profile     TEXT NOT NULL,
    base_url    TEXT NOT NULL,
    pid         INTEGER
);
CREATE TABLE turns (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    sent_ms     INTEGER NOT NULL,
    prompt      TEXT NOT NULL,
    system      TEXT,
    params      TEXT NOT NULL,
    UNIQUE (session_id, seq)
);
CREATE INDEX turns_sent ON turns(sent_ms);
CREATE TABLE requests (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    turn_id       INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    pane          INTEGER NOT NULL,
    pane_model    TEXT NOT NULL,
    conversation  INTEGER NOT NULL,
    target        TEXT NOT NULL,
    route         TEXT,
    status        TEXT NOT NULL,
    text          TEXT NOT NULL DEFAULT '',
    reasoning     TEXT NOT NULL DEFAULT '',
    record        TEXT,
    figures       TEXT,
    model         TEXT,
    cost_usd      REAL,
    ttft_ms       REAL,
    total_ms      REAL,
    output_tokens INTEGER,
    updated_ms    INTEGER NOT NULL,
    UNIQUE (session_id, seq)
);
CREATE INDEX requests_turn ON requests(turn_id);
CREATE TABLE ratings (
    request_id  INTEGER PRIMARY KEY REFERENCES requests(id) ON DELETE CASCADE,
    score       INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    note        TEXT NOT NULL DEFAULT '',
    rated_ms    INTEGER NOT NULL
);
";

/// Version 2: full-text search over prompts and answers. Contentless (the text lives in `requests`
/// and `turns` once), with deletes for pruning; answers already stored are indexed on the way up.
const V2: &str = "
CREATE VIRTUAL TABLE answers_fts USING fts5(
    prompt, text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO answers_fts(rowid, prompt, text)
    SELECT r.id, t.prompt, r.text FROM requests r JOIN turns t ON t.id = r.turn_id
    WHERE r.status <> 'streaming';
";

/// Version 3: finding answers left streaming (done on every open) without reading every answer.
const V3: &str = "
CREATE INDEX requests_streaming ON requests(session_id) WHERE status = 'streaming';
";

/// Version 4: blind votes (the models as shown, in order, and the winner; none for a tie).
const V4: &str = "
CREATE TABLE votes (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    turn_seq    INTEGER NOT NULL,
    models      TEXT NOT NULL,
    winner      TEXT,
    voted_ms    INTEGER NOT NULL,
    UNIQUE (session_id, turn_seq)
);
";

/// Version 5: benchmark runs (`gatebench bench`), each its whole mergeable summary as JSON.
const V5: &str = "
CREATE TABLE bench_runs (
    id          INTEGER PRIMARY KEY,
    started_ms  INTEGER NOT NULL,
    base_url    TEXT NOT NULL,
    workload    TEXT NOT NULL,
    targets     TEXT NOT NULL,
    summary     TEXT NOT NULL
);
CREATE INDEX bench_runs_started ON bench_runs(started_ms);
";

/// Version 6: capability probes (`gatebench probe`), one row per target, its result as JSON.
const V6: &str = "
CREATE TABLE probes (
    id          INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    base_url    TEXT NOT NULL,
    target      TEXT NOT NULL,
    result      TEXT NOT NULL
);
CREATE INDEX probes_target ON probes(base_url, target, at_ms);
";

/// Version 7: `gatebench watch` probes, one row per probe, its figures as JSON.
const V7: &str = "
CREATE TABLE watch_samples (
    id          INTEGER PRIMARY KEY,
    at_ms       INTEGER NOT NULL,
    gateway     TEXT NOT NULL,
    target      TEXT NOT NULL,
    sample      TEXT NOT NULL
);
CREATE INDEX watch_samples_target ON watch_samples(gateway, target, at_ms);
";

pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7];

/// The version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "the history database has schema version {found}, newer than this gatebench knows ({LATEST}); \
         update gatebench, or use another --data-dir"
    )]
    TooNew { found: i64 },
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Bring the database up to `LATEST`; a database from a newer build is refused, never altered.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    migrate_to(conn, LATEST)
}

/// Up to `target` only (tests build old databases with it).
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), MigrateError> {
    let found = version(conn)?;
    if found > LATEST {
        return Err(MigrateError::TooNew { found });
    }
    if found >= target {
        return Ok(());
    }
    // Two processes may open a new database at once: the write lock is taken first, and the
    // version read again under it, so each migration runs exactly once.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found = version(&tx)?;
    for v in found..target.min(LATEST) {
        tx.execute_batch(MIGRATIONS[v as usize])?;
        tx.pragma_update(None, "user_version", v + 1)?;
    }
    tx.commit()?;
    Ok(())
}
