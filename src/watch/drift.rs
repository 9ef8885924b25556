//! A target's recent probes against its baseline: which thresholds are crossed.

use super::{Crossed, Sample, State, Thresholds};

/// The nearest-rank quantile `q` of `v`.
pub(crate) fn quantile(mut v: Vec<f64>, q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
    Some(v[i])
}

fn values(s: &[Sample], f: impl Fn(&Sample) -> Option<f64>) -> Vec<f64> {
    s.iter()
        .filter(|x| x.ok)
        .filter_map(f)
        .filter(|v| v.is_finite())
        .collect()
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The model that served most of `s`.
fn usual_server(s: &[Sample]) -> Option<&str> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for x in s.iter().filter_map(|x| x.served_by.as_deref()) {
        *counts.entry(x).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(m, _)| m)
}

/// The thresholds `recent` (a target's last probes, oldest first) crosses, against `baseline`.
pub fn evaluate(recent: &[Sample], baseline: &[Sample], t: &Thresholds) -> Vec<Crossed> {
    let mut out = Vec::new();
    if recent.is_empty() {
        return out;
    }
    let mut cross = |name: &str, value: f64, limit: f64, detail: String| {
        out.push(Crossed {
            threshold: name.into(),
            value,
            limit,
            detail,
        })
    };
    let n = recent.len();
    let errors = recent.iter().filter(|x| !x.ok).count();
    let rate = errors as f64 / n as f64;
    if let Some(limit) = t.error_rate
        && rate > limit
    {
        cross(
            "error_rate",
            rate,
            limit,
            format!("{errors} of the last {n} probes failed"),
        );
    }
    if let (Some(limit), Some(p95)) = (t.p95_ttft_ms, quantile(values(recent, |x| x.ttft_ms), 0.95))
        && p95 > limit
    {
        cross(
            "p95_ttft_ms",
            p95,
            limit,
            format!("p95 TTFT {p95:.0} ms over the last {n} probes"),
        );
    }
    let drop = quantile(values(baseline, |x| x.tokens_per_s), 0.5)
        .zip(quantile(values(recent, |x| x.tokens_per_s), 0.5))
        .filter(|(b, _)| *b > 0.0)
        .map(|(b, r)| (b, r, (b - r) / b * 100.0));
    if let (Some(limit), Some((b, r, pct))) = (t.tok_s_drop_pct, drop)
        && pct > limit
    {
        cross(
            "tok_s_drop_pct",
            pct,
            limit,
            format!("median {r:.1} tok/s against {b:.1} at baseline"),
        );
    }
    let rise = mean(&values(baseline, Sample::cost_per_1k))
        .zip(mean(&values(recent, Sample::cost_per_1k)))
        .filter(|(b, _)| *b > 0.0)
        .map(|(b, r)| (b, r, (r - b) / b * 100.0));
    if let (Some(limit), Some((b, r, pct))) = (t.cost_per_1k_rise_pct, rise)
        && pct > limit
    {
        cross(
            "cost_per_1k_rise_pct",
            pct,
            limit,
            format!("${r:.6} per 1k output tokens against ${b:.6} at baseline"),
        );
    }
    let latest = recent.iter().rev().find_map(|x| x.served_by.as_deref());
    if t.served_by_changed
        && let (Some(now), Some(usual)) = (latest, usual_server(baseline))
        && now != usual
    {
        cross(
            "served_by_changed",
            1.0,
            0.0,
            format!("served by {now}, not {usual} as at baseline"),
        );
    }
    out
}

