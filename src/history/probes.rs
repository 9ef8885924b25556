//! Capability probes in the history: one row per target, newest first when read back, so a probe
//! can be compared with the last one of the same target on the same gateway.

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
}
