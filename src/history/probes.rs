//! Capability probes in the history (one row per target, so a probe can be compared with the last
//! one of the same target on the same gateway), and `watch` probes (one row each).

use std::collections::BTreeMap;

use rusqlite::params;

use super::store::Store;
use crate::probe::{Probe, TargetProbe};

impl Store {
    pub fn add_probe(&self, p: &Probe) -> rusqlite::Result<()> {
        for t in &p.targets {
            let json = serde_json::to_string(t).unwrap_or_default();
            self.conn.execute(
                "INSERT INTO probes (at_ms, base_url, target, result) VALUES (?1, ?2, ?3, ?4)",
                params![p.at_unix_ms, p.base_url, t.target, json],
            )?;
        }
        Ok(())
    }

    /// The newest probe of each target on `base_url`, with when it ran. A row that no longer
    /// reads (from another build) is left out.
    pub fn last_probes(
        &self,
        base_url: &str,
    ) -> rusqlite::Result<BTreeMap<String, (i64, TargetProbe)>> {
        let mut st = self.conn.prepare(
            "SELECT target, at_ms, result FROM probes p WHERE base_url = ?1 AND at_ms =
               (SELECT MAX(at_ms) FROM probes q WHERE q.base_url = p.base_url AND q.target = p.target)",
        )?;
        let rows = st.query_map([base_url], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (target, at, json) = row?;
            if let Ok(t) = serde_json::from_str::<TargetProbe>(&json) {
                out.insert(target, (at, t));
            }
        }
        Ok(out)
    }

    pub fn add_watch_sample(
        &self,
        gateway: &str,
        target: &str,
        at_ms: i64,
        sample: &serde_json::Value,
    ) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO watch_samples (at_ms, gateway, target, sample) VALUES (?1, ?2, ?3, ?4)",
            params![at_ms, gateway, target, sample.to_string()],
        )?;
        Ok(())
    }

    /// `watch` probes on `gateway` since `since_ms`, oldest first, at most `limit` of the newest.
    pub fn watch_samples(
        &self,
        gateway: &str,
        since_ms: i64,
        limit: usize,
    ) -> rusqlite::Result<Vec<crate::watch::Sample>> {
        let mut st = self.conn.prepare(
            "SELECT sample FROM (SELECT sample, at_ms, id FROM watch_samples
               WHERE gateway = ?1 AND at_ms >= ?2 ORDER BY at_ms DESC, id DESC LIMIT ?3)
             ORDER BY at_ms, id",
        )?;
        let rows = st.query_map(params![gateway, since_ms, limit as i64], |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = Vec::new();
        for json in rows {
            if let Ok(s) = serde_json::from_str(&json?) {
                out.push(s);
            }
        }
        Ok(out)
    }
}