/// The state these crossings put a target in.
pub fn state(crossed: &[Crossed]) -> State {
    if crossed.iter().any(|c| c.threshold == "error_rate") {
        State::Failing
    } else if crossed.is_empty() {
        State::Ok
    } else {
        State::Drifting
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(ok: bool, ttft: f64, tok_s: f64, cost: f64, by: &str) -> Sample {
        Sample {
            ok,
            ttft_ms: Some(ttft),
            tokens_per_s: Some(tok_s),
            output_tokens: Some(1000),
            cost_usd: Some(cost),
            served_by: ok.then(|| by.to_string()),
            ..Default::default()
        }
    }

    fn all() -> Thresholds {
        Thresholds::default()
            .parse_over("p95_ttft_ms=500,error_rate=0.3,tok_s_drop_pct=30,cost_per_1k_rise_pct=20,served_by_changed")
            .unwrap()
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(v.clone(), 0.5), Some(10.0));
        assert_eq!(quantile(v.clone(), 0.95), Some(19.0));
        assert_eq!(quantile(v, 1.0), Some(20.0));
        assert_eq!(quantile(vec![], 0.5), None);
        // A p95 over a window of 20 is not its maximum.
        let mut base: Vec<Sample> = (0..20)
            .map(|i| s(true, 100.0 + i as f64, 100.0, 0.01, "a"))
            .collect();
        base[19].ttft_ms = Some(5000.0);
        let t = Thresholds::default()
            .parse_over("p95_ttft_ms=1000,window=20")
            .unwrap();
        assert!(evaluate(&base, &[], &t).is_empty());
    }

    #[test]
    fn a_steady_target_crosses_nothing() {
        let base: Vec<Sample> = (0..10)
            .map(|i| s(true, 200.0 + i as f64, 100.0, 0.01, "a"))
            .collect();
        let recent = base.clone();
        assert!(evaluate(&recent, &base, &all()).is_empty());
        assert_eq!(state(&[]), State::Ok);
        // The usual server is the one that served most, not the last in name order.
        let mut mixed = base.clone();
        mixed[0].served_by = Some("z".into());
        assert!(evaluate(&recent, &mixed, &all()).is_empty());
    }

    #[test]
    fn each_threshold_is_crossed_by_its_own_drift() {
        let base: Vec<Sample> = (0..10).map(|_| s(true, 200.0, 100.0, 0.01, "a")).collect();
        let names = |r: &[Sample]| -> Vec<String> {
            evaluate(r, &base, &all())
                .into_iter()
                .map(|c| c.threshold)
                .collect()
        };
        let slow: Vec<Sample> = (0..10)
            .map(|i| s(true, if i == 9 { 900.0 } else { 200.0 }, 100.0, 0.01, "a"))
            .collect();
        assert_eq!(names(&slow), ["p95_ttft_ms"]);
        let failing: Vec<Sample> = (0..10)
            .map(|i| s(i % 2 == 0, 200.0, 100.0, 0.01, "a"))
            .collect();
        assert_eq!(names(&failing), ["error_rate"]);
        assert_eq!(state(&evaluate(&failing, &base, &all())), State::Failing);
        let sluggish: Vec<Sample> = (0..10).map(|_| s(true, 200.0, 60.0, 0.01, "a")).collect();
        assert_eq!(names(&sluggish), ["tok_s_drop_pct"]);
        let dear: Vec<Sample> = (0..10)
            .map(|_| s(true, 200.0, 100.0, 0.0125, "a"))
            .collect();
        assert_eq!(names(&dear), ["cost_per_1k_rise_pct"]);
        // Means, over windows of other lengths than the baseline's.
        let long_base: Vec<Sample> = (0..20).map(|_| s(true, 200.0, 100.0, 0.01, "a")).collect();
        let dear_few: Vec<Sample> = (0..5).map(|_| s(true, 200.0, 100.0, 0.0125, "a")).collect();
        let crossed = evaluate(&dear_few, &long_base, &all());
        assert_eq!(crossed.len(), 1, "{crossed:?}");
        assert!((crossed[0].value - 25.0).abs() < 1e-9, "{crossed:?}");
        let moved: Vec<Sample> = (0..10)
            .map(|i| s(true, 200.0, 100.0, 0.01, if i == 9 { "b" } else { "a" }))
            .collect();
        assert_eq!(names(&moved), ["served_by_changed"]);
        assert_eq!(state(&evaluate(&moved, &base, &all())), State::Drifting);
        // At the limit is not past it.
        let edge: Vec<Sample> = (0..10).map(|_| s(true, 200.0, 70.0, 0.0119, "a")).collect();
        assert!(names(&edge).is_empty(), "{:?}", names(&edge));
    }

    #[test]
    fn without_a_baseline_only_absolute_thresholds_apply() {
        let slow: Vec<Sample> = (0..4).map(|_| s(true, 900.0, 10.0, 1.0, "b")).collect();
        let c = evaluate(&slow, &[], &all());
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].threshold, "p95_ttft_ms");
        assert_eq!((c[0].value, c[0].limit), (900.0, 500.0));
    }
}
