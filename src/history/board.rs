//! What the leaderboard needs from the history: every blind vote, and per model its answers'
//! median TTFT and cost per 1k output tokens.

use std::collections::BTreeMap;

use super::VoteInfo;
use super::store::Store;
use crate::metrics::leaderboard::{ModelFigures, median};

pub fn votes(store: &Store) -> rusqlite::Result<Vec<VoteInfo>> {
    let mut stmt = store
        .conn
        .prepare("SELECT turn_seq, models, winner FROM votes ORDER BY voted_ms, id")?;
    stmt.query_map([], |r| {
        let models: String = r.get(1)?;
        Ok(VoteInfo {
            turn: r.get(0)?,
            models: serde_json::from_str(&models).unwrap_or_default(),
            winner: r.get(2)?,
        })
    })?
    .collect()
}

/// Figures of every model with a finished answer. Cost per 1k output tokens is the priced
/// answers' cost over their output tokens.
/// The median output tokens of each model's finished answers, for models with at least three.
pub fn typical_output(store: &Store) -> rusqlite::Result<BTreeMap<String, u64>> {
    let mut stmt = store.conn.prepare(
        "SELECT COALESCE(model, pane_model), output_tokens FROM requests
         WHERE status = 'done' AND output_tokens > 0",
    )?;
    let mut by: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (model, n) = row?;
        by.entry(model).or_default().push(n as u64);
    }
    Ok(by
        .into_iter()
        .filter(|(_, v)| v.len() >= 3)
        .map(|(m, mut v)| {
            v.sort_unstable();
            (m, v[v.len() / 2])
        })
        .collect())
}

pub fn figures(store: &Store) -> rusqlite::Result<BTreeMap<String, ModelFigures>> {
    let mut stmt = store.conn.prepare(
        "SELECT COALESCE(model, pane_model), ttft_ms, cost_usd, output_tokens FROM requests
         WHERE status = 'done'",
    )?;
    type Acc = (Vec<f64>, f64, u64, u64);
    let mut acc: BTreeMap<String, Acc> = BTreeMap::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<f64>>(1)?,
            r.get::<_, Option<f64>>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    for row in rows {
        let (model, ttft, cost, out) = row?;
        let a = acc.entry(model).or_default();
        a.3 += 1;
        a.0.extend(ttft);
        if let (Some(c), Some(n)) = (cost, out.filter(|n| *n > 0)) {
            a.1 += c;
            a.2 += n as u64;
        }
    }
    Ok(acc
        .into_iter()
        .map(|(m, (ttfts, cost, tokens, answers))| {
            let fig = ModelFigures {
                answers,
                median_ttft_ms: median(ttfts),
                cost_per_1k_output_usd: crate::metrics::cost::per_1k(cost, tokens),
            };
            (m, fig)
        })
        .collect())
}
