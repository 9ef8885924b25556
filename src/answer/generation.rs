//! An answer completed with the gateway's own stats for it (OpenRouter's `/generation`).

use super::AnswerRecord;
use crate::gateway::generation::Generation;
use crate::metrics::CostSource;

impl AnswerRecord {
    /// Take the gateway's bill, its overhead and the provider from `g`. The bill becomes the
    /// answer's cost (source `gateway`); tokens x price stays beside it in `cost_computed_usd`.
    pub fn apply_generation(&mut self, g: &Generation) {
        if let Some(usd) = g.total_cost_usd {
            self.cost_gateway_usd = Some(usd);
            self.cost_usd = Some(usd);
            self.cost_source = Some(CostSource::Gateway);
        }
        if let Some(ms) = g.overhead_ms() {
            self.gateway_overhead_ms = Some(ms);
        }
        if let Some(p) = &g.provider {
            self.gateway_provider = Some(p.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateways_stats_complete_the_record() {
        let mut r = crate::bench::report::tests::rec(10.0, 20.0, (5, 5), None);
        r.cost_computed_usd = Some(0.001);
        let g = Generation {
            total_cost_usd: Some(0.0012),
            provider: Some("Fireworks".into()),
            latency_ms: Some(1450.0),
            generation_time_ms: Some(1200.0),
            ..Default::default()
        };
        r.apply_generation(&g);
        assert_eq!(r.cost_usd, Some(0.0012));
        assert_eq!(r.cost_source, Some(CostSource::Gateway));
        assert_eq!(r.cost_gateway_usd, Some(0.0012));
        assert_eq!(r.cost_computed_usd, Some(0.001), "ours stays beside it");
        assert_eq!(r.gateway_overhead_ms, Some(250.0));
        assert_eq!(r.gateway_provider.as_deref(), Some("Fireworks"));
        // Stats without a bill leave the cost as it was.
        let before = r.clone();
        r.apply_generation(&Generation::default());
        assert_eq!(r, before);
    }
}
