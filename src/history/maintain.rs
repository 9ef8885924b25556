//! Keeping the history in shape: what it holds and how big it is, pruning old prompts, and the
//! ages `prune` takes.

use serde::Serialize;

use super::store::Store;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub path: String,
    /// The database file with its write-ahead log.
    pub bytes: u64,
    pub sessions: u64,
    pub prompts: u64,
    pub answers: u64,
    pub ratings: u64,
    pub oldest_ms: Option<i64>,
    pub newest_ms: Option<i64>,
}

pub fn stats(store: &Store) -> rusqlite::Result<Stats> {
    let count =
        |sql: &str| -> rusqlite::Result<u64> { store.conn.query_row(sql, [], |r| r.get(0)) };
    let (oldest_ms, newest_ms) =
        store
            .conn
            .query_row("SELECT MIN(sent_ms), MAX(sent_ms) FROM turns", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
    Ok(Stats {
        path: store.path.display().to_string(),
        bytes: file_bytes(&store.path),
        sessions: count("SELECT COUNT(*) FROM sessions")?,
        prompts: count("SELECT COUNT(*) FROM turns")?,
        answers: count("SELECT COUNT(*) FROM requests")?,
        ratings: count("SELECT COUNT(*) FROM ratings")?,
        oldest_ms,
        newest_ms,
    })
}

pub fn file_bytes(path: &std::path::Path) -> u64 {
    let size = |p: std::path::PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    size(path.to_path_buf()) + size(wal.into())
}

/// Remove prompts sent before `cutoff_ms` with their answers and ratings, then sessions left
/// empty, and give the space back. Returns how many prompts went.
pub fn prune(store: &Store, cutoff_ms: i64) -> rusqlite::Result<u64> {
    store.conn.execute_batch("BEGIN IMMEDIATE")?;
    let run = || -> rusqlite::Result<u64> {
        store.conn.execute(
            "DELETE FROM answers_fts WHERE rowid IN (SELECT r.id FROM requests r
                 JOIN turns t ON t.id = r.turn_id WHERE t.sent_ms < ?1)",
            [cutoff_ms],
        )?;
        let n = store
            .conn
            .execute("DELETE FROM turns WHERE sent_ms < ?1", [cutoff_ms])?;
        store
            .conn
            .execute("DELETE FROM bench_runs WHERE started_ms < ?1", [cutoff_ms])?;
        store
            .conn
            .execute("DELETE FROM probes WHERE at_ms < ?1", [cutoff_ms])?;
        store
            .conn
            .execute("DELETE FROM watch_samples WHERE at_ms < ?1", [cutoff_ms])?;
        store.conn.execute(
            "DELETE FROM sessions WHERE started_ms < ?1
               AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.session_id = sessions.id)",
            [cutoff_ms],
        )?;
        Ok(n as u64)
    };
    match run() {
        Ok(n) => {
            store.conn.execute_batch("COMMIT")?;
            // The search index merged into one segment searches fastest.
            store.conn.execute_batch(
                "INSERT INTO answers_fts(answers_fts) VALUES('optimize');
                 VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
            )?;
            Ok(n)
        }
        Err(e) => {
            let _ = store.conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// `90d`, `12h`, `30m`, `2w` (or plain seconds) as milliseconds.
pub fn parse_age(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("cannot read {s:?} as an age; use e.g. 90d, 12h, 30m or 2w"))?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {s:?}; use s, m, h, d or w"
            ));
        }
    };
    n.checked_mul(secs * 1000)
        .ok_or_else(|| format!("{s:?} is too long an age"))
}
