//! Reading the history: entries (one per prompt sent) newest first, full-text search, a whole
//! session with every answer, statistics and pruning.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::store::Store;
use super::{Status, TurnParams};
use crate::metrics::Figures;

/// One prompt as sent to several panes: a row of the history list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub session_id: i64,
    pub turn: u64,
    pub sent_ms: i64,
    pub prompt: String,
    /// What each pane sent to (route or model), in pane order.
    pub targets: Vec<String>,
    /// Summed over the answers that have a cost; `cost_partial` when some had none.
    pub cost_usd: Option<f64>,
    pub cost_partial: bool,
    pub rating_mean: Option<f64>,
    pub ratings: u32,
    /// For a search: where the query matched.
    pub snippet: Option<String>,
}

impl Entry {
    /// `12.3`: session 12, its third prompt. `gatebench history show` takes it.
    pub fn id(&self) -> String {
        format!("{}.{}", self.session_id, self.turn)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rating {
    pub score: u8,
    pub note: String,
}

/// One answer as stored, with what was asked.
#[derive(Debug, Clone, Serialize)]
pub struct StoredAnswer {
    pub seq: u64,
    pub pane: u32,
    pub pane_model: String,
    pub conversation: u64,
    pub target: String,
    pub route: Option<String>,
    pub status: Status,
    pub text: String,
    pub reasoning: String,
    /// Every figure `ask --json` prints, with the cost and its source; null while streaming.
    pub answer: Option<serde_json::Value>,
    pub rating: Option<Rating>,
    #[serde(skip)]
    pub figures: Option<Figures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TurnView {
    pub seq: u64,
    pub sent_ms: i64,
    pub prompt: String,
    pub system: Option<String>,
    pub params: TurnParams,
    pub answers: Vec<StoredAnswer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: i64,
    pub started_ms: i64,
    pub kind: String,
    pub profile: String,
    pub base_url: String,
    /// The session's last prompt and request numbers, whatever part of it is shown: a session
    /// reopened at an earlier prompt goes on after them.
    pub last_turn: u64,
    pub last_request: u64,
    pub turns: Vec<TurnView>,
}

/// Entries newest first (`before`: only those sent before this time, for paging).
pub fn list(store: &Store, limit: usize) -> rusqlite::Result<Vec<Entry>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT id, session_id, seq, sent_ms, prompt FROM turns ORDER BY sent_ms DESC, id DESC LIMIT ?1",
    )?;
    let turns: Vec<(i64, i64, u64, i64, String)> = stmt
        .query_map([limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    turns
        .into_iter()
        .map(|(id, session_id, turn, sent_ms, prompt)| {
            entry(store, id, session_id, turn, sent_ms, prompt, None)
        })
        .collect()
}

fn entry(
    store: &Store,
    turn_id: i64,
    session_id: i64,
    turn: u64,
    sent_ms: i64,
    prompt: String,
    snippet: Option<String>,
) -> rusqlite::Result<Entry> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT r.target, r.cost_usd, g.score FROM requests r LEFT JOIN ratings g ON g.request_id = r.id
         WHERE r.turn_id = ?1 ORDER BY r.pane",
    )?;
    let mut e = Entry {
        session_id,
        turn,
        sent_ms,
        prompt,
        targets: Vec::new(),
        cost_usd: None,
        cost_partial: false,
        rating_mean: None,
        ratings: 0,
        snippet,
    };
    let mut sum = 0.0;
    let rows = stmt.query_map([turn_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<f64>>(1)?,
            r.get::<_, Option<u8>>(2)?,
        ))
    })?;
    for row in rows {
        let (target, cost, score) = row?;
        e.targets.push(target);
        match cost {
            Some(c) => *e.cost_usd.get_or_insert(0.0) += c,
            None => e.cost_partial = true,
        }
        if let Some(s) = score {
            sum += s as f64;
            e.ratings += 1;
        }
    }
    e.rating_mean = (e.ratings > 0).then(|| sum / e.ratings as f64);
    Ok(e)
}

