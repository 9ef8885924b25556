//! A sweep's verdict: per target, the highest rate that stayed within the limits (the knee), the
//! first rate that crossed one, and with `--slo` the knee by goodput: the rate that gave the most
//! requests a second within every objective (past it, more load brings fewer good answers). Pure.

use serde::{Deserialize, Serialize};

use super::gate::{Gate, evaluate};
use super::report::Results;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knee {
    pub target: String,
    /// The highest rate before the first crossing; `None` when even the first rate crossed.
    pub knee_per_s: Option<f64>,
    /// The first rate that crossed a limit, and which limits.
    pub crossed_at_per_s: Option<f64>,
    pub crossed: Vec<String>,
    /// With `--slo`: the rate whose goodput (requests/s within every objective) was highest,
    /// and that goodput.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goodput_knee_per_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goodput_peak_rps: Option<f64>,
}

/// `steps`: each rate and its results, rates rising. Targets are taken from the first step.
pub fn knees(steps: &[(f64, Vec<Results>)], limits: &[Gate]) -> Vec<Knee> {
    let Some((_, first)) = steps.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|t| {
            let mut k = Knee {
                target: t.target.clone(),
                knee_per_s: None,
                crossed_at_per_s: None,
                crossed: Vec::new(),
                goodput_knee_per_s: None,
                goodput_peak_rps: None,
            };
            for (rate, results) in steps {
                let Some(r) = results.iter().find(|r| r.target == t.target) else {
                    continue;
                };
                if let Some(g) = r.goodput_rps
                    && k.goodput_peak_rps.is_none_or(|best| g > best)
                {
                    (k.goodput_knee_per_s, k.goodput_peak_rps) = (Some(*rate), Some(g));
                }
                let crossed = evaluate(limits, std::slice::from_ref(r));
                if crossed.is_empty() {
                    k.knee_per_s = Some(*rate);
                } else {
                    k.crossed_at_per_s = Some(*rate);
                    k.crossed = crossed.iter().map(ToString::to_string).collect();
                    break;
                }
            }
            k
        })
        .collect()
}

/// Whether to go on to a higher rate: while some target has not crossed a limit yet.
pub fn go_on(knees: &[Knee]) -> bool {
    knees.iter().any(|k| k.crossed_at_per_s.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::gate::parse;

    fn r(target: &str, p95: f64, err: f64) -> Results {
        Results {
            target: target.into(),
            p95_ttft_ms: Some(p95),
            error_rate: Some(err),
            ..Default::default()
        }
    }

    #[test]
    fn the_knee_is_the_last_rate_within_limits() {
        let limits = parse("p95_ttft_ms>1000,error_rate>0.05").unwrap();
        let steps = vec![
            (1.0, vec![r("a", 200.0, 0.0), r("b", 900.0, 0.0)]),
            (2.0, vec![r("a", 300.0, 0.0), r("b", 1500.0, 0.0)]),
            (4.0, vec![r("a", 600.0, 0.1), r("b", 800.0, 0.0)]),
        ];
        let k = knees(&steps, &limits);
        assert_eq!(k[0].knee_per_s, Some(2.0));
        assert_eq!(k[0].crossed_at_per_s, Some(4.0));
        assert_eq!(
            k[0].crossed,
            vec!["a: error_rate = 0.1 (gate error_rate>0.05)"]
        );
        // b crossed at 2; its recovery at 4 does not move its knee.
        assert_eq!(k[1].knee_per_s, Some(1.0));
        assert_eq!(k[1].crossed_at_per_s, Some(2.0));
        assert!(!go_on(&k));
        let k = knees(&steps[..1], &limits);
        assert!(go_on(&k));
        assert_eq!(k[0].crossed_at_per_s, None);
        let first_crosses = knees(&[(1.0, vec![r("a", 5000.0, 0.0)])], &limits);
        assert_eq!(first_crosses[0].knee_per_s, None);
        assert!(knees(&[], &limits).is_empty());
        assert_eq!(k[0].goodput_knee_per_s, None, "no --slo, no goodput knee");
    }

    #[test]
    fn the_goodput_knee_is_the_rate_with_the_most_good_requests_a_second() {
        let limits = parse("error_rate>0.5").unwrap();
        let g = |rate: f64, rps: f64| {
            let mut x = r("a", 100.0, 0.0);
            x.goodput_rps = Some(rps);
            (rate, vec![x])
        };
        // Goodput rises with the load, then falls as answers miss the objectives; a tie keeps
        // the lower rate.
        let steps = vec![g(1.0, 0.9), g(2.0, 1.8), g(4.0, 1.8), g(8.0, 0.5)];
        let k = knees(&steps, &limits);
        assert_eq!(k[0].goodput_knee_per_s, Some(2.0));
        assert_eq!(k[0].goodput_peak_rps, Some(1.8));
        assert_eq!(k[0].knee_per_s, Some(8.0), "the limit was never crossed");
    }
}
