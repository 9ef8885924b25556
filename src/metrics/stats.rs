//! Per-model distributions over a session: HDR histograms (microseconds) and recent TTFTs.

use std::collections::VecDeque;

use super::hist::Hist;

use super::Figures;

/// How many recent TTFTs the sparkline shows.
pub const RECENT: usize = 32;

#[derive(Debug, Clone)]
pub struct ModelStats {
    pub runs: u64,
    pub ttft_us: Hist,
    pub itl_us: Hist,
    pub total_us: Hist,
    /// Decode tokens/s, x100 to keep two decimals in an integer histogram.
    pub tps_x100: Hist,
    pub recent_ttft_ms: VecDeque<f64>,
    pub cost_usd: f64,
    pub priced_output_tokens: u64,
    /// Ratings of this model's answers (1-5): their sum and count.
    pub rating_sum: u64,
    pub ratings: u64,
}

impl Default for ModelStats {
    fn default() -> Self {
        Self {
            runs: 0,
            ttft_us: Hist::default(),
            itl_us: Hist::default(),
            total_us: Hist::default(),
            tps_x100: Hist::default(),
            recent_ttft_ms: VecDeque::with_capacity(RECENT),
            cost_usd: 0.0,
            priced_output_tokens: 0,
            rating_sum: 0,
            ratings: 0,
        }
    }
}

impl ModelStats {
    /// One finished response; `cost` with the output tokens it was charged for, when known.
    pub fn add(&mut self, f: &Figures, cost: Option<(f64, u64)>) {
        self.runs += 1;
        if let Some(v) = f.ttft_ms.map(|v| v * 1000.0) {
            self.ttft_us.record(v);
        }
        if let Some(v) = f.itl_ms.map(|v| v * 1000.0) {
            self.itl_us.record(v);
        }
        if let Some(v) = f.total_ms.map(|v| v * 1000.0) {
            self.total_us.record(v);
        }
        if let Some(v) = f.decode_tps.map(|v| v * 100.0) {
            self.tps_x100.record(v);
        }
        if let Some(t) = f.ttft_ms {
            if self.recent_ttft_ms.len() == RECENT {
                self.recent_ttft_ms.pop_front();
            }
            self.recent_ttft_ms.push_back(t);
        }
        if let Some((usd, out)) = cost {
            self.cost_usd += usd;
            self.priced_output_tokens += out;
        }
    }

    pub fn ttft_ms(&self, q: f64) -> Option<f64> {
        self.ttft_us.quantile(q).map(|v| v as f64 / 1000.0)
    }

    pub fn itl_ms(&self, q: f64) -> Option<f64> {
        self.itl_us.quantile(q).map(|v| v as f64 / 1000.0)
    }

    pub fn total_ms(&self, q: f64) -> Option<f64> {
        self.total_us.quantile(q).map(|v| v as f64 / 1000.0)
    }

    pub fn tps(&self, q: f64) -> Option<f64> {
        self.tps_x100.quantile(q).map(|v| v as f64 / 100.0)
    }

    /// The mean of this model's ratings.
    pub fn rating_mean(&self) -> Option<f64> {
        (self.ratings > 0).then(|| self.rating_sum as f64 / self.ratings as f64)
    }

    /// USD per 1,000 output tokens over the priced responses.
    pub fn cost_per_1k_output(&self) -> Option<f64> {
        super::cost::per_1k(self.cost_usd, self.priced_output_tokens)
    }
}

/// `▁▂▃▅▇` from values, scaled between their min and max.
pub fn sparkline(values: impl IntoIterator<Item = f64>) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let v: Vec<f64> = values.into_iter().collect();
    let (lo, hi) = v
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), x| (l.min(*x), h.max(*x)));
    v.iter()
        .map(|x| {
            if hi <= lo {
                BARS[3]
            } else {
                BARS[(((x - lo) / (hi - lo)) * 7.0).round() as usize]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(ttft: f64, itl: f64, total: f64, tps: f64) -> Figures {
        Figures {
            ttft_ms: Some(ttft),
            itl_ms: Some(itl),
            total_ms: Some(total),
            decode_tps: Some(tps),
            ..Default::default()
        }
    }

    #[test]
    fn percentiles_over_runs() {
        let mut s = ModelStats::default();
        for i in 1..=100 {
            s.add(
                &fig(i as f64, 10.0, 1000.0 + i as f64, 50.0),
                Some((0.001, 100)),
            );
        }
        assert_eq!(s.runs, 100);
        let p50 = s.ttft_ms(0.5).unwrap();
        let p95 = s.ttft_ms(0.95).unwrap();
        let p99 = s.ttft_ms(0.99).unwrap();
        assert!((p50 - 50.0).abs() < 0.1, "{p50}");
        assert!((p95 - 95.0).abs() < 0.1, "{p95}");
        assert!((p99 - 99.0).abs() < 0.1, "{p99}");
        assert!((s.itl_ms(0.5).unwrap() - 10.0).abs() < 0.01);
        assert!((s.tps(0.5).unwrap() - 50.0).abs() < 0.05);
        assert_eq!(s.recent_ttft_ms.len(), RECENT);
        assert_eq!(*s.recent_ttft_ms.back().unwrap(), 100.0);
        // $0.1 over 10,000 output tokens = $0.01 per 1k.
        assert!((s.cost_per_1k_output().unwrap() - 0.01).abs() < 1e-12);
        assert_eq!(ModelStats::default().ttft_ms(0.5), None);
    }

    #[test]
    fn totals_units_and_unusable_values() {
        let mut s = ModelStats::default();
        s.add(&fig(12.0, 3.0, 1500.0, 20.0), None);
        assert!((s.total_ms(0.5).unwrap() - 1500.0).abs() < 1.0);
        assert!((s.ttft_ms(0.5).unwrap() - 12.0).abs() < 0.01);
        // No priced output yet: no cost per 1k (not 0, not NaN).
        assert_eq!(s.cost_per_1k_output(), None);
        s.add(&fig(12.0, 3.0, 1500.0, 20.0), Some((0.5, 0)));
        assert_eq!(s.cost_per_1k_output(), None);
        s.add(&fig(12.0, 3.0, 1500.0, 20.0), Some((0.5, 1)));
        assert!((s.cost_per_1k_output().unwrap() - 1000.0).abs() < 1e-9);
        // NaN, negatives and infinities are not recorded.
        let mut bad = ModelStats::default();
        for v in [f64::NAN, -1.0, f64::INFINITY] {
            bad.add(&fig(v, v, v, v), None);
        }
        assert_eq!(bad.runs, 3);
        assert_eq!(
            (bad.ttft_ms(0.5), bad.total_ms(0.5), bad.tps(0.5)),
            (None, None, None)
        );
    }

    #[test]
    fn sparkline_scales() {
        assert_eq!(sparkline([1.0, 8.0]), "▁█");
        assert_eq!(sparkline([5.0, 5.0]), "▄▄");
        assert_eq!(sparkline([]), "");
    }
}