/// The query as FTS5 reads it: each word quoted (so no character is syntax), all required, the
/// last one a prefix (search as you type). `None` when there is no word to look for.
pub fn fts_query(q: &str) -> Option<String> {
    let words: Vec<&str> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.len().checked_sub(1)?;
    let quoted: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last && !q.ends_with(char::is_whitespace) {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect();
    Some(quoted.join(" "))
}

/// Entries whose prompt or an answer matches, best match first (bm25), one per prompt.
pub fn search(store: &Store, q: &str, limit: usize) -> rusqlite::Result<Vec<Entry>> {
    search_within(store, q, limit, RANK_WINDOW)
}

/// `search`, ranking the newest `window` answers before older ones.
pub(crate) fn search_within(
    store: &Store,
    q: &str,
    limit: usize,
    window: i64,
) -> rusqlite::Result<Vec<Entry>> {
    let Some(fts) = fts_query(q) else {
        return list(store, limit);
    };
    // Prompts by their best answer. Ranking costs time per match, so the newest `window`
    // answers are ranked first, and older ones only when those hold too few matches.
    let want = limit;
    let newest: i64 =
        store
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM requests", [], |r| {
                r.get(0)
            })?;
    let floor = newest.saturating_sub(window);
    let mut hits = best_for(store, &fts, floor, i64::MAX, want)?;
    let prompts = hits
        .iter()
        .map(|h| h.1)
        .collect::<std::collections::HashSet<_>>()
        .len();
    if prompts < want && floor > 0 {
        hits.extend(best_for(store, &fts, 0, floor, want - prompts)?);
    }
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut page = store.conn.prepare_cached(
        "SELECT t.session_id, t.seq, t.sent_ms, t.prompt, r.text
         FROM requests r JOIN turns t ON t.id = r.turn_id WHERE r.id = ?1",
    )?;
    for (answer, turn_id) in hits {
        if out.len() >= limit || !seen.insert(turn_id) {
            continue;
        }
        let (session, turn, sent, prompt, text): (i64, u64, i64, String, String) = page
            .query_row([answer], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        // The prompt is shown anyway: the snippet is where an answer matched.
        let snip = snippet(&text, &words);
        out.push(entry(store, turn_id, session, turn, sent, prompt, snip)?);
    }
    Ok(out)
}

/// How many of the newest answers a search ranks before it looks at older ones.
pub const RANK_WINDOW: i64 = 20_000;

/// (answer, turn) of the best matching answers among answers with `above < id <= upto`, best
/// first, enough of them for `n` prompts (or all there are).
fn best_for(
    store: &Store,
    fts: &str,
    above: i64,
    upto: i64,
    n: usize,
) -> rusqlite::Result<Vec<(i64, i64)>> {
    // A prompt has one answer per pane (nine at most in the workbench): ask for that many, and
    // more only when the prompts they belong to are still too few.
    let mut want = n * crate::layout::MAX_PANES;
    loop {
        let hits = ranked(store, fts, above, upto, want)?;
        let prompts: std::collections::HashSet<i64> = hits.iter().map(|h| h.1).collect();
        if prompts.len() >= n || hits.len() < want {
            return Ok(hits);
        }
        want *= 4;
    }
}

/// (answer, turn) of the best `n` matching answers among answers with `above < id <= upto`.
fn ranked(
    store: &Store,
    fts: &str,
    above: i64,
    upto: i64,
    n: usize,
) -> rusqlite::Result<Vec<(i64, i64)>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT f.rowid, r.turn_id FROM answers_fts f JOIN requests r ON r.id = f.rowid
         WHERE answers_fts MATCH ?1 AND f.rowid > ?2 AND f.rowid <= ?3
         ORDER BY f.rank LIMIT ?4",
    )?;
    stmt.query_map(params![fts, above, upto, n as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?
    .collect()
}

/// About 60 characters around the first word of `words` found in `text` (case-insensitive).
pub fn snippet(text: &str, words: &[String]) -> Option<String> {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths; only use a hit that lines up with the original.
    let at = words
        .iter()
        .filter_map(|w| lower.find(w.as_str()))
        .min()
        .filter(|&i| lower.len() == text.len() && text.is_char_boundary(i))?;
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(24)
        .map_or(0, |(i, _)| i);
    let tail: String = text[start..].chars().take(64).collect();
    let one_line = tail.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(format!("{}{one_line}…", if start > 0 { "…" } else { "" }))
}

/// The newest session of this kind (for `--resume`: `workbench`).
pub fn last_session(store: &Store, kind: Option<&str>) -> rusqlite::Result<Option<i64>> {
    store
        .conn
        .query_row(
            "SELECT s.id FROM sessions s WHERE (?1 IS NULL OR s.kind = ?1)
               AND EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id)
             ORDER BY s.id DESC LIMIT 1",
            [kind],
            |r| r.get(0),
        )
        .optional()
}

