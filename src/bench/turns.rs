//! Figures per turn of multi-turn conversations (workload lines with `turns`): turn 2 and later
//! resend the whole conversation, so a server that caches prefixes answers them faster and says
//! so in `cached_tokens`. Kept as HDR histograms and sums, so shards merge exactly. Pure.

use serde::{Deserialize, Serialize};

use crate::answer::AnswerRecord;
use crate::metrics::hist::Hist;
use crate::metrics::ratio;

/// One turn index's statistics (turn 1 is a conversation's first request).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TurnStats {
    pub turn: u32,
    pub requests: u64,
    pub succeeded: u64,
    pub ttft_us: Hist,
    pub total_us: Hist,
    /// Requests whose tokens the server counted, their input tokens and the cached part.
    pub counted: u64,
    pub input_tokens: u64,
    pub cached_input_tokens: u64,
}

impl TurnStats {
    fn add(&mut self, rec: &AnswerRecord) {
        self.requests += 1;
        if rec.succeeded() {
            self.succeeded += 1;
            let f = rec.figures();
            if let Some(v) = f.ttft_ms {
                self.ttft_us.record(v * 1000.0);
            }
            if let Some(v) = f.total_ms {
                self.total_us.record(v * 1000.0);
            }
        }
        if let (Some(i), false) = (rec.input_tokens, rec.estimated) {
            self.counted += 1;
            self.input_tokens += i;
            self.cached_input_tokens += rec.cached_input_tokens.unwrap_or(0).min(i);
        }
    }

    fn merge(&mut self, o: &TurnStats) {
        let TurnStats {
            turn: _,
            requests,
            succeeded,
            ttft_us,
            total_us,
            counted,
            input_tokens,
            cached_input_tokens,
        } = o;
        self.requests += requests;
        self.succeeded += succeeded;
        self.ttft_us.merge(ttft_us);
        self.total_us.merge(total_us);
        self.counted += counted;
        self.input_tokens += input_tokens;
        self.cached_input_tokens += cached_input_tokens;
    }
}

/// Longest conversation whose turns are counted apart; later turns count under this one.
pub const MAX_TURNS: u32 = 64;

/// Count `rec` under its turn (1-based), keeping the list in turn order.
pub fn add(by_turn: &mut Vec<TurnStats>, turn: u32, rec: &AnswerRecord) {
    slot(by_turn, turn.clamp(1, MAX_TURNS)).add(rec);
}

fn slot(by_turn: &mut Vec<TurnStats>, turn: u32) -> &mut TurnStats {
    let at = match by_turn.binary_search_by_key(&turn, |t| t.turn) {
        Ok(i) => i,
        Err(i) => {
            by_turn.insert(
                i,
                TurnStats {
                    turn,
                    ..Default::default()
                },
            );
            i
        }
    };
    &mut by_turn[at]
}

/// Add another run's turns to `by_turn`.
pub fn merge(by_turn: &mut Vec<TurnStats>, other: &[TurnStats]) {
    for t in other {
        slot(by_turn, t.turn).merge(t);
    }
}

/// The figures of one turn index, as reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TurnResult {
    pub turn: u32,
    pub requests: u64,
    pub error_rate: Option<f64>,
    pub p50_ttft_ms: Option<f64>,
    pub p95_ttft_ms: Option<f64>,
    pub p50_total_ms: Option<f64>,
    pub mean_input_tokens: Option<f64>,
    /// Cached prompt tokens over prompt tokens, as the server counted them.
    pub cache_hit_rate: Option<f64>,
}

