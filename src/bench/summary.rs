//! A benchmark run as a document: what was run, and each target's mergeable statistics. It is
//! what `--out` writes, `--format json` prints, `--compare` reads, `bench merge` combines and the
//! history stores.

use serde::{Deserialize, Serialize};

use super::report::{Results, results};
use super::stats::TargetStats;

pub const FORMAT: &str = "gatebench-bench/1";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    pub gatebench_version: String,
    pub started_unix_ms: i64,
    pub elapsed_s: f64,
    pub base_url: String,
    pub workload: String,
    pub load: String,
    /// `i/N` when this run is one shard of a larger one.
    pub shard: Option<String>,
    /// The shards a merged summary was made from.
    #[serde(default)]
    pub merged: Vec<String>,
    pub per_day: Option<u64>,
    /// Workload lines that could not be read (reported, and skipped unless `--strict`).
    pub bad_lines: u64,
    /// The run was stopped (Ctrl-C, a signal) before it finished.
    pub interrupted: bool,
    /// Derived figures per target: what to read. Recomputed from `targets` when read back.
    pub results: Vec<Results>,
    /// The raw statistics (histograms as buckets): what merges.
    pub targets: Vec<TargetStats>,
    /// The client's own figures (chunks, chunks per second), when measured.
    pub client: Option<ClientFigures>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientFigures {
    pub chunks: u64,
    pub chunks_per_s: f64,
    pub peak_in_flight: u64,
    /// The process's peak resident memory (Linux `VmHWM`), KiB.
    #[serde(default)]
    pub peak_rss_kib: Option<u64>,
}

/// This process's peak resident set, from `/proc/self/status` (Linux only).
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Summary {
    /// Remove `key` from every text of the summary. Every field is named, so a new one is a
    /// compile error here until it is scrubbed or said to hold no text.
    pub fn scrub(&mut self, key: Option<&crate::secret::Secret>) {
        let c = crate::secret::Scrubber(key);
        let Summary {
            format,
            gatebench_version,
            started_unix_ms: _,
            elapsed_s: _,
            base_url,
            workload,
            load,
            shard,
            merged,
            per_day: _,
            bad_lines: _,
            interrupted: _,
            results: _,
            targets,
            client: _,
        } = self;
        for s in [format, gatebench_version, base_url, workload, load] {
            c.text(s);
        }
        c.opt(shard);
        merged.iter_mut().for_each(|s| c.text(s));
        targets.iter_mut().for_each(|t| t.scrub(c));
        // The results are derived from the targets: derived again, from the scrubbed ones.
        self.derive();
    }

    /// Fill `results` from `targets`.
    pub fn derive(&mut self) {
        let secs = self.elapsed_s.max(1e-9);
        self.results = self
            .targets
            .iter()
            .map(|t| {
                let mut r = results(t, self.per_day);
                if t.slo.is_some() {
                    r.goodput_rps = Some(t.slo_met as f64 / secs);
                    r.goodput_tok_s = Some(t.slo_met_output_tokens as f64 / secs);
                }
                r
            })
            .collect();
    }

    /// Read a summary file; the figures are derived again from the statistics.
    pub fn from_json(text: &str) -> Result<Summary, String> {
        let mut s: Summary = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if s.format != FORMAT {
            return Err(format!(
                "not a gatebench bench summary (format {:?}, expected {FORMAT:?})",
                s.format
            ));
        }
        s.derive();
        Ok(s)
    }

    /// Combine shards of one workload: every target's statistics added, exactly.
    pub fn merge(parts: &[(String, Summary)]) -> Result<Summary, String> {
        let Some((_, first)) = parts.first() else {
            return Err("nothing to merge".into());
        };
        let mut out = Summary {
            shard: None,
            merged: Vec::new(),
            client: None,
            ..first.clone()
        };
        out.targets.clear();
        out.bad_lines = 0;
        out.elapsed_s = 0.0;
        for (name, p) in parts {
            if p.workload != first.workload {
                return Err(format!(
                    "{name} ran workload {:?}, not {:?}: only shards of one workload merge",
                    p.workload, first.workload
                ));
            }
            out.merged
                .push(p.shard.clone().unwrap_or_else(|| name.clone()));
            out.started_unix_ms = out.started_unix_ms.min(p.started_unix_ms);
            out.elapsed_s = out.elapsed_s.max(p.elapsed_s);
            out.bad_lines = out.bad_lines.max(p.bad_lines);
            out.interrupted |= p.interrupted;
            for t in &p.targets {
                match out.targets.iter_mut().find(|m| m.target == t.target) {
                    Some(m) => m.merge(t),
                    None => out.targets.push(t.clone()),
                }
            }
        }
        out.derive();
        Ok(out)
    }
}