/// A whole session; with `turn`, only that prompt.
pub fn session(store: &Store, id: i64, turn: Option<u64>) -> rusqlite::Result<Option<SessionView>> {
    let head = store
        .conn
        .query_row(
            "SELECT id, started_ms, kind, profile, base_url,
                    (SELECT COALESCE(MAX(seq), 0) FROM turns WHERE session_id = ?1),
                    (SELECT COALESCE(MAX(seq), 0) FROM requests WHERE session_id = ?1)
             FROM sessions WHERE id = ?1",
            [id],
            |r| {
                Ok(SessionView {
                    id: r.get(0)?,
                    started_ms: r.get(1)?,
                    kind: r.get(2)?,
                    profile: r.get(3)?,
                    base_url: r.get(4)?,
                    last_turn: r.get(5)?,
                    last_request: r.get(6)?,
                    turns: Vec::new(),
                })
            },
        )
        .optional()?;
    let Some(mut view) = head else {
        return Ok(None);
    };
    let mut stmt = store.conn.prepare_cached(
        "SELECT id, seq, sent_ms, prompt, system, params FROM turns
         WHERE session_id = ?1 AND (?2 IS NULL OR seq = ?2) ORDER BY seq",
    )?;
    let turns: Vec<(i64, TurnView)> = stmt
        .query_map(params![id, turn], |r| {
            let params: String = r.get(5)?;
            Ok((
                r.get(0)?,
                TurnView {
                    seq: r.get(1)?,
                    sent_ms: r.get(2)?,
                    prompt: r.get(3)?,
                    system: r.get(4)?,
                    params: serde_json::from_str(&params).unwrap_or_default(),
                    answers: Vec::new(),
                },
            ))
        })?
        .collect::<Result<_, _>>()?;
    for (turn_id, mut t) in turns {
        t.answers = answers(store, turn_id)?;
        view.turns.push(t);
    }
    Ok(Some(view))
}

fn answers(store: &Store, turn_id: i64) -> rusqlite::Result<Vec<StoredAnswer>> {
    let mut stmt = store.conn.prepare_cached(
        "SELECT r.seq, r.pane, r.pane_model, r.conversation, r.target, r.route, r.status, r.text,
                r.reasoning, r.record, r.figures, g.score, g.note
         FROM requests r LEFT JOIN ratings g ON g.request_id = r.id
         WHERE r.turn_id = ?1 ORDER BY r.pane, r.seq",
    )?;
    stmt.query_map([turn_id], |r| {
        let record: Option<String> = r.get(9)?;
        let figures: Option<String> = r.get(10)?;
        let score: Option<u8> = r.get(11)?;
        let (text, reasoning): (String, String) = (r.get(7)?, r.get(8)?);
        let answer = record
            .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
            .map(|mut v| {
                if let Some(m) = v.as_object_mut() {
                    m.insert("text".into(), text.clone().into());
                    m.insert("reasoning".into(), reasoning.clone().into());
                }
                v
            });
        Ok(StoredAnswer {
            seq: r.get(0)?,
            pane: r.get(1)?,
            pane_model: r.get(2)?,
            conversation: r.get(3)?,
            target: r.get(4)?,
            route: r.get(5)?,
            status: Status::parse(&r.get::<_, String>(6)?),
            text,
            reasoning,
            answer,
            rating: score.map(|score| Rating {
                score,
                note: r
                    .get::<_, Option<String>>(12)
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            }),
            figures: figures.and_then(|j| serde_json::from_str(&j).ok()),
        })
    })?
    .collect()
}

/// Mean rating and count per model that answered, over the whole history.
pub fn ratings_by_model(store: &Store) -> rusqlite::Result<Vec<(String, f64, u32)>> {
    let mut stmt = store.conn.prepare(
        "SELECT COALESCE(r.model, r.pane_model), AVG(g.score), COUNT(*) FROM ratings g
         JOIN requests r ON r.id = g.request_id GROUP BY 1 ORDER BY 2 DESC, 1",
    )?;
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}