pub fn results(by_turn: &[TurnStats]) -> Vec<TurnResult> {
    let ms = |h: &Hist, q: f64| h.quantile(q).map(|v| v as f64 / 1000.0);
    by_turn
        .iter()
        .map(|t| TurnResult {
            turn: t.turn,
            requests: t.requests,
            error_rate: ratio(t.requests - t.succeeded, t.requests),
            p50_ttft_ms: ms(&t.ttft_us, 0.5),
            p95_ttft_ms: ms(&t.ttft_us, 0.95),
            p50_total_ms: ms(&t.total_us, 0.5),
            mean_input_tokens: ratio(t.input_tokens, t.counted),
            cache_hit_rate: ratio(t.cached_input_tokens, t.input_tokens),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(ttft: f64, input: u64, cached: u64) -> AnswerRecord {
        AnswerRecord {
            cached_input_tokens: Some(cached),
            ..crate::bench::report::tests::rec(ttft, ttft * 2.0, (input, 10), None)
        }
    }

    #[test]
    fn turns_are_counted_apart_in_order_and_merge_exactly() {
        let mut a = Vec::new();
        add(&mut a, 2, &rec(40.0, 300, 200));
        add(&mut a, 1, &rec(100.0, 100, 0));
        add(&mut a, 2, &rec(60.0, 300, 300));
        add(&mut a, 500, &rec(10.0, 50, 0));
        let turns: Vec<u32> = a.iter().map(|t| t.turn).collect();
        assert_eq!(turns, vec![1, 2, MAX_TURNS], "sorted, and capped");
        let r = results(&a);
        assert_eq!(r[0].requests, 1);
        assert_eq!(r[1].requests, 2);
        assert_eq!(r[0].cache_hit_rate, Some(0.0));
        assert_eq!(r[1].cache_hit_rate, Some(500.0 / 600.0));
        assert_eq!(r[1].mean_input_tokens, Some(300.0));
        assert!((r[1].p50_ttft_ms.unwrap() - 40.0).abs() < 0.1, "{r:?}");
        assert!((r[1].p50_total_ms.unwrap() - 80.0).abs() < 0.1, "{r:?}");
        assert_eq!(r[1].error_rate, Some(0.0));

        let mut b = Vec::new();
        add(&mut b, 3, &rec(20.0, 500, 400));
        add(&mut b, 1, &rec(90.0, 100, 0));
        let mut whole = a.clone();
        merge(&mut whole, &b);
        assert_eq!(
            whole
                .iter()
                .map(|t| (t.turn, t.requests))
                .collect::<Vec<_>>(),
            vec![(1, 2), (2, 2), (3, 1), (MAX_TURNS, 1)]
        );
        assert_eq!(whole[2].cached_input_tokens, 400);
        // Every sum merged: turn 1 is 100 and 90 ms, both succeeded, both counted.
        let t1 = &results(&whole)[0];
        assert_eq!((t1.requests, t1.error_rate), (2, Some(0.0)));
        assert_eq!(t1.mean_input_tokens, Some(100.0));
        assert_eq!(
            (whole[0].succeeded, whole[0].counted, whole[0].input_tokens),
            (2, 2, 200)
        );
    }

    #[test]
    fn estimated_counts_and_failures_are_not_taken_as_the_servers_word() {
        let mut a = Vec::new();
        let mut est = rec(10.0, 100, 0);
        est.estimated = true;
        add(&mut a, 1, &est);
        let failed = AnswerRecord {
            error: Some(crate::gateway::GatewayError::Other("boom".into())),
            ..rec(10.0, 100, 50)
        };
        add(&mut a, 1, &failed);
        let r = &results(&a)[0];
        assert_eq!(r.requests, 2);
        assert_eq!(r.error_rate, Some(0.5));
        assert_eq!(r.mean_input_tokens, Some(100.0), "only the counted one");
        assert_eq!(r.cache_hit_rate, Some(0.5));
        // Nothing the server counted: no mean, no cache rate, not a division by zero.
        let mut none = Vec::new();
        add(&mut none, 1, &est);
        assert_eq!(results(&none)[0].mean_input_tokens, None);
        assert_eq!(results(&none)[0].cache_hit_rate, None);
        // A cached count above the prompt is held to the prompt.
        let mut c = Vec::new();
        add(&mut c, 1, &rec(10.0, 100, 900));
        assert_eq!(results(&c)[0].cache_hit_rate, Some(1.0));
    }
}
