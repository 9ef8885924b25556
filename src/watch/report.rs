//! What the watch saw, as text: per target its probes, failures, TTFT by hour and who served it
//! when (`watch report`), and its state and the alerts it raised (the workbench's view).

use std::collections::BTreeMap;

use super::alert::Alerter;
use super::drift::quantile;
use super::{Sample, Thresholds, drift};
use crate::format::{fmt_ms, fmt_usd};

/// One hour of a target's probes.
#[derive(Debug, Clone, PartialEq)]
pub struct Hour {
    /// The hour's start, Unix ms.
    pub at_ms: i64,
    pub probes: usize,
    pub failed: usize,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
}

fn ttfts(xs: &[&Sample]) -> Vec<f64> {
    xs.iter()
        .filter(|x| x.ok)
        .filter_map(|x| x.ttft_ms)
        .collect()
}

/// A target's probes hour by hour.
pub fn hours(s: &[Sample]) -> Vec<Hour> {
    let mut by: BTreeMap<i64, Vec<&Sample>> = BTreeMap::new();
    for x in s {
        by.entry(x.at_ms.div_euclid(3_600_000)).or_default().push(x);
    }
    by.into_iter()
        .map(|(h, xs)| Hour {
            at_ms: h * 3_600_000,
            probes: xs.len(),
            failed: xs.iter().filter(|x| !x.ok).count(),
            p50_ms: quantile(ttfts(&xs), 0.5),
            p95_ms: quantile(ttfts(&xs), 0.95),
        })
        .collect()
}

/// A target's totals on one line.
pub fn totals(target: &str, s: &[Sample]) -> String {
    let errors = s.iter().filter(|x| !x.ok).count();
    let all: Vec<&Sample> = s.iter().collect();
    let cost: f64 = s.iter().filter_map(|x| x.cost_usd).sum();
    format!(
        "{target}: {} probes, {} failed ({:.1}%), TTFT p50 {} p95 {}, cost {}",
        s.len(),
        errors,
        100.0 * errors as f64 / s.len().max(1) as f64,
        fmt_ms(quantile(ttfts(&all), 0.5)),
        fmt_ms(quantile(ttfts(&all), 0.95)),
        fmt_usd(Some(cost))
    )
}

/// When the model that served a target changed: (when, from, to).
pub fn served_changes(s: &[Sample]) -> Vec<(i64, String, String)> {
    let mut out = Vec::new();
    let mut last: Option<&str> = None;
    for x in s {
        if let Some(by) = x.served_by.as_deref() {
            if let Some(l) = last.filter(|l| *l != by) {
                out.push((x.at_ms, l.to_string(), by.to_string()));
            }
            last = Some(by);
        }
    }
    out
}

/// One target's lines: totals, TTFT by hour as a text chart, and who served it when.
pub fn target_text(target: &str, s: &[Sample]) -> String {
    let mut out = totals(target, s) + "\n";
    let hours = hours(s);
    let top = hours
        .iter()
        .filter_map(|h| h.p95_ms)
        .fold(1.0_f64, f64::max);
    for h in &hours {
        let bar = "█".repeat((h.p95_ms.unwrap_or(0.0) / top * 30.0).round() as usize);
        out.push_str(&format!(
            "  {}  {:>4} probes {:>3} failed  p50 {:>8}  p95 {:>8}  {bar}\n",
            &crate::clock::fmt_utc(h.at_ms)[..16],
            h.probes,
            h.failed,
            fmt_ms(h.p50_ms),
            fmt_ms(h.p95_ms)
        ));
    }
    for (at, was, by) in served_changes(s) {
        out.push_str(&format!(
            "  served by {by} from {} (was {was})\n",
            crate::clock::fmt_utc(at)
        ));
    }
    out
}

/// Each target's state now and the alerts its probes raised, replayed in order.
pub fn states(by: &BTreeMap<String, Vec<Sample>>, t: &Thresholds) -> String {
    let mut out = String::new();
    // Alerts a minute apart at least, as the watch spaces them at the shortest.
    let mut alerter = Alerter::new(60_000);
    for (target, s) in by {
        let mut alerts = Vec::new();
        let mut last = Vec::new();
        for (i, x) in s.iter().enumerate() {
            let from = (i + 1).saturating_sub(t.window);
            let base_end = from.min(s.len());
            let (baseline, recent) = (&s[..base_end], &s[from..=i]);
            last = drift::evaluate(recent, baseline, t);
            if let Some(a) = alerter.step(target, x.at_ms, last.clone()) {
                alerts.push(a);
            }
        }
        let state = drift::state(&last);
        let marks: String = s
            .iter()
            .rev()
            .take(10)
            .rev()
            .map(|x| if x.ok { '✓' } else { '✗' })
            .collect();
        out.push_str(&format!(
            "{target}: {}  last probes {marks}\n",
            state.name()
        ));
        for a in alerts.iter().rev().take(5).rev() {
            out.push_str(&format!(
                "  {}  {}\n",
                crate::clock::fmt_utc(a.at_ms),
                a.line()
            ));
        }
    }
    out
}

/// Samples by target.
pub fn by_target(samples: Vec<Sample>) -> BTreeMap<String, Vec<Sample>> {
    let mut by: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    for s in samples {
        by.entry(s.target.clone()).or_default().push(s);
    }
    by
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: i64, target: &str, ok: bool) -> Sample {
        Sample {
            at_ms: at,
            target: target.into(),
            ok,
            ttft_ms: Some(100.0),
            error_kind: (!ok).then(|| "server_error".into()),
            served_by: ok.then(|| target.to_string()),
            ..Default::default()
        }
    }

    #[test]
    fn states_and_alerts_are_replayed_from_the_probes() {
        let t = Thresholds::default()
            .parse_over("error_rate=0.4,window=4")
            .unwrap();
        let mut s: Vec<Sample> = (0..4).map(|i| sample(i, "a", true)).collect();
        s.extend((4..8).map(|i| sample(i * 1000, "a", i % 2 == 0)));
        s.extend((8..12).map(|i| sample(i * 1000, "a", false)));
        s.push(sample(3, "b", true));
        let text = states(&by_target(s.clone()), &t);
        assert!(
            text.contains("a: failing  last probes ✓✓✓✗✓✗✗✗✗✗"),
            "{text}"
        );
        assert_eq!(text.matches("ALERT").count(), 1, "a minute apart: {text}");
        assert!(text.contains("ALERT a failing: error_rate"), "{text}");
        assert!(text.contains("b: ok  last probes ✓"), "{text}");
        let report = target_text("a", &by_target(s)["a"]);
        assert!(
            report.starts_with("a: 12 probes, 6 failed (50.0%)"),
            "{report}"
        );
    }
}
