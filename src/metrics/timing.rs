//! Latency and speed figures, defined once (see the README's "Metrics" section). All inputs are
//! offsets from the moment the request was sent, so the maths is pure and testable with fixed values.

use std::time::Duration;

/// When things happened, relative to sending the request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timeline {
    pub first_byte: Option<Duration>,
    /// First non-empty answer text: what TTFT measures.
    pub first_content: Option<Duration>,
    pub first_reasoning: Option<Duration>,
    /// First token of any kind (reasoning or answer); decode speed is measured from here because
    /// the server's token count includes reasoning tokens.
    pub first_token: Option<Duration>,
    pub last_token: Option<Duration>,
    pub end: Option<Duration>,
    /// Chunks that carried text (answer or reasoning).
    pub token_chunks: u64,
    /// Gaps between consecutive text-bearing chunks, in microseconds.
    pub gaps_us: Vec<u32>,
}

/// How many output tokens, and whether the server said so or we counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCount {
    Reported(u64),
    Estimated(u64),
}

impl TokenCount {
    pub fn value(self) -> u64 {
        match self {
            TokenCount::Reported(n) | TokenCount::Estimated(n) => n,
        }
    }
    pub fn is_estimate(self) -> bool {
        matches!(self, TokenCount::Estimated(_))
    }
}

/// The raw gaps between chunks, summed up: the one part of `Figures` an answer's record does not
/// carry as fields of its own.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Gaps {
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

impl Figures {
    pub fn gaps(&self) -> Gaps {
        Gaps {
            p50_ms: self.gap_p50_ms,
            p95_ms: self.gap_p95_ms,
            max_ms: self.gap_max_ms,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Figures {
    pub ttft_ms: Option<f64>,
    pub ttfr_ms: Option<f64>,
    pub total_ms: Option<f64>,
    /// (t_last - t_first) / (n - 1)
    pub itl_ms: Option<f64>,
    /// (n - 1) / (t_last - t_first)
    pub decode_tps: Option<f64>,
    /// n / total
    pub e2e_tps: Option<f64>,
    pub gap_p50_ms: Option<f64>,
    pub gap_p95_ms: Option<f64>,
    pub gap_max_ms: Option<f64>,
    /// Token-based figures rest on an estimate, not the server's count.
    pub estimated: bool,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of values sorted ascending.
pub fn percentile(sorted: &[u32], q: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

pub fn figures(tl: &Timeline, n: Option<TokenCount>) -> Figures {
    let mut f = Figures {
        ttft_ms: tl.first_content.map(ms),
        ttfr_ms: tl.first_reasoning.map(ms),
        total_ms: tl.end.map(ms),
        estimated: n.is_some_and(TokenCount::is_estimate),
        ..Default::default()
    };
    if let Some(n) = n.map(TokenCount::value) {
        if let (Some(first), Some(last)) = (tl.first_token, tl.last_token) {
            let span = last.saturating_sub(first).as_secs_f64();
            if n >= 2 && span > 0.0 {
                f.itl_ms = Some(span * 1000.0 / (n - 1) as f64);
                f.decode_tps = Some((n - 1) as f64 / span);
            }
        }
        if let Some(total) = tl.end.filter(|d| !d.is_zero()) {
            f.e2e_tps = Some(n as f64 / total.as_secs_f64());
        }
    }
    if !tl.gaps_us.is_empty() {
        let mut g = tl.gaps_us.clone();
        g.sort_unstable();
        let to_ms = |v: Option<u32>| v.map(|us| us as f64 / 1000.0);
        f.gap_p50_ms = to_ms(percentile(&g, 0.50));
        f.gap_p95_ms = to_ms(percentile(&g, 0.95));
        f.gap_max_ms = to_ms(g.last().copied());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(ms: u64) -> Option<Duration> {
        Some(Duration::from_millis(ms))
    }

    #[test]
    fn formulas_with_fixed_instants() {
        let tl = Timeline {
            first_byte: d(50),
            first_content: d(200),
            first_reasoning: d(100),
            first_token: d(100),
            last_token: d(1100),
            end: d(1200),
            token_chunks: 11,
            gaps_us: vec![100_000; 10],
        };
        let f = figures(&tl, Some(TokenCount::Reported(11)));
        assert_eq!(f.ttft_ms, Some(200.0));
        assert_eq!(f.ttfr_ms, Some(100.0));
        assert_eq!(f.total_ms, Some(1200.0));
        assert!((f.itl_ms.unwrap() - 100.0).abs() < 1e-9);
        assert!((f.decode_tps.unwrap() - 10.0).abs() < 1e-9);
        assert!((f.e2e_tps.unwrap() - 11.0 / 1.2).abs() < 1e-9);
        assert_eq!(f.gap_p50_ms, Some(100.0));
        assert!(!f.estimated);
    }

    #[test]
    fn single_token_has_no_itl_and_estimates_are_marked() {
        let tl = Timeline {
            first_content: d(10),
            first_token: d(10),
            last_token: d(10),
            end: d(20),
            ..Default::default()
        };
        let f = figures(&tl, Some(TokenCount::Estimated(1)));
        assert_eq!(f.itl_ms, None);
        assert_eq!(f.decode_tps, None);
        assert_eq!(f.e2e_tps, Some(50.0));
        assert!(f.estimated);
    }

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), Some(50));
        assert_eq!(percentile(&v, 0.95), Some(95));
        assert_eq!(percentile(&v, 1.0), Some(100));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn one_token_or_no_span_gives_no_rate() {
        let ms = Duration::from_millis;
        let tl = Timeline {
            first_token: Some(ms(10)),
            last_token: Some(ms(10)),
            end: Some(ms(20)),
            ..Default::default()
        };
        let f = figures(&tl, Some(TokenCount::Reported(5)));
        assert_eq!(
            (f.itl_ms, f.decode_tps),
            (None, None),
            "no time between tokens"
        );
        assert_eq!(f.e2e_tps, Some(250.0));
        let tl = Timeline {
            last_token: Some(ms(30)),
            ..tl
        };
        let f = figures(&tl, Some(TokenCount::Reported(1)));
        assert_eq!((f.itl_ms, f.decode_tps), (None, None), "one token");
        let f = figures(&tl, Some(TokenCount::Reported(2)));
        assert_eq!(f.itl_ms, Some(20.0));
        let f = figures(&tl, Some(TokenCount::Reported(3)));
        assert_eq!(f.itl_ms, Some(10.0));
        assert_eq!(f.decode_tps, Some(100.0));
    }
}
